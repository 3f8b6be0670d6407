package integration

import (
	"bytes"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/coordkit/coordkit/zk"
	"github.com/coordkit/coordkit/zk/zktest"
)

// bobDigest is the digest ACL id of bob:secret as ZooKeeper computes it
// (protocol reference §12.2).
const bobDigest = "bob:fyVmFCwVbTJYrznoSu1koqYEYF0="

func TestCreate(t *testing.T) {
	servers.Each(t, testCreate)
}

func testCreate(t *testing.T, srv *zktest.Server) {
	c := dial(t, []string{srv.Addr()})
	other := dial(t, []string{srv.Addr()}) // a second session, for changes and checks
	cases := []struct {
		name       string
		mode       zk.CreateMode
		opts       []zk.CreateOption
		sequential bool
		ephemeral  bool
	}{
		{name: "persistent", mode: zk.ModePersistent},
		{name: "ephemeral", mode: zk.ModeEphemeral, ephemeral: true},
		{name: "persistent-sequential", mode: zk.ModePersistentSequential, sequential: true},
		{name: "ephemeral-sequential", mode: zk.ModeEphemeralSequential, sequential: true, ephemeral: true},
		{name: "container", mode: zk.ModeContainer},
		{name: "ttl", mode: zk.ModePersistentTTL, opts: []zk.CreateOption{zk.WithTTL(time.Hour)}},
		{name: "ttl-sequential", mode: zk.ModePersistentSequentialTTL, opts: []zk.CreateOption{zk.WithTTL(time.Hour)}, sequential: true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			ctx := ctxFor(t, opTimeout)
			parent := uniquePath(t)
			mustCreate(t, c, parent, nil)
			data := []byte("data of " + tc.name)

			// Create2: the path and the Stat.
			got, st, err := c.Create2(ctx, parent+"/n-", data, tc.mode, tc.opts...)
			require.NoError(t, err)
			// Create: the path only.
			got2, err := c.Create(ctx, parent+"/m-", data, tc.mode, tc.opts...)
			require.NoError(t, err)

			if tc.sequential {
				// The suffix is the parent's child-creation counter
				// before the create: 0, then 1.
				assert.Equal(t, parent+"/n-0000000000", got)
				assert.Equal(t, parent+"/m-0000000001", got2)
			} else {
				assert.Equal(t, parent+"/n-", got)
				assert.Equal(t, parent+"/m-", got2)
			}
			wantOwner := int64(0) // containers and TTL nodes report 0 too
			if tc.ephemeral {
				wantOwner = c.SessionID()
			}
			assert.Equal(t, wantOwner, st.EphemeralOwner, "ephemeralOwner")
			assert.Equal(t, int32(len(data)), st.DataLength)

			gotData, gst, err := other.Get(ctx, got)
			require.NoError(t, err, "the node exists for another session")
			assert.Equal(t, data, gotData)
			assert.Equal(t, st, gst, "Create2's Stat is the node's Stat")

			if tc.ephemeral {
				_, err := c.Create(ctx, got+"/child", nil, zk.ModePersistent)
				assert.ErrorIs(t, err, zk.ErrNoChildrenForEphemerals)
			}
		})
	}

	t.Run("sequential-trailing-slash", func(t *testing.T) {
		// The client validates path+"1" for sequential creates, as the
		// reference client does: a trailing slash is fine.
		ctx := ctxFor(t, opTimeout)
		parent := uniquePath(t)
		mustCreate(t, c, parent, nil)
		got, err := c.Create(ctx, parent+"/", nil, zk.ModePersistentSequential)
		require.NoError(t, err)
		assert.Equal(t, parent+"/0000000000", got)
	})

	t.Run("existing", func(t *testing.T) {
		ctx := ctxFor(t, opTimeout)
		p := uniquePath(t)
		mustCreate(t, c, p, nil)
		_, err := c.Create(ctx, p, nil, zk.ModePersistent)
		require.ErrorIs(t, err, zk.ErrNodeExists)
		var zerr *zk.Error
		require.ErrorAs(t, err, &zerr)
		assert.Equal(t, "create", zerr.Op)
		assert.Equal(t, p, zerr.Path)
		assert.Equal(t, "create "+p+": zk: node already exists", err.Error())
	})

	t.Run("missing-parent", func(t *testing.T) {
		_, err := c.Create(ctxFor(t, opTimeout), uniquePath(t)+"/child", nil, zk.ModePersistent)
		assert.ErrorIs(t, err, zk.ErrNoNode)
	})

	t.Run("bad-ttl-arguments", func(t *testing.T) {
		ctx := ctxFor(t, opTimeout)
		p := uniquePath(t)
		cases := []struct {
			name string
			mode zk.CreateMode
			opts []zk.CreateOption
		}{
			{name: "ttl-mode-without-ttl", mode: zk.ModePersistentTTL},
			{name: "ttl-on-persistent", mode: zk.ModePersistent, opts: []zk.CreateOption{zk.WithTTL(time.Minute)}},
			{name: "ttl-on-ephemeral", mode: zk.ModeEphemeral, opts: []zk.CreateOption{zk.WithTTL(time.Minute)}},
			{name: "zero-ttl", mode: zk.ModePersistentTTL, opts: []zk.CreateOption{zk.WithTTL(0)}},
			{name: "unknown-mode", mode: zk.CreateMode(7)},
		}
		before := c.Stats()
		for _, tc := range cases {
			_, err := c.Create(ctx, p, nil, tc.mode, tc.opts...)
			assert.ErrorIs(t, err, zk.ErrInvalidArgument, tc.name)
		}
		assertNothingSent(t, before, c.Stats())
		_, ok, err := other.Exists(ctx, p)
		require.NoError(t, err)
		assert.False(t, ok)
	})

	t.Run("container-lifecycle", func(t *testing.T) {
		// The server's reaper (every second under zktest) deletes a
		// container that had a child and has none left; a container
		// that never had one stays.
		ctx := ctxFor(t, opTimeout)
		used, unused := uniquePath(t), uniquePath(t)
		_, err := c.Create(ctx, unused, nil, zk.ModeContainer)
		require.NoError(t, err)
		_, err = c.Create(ctx, used, nil, zk.ModeContainer)
		require.NoError(t, err)
		_, err = c.Create(ctx, used+"/child", nil, zk.ModePersistent)
		require.NoError(t, err)
		_, ok, err := c.Exists(ctx, used)
		require.NoError(t, err)
		require.True(t, ok)
		require.NoError(t, c.Delete(ctx, used+"/child", zk.AnyVersion))
		eventuallyGone(t, other, used, "the emptied container")
		_, ok, err = other.Exists(ctx, unused)
		require.NoError(t, err)
		assert.True(t, ok, "a never-used container stays")
	})

	t.Run("ttl-lifecycle", func(t *testing.T) {
		// A TTL node without children goes once it has not been
		// modified for its TTL.
		ctx := ctxFor(t, opTimeout)
		p := uniquePath(t)
		_, err := c.Create(ctx, p, nil, zk.ModePersistentTTL, zk.WithTTL(300*time.Millisecond))
		require.NoError(t, err)
		eventuallyGone(t, other, p, "the TTL node")
	})
}

func TestCreate2Stat(t *testing.T) {
	servers.Each(t, testCreate2Stat)
}

func testCreate2Stat(t *testing.T, srv *zktest.Server) {
	c := dial(t, []string{srv.Addr()})
	ctx := ctxFor(t, opTimeout)
	parent := uniquePath(t)
	_, pst0, err := c.Create2(ctx, parent, nil, zk.ModePersistent)
	require.NoError(t, err)
	data := []byte("twelve bytes")
	before := time.Now().UnixMilli()
	p, st, err := c.Create2(ctx, parent+"/child", data, zk.ModePersistent)
	after := time.Now().UnixMilli()
	require.NoError(t, err)
	assert.Equal(t, parent+"/child", p)

	assert.Greater(t, st.Czxid, pst0.Czxid, "czxid after the parent's")
	assert.Equal(t, st.Czxid, st.Mzxid, "mzxid = czxid on create")
	assert.Equal(t, st.Czxid, st.Pzxid, "pzxid = czxid on create")
	assert.Equal(t, st.Ctime, st.Mtime, "mtime = ctime on create")
	assert.InDelta(t, (before+after)/2, st.Ctime, float64(after-before)/2+5000, "ctime is now (ms since epoch)")
	assert.Equal(t, int32(0), st.Version)
	assert.Equal(t, int32(0), st.Cversion)
	assert.Equal(t, int32(0), st.Aversion)
	assert.Equal(t, int64(0), st.EphemeralOwner)
	assert.Equal(t, int32(len(data)), st.DataLength)
	assert.Equal(t, int32(0), st.NumChildren)
	assert.GreaterOrEqual(t, c.LastZxid(), st.Czxid, "the client saw the create's zxid")

	_, gst, err := c.Get(ctx, p)
	require.NoError(t, err)
	assert.Equal(t, st, gst)

	pst, _, err := c.Exists(ctx, parent)
	require.NoError(t, err)
	assert.Equal(t, int32(1), pst.NumChildren)
	assert.Equal(t, int32(1), pst.Cversion)
	assert.Equal(t, st.Czxid, pst.Pzxid, "the parent's pzxid is the child's create")
	assert.Equal(t, pst0.Mzxid, pst.Mzxid, "a child does not modify the parent's data")
}

func TestDelete(t *testing.T) {
	servers.Each(t, testDelete)
}

func testDelete(t *testing.T, srv *zktest.Server) {
	c := dial(t, []string{srv.Addr()})
	other := dial(t, []string{srv.Addr()}) // a second session, for changes and checks
	cases := []struct {
		name     string
		setup    func(t *testing.T, c *zk.Conn, p string) // p does not exist yet
		version  int32
		wantErr  error
		stillThe bool // the node is still there afterwards
	}{
		{name: "any-version", setup: createNode, version: zk.AnyVersion},
		{name: "matching-version", setup: createModified, version: 1},
		{name: "bad-version", setup: createNode, version: 3, wantErr: zk.ErrBadVersion, stillThe: true},
		{name: "stale-version", setup: createModified, version: 0, wantErr: zk.ErrBadVersion, stillThe: true},
		{name: "not-empty", setup: createWithChild, version: zk.AnyVersion, wantErr: zk.ErrNotEmpty, stillThe: true},
		{name: "missing", setup: func(*testing.T, *zk.Conn, string) {}, version: zk.AnyVersion, wantErr: zk.ErrNoNode},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			ctx := ctxFor(t, opTimeout)
			p := uniquePath(t)
			tc.setup(t, c, p)
			err := c.Delete(ctx, p, tc.version)
			if tc.wantErr == nil {
				require.NoError(t, err)
			} else {
				require.ErrorIs(t, err, tc.wantErr)
				var zerr *zk.Error
				require.ErrorAs(t, err, &zerr)
				assert.Equal(t, "delete", zerr.Op)
				assert.Equal(t, p, zerr.Path)
			}
			_, ok, err := other.Exists(ctx, p)
			require.NoError(t, err)
			assert.Equal(t, tc.stillThe, ok, "node still there")
		})
	}
}

func TestExists(t *testing.T) {
	servers.Each(t, testExists)
}

func testExists(t *testing.T, srv *zktest.Server) {
	c := dial(t, []string{srv.Addr()})
	ctx := ctxFor(t, opTimeout)
	p := uniquePath(t)
	mustCreate(t, c, p, []byte("x"))
	t.Run("present", func(t *testing.T) {
		st, ok, err := c.Exists(ctx, p)
		require.NoError(t, err)
		assert.True(t, ok)
		_, gst, err := c.Get(ctx, p)
		require.NoError(t, err)
		assert.Equal(t, gst, st)
	})
	t.Run("missing", func(t *testing.T) {
		st, ok, err := c.Exists(ctx, p+"/missing")
		require.NoError(t, err, "a missing node is not an error for exists")
		assert.False(t, ok)
		assert.Equal(t, zk.Stat{}, st)
	})
}

func TestGet(t *testing.T) {
	servers.Each(t, testGet)
}

func testGet(t *testing.T, srv *zktest.Server) {
	c := dial(t, []string{srv.Addr()})
	cases := []struct {
		name string
		data []byte
	}{
		{name: "nil", data: nil},
		{name: "empty", data: []byte{}},
		{name: "binary", data: []byte{0, 1, 0xfe, 0xff, '\n', 0}},
		{name: "64KiB", data: bytes.Repeat([]byte("0123456789abcdef"), 4096)},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			ctx := ctxFor(t, opTimeout)
			p := uniquePath(t)
			mustCreate(t, c, p, tc.data)
			data, st, err := c.Get(ctx, p)
			require.NoError(t, err)
			assert.True(t, bytes.Equal(tc.data, data), "data round trip: got %d bytes", len(data))
			assert.Equal(t, int32(len(tc.data)), st.DataLength)
		})
	}
	t.Run("missing", func(t *testing.T) {
		p := uniquePath(t)
		_, _, err := c.Get(ctxFor(t, opTimeout), p)
		require.ErrorIs(t, err, zk.ErrNoNode)
		assert.Equal(t, "get "+p+": zk: node does not exist", err.Error())
	})
}

func TestSet(t *testing.T) {
	servers.Each(t, testSet)
}

func testSet(t *testing.T, srv *zktest.Server) {
	c := dial(t, []string{srv.Addr()})
	other := dial(t, []string{srv.Addr()}) // a second session, for changes and checks
	ctx := ctxFor(t, opTimeout)
	p := uniquePath(t)
	mustCreate(t, c, p, []byte("v0"))
	_, st0, err := c.Get(ctx, p)
	require.NoError(t, err)

	st1, err := c.Set(ctx, p, []byte("version one"), 0)
	require.NoError(t, err, "set with the current version")
	assert.Equal(t, int32(1), st1.Version)
	assert.Greater(t, st1.Mzxid, st0.Mzxid)
	assert.Equal(t, st0.Czxid, st1.Czxid)
	assert.Equal(t, int32(len("version one")), st1.DataLength)

	_, err = c.Set(ctx, p, []byte("stale"), 0)
	require.ErrorIs(t, err, zk.ErrBadVersion, "set with a stale version")
	data, st, err := other.Get(ctx, p)
	require.NoError(t, err)
	assert.Equal(t, "version one", string(data), "a failed set changes nothing")
	assert.Equal(t, st1, st)

	st2, err := c.Set(ctx, p, []byte("any"), zk.AnyVersion)
	require.NoError(t, err)
	assert.Equal(t, int32(2), st2.Version)

	_, err = c.Set(ctx, p+"/missing", nil, zk.AnyVersion)
	assert.ErrorIs(t, err, zk.ErrNoNode)
}

func TestACL(t *testing.T) {
	servers.Each(t, testACL)
}

func testACL(t *testing.T, srv *zktest.Server) {
	c := dial(t, []string{srv.Addr()})
	other := dial(t, []string{srv.Addr()}) // a second session, for changes and checks
	ctx := ctxFor(t, opTimeout)
	p := uniquePath(t)
	mustCreate(t, c, p, nil)

	acl, st, err := c.GetACL(ctx, p)
	require.NoError(t, err)
	assert.Equal(t, []zk.ACL{{Perms: zk.PermAll, Scheme: "world", ID: "anyone"}}, acl)
	assert.Equal(t, zk.WorldACL(zk.PermAll), acl)
	assert.Equal(t, int32(0), st.Aversion)

	st, err = c.SetACL(ctx, p, zk.WorldACL(zk.PermRead|zk.PermAdmin), 0)
	require.NoError(t, err)
	assert.Equal(t, int32(1), st.Aversion)
	assert.Equal(t, int32(0), st.Version, "setACL does not change the data version")

	acl, _, err = other.GetACL(ctx, p)
	require.NoError(t, err)
	assert.Equal(t, []zk.ACL{{Perms: zk.PermRead | zk.PermAdmin, Scheme: "world", ID: "anyone"}}, acl)

	_, err = c.SetACL(ctx, p, zk.WorldACL(zk.PermAll), 0)
	assert.ErrorIs(t, err, zk.ErrBadVersion, "setACL with a stale aversion")

	_, err = c.Set(ctx, p, []byte("x"), zk.AnyVersion)
	assert.ErrorIs(t, err, zk.ErrNoAuth, "no write permission any more")
	_, err = c.Create(ctx, p+"/child", nil, zk.ModePersistent)
	assert.ErrorIs(t, err, zk.ErrNoAuth, "no create permission any more")

	_, err = c.SetACL(ctx, p, zk.WorldACL(zk.PermAll), zk.AnyVersion)
	require.NoError(t, err, "admin permission lets us open it again")
	_, err = c.Set(ctx, p, []byte("x"), zk.AnyVersion)
	assert.NoError(t, err)

	_, err = c.SetACL(ctx, p, []zk.ACL{{Perms: zk.PermAll, Scheme: "nosuchscheme", ID: "x"}}, zk.AnyVersion)
	assert.ErrorIs(t, err, zk.ErrInvalidACL, "unknown scheme")
}

func TestChildren(t *testing.T) {
	servers.Each(t, testChildren)
}

func testChildren(t *testing.T, srv *zktest.Server) {
	c := dial(t, []string{srv.Addr()})
	ctx := ctxFor(t, opTimeout)
	p := uniquePath(t)
	mustCreate(t, c, p, nil)
	for _, n := range []string{"b", "a", "c"} {
		mustCreate(t, c, p+"/"+n, nil)
	}
	names, st, err := c.Children(ctx, p)
	require.NoError(t, err)
	assert.ElementsMatch(t, []string{"a", "b", "c"}, names)
	assert.Equal(t, int32(3), st.NumChildren)
	est, _, err := c.Exists(ctx, p)
	require.NoError(t, err)
	assert.Equal(t, est, st, "getChildren2 returns the parent's Stat")

	names, st, err = c.Children(ctx, p+"/a")
	require.NoError(t, err)
	assert.Empty(t, names)
	assert.Equal(t, int32(0), st.NumChildren)

	_, _, err = c.Children(ctx, p+"/missing")
	assert.ErrorIs(t, err, zk.ErrNoNode)
}

func TestSync(t *testing.T) {
	servers.Each(t, testSync)
}

func testSync(t *testing.T, srv *zktest.Server) {
	c := dial(t, []string{srv.Addr()})
	ctx := ctxFor(t, opTimeout)
	p := uniquePath(t)
	mustCreate(t, c, p, nil)
	got, err := c.Sync(ctx, p)
	require.NoError(t, err)
	assert.Equal(t, p, got)
}

func TestEphemerals(t *testing.T) {
	servers.Each(t, testEphemerals)
}

func testEphemerals(t *testing.T, srv *zktest.Server) {
	c := dial(t, []string{srv.Addr()})
	other := dial(t, []string{srv.Addr()}) // a second session, for changes and checks
	ctx := ctxFor(t, opTimeout)
	base := uniquePath(t)
	mustCreate(t, c, base, nil)
	e1, err := c.Create(ctx, base+"/e1", nil, zk.ModeEphemeral)
	require.NoError(t, err)
	e2, err := c.Create(ctx, base+"/e-", nil, zk.ModeEphemeralSequential)
	require.NoError(t, err)
	_, err = other.Create(ctx, base+"/theirs", nil, zk.ModeEphemeral)
	require.NoError(t, err)
	mustCreate(t, c, base+"/persistent", nil)

	got, err := c.Ephemerals(ctx, base)
	require.NoError(t, err)
	assert.ElementsMatch(t, []string{e1, e2}, got, "only this session's ephemerals")
	got, err = c.Ephemerals(ctx, base+"/e-")
	require.NoError(t, err)
	assert.Equal(t, []string{e2}, got, "prefix match")
	got, err = other.Ephemerals(ctx, base)
	require.NoError(t, err)
	assert.Equal(t, []string{base + "/theirs"}, got)
}

func TestAllChildrenNumber(t *testing.T) {
	servers.Each(t, testAllChildrenNumber)
}

func testAllChildrenNumber(t *testing.T, srv *zktest.Server) {
	c := dial(t, []string{srv.Addr()})
	ctx := ctxFor(t, opTimeout)
	base := uniquePath(t)
	for _, p := range []string{"", "/a", "/a/b", "/a/c", "/a/c/d", "/e"} {
		mustCreate(t, c, base+p, nil)
	}
	n, err := c.AllChildrenNumber(ctx, base)
	require.NoError(t, err)
	assert.Equal(t, 5, n, "every descendant")
	n, err = c.AllChildrenNumber(ctx, base+"/e")
	require.NoError(t, err)
	assert.Equal(t, 0, n)
	_, err = c.AllChildrenNumber(ctx, base+"/missing")
	assert.ErrorIs(t, err, zk.ErrNoNode)
}

// pingFrameLen is the size of a ping frame: length, xid −2, opcode 11.
const pingFrameLen = 12

// assertNothingSent checks that between two Stats snapshots nothing but
// pings was written. Stats.Requests counts pings too, and the Conn may
// ping at any moment; every other request frame is longer than a ping, so
// "only pings" means exactly 12 bytes per request.
func assertNothingSent(t *testing.T, before, after zk.Stats) {
	t.Helper()
	n := after.Requests - before.Requests
	assert.Equal(t, pingFrameLen*n, after.BytesSent-before.BytesSent,
		"nothing but pings sent (%d requests written, %d bytes)", n, after.BytesSent-before.BytesSent)
}

// createNode creates p.
func createNode(t *testing.T, c *zk.Conn, p string) {
	mustCreate(t, c, p, nil)
}

// createModified creates p and sets it once (version 1).
func createModified(t *testing.T, c *zk.Conn, p string) {
	mustCreate(t, c, p, nil)
	_, err := c.Set(ctxFor(t, opTimeout), p, []byte("1"), 0)
	require.NoError(t, err)
}

// createWithChild creates p and a child.
func createWithChild(t *testing.T, c *zk.Conn, p string) {
	mustCreate(t, c, p, nil)
	mustCreate(t, c, p+"/child", nil)
}

// eventuallyGone waits until p no longer exists.
func eventuallyGone(t *testing.T, c *zk.Conn, p, what string) {
	t.Helper()
	ctx := ctxFor(t, opTimeout)
	zktest.Eventually(t, func() bool {
		_, ok, err := c.Exists(ctx, p)
		return err == nil && !ok
	}, 20*time.Second, "%s %s to be deleted by the server", what, p)
}

// requireRemovedEvent checks that a one-shot watch channel received the
// client's "watch removed" event of type typ and then closed.
func requireRemovedEvent(t *testing.T, ch <-chan zk.Event, typ zk.EventType, p string) {
	t.Helper()
	ev := nextEvent(t, ch, "watch removed on "+p)
	assert.Equal(t, p, ev.Path, "event %+v", ev)
	assert.Equal(t, typ, ev.Type, "event %+v", ev)
	requireClosed(t, ch, "one-shot watch after removal")
}
