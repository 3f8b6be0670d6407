package integration

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/coordkit/coordkit/zk"
	"github.com/coordkit/coordkit/zk/zktest"
)

// TestSessionExpiry expires a live session on the server and checks that
// the Conn ends for good and says so everywhere: Done and Err, the state
// events, every watcher, pending and new requests; and that the server
// deleted the session's ephemeral nodes.
func TestSessionExpiry(t *testing.T) {
	servers.Each(t, testSessionExpiry)
}

func testSessionExpiry(t *testing.T, srv *zktest.Server) {
	ctx := ctxFor(t, startTimeout)
	// The session reaches the server through a proxy, so that the test can
	// keep it disconnected (Refuse) while it queues requests, and then let
	// it learn of the expiry.
	px := zktest.NewProxy(t, srv.Addr())
	c := dial(t, []string{px.Addr()})
	observer := dial(t, []string{srv.Addr()})

	base := uniquePath(t)
	mustCreate(t, c, base, nil)
	mustCreate(t, c, base+"/data", nil)
	eph, err := c.Create(ctx, base+"/eph", nil, zk.ModeEphemeral)
	require.NoError(t, err)
	ephSeq, err := c.Create(ctx, base+"/eph-", nil, zk.ModeEphemeralSequential)
	require.NoError(t, err)

	stateCh := states(t, c)
	_, _, dataCh, err := c.GetW(ctx, base+"/data")
	require.NoError(t, err)
	_, _, missingCh, err := c.ExistsW(ctx, base+"/missing")
	require.NoError(t, err)
	_, _, kidsCh, err := c.ChildrenW(ctx, base)
	require.NoError(t, err)
	w := addWatch(t, c, base, zk.AddWatchPersistentRecursive)
	wp := addWatch(t, c, base+"/data", zk.AddWatchPersistent)

	px.Refuse() // the existing connection passes; new ones are closed
	require.NoError(t, zktest.ExpireSession(ctx, srv.Addr(), c.SessionID(), c.SessionPassword()))

	// The server deleted the ephemerals with the session.
	for _, p := range []string{eph, ephSeq} {
		_, ok, err := observer.Exists(ctx, p)
		require.NoError(t, err)
		assert.False(t, ok, "ephemeral %s outlived its session", p)
	}

	// The client lost its connection and cannot reconnect yet: requests
	// made now wait for a connection.
	ev := nextState(t, stateCh, eventTimeout)
	require.Equal(t, zk.EventDisconnected, ev.Type, "%+v", ev)
	assert.Nil(t, c.Err(), "suspended, not over: the client does not know yet")
	pendingGet := c.GetAsync(ctx, base+"/data")
	pendingCreate := c.CreateAsync(ctx, base+"/late", nil, zk.ModePersistent)

	px.Pass() // reconnect: the server answers that the session is gone
	ev = nextState(t, stateCh, eventTimeout)
	require.Equal(t, zk.EventExpired, ev.Type, "%+v", ev)
	assert.ErrorIs(t, ev.Err, zk.ErrSessionExpired)
	requireStateClosed(t, stateCh)

	select {
	case <-c.Done():
	default:
		require.FailNow(t, "Done not closed after EventExpired")
	}
	require.ErrorIs(t, c.Err(), zk.ErrSessionExpired)
	assert.Equal(t, zk.StateExpired, c.State())

	// Requests queued while disconnected, and new ones, fail with the
	// expiry; none is retryable, none happened.
	_, err = pendingGet.Wait(ctx)
	assert.ErrorIs(t, err, zk.ErrSessionExpired, "pending get")
	assert.False(t, zk.IsRetryable(err))
	_, err = pendingCreate.Wait(ctx)
	assert.ErrorIs(t, err, zk.ErrSessionExpired, "pending create")
	assert.False(t, zk.IsRetryable(err))
	_, _, err = c.Get(ctx, base+"/data")
	assert.ErrorIs(t, err, zk.ErrSessionExpired, "new get")
	assert.False(t, zk.IsRetryable(err))
	_, err = c.Create(ctx, base+"/late2", nil, zk.ModePersistent)
	assert.ErrorIs(t, err, zk.ErrSessionExpired, "new create")
	_, _, ch, err := c.GetW(ctx, base+"/data")
	assert.ErrorIs(t, err, zk.ErrSessionExpired, "new watch")
	assert.Nil(t, ch)
	for _, p := range []string{base + "/late", base + "/late2"} {
		_, ok, err := observer.Exists(ctx, p)
		require.NoError(t, err)
		assert.False(t, ok, "%s created after the expiry", p)
	}

	// Every watcher is told, then closed.
	for name, ch := range map[string]<-chan zk.Event{
		"data watch": dataCh, "exist watch": missingCh, "child watch": kidsCh,
	} {
		ev := nextEvent(t, ch, name)
		assert.ErrorIs(t, ev.Err, zk.ErrSessionExpired, "%s: %+v", name, ev)
		requireClosed(t, ch, name)
	}
	for name, pw := range map[string]*zk.Watch{"recursive watch": w, "persistent watch": wp} {
		ev := nextEvent(t, pw.Events(), name)
		assert.ErrorIs(t, ev.Err, zk.ErrSessionExpired, "%s: %+v", name, ev)
		requireClosed(t, pw.Events(), name)
		assert.ErrorIs(t, pw.Err(), zk.ErrSessionExpired, name)
	}

	// Close after expiry is harmless and keeps the reason.
	assert.NoError(t, c.Close())
	assert.ErrorIs(t, c.Err(), zk.ErrSessionExpired)
	zktest.Eventually(t, func() bool { return px.Conns() == 0 }, eventTimeout,
		"the expired Conn keeps no connection open")
}

// requireStateClosed checks that a state event channel closes, with no
// further event, within eventTimeout.
func requireStateClosed(t *testing.T, ch <-chan zk.StateEvent) {
	t.Helper()
	timer := time.NewTimer(eventTimeout)
	defer timer.Stop()
	select {
	case ev, ok := <-ch:
		assert.False(t, ok, "state event after the final one: %+v", ev)
	case <-timer.C:
		assert.Fail(t, "state event channel not closed after the final event")
	}
}
