package zkserver_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/coordkit/coordkit/internal/wire"
	"github.com/coordkit/coordkit/zk"
	"github.com/coordkit/coordkit/zk/zktest"
	"github.com/coordkit/coordkit/zkserver"
)

const testTimeout = 10 * time.Second

func start(t testing.TB, opts ...zkserver.Option) *zkserver.Server {
	t.Helper()
	s, err := zkserver.New(opts...)
	require.NoError(t, err)
	t.Cleanup(func() { require.NoError(t, s.Close()) })
	require.NoError(t, s.Start())
	return s
}

func dial(t testing.TB, s *zkserver.Server, opts ...zk.Option) *zk.Conn {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), testTimeout)
	defer cancel()
	c, err := zk.Dial(ctx, []string{s.Addr()}, opts...)
	require.NoError(t, err)
	t.Cleanup(func() { _ = c.Close() })
	return c
}

func ctxFor(t testing.TB) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), testTimeout)
	t.Cleanup(cancel)
	return ctx
}

func TestClientOperations(t *testing.T) {
	s := start(t)
	c := dial(t, s)
	ctx := ctxFor(t)

	p, err := c.Create(ctx, "/a", []byte("x"), zk.ModePersistent)
	require.NoError(t, err)
	assert.Equal(t, "/a", p)
	data, st, err := c.Get(ctx, "/a")
	require.NoError(t, err)
	assert.Equal(t, "x", string(data))
	assert.Equal(t, int64(2), st.Czxid, "session 1, create 2")
	st, err = c.Set(ctx, "/a", []byte("y"), 0)
	require.NoError(t, err)
	assert.Equal(t, int32(1), st.Version)
	_, err = c.Set(ctx, "/a", []byte("z"), 0)
	require.ErrorIs(t, err, zk.ErrBadVersion)
	assert.Equal(t, int64(4), s.LastZxid(), "the failed write consumed a zxid")

	seq, err := c.Create(ctx, "/a/s-", nil, zk.ModeEphemeralSequential)
	require.NoError(t, err)
	assert.Equal(t, "/a/s-0000000000", seq)
	assert.Equal(t, []string{seq}, s.Ephemerals(c.SessionID()))
	eph, err := c.Ephemerals(ctx, "/")
	require.NoError(t, err)
	assert.Equal(t, []string{seq}, eph)

	n, ok := s.Node("/a")
	require.True(t, ok)
	assert.Equal(t, "y", string(n.Data))
	assert.Equal(t, []string{"s-0000000000"}, n.Children)

	res, err := c.Multi(ctx, zk.CreateOp("/m", nil, zk.ModePersistent), zk.CheckOp("/m", 0), zk.DeleteOp("/m", -1))
	require.NoError(t, err)
	assert.Len(t, res, 3)
	_, err = c.Multi(ctx, zk.CreateOp("/m", nil, zk.ModePersistent), zk.CheckOp("/m", 5))
	var merr *zk.MultiError
	require.ErrorAs(t, err, &merr)
	_, ok = s.Node("/m")
	assert.False(t, ok, "a failed multi applies nothing")

	who, err := c.WhoAmI(ctx)
	require.NoError(t, err)
	assert.Contains(t, who, zk.ClientInfo{Scheme: "ip", User: "127.0.0.1"})
	synced, err := c.Sync(ctx, "/a")
	require.NoError(t, err)
	assert.Equal(t, "/a", synced)
	total, err := c.AllChildrenNumber(ctx, "/a")
	require.NoError(t, err)
	assert.Equal(t, 1, total)
}

func TestClientWatches(t *testing.T) {
	s := start(t)
	c := dial(t, s)
	other := dial(t, s)
	ctx := ctxFor(t)
	_, err := c.Create(ctx, "/w", nil, zk.ModePersistent)
	require.NoError(t, err)

	_, _, dataCh, err := c.GetW(ctx, "/w")
	require.NoError(t, err)
	_, _, childCh, err := c.ChildrenW(ctx, "/w")
	require.NoError(t, err)
	_, ok, existCh, err := c.ExistsW(ctx, "/w/new")
	require.NoError(t, err)
	require.False(t, ok)
	// On another path: ZooKeeper keeps one mode per connection and path,
	// and a recursive watch on /w would turn the child watch into itself.
	pw, err := c.AddWatch(ctx, "/", zk.AddWatchPersistentRecursive)
	require.NoError(t, err)

	_, err = other.Set(ctx, "/w", []byte("1"), -1)
	require.NoError(t, err)
	_, err = other.Create(ctx, "/w/new", nil, zk.ModePersistent)
	require.NoError(t, err)

	assert.Equal(t, zk.Event{Type: zk.EventNodeDataChanged, Path: "/w"}, <-dataCh)
	assert.Equal(t, zk.Event{Type: zk.EventNodeCreated, Path: "/w/new"}, <-existCh)
	assert.Equal(t, zk.Event{Type: zk.EventNodeChildrenChanged, Path: "/w"}, <-childCh)
	for _, want := range []zk.Event{{Type: zk.EventNodeDataChanged, Path: "/w"}, {Type: zk.EventNodeCreated, Path: "/w/new"}} {
		select {
		case ev := <-pw.Events():
			assert.Equal(t, want, ev)
		case <-ctx.Done():
			t.Fatal("no persistent event")
		}
	}
	require.NoError(t, c.RemoveWatches(ctx, "/", zk.WatcherAny))
}

// TestClientReconnectCatchUp drops the connections and changes the tree
// while the client reconnects: its one-shot watch fires either way (as a
// setWatches catch-up or as a plain trigger).
func TestClientReconnectCatchUp(t *testing.T) {
	s := start(t)
	c := dial(t, s)
	other := dial(t, s)
	ctx := ctxFor(t)
	_, err := c.Create(ctx, "/cu", nil, zk.ModePersistent)
	require.NoError(t, err)
	_, _, ch, err := c.GetW(ctx, "/cu")
	require.NoError(t, err)
	s.DropConnections()
	for {
		// A request written to the dropped connection is lost; set again.
		_, err = other.Set(ctx, "/cu", []byte("changed"), -1)
		if !errors.Is(err, zk.ErrConnectionLoss) {
			break
		}
	}
	require.NoError(t, err)
	select {
	case ev := <-ch:
		assert.Equal(t, zk.Event{Type: zk.EventNodeDataChanged, Path: "/cu"}, ev)
	case <-ctx.Done():
		t.Fatal("no catch-up event")
	}
	_, _, err = c.Get(ctx, "/cu")
	require.NoError(t, err, "the session survived the drop")
}

func TestClientDropReplyIsConnectionLoss(t *testing.T) {
	s := start(t)
	c := dial(t, s)
	ctx := ctxFor(t)
	s.SetHook(func(r zkserver.Request) zkserver.Action {
		return zkserver.Action{DropReply: r.Op == int32(wire.OpCreate) && r.Path == "/dropped"}
	})
	_, err := c.Create(ctx, "/dropped", nil, zk.ModePersistent)
	require.ErrorIs(t, err, zk.ErrConnectionLoss)
	_, ok := s.Node("/dropped")
	assert.True(t, ok, "processed before the connection was dropped")
	_, ok, err = c.Exists(ctx, "/dropped")
	require.NoError(t, err, "the client re-attaches")
	assert.True(t, ok)
}

func TestClientHookFailAndDelay(t *testing.T) {
	s := start(t)
	c := dial(t, s)
	ctx := ctxFor(t)
	s.SetHook(func(r zkserver.Request) zkserver.Action {
		switch r.Path {
		case "/fail":
			return zkserver.Action{Fail: int32(wire.ErrNoAuth)}
		case "/slow":
			return zkserver.Action{Delay: 100 * time.Millisecond}
		}
		return zkserver.Action{}
	})
	_, err := c.Create(ctx, "/fail", nil, zk.ModePersistent)
	require.ErrorIs(t, err, zk.ErrNoAuth)
	_, ok := s.Node("/fail")
	assert.False(t, ok)
	begin := time.Now()
	_, err = c.Create(ctx, "/slow", nil, zk.ModePersistent)
	require.NoError(t, err)
	assert.GreaterOrEqual(t, time.Since(begin), 100*time.Millisecond)
}

func TestClientExpireSession(t *testing.T) {
	s := start(t)
	c := dial(t, s)
	watcher := dial(t, s)
	ctx := ctxFor(t)
	_, err := c.Create(ctx, "/e", nil, zk.ModeEphemeral)
	require.NoError(t, err)
	_, _, ch, err := watcher.ExistsW(ctx, "/e")
	require.NoError(t, err)
	require.NoError(t, s.ExpireSession(c.SessionID()))
	assert.Equal(t, zk.Event{Type: zk.EventNodeDeleted, Path: "/e"}, <-ch)
	select {
	case <-c.Done():
		assert.ErrorIs(t, c.Err(), zk.ErrSessionExpired)
	case <-ctx.Done():
		t.Fatal("the client did not learn of the expiry")
	}
}

func TestClientSessionExpiryWithFakeClock(t *testing.T) {
	clk := zkserver.NewFakeClock(time.Unix(1_700_000_000, 0))
	s := start(t, zkserver.WithClock(clk), zkserver.WithTickTime(100*time.Millisecond),
		zkserver.WithSessionTimeouts(200*time.Millisecond, time.Hour))
	c := dial(t, s, zk.WithSessionTimeout(2*time.Second))
	watcher := dial(t, s, zk.WithSessionTimeout(time.Hour))
	ctx := ctxFor(t)
	_, err := c.Create(ctx, "/eph", nil, zk.ModeEphemeral)
	require.NoError(t, err)
	_, _, ch, err := watcher.ExistsW(ctx, "/eph")
	require.NoError(t, err)
	// The client pings every few hundred ms of real time; the server's
	// clock moves a second per poll, faster than the pings renew it.
	zktest.Eventually(t, func() bool {
		clk.Advance(time.Second)
		_, ok := s.Node("/eph")
		return !ok
	}, testTimeout, "the ephemeral node goes with its session")
	assert.Equal(t, zk.Event{Type: zk.EventNodeDeleted, Path: "/eph"}, <-ch)
	select {
	case <-c.Done():
		assert.ErrorIs(t, c.Err(), zk.ErrSessionExpired)
	case <-ctx.Done():
		t.Fatal("the client did not learn of the expiry")
	}
}

func TestClientTTLAndContainerReaping(t *testing.T) {
	clk := zkserver.NewFakeClock(time.Unix(1_700_000_000, 0))
	s := start(t, zkserver.WithClock(clk), zkserver.WithContainerCheckInterval(time.Second))
	c := dial(t, s)
	ctx := ctxFor(t)
	_, err := c.Create(ctx, "/ttl", nil, zk.ModePersistentTTL, zk.WithTTL(5*time.Second))
	require.NoError(t, err)
	_, err = c.Create(ctx, "/box", nil, zk.ModeContainer)
	require.NoError(t, err)
	_, err = c.Create(ctx, "/box/x", nil, zk.ModePersistent)
	require.NoError(t, err)
	require.NoError(t, c.Delete(ctx, "/box/x", -1))
	n, ok := s.Node("/ttl")
	require.True(t, ok)
	assert.Equal(t, int64(5000), n.TTL)

	zktest.Eventually(t, func() bool {
		clk.Advance(time.Second)
		_, ok := s.Node("/box")
		return !ok
	}, testTimeout, "the emptied container is reaped")
	_, ok = s.Node("/ttl")
	require.True(t, ok, "the TTL has not passed yet")
	zktest.Eventually(t, func() bool {
		clk.Advance(time.Second)
		_, ok := s.Node("/ttl")
		return !ok
	}, testTimeout, "the TTL node is reaped")
}

func TestSrvrParses(t *testing.T) {
	s := start(t)
	c := dial(t, s)
	_, err := c.Create(ctxFor(t), "/x", nil, zk.ModePersistent)
	require.NoError(t, err)
	st, err := zktest.Srvr(ctxFor(t), s.Addr())
	require.NoError(t, err)
	assert.Equal(t, "standalone", st.Mode)
	assert.Equal(t, s.LastZxid(), st.Zxid)
	assert.Equal(t, 2, st.Connections)
	assert.Equal(t, 6, st.NodeCount, "ZooKeeper's count of a fresh tree (5) and /x")
	assert.Positive(t, st.Received)
	assert.Contains(t, st.Version, "3.8.0-coordkit")
	assert.True(t, zktest.Ruok(ctxFor(t), s.Addr()))
}

func TestClientRejectedCredential(t *testing.T) {
	s := start(t)
	ctx, cancel := context.WithTimeout(context.Background(), testTimeout)
	defer cancel()
	_, err := zk.Dial(ctx, []string{s.Addr()}, zk.WithAuth("nope", []byte("x")))
	require.Error(t, err)
	assert.True(t, errors.Is(err, zk.ErrAuthFailed), "%v", err)
}

func TestClientSuperDigest(t *testing.T) {
	s := start(t, zkserver.WithSuperDigest("admin", "pw"))
	bob := dial(t, s, zk.WithDigestAuth("bob", "secret"))
	ctx := ctxFor(t)
	_, err := bob.Create(ctx, "/private", []byte("bob's"), zk.ModePersistent,
		zk.WithACL([]zk.ACL{zk.DigestACL(zk.PermAll, "bob", "secret")}))
	require.NoError(t, err)

	anon := dial(t, s)
	_, _, err = anon.Get(ctx, "/private")
	require.ErrorIs(t, err, zk.ErrNoAuth)
	wrong := dial(t, s, zk.WithDigestAuth("admin", "nope"))
	_, _, err = wrong.Get(ctx, "/private")
	require.ErrorIs(t, err, zk.ErrNoAuth)
	admin := dial(t, s, zk.WithDigestAuth("admin", "pw"))
	data, _, err := admin.Get(ctx, "/private")
	require.NoError(t, err, "super bypasses every ACL")
	assert.Equal(t, "bob's", string(data))
	require.NoError(t, admin.Delete(ctx, "/private", -1))
}
