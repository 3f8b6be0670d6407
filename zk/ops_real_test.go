package zk_test

import (
	"errors"
	"sort"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/coordkit/coordkit/zk"
	"github.com/coordkit/coordkit/zk/zktest"
)

func TestRealOperations(t *testing.T) {
	servers.Each(t, testRealOperations)
}

func testRealOperations(t *testing.T, srv *zktest.Server) {
	c := dial(t, srv.Addr())
	ctx := ctxFor(t)
	r := root(t, srv, c)

	p, st, err := c.Create2(ctx, r+"/a", []byte("one"), zk.ModePersistent)
	require.NoError(t, err)
	assert.Equal(t, r+"/a", p)
	assert.Equal(t, int32(3), st.DataLength)
	assert.Equal(t, st.Czxid, st.Mzxid)

	data, st2, err := c.Get(ctx, r+"/a")
	require.NoError(t, err)
	assert.Equal(t, "one", string(data))
	assert.Equal(t, st, st2)

	st3, err := c.Set(ctx, r+"/a", []byte("two"), st.Version)
	require.NoError(t, err)
	assert.Equal(t, st.Version+1, st3.Version)
	_, err = c.Set(ctx, r+"/a", []byte("x"), st.Version)
	assert.ErrorIs(t, err, zk.ErrBadVersion)
	var zerr *zk.Error
	require.ErrorAs(t, err, &zerr)
	assert.Equal(t, "set", zerr.Op)
	assert.Equal(t, r+"/a", zerr.Path)

	est, ok, err := c.Exists(ctx, r+"/a")
	require.NoError(t, err)
	assert.True(t, ok)
	assert.Equal(t, st3, est)
	_, ok, err = c.Exists(ctx, r+"/nope")
	require.NoError(t, err)
	assert.False(t, ok)
	_, _, err = c.Get(ctx, r+"/nope")
	assert.ErrorIs(t, err, zk.ErrNoNode)

	// Sequential, ephemeral, container, TTL.
	s1, err := c.Create(ctx, r+"/seq-", nil, zk.ModePersistentSequential)
	require.NoError(t, err)
	s2, err := c.Create(ctx, r+"/seq-", nil, zk.ModeEphemeralSequential)
	require.NoError(t, err)
	assert.Regexp(t, `/seq-\d{10}$`, s1)
	assert.Less(t, s1, s2)
	e, st, err := c.Create2(ctx, r+"/eph", nil, zk.ModeEphemeral)
	require.NoError(t, err)
	assert.Equal(t, c.SessionID(), st.EphemeralOwner)
	_, err = c.Create(ctx, e+"/child", nil, zk.ModePersistent)
	assert.ErrorIs(t, err, zk.ErrNoChildrenForEphemerals)
	cp, cst, err := c.Create2(ctx, r+"/container", nil, zk.ModeContainer)
	require.NoError(t, err)
	assert.Equal(t, r+"/container", cp)
	assert.NotZero(t, cst.Czxid)
	tp, err := c.Create(ctx, r+"/ttl-", nil, zk.ModePersistentSequentialTTL, zk.WithTTL(time.Hour))
	require.NoError(t, err)
	assert.Regexp(t, `/ttl-\d{10}$`, tp)
	_, err = c.Create(ctx, r+"/a", nil, zk.ModePersistent)
	assert.ErrorIs(t, err, zk.ErrNodeExists)
	assert.EqualError(t, err, "create "+r+"/a: zk: node already exists")
	_, err = c.Create(ctx, r+"/no/parent", nil, zk.ModePersistent)
	assert.ErrorIs(t, err, zk.ErrNoNode)

	children, pst, err := c.Children(ctx, r)
	require.NoError(t, err)
	sort.Strings(children)
	assert.Len(t, children, 6)
	assert.Equal(t, int32(6), pst.NumChildren)
	n, err := c.AllChildrenNumber(ctx, r)
	require.NoError(t, err)
	assert.Equal(t, 6, n)

	eph, err := c.Ephemerals(ctx, r+"/")
	require.NoError(t, err)
	sort.Strings(eph)
	assert.Equal(t, []string{r + "/eph", s2}, eph)

	sp, err := c.Sync(ctx, r)
	require.NoError(t, err)
	assert.Equal(t, r, sp)

	who, err := c.WhoAmI(ctx)
	require.NoError(t, err)
	assert.Contains(t, who, zk.ClientInfo{Scheme: "ip", User: "127.0.0.1"})

	acl, ast, err := c.GetACL(ctx, r+"/a")
	require.NoError(t, err)
	assert.Equal(t, zk.OpenACL, acl)
	ast2, err := c.SetACL(ctx, r+"/a", zk.WorldACL(zk.PermRead|zk.PermAdmin), ast.Aversion)
	require.NoError(t, err)
	assert.Equal(t, ast.Aversion+1, ast2.Aversion)
	_, err = c.Set(ctx, r+"/a", nil, zk.AnyVersion)
	assert.ErrorIs(t, err, zk.ErrNoAuth)

	assert.ErrorIs(t, c.Delete(ctx, r, zk.AnyVersion), zk.ErrNotEmpty)
	assert.ErrorIs(t, c.Delete(ctx, r+"/a", 99), zk.ErrBadVersion)
	require.NoError(t, c.Delete(ctx, r+"/a", zk.AnyVersion))
	assert.ErrorIs(t, c.Delete(ctx, r+"/a", zk.AnyVersion), zk.ErrNoNode)
}

func TestRealRefusedBeforeSending(t *testing.T) {
	servers.Each(t, testRealRefusedBeforeSending)
}

func testRealRefusedBeforeSending(t *testing.T, srv *zktest.Server) {
	c := dial(t, srv.Addr())
	ctx := ctxFor(t)
	before := c.Stats().Requests
	_, err := c.Create(ctx, "/a//b", nil, zk.ModePersistent)
	assert.ErrorIs(t, err, zk.ErrInvalidPath)
	_, err = c.Create(ctx, "/ttl", nil, zk.ModePersistentTTL) // no TTL
	assert.ErrorIs(t, err, zk.ErrInvalidArgument)
	_, err = c.Create(ctx, "/big", make([]byte, 1<<20), zk.ModePersistent)
	assert.ErrorIs(t, err, zk.ErrRequestTooLarge)
	assert.Contains(t, err.Error(), "create /big")
	_, err = c.Multi(ctx, zk.CheckOp("/x", 1), zk.SetOp("bad", nil, 1))
	assert.ErrorIs(t, err, zk.ErrInvalidPath)
	assert.False(t, zk.IsRetryable(err))
	assert.Equal(t, before, c.Stats().Requests, "nothing was written")
}

func TestRealLargeData(t *testing.T) {
	servers.Each(t, testRealLargeData)
}

func testRealLargeData(t *testing.T, srv *zktest.Server) {
	c := dial(t, srv.Addr())
	ctx := ctxFor(t)
	r := root(t, srv, c)
	// The largest node the server accepts round-trips through the default
	// reply limit.
	data := make([]byte, 1_048_575-200)
	_, err := c.Create(ctx, r+"/big", data, zk.ModePersistent)
	require.NoError(t, err)
	got, _, err := c.Get(ctx, r+"/big")
	require.NoError(t, err)
	assert.Len(t, got, len(data))
}

func TestRealMulti(t *testing.T) {
	servers.Each(t, testRealMulti)
}

func testRealMulti(t *testing.T, srv *zktest.Server) {
	c := dial(t, srv.Addr())
	ctx := ctxFor(t)
	r := root(t, srv, c)

	res, err := c.Multi(ctx,
		zk.CreateOp(r+"/m", []byte("x"), zk.ModePersistent),
		zk.CreateOp(r+"/m/s-", nil, zk.ModePersistentSequential),
		zk.SetOp(r+"/m", []byte("y"), 0),
		zk.CheckOp(r+"/m", 1),
		zk.CreateOp(r+"/m/c", nil, zk.ModeContainer),
	)
	require.NoError(t, err)
	require.Len(t, res, 5)
	assert.Equal(t, r+"/m", res[0].Path)
	assert.Regexp(t, `/m/s-\d{10}$`, res[1].Path)
	require.NotNil(t, res[2].Stat)
	assert.Equal(t, int32(1), res[2].Stat.Version)
	assert.NotNil(t, res[4].Stat)

	res, err = c.Multi(ctx,
		zk.CreateOp(r+"/m/new", nil, zk.ModePersistent),
		zk.CheckOp(r+"/m", 99),
		zk.DeleteOp(r+"/m", zk.AnyVersion),
	)
	require.Error(t, err)
	assert.ErrorIs(t, err, zk.ErrBadVersion)
	var me *zk.MultiError
	require.ErrorAs(t, err, &me)
	assert.Equal(t, 1, me.Index)
	assert.Equal(t, "check", me.Op)
	require.Len(t, res, 3)
	assert.NoError(t, res[0].Err)
	assert.ErrorIs(t, res[1].Err, zk.ErrBadVersion)
	assert.ErrorIs(t, res[2].Err, zk.ErrRuntimeInconsistency)
	_, ok, err := c.Exists(ctx, r+"/m/new")
	require.NoError(t, err)
	assert.False(t, ok, "a failed multi applies nothing")

	empty, err := c.Multi(ctx)
	require.NoError(t, err)
	assert.Empty(t, empty)

	rr, err := c.MultiRead(ctx, zk.GetOp(r+"/m"), zk.ChildrenOp(r+"/m"), zk.GetOp(r+"/none"))
	require.NoError(t, err)
	require.Len(t, rr, 3)
	assert.Equal(t, "y", string(rr[0].Data))
	assert.Len(t, rr[1].Children, 2)
	assert.ErrorIs(t, rr[2].Err, zk.ErrNoNode)
}

func TestRealBatch(t *testing.T) {
	servers.Each(t, testRealBatch)
}

func testRealBatch(t *testing.T, srv *zktest.Server) {
	c := dial(t, srv.Addr())
	ctx := ctxFor(t)
	r := root(t, srv, c)
	var seen []int
	out := c.Batch(ctx, []zk.Request{
		zk.CreateRequest{Path: r + "/b", Data: []byte("1")},
		zk.GetRequest{Path: r + "/b"},
		zk.SetRequest{Path: r + "/b", Data: []byte("2"), Version: 0},
		zk.ExistsRequest{Path: r + "/none"},
		zk.ChildrenRequest{Path: r},
		zk.CreateRequest{Path: r + "/b"},
		zk.GetRequest{Path: "bad"},
		zk.SyncRequest{Path: r},
		zk.MultiRequest{Ops: []zk.Op{zk.CheckOp(r+"/b", 1)}},
		zk.DeleteRequest{Path: r + "/b", Version: 1},
	}, func(i int, resp zk.Response) { seen = append(seen, i) })
	require.Len(t, out, 10)
	assert.Equal(t, []int{0, 1, 2, 3, 4, 5, 6, 7, 8, 9}, seen)
	for i, resp := range out {
		assert.Equal(t, i, resp.Index)
	}
	assert.Equal(t, zk.Answered, out[0].Outcome)
	assert.Equal(t, r+"/b", out[0].Result.(zk.CreateResult).Path)
	assert.Equal(t, "1", string(out[1].Result.(zk.GetResult).Data))
	assert.Equal(t, int32(1), out[2].Result.(zk.Stat).Version)
	assert.False(t, out[3].Result.(zk.ExistsResult).Exists)
	assert.Equal(t, []string{"b"}, out[4].Result.(zk.ChildrenResult).Children)
	assert.Equal(t, zk.Answered, out[5].Outcome)
	assert.ErrorIs(t, out[5].Err, zk.ErrNodeExists)
	assert.Equal(t, zk.NotSent, out[6].Outcome)
	assert.ErrorIs(t, out[6].Err, zk.ErrInvalidPath)
	assert.Equal(t, r, out[7].Result.(string))
	assert.NoError(t, out[8].Err)
	assert.NoError(t, out[9].Err)
}

func TestRealDigestAuthAndACL(t *testing.T) {
	servers.Each(t, testRealDigestAuthAndACL)
}

func testRealDigestAuthAndACL(t *testing.T, srv *zktest.Server) {
	owner := dial(t, srv.Addr(), zk.WithDigestAuth("alice", "secret"))
	ctx := ctxFor(t)
	r := root(t, srv, owner)
	p, err := owner.Create(ctx, r+"/private", []byte("s"), zk.ModePersistent, zk.WithACL(zk.CreatorAllACL))
	require.NoError(t, err)
	acl, _, err := owner.GetACL(ctx, p)
	require.NoError(t, err)
	assert.Equal(t, []zk.ACL{zk.DigestACL(zk.PermAll, "alice", "secret")}, acl)
	who, err := owner.WhoAmI(ctx)
	require.NoError(t, err)
	assert.Contains(t, who, zk.ClientInfo{Scheme: "digest", User: "alice"})

	other := dial(t, srv.Addr())
	_, _, err = other.Get(ctx, p)
	assert.ErrorIs(t, err, zk.ErrNoAuth)
	require.NoError(t, other.AddAuth(ctx, "digest", []byte("alice:secret")))
	data, _, err := other.Get(ctx, p)
	require.NoError(t, err)
	assert.Equal(t, "s", string(data))

	_, err = other.Create(ctx, r+"/x", nil, zk.ModePersistent, zk.WithACL([]zk.ACL{}))
	assert.ErrorIs(t, err, zk.ErrInvalidArgument)
	_, err = dial(t, srv.Addr()).Create(ctx, r+"/y", nil, zk.ModePersistent, zk.WithACL(zk.CreatorAllACL))
	assert.ErrorIs(t, err, zk.ErrInvalidACL)

	// An unknown scheme is rejected by the server: the Conn ends.
	bad := dial(t, srv.Addr())
	err = bad.AddAuth(ctx, "nosuchscheme", []byte("x"))
	assert.ErrorIs(t, err, zk.ErrAuthFailed)
	<-bad.Done()
	assert.ErrorIs(t, bad.Err(), zk.ErrAuthFailed)
	assert.True(t, errors.Is(bad.Err(), zk.ErrAuthFailed))
}

func TestRealChroot(t *testing.T) {
	servers.Each(t, testRealChroot)
}

func testRealChroot(t *testing.T, srv *zktest.Server) {
	c := dial(t, srv.Addr())
	ctx := ctxFor(t)
	r := root(t, srv, c)
	cc := dial(t, srv.Addr()+r)
	p, err := cc.Create(ctx, "/x-", []byte("v"), zk.ModePersistentSequential)
	require.NoError(t, err)
	assert.Regexp(t, `^/x-\d{10}$`, p)
	data, _, err := c.Get(ctx, r+p)
	require.NoError(t, err)
	assert.Equal(t, "v", string(data))
	children, _, w, err := cc.ChildrenW(ctx, "/")
	require.NoError(t, err)
	assert.Equal(t, []string{p[1:]}, children)
	_, err = c.Create(ctx, r+"/y", nil, zk.ModePersistent)
	require.NoError(t, err)
	assert.Equal(t, zk.Event{Type: zk.EventNodeChildrenChanged, Path: "/"}, next(t, w))
	sp, err := cc.Sync(ctx, "/y")
	require.NoError(t, err)
	assert.Equal(t, "/y", sp)
}
