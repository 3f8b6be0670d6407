package integration

import (
	"context"
	"fmt"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/coordkit/coordkit/zk"
	"github.com/coordkit/coordkit/zk/zktest"
)

// Bounds used throughout. They are generous because the package runs with
// -race on a small shared machine next to JVMs; a healthy run is far below.
const (
	// opTimeout bounds one request or one short sequence of requests.
	opTimeout = 30 * time.Second
	// eventTimeout bounds the wait for one watch or state event.
	eventTimeout = 20 * time.Second
	// startTimeout bounds starting or restarting servers.
	startTimeout = 2 * time.Minute
)

// servers are the standalone servers shared by the package's tests, one
// per backend (the embedded server and a real Apache ZooKeeper), each
// started by the first test that uses it and closed by TestMain. Tests on
// them run once per backend (servers.Each).
var servers zktest.Servers

// The 3-member ensemble shared by the package's tests, started on first use
// and stopped by TestMain. It is real Apache ZooKeeper only: the embedded
// server is a single node. Tests that use it do not run in parallel with
// each other and leave it as they found it (every member running, in a
// quorum).
var shared struct {
	ensembleOnce sync.Once
	ensemble     *zktest.Ensemble
	ensembleErr  error
}

func TestMain(m *testing.M) {
	code := m.Run()
	servers.Close()
	if shared.ensemble != nil {
		shared.ensemble.Close()
	}
	if code == 0 {
		leaked := zktest.LeakedGoroutines(10*time.Second,
			"github.com/coordkit/coordkit/zk.",
			"github.com/coordkit/coordkit/zkserver",
		)
		if leaked != "" {
			fmt.Fprintf(os.Stderr, "zk or zkserver goroutines still running after every test and Close:\n%s\n", leaked)
			code = 1
		}
	}
	os.Exit(code)
}

// ensemble returns the package's 3-member ensemble, starting it on first
// use, and checks that every member runs and serves in a quorum.
func ensemble(t *testing.T) *zktest.Ensemble {
	t.Helper()
	shared.ensembleOnce.Do(func() {
		ctx, cancel := context.WithTimeout(context.Background(), startTimeout)
		defer cancel()
		// Members tolerate 5 s of silence from each other (instead of
		// 1 s) before dropping out of the quorum, so that a machine busy
		// with -race and other JVMs does not disconnect the sessions under
		// test on its own. Killed members are noticed at once anyway
		// (their sockets close), and no test pauses a member.
		shared.ensemble, shared.ensembleErr = zktest.StartEnsembleCtx(ctx, 3,
			zktest.WithConfig("syncLimit", "25"), zktest.WithConfig("initLimit", "50"))
	})
	require.NoError(t, shared.ensembleErr, "start a 3-member ZooKeeper ensemble")
	e := shared.ensemble
	for i := range e.Size() {
		require.True(t, e.Member(i).Running(), "ensemble member %d is not running (a previous test did not restore it)", i)
	}
	ctx, cancel := context.WithTimeout(t.Context(), startTimeout)
	defer cancel()
	require.NoError(t, e.WaitQuorum(ctx))
	t.Cleanup(func() {
		if t.Failed() {
			for i := range e.Size() {
				t.Logf("--- ensemble member %d (%s) log tail:\n%s", i, e.Member(i).Addr(), e.Member(i).LogTail(25))
			}
		}
	})
	return e
}

// restoreMember makes sure member i of e runs again and the ensemble is in
// a quorum, when the test ends, whatever happened to it.
func restoreMember(t *testing.T, e *zktest.Ensemble, i int) {
	t.Cleanup(func() {
		m := e.Member(i)
		m.Resume()
		if !m.Running() {
			ctx, cancel := context.WithTimeout(context.Background(), startTimeout)
			defer cancel()
			if err := m.Restart(ctx); err != nil {
				t.Errorf("restart ensemble member %d: %v", i, err)
				return
			}
		}
		ctx, cancel := context.WithTimeout(context.Background(), startTimeout)
		defer cancel()
		if err := e.WaitQuorum(ctx); err != nil {
			t.Errorf("ensemble after restoring member %d: %v", i, err)
		}
	})
}

// memberIndex returns the index of the member of e whose client address is
// addr, or -1.
func memberIndex(e *zktest.Ensemble, addr string) int {
	for i, s := range e.Servers() {
		if s == addr {
			return i
		}
	}
	return -1
}

// ctxFor returns a context for the test bounded by d.
func ctxFor(t *testing.T, d time.Duration) context.Context {
	ctx, cancel := context.WithTimeout(t.Context(), d)
	t.Cleanup(cancel)
	return ctx
}

// dial opens a session on servers; t.Cleanup closes it.
func dial(t *testing.T, servers []string, opts ...zk.Option) *zk.Conn {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), opTimeout)
	defer cancel()
	c, err := zk.Dial(ctx, servers, opts...)
	require.NoError(t, err, "dial %v", servers)
	t.Cleanup(func() { _ = c.Close() })
	return c
}

var pathSeq atomic.Int64

// uniquePath returns a new top-level path named after the test, so tests
// sharing a server never see each other's nodes.
func uniquePath(t *testing.T) string {
	name := strings.NewReplacer("/", ".", " ", "_", "#", "_").Replace(t.Name())
	return fmt.Sprintf("/it-%s-%d", name, pathSeq.Add(1))
}

// mustCreate creates a persistent node with data.
func mustCreate(t *testing.T, c *zk.Conn, path string, data []byte) {
	t.Helper()
	_, err := c.Create(ctxFor(t, opTimeout), path, data, zk.ModePersistent)
	require.NoError(t, err, "create %s", path)
}

// nextEvent returns the next event from a watch channel, failing the test
// if none comes within eventTimeout or the channel closes.
func nextEvent(t *testing.T, ch <-chan zk.Event, what string) zk.Event {
	t.Helper()
	timer := time.NewTimer(eventTimeout)
	defer timer.Stop()
	select {
	case ev, ok := <-ch:
		require.True(t, ok, "%s: watch channel closed without an event", what)
		return ev
	case <-timer.C:
		require.FailNow(t, "no watch event", "%s: nothing within %v", what, eventTimeout)
		return zk.Event{}
	}
}

// requireEvent receives the next event and checks its type and path.
func requireEvent(t *testing.T, ch <-chan zk.Event, typ zk.EventType, path string) {
	t.Helper()
	ev := nextEvent(t, ch, fmt.Sprintf("waiting for %v on %s", typ, path))
	require.NoError(t, ev.Err, "event %+v", ev)
	require.Equal(t, typ, ev.Type, "event %+v", ev)
	require.Equal(t, path, ev.Path, "event %+v", ev)
}

// requireClosed checks that ch closes within eventTimeout, logging any
// events still pending on it.
func requireClosed(t *testing.T, ch <-chan zk.Event, what string) {
	t.Helper()
	timer := time.NewTimer(eventTimeout)
	defer timer.Stop()
	for {
		select {
		case ev, ok := <-ch:
			if !ok {
				return
			}
			t.Logf("%s: draining %+v", what, ev)
		case <-timer.C:
			require.FailNow(t, "watch channel not closed", "%s: still open after %v", what, eventTimeout)
		}
	}
}

// states subscribes to c's state events for the test.
func states(t *testing.T, c *zk.Conn) <-chan zk.StateEvent {
	return c.StateEvents(t.Context())
}

// nextState returns the next state event, failing the test if none comes
// within d or the channel closes.
func nextState(t *testing.T, ch <-chan zk.StateEvent, d time.Duration) zk.StateEvent {
	t.Helper()
	timer := time.NewTimer(d)
	defer timer.Stop()
	select {
	case ev, ok := <-ch:
		require.True(t, ok, "state event channel closed")
		return ev
	case <-timer.C:
		require.FailNow(t, "no state event", "nothing within %v", d)
		return zk.StateEvent{}
	}
}

// requireAlive checks that c's session lives: c has not ended, and every
// state event pending on ch is a disconnection or a reconnection (a busy
// machine may make a member drop its clients once more; the session must
// survive that too, never expire).
func requireAlive(t *testing.T, c *zk.Conn, ch <-chan zk.StateEvent) {
	t.Helper()
	for {
		select {
		case ev, ok := <-ch:
			require.True(t, ok, "state events closed: the session ended (%v)", c.Err())
			require.Contains(t, []zk.StateEventType{zk.EventDisconnected, zk.EventReconnected}, ev.Type,
				"state event %+v", ev)
			t.Logf("another move of the session: %+v", ev)
		default:
			require.NoError(t, c.Err(), "the session ended")
			return
		}
	}
}
