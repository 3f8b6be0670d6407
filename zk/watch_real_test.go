package zk_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/coordkit/coordkit/zk"
	"github.com/coordkit/coordkit/zk/zktest"
)

func TestRealOneShotWatches(t *testing.T) {
	servers.Each(t, testRealOneShotWatches)
}

func testRealOneShotWatches(t *testing.T, srv *zktest.Server) {
	c := dial(t, srv.Addr())
	ctx := ctxFor(t)
	r := root(t, srv, c)

	_, ok, exist, err := c.ExistsW(ctx, r+"/n")
	require.NoError(t, err)
	assert.False(t, ok)
	_, _, child, err := c.ChildrenW(ctx, r)
	require.NoError(t, err)
	_, err = c.Create(ctx, r+"/n", []byte("a"), zk.ModePersistent)
	require.NoError(t, err)
	assert.Equal(t, zk.Event{Type: zk.EventNodeCreated, Path: r + "/n"}, next(t, exist))
	assert.Equal(t, zk.Event{Type: zk.EventNodeChildrenChanged, Path: r}, next(t, child))
	_, ok = <-exist
	assert.False(t, ok)

	_, _, data, err := c.GetW(ctx, r+"/n")
	require.NoError(t, err)
	_, _, data2, err := c.GetW(ctx, r+"/n") // a second watcher of the same path
	require.NoError(t, err)
	_, err = c.Set(ctx, r+"/n", []byte("b"), zk.AnyVersion)
	require.NoError(t, err)
	assert.Equal(t, zk.EventNodeDataChanged, next(t, data).Type)
	assert.Equal(t, zk.EventNodeDataChanged, next(t, data2).Type)

	_, _, data, err = c.GetW(ctx, r+"/n")
	require.NoError(t, err)
	require.NoError(t, c.Delete(ctx, r+"/n", zk.AnyVersion))
	assert.Equal(t, zk.Event{Type: zk.EventNodeDeleted, Path: r + "/n"}, next(t, data))

	// RemoveWatches tells the local watchers.
	_, _, data, err = c.GetW(ctx, r)
	require.NoError(t, err)
	require.NoError(t, c.RemoveWatches(ctx, r, zk.WatcherData))
	assert.Equal(t, zk.Event{Type: zk.EventDataWatchRemoved, Path: r}, next(t, data))
	assert.ErrorIs(t, c.RemoveWatches(ctx, r, zk.WatcherData), zk.ErrNoWatcher)
}

func TestRealPersistentRecursiveWatch(t *testing.T) {
	servers.Each(t, testRealPersistentRecursiveWatch)
}

func testRealPersistentRecursiveWatch(t *testing.T, srv *zktest.Server) {
	c := dial(t, srv.Addr())
	ctx := ctxFor(t)
	r := root(t, srv, c)
	// The persistent watch is not on r itself: ZooKeeper 3.8 keeps one
	// watch mode per connection and path (ZOOKEEPER-4466).
	_, err := c.Create(ctx, r+"/p", nil, zk.ModePersistent)
	require.NoError(t, err)
	w, err := c.AddWatch(ctx, r, zk.AddWatchPersistentRecursive)
	require.NoError(t, err)
	pw, err := c.AddWatch(ctx, r+"/p", zk.AddWatchPersistent)
	require.NoError(t, err)

	// Many changes without reading: the reader must not stall.
	const n = 300
	var futs []*zk.Future[string]
	for i := range n {
		futs = append(futs, c.CreateAsync(ctx, r+"/c"+pad(i), nil, zk.ModePersistent))
		futs = append(futs, c.CreateAsync(ctx, r+"/p/c"+pad(i), nil, zk.ModePersistent))
	}
	for _, f := range futs {
		_, err := f.Wait(ctx)
		require.NoError(t, err)
	}
	_, err = c.Create(ctx, r+"/c000/deep", nil, zk.ModePersistent)
	require.NoError(t, err)
	_, err = c.Set(ctx, r+"/c000/deep", []byte("x"), zk.AnyVersion)
	require.NoError(t, err)
	require.NoError(t, c.Delete(ctx, r+"/c000/deep", zk.AnyVersion))

	for i := range n {
		assert.Equal(t, zk.Event{Type: zk.EventNodeCreated, Path: r + "/c" + pad(i)}, next(t, w.Events()), "event %d in order", i)
		assert.Equal(t, zk.Event{Type: zk.EventNodeCreated, Path: r + "/p/c" + pad(i)}, next(t, w.Events()), "event %d in order", i)
	}
	assert.Equal(t, zk.EventNodeCreated, next(t, w.Events()).Type)
	assert.Equal(t, zk.EventNodeDataChanged, next(t, w.Events()).Type)
	assert.Equal(t, zk.Event{Type: zk.EventNodeDeleted, Path: r + "/c000/deep"}, next(t, w.Events()))
	for range n {
		assert.Equal(t, zk.Event{Type: zk.EventNodeChildrenChanged, Path: r + "/p"}, next(t, pw.Events()))
	}

	require.NoError(t, w.Remove(ctx))
	_, ok := <-w.Events()
	assert.False(t, ok)
	assert.ErrorIs(t, w.Err(), zk.ErrWatchRemoved)
	require.NoError(t, c.RemoveWatches(ctx, r+"/p", zk.WatcherAny))
	assert.Equal(t, zk.EventPersistentWatchRemoved, next(t, pw.Events()).Type)
	_, ok = <-pw.Events()
	assert.False(t, ok)
}

func pad(i int) string {
	return string([]byte{'0' + byte(i/100), '0' + byte(i/10%10), '0' + byte(i%10)})
}

func TestRealSessionExpiry(t *testing.T) {
	servers.Each(t, testRealSessionExpiry)
}

func testRealSessionExpiry(t *testing.T, srv *zktest.Server) {
	proxy := zktest.NewProxy(t, srv.Addr())
	c := dial(t, proxy.Addr(), zk.WithReconnectBackoff(time.Millisecond, 50*time.Millisecond))
	ctx := ctxFor(t)
	r := root(t, srv, dial(t, srv.Addr()))
	events := c.StateEvents(ctx)
	_, err := c.Create(ctx, r+"/eph", nil, zk.ModeEphemeral)
	require.NoError(t, err)
	_, _, watch, err := c.GetW(ctx, r+"/eph")
	require.NoError(t, err)
	pw, err := c.AddWatch(ctx, r, zk.AddWatchPersistent)
	require.NoError(t, err)

	// Keep the client away while the session is expired, then let it
	// find out.
	proxy.Refuse()
	proxy.Reset()
	require.NoError(t, zktest.ExpireSession(ctx, srv.Addr(), c.SessionID(), c.SessionPassword()))
	proxy.Pass()
	select {
	case <-c.Done():
	case <-time.After(15 * time.Second):
		t.Fatal("the Conn did not learn that its session expired")
	}
	assert.ErrorIs(t, c.Err(), zk.ErrSessionExpired)
	var last zk.StateEvent
	for ev := range events {
		last = ev
	}
	assert.Equal(t, zk.EventExpired, last.Type)
	ev := next(t, watch)
	assert.Equal(t, zk.EventNotWatching, ev.Type)
	assert.ErrorIs(t, ev.Err, zk.ErrSessionExpired)
	var pevs []zk.Event
	for ev := range pw.Events() {
		pevs = append(pevs, ev)
	}
	require.NotEmpty(t, pevs)
	assert.Equal(t, zk.EventNotWatching, pevs[len(pevs)-1].Type)
	_, _, err = c.Get(ctx, r)
	assert.ErrorIs(t, err, zk.ErrSessionExpired)

	_, ok, err := dial(t, srv.Addr()).Exists(ctx, r+"/eph")
	require.NoError(t, err)
	assert.False(t, ok, "the expired session's ephemeral node is gone")
}

func TestRealReconnectKeepsSessionAndWatches(t *testing.T) {
	servers.Each(t, testRealReconnectKeepsSessionAndWatches)
}

func testRealReconnectKeepsSessionAndWatches(t *testing.T, srv *zktest.Server) {
	proxy := zktest.NewProxy(t, srv.Addr())
	c := dial(t, proxy.Addr(), zk.WithReconnectBackoff(time.Millisecond, 20*time.Millisecond),
		zk.WithDigestAuth("carol", "pw"))
	other := dial(t, srv.Addr())
	ctx := ctxFor(t)
	r := root(t, srv, other)
	events := c.StateEvents(ctx)
	sid := c.SessionID()
	_, err := c.Create(ctx, r+"/eph", nil, zk.ModeEphemeral, zk.WithACL(zk.CreatorAllACL))
	require.NoError(t, err)
	_, _, dataW, err := c.GetW(ctx, r+"/eph")
	require.NoError(t, err)
	pw, err := c.AddWatch(ctx, r, zk.AddWatchPersistentRecursive)
	require.NoError(t, err)

	proxy.Reset()
	assert.Equal(t, zk.EventDisconnected, next(t, events).Type)
	assert.Equal(t, zk.EventReconnected, next(t, events).Type)
	assert.Equal(t, sid, c.SessionID())
	assert.Equal(t, uint64(1), c.Stats().Reconnects)

	// The credential was re-sent: the creator-only node is still ours.
	_, err = c.Set(ctx, r+"/eph", []byte("x"), zk.AnyVersion)
	require.NoError(t, err)
	assert.Equal(t, zk.Event{Type: zk.EventNodeDataChanged, Path: r + "/eph"}, next(t, dataW))
	assert.Equal(t, zk.Event{Type: zk.EventNodeDataChanged, Path: r + "/eph"}, next(t, pw.Events()))
	_, err = other.Create(ctx, r+"/new", nil, zk.ModePersistent)
	require.NoError(t, err)
	assert.Equal(t, zk.Event{Type: zk.EventNodeCreated, Path: r + "/new"}, next(t, pw.Events()))
	require.NoError(t, pw.Remove(ctx))
}

func TestRealSetWatchesCatchUp(t *testing.T) {
	servers.Each(t, testRealSetWatchesCatchUp)
}

func testRealSetWatchesCatchUp(t *testing.T, srv *zktest.Server) {
	proxy := zktest.NewProxy(t, srv.Addr())
	c := dial(t, proxy.Addr(), zk.WithReconnectBackoff(time.Millisecond, 20*time.Millisecond))
	other := dial(t, srv.Addr())
	ctx := ctxFor(t)
	r := root(t, srv, other)
	_, err := other.Create(ctx, r+"/d", []byte("1"), zk.ModePersistent)
	require.NoError(t, err)
	events := c.StateEvents(ctx)
	_, _, dataW, err := c.GetW(ctx, r+"/d")
	require.NoError(t, err)
	_, _, existW, err := c.ExistsW(ctx, r+"/later")
	require.NoError(t, err)
	_, _, childW, err := c.ChildrenW(ctx, r)
	require.NoError(t, err)

	proxy.Refuse()
	proxy.Reset()
	assert.Equal(t, zk.EventDisconnected, next(t, events).Type)
	// Changes while c is disconnected.
	_, err = other.Set(ctx, r+"/d", []byte("2"), zk.AnyVersion)
	require.NoError(t, err)
	_, err = other.Create(ctx, r+"/later", nil, zk.ModePersistent)
	require.NoError(t, err)
	select {
	case ev := <-dataW:
		t.Fatalf("event before reconnecting: %v", ev)
	default:
	}
	proxy.Pass()
	assert.Equal(t, zk.EventReconnected, next(t, events).Type)
	assert.Equal(t, zk.Event{Type: zk.EventNodeDataChanged, Path: r + "/d"}, next(t, dataW))
	assert.Equal(t, zk.Event{Type: zk.EventNodeCreated, Path: r + "/later"}, next(t, existW))
	assert.Equal(t, zk.Event{Type: zk.EventNodeChildrenChanged, Path: r}, next(t, childW))
}

func TestRealLostRequestWhenRepliesDropped(t *testing.T) {
	servers.Each(t, testRealLostRequestWhenRepliesDropped)
}

func testRealLostRequestWhenRepliesDropped(t *testing.T, srv *zktest.Server) {
	proxy := zktest.NewProxy(t, srv.Addr())
	c := dial(t, proxy.Addr(), zk.WithSessionTimeout(2*time.Second),
		zk.WithReconnectBackoff(time.Millisecond, 20*time.Millisecond))
	ctx := ctxFor(t)
	r := root(t, srv, dial(t, srv.Addr()))
	proxy.DropReplies()
	f := c.CreateAsync(ctx, r+"/maybe", nil, zk.ModePersistent)
	_, err := f.Wait(ctx)
	assert.ErrorIs(t, err, zk.ErrConnectionLoss)
	assert.Equal(t, zk.Lost, f.Outcome())
	proxy.Pass()
	// The create did happen: that is why a lost request's outcome is unknown.
	_, ok, err := c.Exists(ctx, r+"/maybe")
	require.NoError(t, err)
	assert.True(t, ok)
	_ = context.Background
}
