package lock_test

import (
	"context"
	"fmt"
	"os"
	"path"
	"sort"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/coordkit/coordkit/recipes/lock"
	"github.com/coordkit/coordkit/zk"
	"github.com/coordkit/coordkit/zk/zktest"
)

// Bounds used throughout. They are generous because the package runs with
// -race on a small shared machine next to JVMs; a healthy run is far below.
const (
	// opTimeout bounds one request, one Lock or one short sequence.
	opTimeout = 30 * time.Second
	// eventTimeout bounds the wait for one event (a loss, a grant).
	eventTimeout = 20 * time.Second
)

// servers are the standalone servers shared by the package's tests, one per
// backend (the embedded server and a real Apache ZooKeeper), each started by
// the first test that uses it and closed by TestMain.
var servers zktest.Servers

func TestMain(m *testing.M) {
	code := m.Run()
	servers.Close()
	if code == 0 {
		leaked := zktest.LeakedGoroutines(10*time.Second,
			"github.com/coordkit/coordkit/zk.",
			"github.com/coordkit/coordkit/zkserver",
			"github.com/coordkit/coordkit/recipes/lock.",
			"github.com/coordkit/coordkit/recipes/internal/",
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
func dial(t *testing.T, addr string, opts ...zk.Option) *zk.Conn {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), opTimeout)
	defer cancel()
	c, err := zk.Dial(ctx, []string{addr}, opts...)
	require.NoError(t, err, "dial %s", addr)
	t.Cleanup(func() { _ = c.Close() })
	return c
}

var pathSeq atomic.Int64

// uniquePath returns a new lock path named after the test, so tests sharing
// a server never see each other's nodes.
func uniquePath(t *testing.T) string {
	name := strings.NewReplacer("/", ".", " ", "_", "#", "_").Replace(t.Name())
	return fmt.Sprintf("/locktest/%s-%d", name, pathSeq.Add(1))
}

// newMutex returns a Mutex on p through c.
func newMutex(t *testing.T, c *zk.Conn, p string, opts ...lock.Option) *lock.Mutex {
	t.Helper()
	m, err := lock.New(c, p, opts...)
	require.NoError(t, err)
	return m
}

// lockNow takes m, failing the test if it cannot within opTimeout.
func lockNow(t *testing.T, m *lock.Mutex) *lock.Hold {
	t.Helper()
	h, err := m.Lock(ctxFor(t, opTimeout))
	require.NoError(t, err, "lock %s", m.Path())
	require.NoError(t, h.Err())
	return h
}

// children returns the sorted children of p as c sees them (none if p is
// missing).
func children(t *testing.T, c *zk.Conn, p string) []string {
	t.Helper()
	kids, _, err := c.Children(ctxFor(t, opTimeout), p)
	if err != nil {
		require.ErrorIs(t, err, zk.ErrNoNode, "children of %s", p)
		return nil
	}
	sort.Strings(kids)
	return kids
}

// waitChildren waits until p has n children, as c sees them.
func waitChildren(t *testing.T, c *zk.Conn, p string, n int) []string {
	t.Helper()
	var kids []string
	zktest.Eventually(t, func() bool {
		kids = children(t, c, p)
		return len(kids) == n
	}, eventTimeout, "%s to have %d children", p, n)
	return kids
}

// holding is what a Hold and a Lease have in common.
type holding interface {
	Lost() <-chan struct{}
	Err() error
}

// requireLost waits until h's Lost channel is closed.
func requireLost(t *testing.T, h holding, what string) {
	t.Helper()
	select {
	case <-h.Lost():
	case <-time.After(eventTimeout):
		require.FailNow(t, "hold not lost", "%s: Lost still open after %v", what, eventTimeout)
	}
}

// requireHeld checks that h's Lost channel is still open.
func requireHeld(t *testing.T, h holding, what string) {
	t.Helper()
	select {
	case <-h.Lost():
		require.FailNow(t, "hold lost", "%s: %v", what, h.Err())
	default:
	}
}

// waitState waits for the next state event of type typ on ch.
func waitState(t *testing.T, ch <-chan zk.StateEvent, typ zk.StateEventType) zk.StateEvent {
	t.Helper()
	timer := time.NewTimer(eventTimeout)
	defer timer.Stop()
	for {
		select {
		case ev, ok := <-ch:
			require.True(t, ok, "state events ended waiting for %v", typ)
			if ev.Type == typ {
				return ev
			}
		case <-timer.C:
			require.FailNow(t, "no state event", "no %v within %v", typ, eventTimeout)
		}
	}
}

// base returns the last component of p.
func base(p string) string { return path.Base(p) }
