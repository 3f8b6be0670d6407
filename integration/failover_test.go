package integration

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/coordkit/coordkit/zk"
	"github.com/coordkit/coordkit/zk/zktest"
)

// TestFailover checks that a session survives the loss of the ensemble
// member it is connected to: it moves to another member with the same id,
// its credentials, and every watch, one-shot and persistent.
func TestFailover(t *testing.T) {
	e := ensemble(t)

	t.Run("KillMember", func(t *testing.T) {
		cases := []struct {
			name   string
			leader bool
		}{
			{name: "follower", leader: false},
			{name: "leader", leader: true},
		}
		for _, tc := range cases {
			t.Run(tc.name, func(t *testing.T) {
				testKillMember(t, e, tc.leader)
			})
		}
	})

	t.Run("CatchUpAfterPartition", func(t *testing.T) {
		testCatchUp(t, e)
	})
}

// testKillMember kills -9 the member a session is on (the leader or a
// follower), then checks the session, its auth and its watches on the
// member it moved to.
func testKillMember(t *testing.T, e *zktest.Ensemble, leader bool) {
	ctx := ctxFor(t, startTimeout)
	victim := roleMember(t, e, leader)
	victimAddr := e.Member(victim).Addr()
	restoreMember(t, e, victim)

	base := uniquePath(t)
	setup := dial(t, others(e, victim))
	mustCreate(t, setup, base, nil)
	mustCreate(t, setup, base+"/data", []byte("v0"))
	mustCreate(t, setup, base+"/kids", nil)
	_, err := setup.Create(ctx, base+"/secret", []byte("bob's"), zk.ModePersistent,
		zk.WithACL([]zk.ACL{zk.DigestACL(zk.PermAll, "bob", "secret")}))
	require.NoError(t, err)

	watched := dialPinned(t, e.Servers(), victimAddr, zk.WithDigestAuth("bob", "secret"))
	sid := watched.SessionID()
	stateCh := states(t, watched)
	// The member serves the watched session only what it has applied.
	_, err = watched.Sync(ctx, base)
	require.NoError(t, err)

	_, _, dataCh, err := watched.GetW(ctx, base+"/data")
	require.NoError(t, err)
	_, ok, existsCh, err := watched.ExistsW(ctx, base+"/later")
	require.NoError(t, err)
	require.False(t, ok)
	_, _, kidsCh, err := watched.ChildrenW(ctx, base+"/kids")
	require.NoError(t, err)
	w := addWatch(t, watched, base, zk.AddWatchPersistentRecursive)

	e.Member(victim).Kill()

	ev := nextState(t, stateCh, eventTimeout)
	require.Equal(t, zk.EventDisconnected, ev.Type, "first state event after the kill: %+v", ev)
	assert.Equal(t, victimAddr, ev.Server, "the server lost")
	ev = nextState(t, stateCh, startTimeout)
	require.Equal(t, zk.EventReconnected, ev.Type, "the session re-attached, not expired: %+v", ev)
	assert.Equal(t, sid, ev.SessionID)
	assert.NotEqual(t, victimAddr, ev.Server)

	assert.Equal(t, sid, watched.SessionID(), "same session")
	now := watched.Server()
	assert.NotEqual(t, victimAddr, now, "moved off the killed member")
	assert.GreaterOrEqual(t, memberIndex(e, now), 0, "moved to a member: %q", now)
	assert.Equal(t, zk.StateConnected, watched.State())
	assert.GreaterOrEqual(t, watched.Stats().Reconnects, uint64(1))

	// A round trip on the new connection: the watch re-registration sent
	// ahead of it has been processed by the new member.
	data, _, err := watched.Get(ctx, base+"/secret")
	require.NoError(t, err, "auth re-sent on the new connection")
	assert.Equal(t, "bob's", string(data))

	// Changes after the move, from another session, fire the watches set
	// before the kill.
	writer := dial(t, others(e, victim))
	require.NoError(t, set(ctx, writer, base+"/data", []byte("v1")))
	require.NoError(t, create(ctx, writer, base+"/later", nil))
	require.NoError(t, create(ctx, writer, base+"/kids/k", nil))

	requireEvent(t, dataCh, zk.EventNodeDataChanged, base+"/data")
	requireClosed(t, dataCh, "one-shot data watch")
	requireEvent(t, existsCh, zk.EventNodeCreated, base+"/later")
	requireClosed(t, existsCh, "one-shot exists watch")
	requireEvent(t, kidsCh, zk.EventNodeChildrenChanged, base+"/kids")
	requireClosed(t, kidsCh, "one-shot child watch")
	requireEvent(t, w.Events(), zk.EventNodeDataChanged, base+"/data")
	requireEvent(t, w.Events(), zk.EventNodeCreated, base+"/later")
	requireEvent(t, w.Events(), zk.EventNodeCreated, base+"/kids/k")
	assert.NoError(t, w.Err(), "the persistent watch lives on")

	requireAlive(t, watched, stateCh)
}

// syncMember makes member i apply every committed change (a sync through
// a session of its own on that member).
func syncMember(t *testing.T, e *zktest.Ensemble, i int, path string) {
	t.Helper()
	c := dial(t, []string{e.Member(i).Addr()})
	_, err := c.Sync(ctxFor(t, opTimeout), path)
	require.NoError(t, err, "sync on member %d", i)
	require.NoError(t, c.Close())
}

// testCatchUp partitions a session from its member (a black-holing proxy),
// changes watched nodes from another session meanwhile, and checks that
// when the session has moved, the server's setWatches catch-up reports
// every change to the one-shot watches set before the partition, while the
// persistent watch, which ZooKeeper does not catch up, misses a change no
// one-shot watch covered.
func testCatchUp(t *testing.T, e *zktest.Ensemble) {
	ctx := ctxFor(t, startTimeout)
	proxies := make([]*zktest.Proxy, e.Size())
	addrs := make([]string, e.Size())
	for i := range proxies {
		proxies[i] = zktest.NewProxy(t, e.Member(i).Addr())
		addrs[i] = proxies[i].Addr()
	}
	cut := roleMember(t, e, false)

	base := uniquePath(t)
	writer := dial(t, others(e, cut))
	for _, p := range []string{"", "/data", "/gone", "/kids", "/same"} {
		mustCreate(t, writer, base+p, []byte("v0"))
	}

	watched := dialPinned(t, addrs, addrs[cut])
	sid := watched.SessionID()
	stateCh := states(t, watched)
	// The member serves the watched session only what it has applied.
	_, err := watched.Sync(ctx, base)
	require.NoError(t, err)

	_, _, dataCh, err := watched.GetW(ctx, base+"/data")
	require.NoError(t, err)
	_, _, goneCh, err := watched.GetW(ctx, base+"/gone")
	require.NoError(t, err)
	_, _, newCh, err := watched.ExistsW(ctx, base+"/new")
	require.NoError(t, err)
	_, _, kidsCh, err := watched.ChildrenW(ctx, base+"/kids")
	require.NoError(t, err)
	_, _, sameCh, err := watched.GetW(ctx, base+"/same")
	require.NoError(t, err)
	w := addWatch(t, watched, base, zk.AddWatchPersistentRecursive)
	zxidBefore := watched.LastZxid()

	// Partition: nothing more reaches the watched session, and the events
	// of the changes below are lost with its connection.
	proxies[cut].Blackhole()
	st, err := writer.Set(ctx, base+"/data", []byte("v1"), 0)
	require.NoError(t, err)
	require.NoError(t, writer.Delete(ctx, base+"/gone", 0))
	_, err = writer.Create(ctx, base+"/new", nil, zk.ModePersistent)
	require.NoError(t, err)
	_, err = writer.Create(ctx, base+"/kids/k", nil, zk.ModePersistent)
	require.NoError(t, err)
	assert.Greater(t, st.Mzxid, zxidBefore)
	// Every member the session may move to has applied the changes (a
	// member applies commits asynchronously; one that lagged would fire
	// the re-installed watches live instead of catching them up).
	for i := range e.Size() {
		if i != cut {
			syncMember(t, e, i, base)
		}
	}

	// Cut the connection; its member stays unreachable through this proxy.
	proxies[cut].Reset()
	proxies[cut].Refuse()

	ev := nextState(t, stateCh, eventTimeout)
	require.Equal(t, zk.EventDisconnected, ev.Type, "%+v", ev)
	ev = nextState(t, stateCh, startTimeout)
	require.Equal(t, zk.EventReconnected, ev.Type, "%+v", ev)
	assert.Equal(t, sid, ev.SessionID)
	assert.NotEqual(t, addrs[cut], watched.Server())
	assert.Equal(t, sid, watched.SessionID())

	// Catch-up events for what changed during the partition.
	requireEvent(t, dataCh, zk.EventNodeDataChanged, base+"/data")
	requireClosed(t, dataCh, "one-shot data watch")
	requireEvent(t, goneCh, zk.EventNodeDeleted, base+"/gone")
	requireClosed(t, goneCh, "one-shot data watch on a deleted node")
	requireEvent(t, newCh, zk.EventNodeCreated, base+"/new")
	requireClosed(t, newCh, "one-shot exists watch")
	requireEvent(t, kidsCh, zk.EventNodeChildrenChanged, base+"/kids")
	requireClosed(t, kidsCh, "one-shot child watch")

	// /same did not change: its watch was re-installed and fires on the
	// next change.
	_, err = watched.Sync(ctx, base) // the re-registration has been processed
	require.NoError(t, err)
	require.NoError(t, set(ctx, writer, base+"/same", []byte("v1")))
	requireEvent(t, sameCh, zk.EventNodeDataChanged, base+"/same")
	requireClosed(t, sameCh, "one-shot data watch on an unchanged node")

	// The persistent watch got no catch-up of its own: before the change
	// of /same it saw only the catch-up events the server sent for the
	// one-shot watches (which the client, like ZooKeeper's, hands to every
	// watch on the path), not the create of /kids/k, which no one-shot
	// watch covered.
	var before []zk.Event
	for {
		ev := nextEvent(t, w.Events(), "persistent watch, waiting for the change of /same")
		require.NoError(t, ev.Err)
		if ev.Path == base+"/same" {
			assert.Equal(t, zk.EventNodeDataChanged, ev.Type)
			break
		}
		before = append(before, ev)
	}
	assert.ElementsMatch(t, []zk.Event{
		{Type: zk.EventNodeDataChanged, Path: base + "/data"},
		{Type: zk.EventNodeDeleted, Path: base + "/gone"},
		{Type: zk.EventNodeCreated, Path: base + "/new"},
	}, before, "events of the partition reaching the persistent watch")
	assert.NoError(t, w.Err())
	requireAlive(t, watched, stateCh)
}
