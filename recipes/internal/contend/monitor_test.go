package contend

import (
	"bytes"
	"errors"
	"runtime"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/coordkit/coordkit/recipes/internal/recipetest"
	"github.com/coordkit/coordkit/zk"
	"github.com/coordkit/coordkit/zk/zktest"
)

// TestMonitorReleasing checks that a loss seen while releasing is reported
// only if the release fails: a release that succeeds ends the hold with the
// holder's cause.
func TestMonitorReleasing(t *testing.T) {
	errReleased := errors.New("released")
	servers.Each(t, func(t *testing.T, srv *zktest.Server) {
		for _, tc := range []struct {
			name      string
			succeeded bool
			want      error
		}{
			{"release succeeds", true, errReleased},
			{"release fails", false, ErrNodeDeleted},
		} {
			t.Run(tc.name, func(t *testing.T) {
				ctx := recipetest.Context(t, recipetest.OpTimeout)
				c := newContest(t, srv)
				node, _, err := c.Join(ctx, "lock-")
				require.NoError(t, err)
				m := Watch(c.Conn, node.Path, Policy{})
				t.Cleanup(func() { m.Stop(errReleased) })

				m.SetReleasing(true)
				require.NoError(t, c.Conn.Delete(ctx, node.Path, zk.AnyVersion))
				if tc.succeeded {
					m.Stop(errReleased)
				} else {
					m.SetReleasing(false)
				}
				select {
				case <-m.Lost():
				case <-time.After(recipetest.OpTimeout):
					require.FailNow(t, "Lost still open")
				}
				assert.ErrorIs(t, m.Cause(), tc.want)
			})
		}
	})
}

// TestMonitorStartsWhenAsked checks that a monitor without grace runs no
// goroutine until someone asks about the hold (Arm), that one with a grace
// runs one from the start, and that Stop ends them.
func TestMonitorStartsWhenAsked(t *testing.T) {
	srv := zktest.Run(t)
	ctx := recipetest.Context(t, recipetest.OpTimeout)
	c := &Contest{Conn: recipetest.Dial(t, srv.Addr()), Dir: recipetest.UniquePath(t), Markers: LockMarkers}
	node, _, err := c.Join(ctx, "lock-")
	require.NoError(t, err)

	var ms []*Monitor
	for range 5 {
		ms = append(ms, Watch(c.Conn, node.Path, Policy{}))
	}
	ignoring := Watch(c.Conn, node.Path, Policy{IgnoreSuspension: true})
	assert.Zero(t, monitorGoroutines(), "monitors nobody asked about")
	ms[0].Arm()
	ignoring.Arm()
	requireMonitorGoroutines(t, 2, "after two Arms")
	graced := Watch(c.Conn, node.Path, Policy{Grace: time.Second})
	requireMonitorGoroutines(t, 3, "with a grace")

	for _, m := range append(ms, ignoring, graced) {
		require.NoError(t, m.Cause())
		m.Stop(ErrNodeDeleted)
		assert.ErrorIs(t, m.Cause(), ErrNodeDeleted)
	}
	assert.Zero(t, monitorGoroutines(), "after Stop")
	ms[1].Arm() // after Stop: starts nothing
	assert.Zero(t, monitorGoroutines(), "an Arm after Stop")
}

// TestMonitorUnaskedSuspension checks that a monitor nobody asked about
// still tells a suspension that began and ended meanwhile (the client
// reconnected), unless suspensions are ignored.
func TestMonitorUnaskedSuspension(t *testing.T) {
	servers.Each(t, func(t *testing.T, srv *zktest.Server) {
		ctx := recipetest.Context(t, recipetest.OpTimeout)
		px := zktest.NewProxy(t, srv.Addr())
		c := &Contest{Conn: recipetest.DialSuspendable(t, px), Dir: recipetest.UniquePath(t), Markers: LockMarkers}
		node, _, err := c.Join(ctx, "lock-")
		require.NoError(t, err)
		m := Watch(c.Conn, node.Path, Policy{})
		ignoring := Watch(c.Conn, node.Path, Policy{IgnoreSuspension: true})
		t.Cleanup(func() { m.Stop(ErrNodeDeleted); ignoring.Stop(ErrNodeDeleted) })
		require.NoError(t, m.Cause())

		states := c.Conn.StateEvents(t.Context())
		px.Reset()
		recipetest.WaitState(t, states, zk.EventReconnected)
		assert.ErrorIs(t, m.Cause(), ErrSuspended)
		select {
		case <-m.Lost():
		default:
			assert.Fail(t, "Lost open after a suspension")
		}
		assert.NoError(t, ignoring.Cause(), "a monitor ignoring suspensions")
	})
}

// requireMonitorGoroutines waits until n goroutines run a Monitor (a
// goroutine just started may not be running yet).
func requireMonitorGoroutines(t *testing.T, n int, msg string) {
	t.Helper()
	require.Eventually(t, func() bool { return monitorGoroutines() == n }, recipetest.OpTimeout, time.Millisecond,
		"%s: %d goroutines run a Monitor, want %d", msg, monitorGoroutines(), n)
}

// monitorGoroutines counts the goroutines running a Monitor.
func monitorGoroutines() int {
	buf := make([]byte, 1<<20)
	buf = buf[:runtime.Stack(buf, true)]
	return bytes.Count(buf, []byte("contend.(*Monitor).run("))
}
