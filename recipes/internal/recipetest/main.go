package recipetest

import (
	"context"
	"fmt"
	"os"
	"sort"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/coordkit/coordkit/zk"
	"github.com/coordkit/coordkit/zk/zktest"
)

// Bounds used throughout. They are generous because the recipes' tests run
// with -race on a small shared machine next to JVMs; a healthy run is far
// below.
const (
	// OpTimeout bounds one request, one grant or one short sequence.
	OpTimeout = 30 * time.Second
	// EventTimeout bounds the wait for one event (a loss, a grant).
	EventTimeout = 20 * time.Second
)

// Main runs a package's tests, closes servers, and then, if the tests
// passed, checks for goroutines left running by the client (package zk),
// the server (zkserver) or code under one of the package prefixes given
// (for example "github.com/coordkit/coordkit/recipes/lock."). It returns
// the exit code:
//
//	func TestMain(m *testing.M) {
//		os.Exit(recipetest.Main(m, &servers, "github.com/coordkit/coordkit/recipes/lock."))
//	}
func Main(m *testing.M, servers *zktest.Servers, prefixes ...string) int {
	code := m.Run()
	servers.Close()
	if code != 0 {
		return code
	}
	prefixes = append([]string{
		"github.com/coordkit/coordkit/zk.",
		"github.com/coordkit/coordkit/zkserver",
	}, prefixes...)
	if leaked := zktest.LeakedGoroutines(10*time.Second, prefixes...); leaked != "" {
		fmt.Fprintf(os.Stderr, "goroutines still running after every test and Close:\n%s\n", leaked)
		return 1
	}
	return 0
}

// Context returns a context for the test bounded by d; t.Cleanup cancels
// it.
func Context(t testing.TB, d time.Duration) context.Context {
	ctx, cancel := context.WithTimeout(t.Context(), d)
	t.Cleanup(cancel)
	return ctx
}

// Dial opens a session on addr, failing the test if it cannot within
// OpTimeout; t.Cleanup closes it.
func Dial(t testing.TB, addr string, opts ...zk.Option) *zk.Conn {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), OpTimeout)
	defer cancel()
	c, err := zk.Dial(ctx, []string{addr}, opts...)
	require.NoError(t, err, "dial %s", addr)
	t.Cleanup(func() { _ = c.Close() })
	return c
}

var pathSeq atomic.Int64

// UniquePath returns a new path named after the test, under /recipetest,
// so that tests sharing a server never see each other's nodes. Nothing
// creates it.
func UniquePath(t testing.TB) string {
	name := strings.NewReplacer("/", ".", " ", "_", "#", "_").Replace(t.Name())
	return fmt.Sprintf("/recipetest/%s-%d", name, pathSeq.Add(1))
}

// Children returns the sorted children of p as c sees them (none if p is
// missing).
func Children(t testing.TB, c *zk.Conn, p string) []string {
	t.Helper()
	kids, _, err := c.Children(Context(t, OpTimeout), p)
	if err != nil {
		require.ErrorIs(t, err, zk.ErrNoNode, "children of %s", p)
		return nil
	}
	sort.Strings(kids)
	return kids
}

// WaitChildren waits until p has n children, as c sees them, and returns
// them sorted.
func WaitChildren(t testing.TB, c *zk.Conn, p string, n int) []string {
	t.Helper()
	var kids []string
	zktest.Eventually(t, func() bool {
		kids = Children(t, c, p)
		return len(kids) == n
	}, EventTimeout, "%s to have %d children", p, n)
	return kids
}
