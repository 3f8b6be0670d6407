package integration

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/coordkit/coordkit/zk"
	"github.com/coordkit/coordkit/zk/zktest"
)

// readOnlySession starts a 3-member ensemble of its own in read-only mode,
// stops members 1 and 2 so that member 0 serves read-only, and opens a
// WithReadOnly session there, checking that it reads and that writes fail
// with ErrNotReadOnly. ZooKeeper 3.5+ creates a session in read-only mode
// only with local sessions enabled.
func readOnlySession(t *testing.T, ctx context.Context, opts ...zk.Option) (*zktest.Ensemble, *zk.Conn, <-chan zk.StateEvent) {
	t.Helper()
	e := zktest.StartEnsemble(t, 3,
		zktest.WithSystemProperty("readonlymode.enabled", "true"),
		zktest.WithConfig("localSessionsEnabled", "true"))
	e.Member(1).Stop()
	e.Member(2).Stop()
	ro := e.Member(0).Addr()
	require.NoError(t, zktest.WaitUntil(ctx, func() bool {
		out, err := zktest.FourLetterWord(ctx, ro, "isro")
		return err == nil && out == "ro"
	}), "member 0 serves read-only")

	c := dial(t, e.Servers(), append([]zk.Option{zk.WithReadOnly(true)}, opts...)...)
	events := c.StateEvents(ctx)
	require.Equal(t, zk.StateReadOnly, c.State())
	require.Equal(t, ro, c.Server())
	_, _, err := c.Get(ctx, "/")
	require.NoError(t, err, "reads work read-only")
	_, err = c.Create(ctx, uniquePath(t), nil, zk.ModePersistent)
	require.True(t, errors.Is(err, zk.ErrNotReadOnly), "write read-only: %v", err)
	return e, c, events
}

// awaitReadWrite waits for EventReconnected (failing on a final event), then
// checks that the Conn is read-write and writes work. It returns the
// EventDisconnected that preceded it.
func awaitReadWrite(t *testing.T, ctx context.Context, c *zk.Conn, events <-chan zk.StateEvent) zk.StateEvent {
	t.Helper()
	started := time.Now()
	wait, cancel := context.WithTimeout(ctx, eventTimeout)
	defer cancel()
	var seen []zk.StateEventType
	var disc zk.StateEvent
	for done := false; !done; {
		select {
		case ev := <-events:
			t.Logf("%v: server %s session %#x err %v", ev.Type, ev.Server, ev.SessionID, ev.Err)
			seen = append(seen, ev.Type)
			require.False(t, ev.Type == zk.EventExpired || ev.Type == zk.EventClosed, "session ended: %v", ev.Err)
			if ev.Type == zk.EventDisconnected {
				disc = ev
			}
			done = ev.Type == zk.EventReconnected
		case <-wait.Done():
			t.Fatalf("no EventReconnected within %v; events %v, state %v", eventTimeout, seen, c.State())
		}
	}
	t.Logf("read-write %v after the quorum (events %v)", time.Since(started), seen)
	assert.Equal(t, zk.StateConnected, c.State())
	p := uniquePath(t)
	_, err := c.Create(ctx, p, []byte("rw"), zk.ModePersistent)
	require.NoError(t, err, "write after moving to a read-write server")
	data, _, err := c.Get(ctx, p)
	require.NoError(t, err)
	assert.Equal(t, []byte("rw"), data)
	return disc
}

// TestReadOnlyToReadWrite: once the stopped members are back, the session
// started read-only moves to a read-write server by itself (here the
// read-only member rejoins the quorum and drops its clients) and becomes a
// read-write session with a new id.
func TestReadOnlyToReadWrite(t *testing.T) {
	ctx, cancel := context.WithTimeout(t.Context(), startTimeout)
	defer cancel()
	e, c, events := readOnlySession(t, ctx)
	roID := c.SessionID()

	for _, i := range []int{1, 2} {
		require.NoError(t, e.Member(i).Restart(ctx))
	}
	require.NoError(t, e.WaitQuorum(ctx))
	awaitReadWrite(t, ctx, c, events)
	assert.NotEqual(t, roID, c.SessionID(), "the read-only server's local session is replaced")
}

// TestReadOnlyProbeFindsReadWrite: the read-only member is frozen while the
// others form a quorum, so its connection stays open but silent; the Conn's
// "isro" probe finds a read-write member well before the read timeout and
// moves there.
func TestReadOnlyProbeFindsReadWrite(t *testing.T) {
	ctx, cancel := context.WithTimeout(t.Context(), startTimeout)
	defer cancel()
	// A long session timeout: the frozen connection would take 20 s to be
	// declared dead, so only the probe can move the Conn in time.
	e, c, events := readOnlySession(t, ctx, zk.WithSessionTimeout(30*time.Second))

	e.Member(0).Pause()
	t.Cleanup(e.Member(0).Resume)
	for _, i := range []int{1, 2} {
		require.NoError(t, e.Member(i).Restart(ctx))
	}
	require.NoError(t, e.WaitQuorum(ctx))
	disc := awaitReadWrite(t, ctx, c, events)
	require.Error(t, disc.Err)
	assert.Contains(t, disc.Err.Error(), "read-write server was found")
	assert.True(t, strings.HasSuffix(disc.Err.Error(), c.Server()), "moved to the server found: %v, now on %s", disc.Err, c.Server())
}
