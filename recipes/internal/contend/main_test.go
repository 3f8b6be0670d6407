package contend

import (
	"context"
	"fmt"
	"os"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/coordkit/coordkit/zk"
	"github.com/coordkit/coordkit/zk/zktest"
)

// opTimeout bounds one request or one short sequence of requests, with
// room for -race on a small shared machine.
const opTimeout = 30 * time.Second

// servers are the standalone servers shared by the package's tests, one
// per backend, each started on first use and closed by TestMain.
var servers zktest.Servers

func TestMain(m *testing.M) {
	code := m.Run()
	servers.Close()
	if code == 0 {
		leaked := zktest.LeakedGoroutines(10*time.Second,
			"github.com/coordkit/coordkit/zk.",
			"github.com/coordkit/coordkit/zkserver",
			"github.com/coordkit/coordkit/recipes/internal/contend.",
		)
		if leaked != "" {
			fmt.Fprintf(os.Stderr, "goroutines still running after every test and Close:\n%s\n", leaked)
			code = 1
		}
	}
	os.Exit(code)
}

// ctxFor returns a context for the test bounded by d.
func ctxFor(t *testing.T, d time.Duration) context.Context {
	ctx, cancel := context.WithTimeout(t.Context(), d)
	t.Cleanup(cancel)
	return ctx
}

// dial opens a session on addr; t.Cleanup closes it.
func dial(t *testing.T, addr string) *zk.Conn {
	t.Helper()
	c, err := zk.Dial(ctxFor(t, opTimeout), []string{addr})
	require.NoError(t, err, "dial %s", addr)
	t.Cleanup(func() { _ = c.Close() })
	return c
}
