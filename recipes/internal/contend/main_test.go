package contend

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"runtime"
	"strings"
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
		if leaked := leakedGoroutines(); leaked != "" {
			fmt.Fprintf(os.Stderr, "goroutines still running after every test and Close:\n%s\n", leaked)
			code = 1
		}
	}
	os.Exit(code)
}

// leakedGoroutines waits (bounded) until no goroutine runs code of the zk
// client, the embedded server or this package (its tests aside), and
// returns the stacks of those that still do.
func leakedGoroutines() string {
	var found string
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	_ = zktest.WaitUntil(ctx, func() bool {
		buf := make([]byte, 1<<20)
		buf = buf[:runtime.Stack(buf, true)]
		var leaked []string
		for _, g := range bytes.Split(buf, []byte("\n\n")) {
			if bytes.Contains(g, []byte("leakedGoroutines")) {
				continue
			}
			if bytes.Contains(g, []byte("github.com/coordkit/coordkit/zk.")) ||
				bytes.Contains(g, []byte("github.com/coordkit/coordkit/zkserver")) ||
				bytes.Contains(g, []byte("github.com/coordkit/coordkit/recipes/internal/contend.")) {
				leaked = append(leaked, string(g))
			}
		}
		found = strings.Join(leaked, "\n\n")
		return len(leaked) == 0
	})
	return found
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
