package integration

import (
	"bytes"
	"fmt"
	"strings"
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

// TestOperations runs every operation of the ZooKeeper 3.8 client protocol
// against a real standalone server.
func TestOperations(t *testing.T) {
	srv := standalone(t)
	c := dial(t, []string{srv.Addr()})
	other := dial(t, []string{srv.Addr()}) // a second session, for changes and checks

	t.Run("Create", func(t *testing.T) {
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
	})

	t.Run("Create2Stat", func(t *testing.T) {
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
	})

	t.Run("Delete", func(t *testing.T) {
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
	})

	t.Run("Exists", func(t *testing.T) {
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
	})

	t.Run("Get", func(t *testing.T) {
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
	})

	t.Run("Set", func(t *testing.T) {
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
	})

	t.Run("ACL", func(t *testing.T) {
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
	})

	t.Run("Children", func(t *testing.T) {
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
	})

	t.Run("Sync", func(t *testing.T) {
		ctx := ctxFor(t, opTimeout)
		p := uniquePath(t)
		mustCreate(t, c, p, nil)
		got, err := c.Sync(ctx, p)
		require.NoError(t, err)
		assert.Equal(t, p, got)
	})

	t.Run("Multi", func(t *testing.T) {
		t.Run("success", func(t *testing.T) {
			ctx := ctxFor(t, opTimeout)
			base := uniquePath(t)
			mustCreate(t, c, base, nil)
			res, err := c.Multi(ctx,
				zk.CreateOp(base+"/a", []byte("1"), zk.ModePersistent),
				zk.CreateOp(base+"/a/b", nil, zk.ModePersistent),
				zk.SetOp(base+"/a", []byte("2"), 0),
				zk.CheckOp(base+"/a", 1),
				zk.CreateOp(base+"/s-", nil, zk.ModePersistentSequential),
				zk.DeleteOp(base+"/a/b", 0),
			)
			require.NoError(t, err)
			require.Len(t, res, 6)
			for i, r := range res {
				assert.NoError(t, r.Err, "op %d", i)
			}
			assert.Equal(t, base+"/a", res[0].Path)
			assert.Equal(t, base+"/a/b", res[1].Path)
			require.NotNil(t, res[2].Stat, "setData result has a Stat")
			assert.Equal(t, int32(1), res[2].Stat.Version)
			assert.Equal(t, base+"/s-0000000001", res[4].Path)

			data, st, err := other.Get(ctx, base+"/a")
			require.NoError(t, err)
			assert.Equal(t, "2", string(data))
			assert.Equal(t, st.Czxid, st.Mzxid, "one transaction, one zxid")
			assert.Equal(t, st.Mzxid, res[2].Stat.Mzxid)
			_, ok, err := other.Exists(ctx, base+"/a/b")
			require.NoError(t, err)
			assert.False(t, ok, "created and deleted in the same multi")
		})

		failures := []struct {
			name    string
			bad     func(base string) zk.Op
			wantErr error
		}{
			{name: "bad-version", bad: func(base string) zk.Op { return zk.SetOp(base+"/existing", []byte("x"), 7) }, wantErr: zk.ErrBadVersion},
			{name: "check-fails", bad: func(base string) zk.Op { return zk.CheckOp(base+"/existing", 0) }, wantErr: zk.ErrBadVersion}, // op 1 made it version 1
			{name: "node-exists", bad: func(base string) zk.Op { return zk.CreateOp(base+"/existing", nil, zk.ModePersistent) }, wantErr: zk.ErrNodeExists},
			{name: "no-node", bad: func(base string) zk.Op { return zk.DeleteOp(base+"/missing", zk.AnyVersion) }, wantErr: zk.ErrNoNode},
		}
		for _, tc := range failures {
			t.Run("failure-"+tc.name, func(t *testing.T) {
				ctx := ctxFor(t, opTimeout)
				base := uniquePath(t)
				mustCreate(t, c, base, nil)
				mustCreate(t, c, base+"/existing", []byte("orig"))
				res, err := c.Multi(ctx,
					zk.CreateOp(base+"/x", nil, zk.ModePersistent),
					zk.SetOp(base+"/existing", []byte("changed"), 0),
					tc.bad(base),
					zk.CreateOp(base+"/y", nil, zk.ModePersistent),
				)
				require.ErrorIs(t, err, tc.wantErr)
				var me *zk.MultiError
				require.ErrorAs(t, err, &me)
				assert.Equal(t, 2, me.Index)
				require.Len(t, res, 4)
				assert.Equal(t, res, me.Results)
				assert.NoError(t, res[0].Err, "ops before the failing one report no error")
				assert.NoError(t, res[1].Err, "ops before the failing one report no error")
				assert.ErrorIs(t, res[2].Err, tc.wantErr)
				assert.ErrorIs(t, res[3].Err, zk.ErrRuntimeInconsistency, "ops after the failing one")

				// Nothing was applied.
				for _, p := range []string{base + "/x", base + "/y"} {
					_, ok, err := other.Exists(ctx, p)
					require.NoError(t, err)
					assert.False(t, ok, "%s created by a failed multi", p)
				}
				data, st, err := other.Get(ctx, base+"/existing")
				require.NoError(t, err)
				assert.Equal(t, "orig", string(data))
				assert.Equal(t, int32(0), st.Version)
			})
		}
	})

	t.Run("MultiRead", func(t *testing.T) {
		ctx := ctxFor(t, opTimeout)
		base := uniquePath(t)
		mustCreate(t, c, base, []byte("B"))
		mustCreate(t, c, base+"/a", []byte("A"))
		mustCreate(t, c, base+"/b", nil)
		res, err := c.MultiRead(ctx,
			zk.GetOp(base+"/a"),
			zk.GetOp(base+"/missing"),
			zk.ChildrenOp(base),
			zk.ChildrenOp(base+"/missing"),
			zk.GetOp(base),
		)
		if err != nil {
			// A MultiRead with failed reads may report them as a
			// MultiError; the results still carry every read.
			require.ErrorIs(t, err, zk.ErrNoNode)
		}
		require.Len(t, res, 5)
		require.NoError(t, res[0].Err)
		assert.Equal(t, "A", string(res[0].Data))
		require.NotNil(t, res[0].Stat)
		assert.Equal(t, int32(1), res[0].Stat.DataLength)
		assert.ErrorIs(t, res[1].Err, zk.ErrNoNode, "a failing read does not fail the others")
		require.NoError(t, res[2].Err)
		assert.ElementsMatch(t, []string{"a", "b"}, res[2].Children)
		assert.ErrorIs(t, res[3].Err, zk.ErrNoNode)
		require.NoError(t, res[4].Err)
		assert.Equal(t, "B", string(res[4].Data))
	})

	t.Run("Ephemerals", func(t *testing.T) {
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
	})

	t.Run("AllChildrenNumber", func(t *testing.T) {
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
	})

	t.Run("AddWatch", func(t *testing.T) {
		t.Run("persistent", func(t *testing.T) {
			ctx := ctxFor(t, opTimeout)
			p := uniquePath(t)
			mustCreate(t, c, p, nil)
			w := addWatch(t, c, p, zk.AddWatchPersistent)
			ev := w.Events()

			_, err := other.Set(ctx, p, []byte("1"), zk.AnyVersion)
			require.NoError(t, err)
			requireEvent(t, ev, zk.EventNodeDataChanged, p)
			mustCreate(t, other, p+"/c", nil)
			requireEvent(t, ev, zk.EventNodeChildrenChanged, p)
			_, err = other.Set(ctx, p+"/c", []byte("not watched"), zk.AnyVersion)
			require.NoError(t, err)
			_, err = other.Set(ctx, p, []byte("2"), zk.AnyVersion)
			require.NoError(t, err)
			requireEvent(t, ev, zk.EventNodeDataChanged, p) // nothing for p/c in between
			require.NoError(t, other.Delete(ctx, p+"/c", zk.AnyVersion))
			requireEvent(t, ev, zk.EventNodeChildrenChanged, p)
			require.NoError(t, other.Delete(ctx, p, zk.AnyVersion))
			requireEvent(t, ev, zk.EventNodeDeleted, p)
			mustCreate(t, other, p, nil)
			requireEvent(t, ev, zk.EventNodeCreated, p) // still watching: persistent

			require.NoError(t, w.Remove(ctx))
			requireClosed(t, ev, "persistent watch after Remove")
			assert.ErrorIs(t, w.Err(), zk.ErrWatchRemoved)
		})

		t.Run("persistent-recursive", func(t *testing.T) {
			ctx := ctxFor(t, opTimeout)
			p := uniquePath(t)
			mustCreate(t, c, p, nil)
			w := addWatch(t, c, p, zk.AddWatchPersistentRecursive)
			ev := w.Events()

			mustCreate(t, other, p+"/a", nil)
			requireEvent(t, ev, zk.EventNodeCreated, p+"/a") // no NodeChildrenChanged for recursive watches
			mustCreate(t, other, p+"/a/b", nil)
			requireEvent(t, ev, zk.EventNodeCreated, p+"/a/b")
			_, err := other.Set(ctx, p+"/a/b", []byte("x"), zk.AnyVersion)
			require.NoError(t, err)
			requireEvent(t, ev, zk.EventNodeDataChanged, p+"/a/b")
			_, err = other.Set(ctx, p, []byte("x"), zk.AnyVersion)
			require.NoError(t, err)
			requireEvent(t, ev, zk.EventNodeDataChanged, p)
			require.NoError(t, other.Delete(ctx, p+"/a/b", zk.AnyVersion))
			requireEvent(t, ev, zk.EventNodeDeleted, p+"/a/b")
			_, err = other.Multi(ctx,
				zk.CreateOp(p+"/m1", nil, zk.ModePersistent),
				zk.SetOp(p+"/a", []byte("y"), zk.AnyVersion),
				zk.CreateOp(p+"/m2", nil, zk.ModePersistent),
			)
			require.NoError(t, err)
			requireEvent(t, ev, zk.EventNodeCreated, p+"/m1") // in op order
			requireEvent(t, ev, zk.EventNodeDataChanged, p+"/a")
			requireEvent(t, ev, zk.EventNodeCreated, p+"/m2")
			mustCreate(t, other, p+"-sibling", nil) // outside the subtree
			require.NoError(t, other.Delete(ctx, p+"/m1", zk.AnyVersion))
			requireEvent(t, ev, zk.EventNodeDeleted, p+"/m1")

			require.NoError(t, w.Remove(ctx))
			requireClosed(t, ev, "recursive watch after Remove")
		})
	})

	t.Run("RemoveWatches", func(t *testing.T) {
		cases := []struct {
			name        string
			typ         zk.WatcherType
			removesData bool
			removesKids bool
		}{
			{name: "data", typ: zk.WatcherData, removesData: true},
			{name: "children", typ: zk.WatcherChildren, removesKids: true},
			{name: "any", typ: zk.WatcherAny, removesData: true, removesKids: true},
		}
		for _, tc := range cases {
			t.Run(tc.name, func(t *testing.T) {
				ctx := ctxFor(t, opTimeout)
				p := uniquePath(t)
				mustCreate(t, c, p, nil)
				_, _, dataCh, err := c.GetW(ctx, p)
				require.NoError(t, err)
				_, _, kidsCh, err := c.ChildrenW(ctx, p)
				require.NoError(t, err)

				require.NoError(t, c.RemoveWatches(ctx, p, tc.typ))
				if tc.removesData {
					requireRemovedEvent(t, dataCh, zk.EventDataWatchRemoved, p)
				}
				if tc.removesKids {
					requireRemovedEvent(t, kidsCh, zk.EventChildWatchRemoved, p)
				}
				// The watches that were not removed still fire.
				if !tc.removesData {
					_, err := other.Set(ctx, p, []byte("x"), zk.AnyVersion)
					require.NoError(t, err)
					requireEvent(t, dataCh, zk.EventNodeDataChanged, p)
				}
				if !tc.removesKids {
					mustCreate(t, other, p+"/c", nil)
					requireEvent(t, kidsCh, zk.EventNodeChildrenChanged, p)
				}
				// Nothing left of that type on the server.
				err = c.RemoveWatches(ctx, p, tc.typ)
				assert.ErrorIs(t, err, zk.ErrNoWatcher)
			})
		}
		t.Run("none", func(t *testing.T) {
			p := uniquePath(t)
			mustCreate(t, c, p, nil)
			err := c.RemoveWatches(ctxFor(t, opTimeout), p, zk.WatcherAny)
			assert.ErrorIs(t, err, zk.ErrNoWatcher)
		})
	})

	t.Run("WhoAmI", func(t *testing.T) {
		ctx := ctxFor(t, opTimeout)
		ids, err := c.WhoAmI(ctx)
		require.NoError(t, err)
		assert.Contains(t, ids, zk.ClientInfo{Scheme: "ip", User: "127.0.0.1"})

		bob := dial(t, []string{srv.Addr()}, zk.WithDigestAuth("bob", "secret"))
		ids, err = bob.WhoAmI(ctx)
		require.NoError(t, err)
		assert.Contains(t, ids, zk.ClientInfo{Scheme: "digest", User: "bob"})
		assert.Contains(t, ids, zk.ClientInfo{Scheme: "ip", User: "127.0.0.1"})
	})

	t.Run("DigestAuth", func(t *testing.T) {
		acl := zk.DigestACL(zk.PermAll, "bob", "secret")
		t.Run("acl-id", func(t *testing.T) {
			assert.Equal(t, zk.ACL{Perms: zk.PermAll, Scheme: "digest", ID: bobDigest}, acl)
		})

		// A node only bob may read.
		ctx := ctxFor(t, opTimeout)
		p := uniquePath(t)
		bob := dial(t, []string{srv.Addr()}, zk.WithDigestAuth("bob", "secret"))
		_, err := bob.Create(ctx, p, []byte("bob's"), zk.ModePersistent, zk.WithACL([]zk.ACL{acl}))
		require.NoError(t, err)

		t.Run("dial-option", func(t *testing.T) {
			got, _, err := bob.GetACL(ctx, p)
			require.NoError(t, err)
			assert.Equal(t, []zk.ACL{acl}, got)
			data, _, err := bob.Get(ctx, p)
			require.NoError(t, err)
			assert.Equal(t, "bob's", string(data))
		})

		t.Run("no-auth", func(t *testing.T) {
			anon := dial(t, []string{srv.Addr()})
			_, _, err := anon.Get(ctx, p)
			require.ErrorIs(t, err, zk.ErrNoAuth, "readable only by bob")
			var zerr *zk.Error
			require.ErrorAs(t, err, &zerr)
			assert.Equal(t, p, zerr.Path)
			_, ok, err := anon.Exists(ctx, p)
			require.NoError(t, err, "exists needs no permission")
			assert.True(t, ok)

			mallory := dial(t, []string{srv.Addr()}, zk.WithDigestAuth("bob", "wrong"))
			_, _, err = mallory.Get(ctx, p)
			assert.ErrorIs(t, err, zk.ErrNoAuth, "wrong password")
		})

		t.Run("add-auth", func(t *testing.T) {
			anon := dial(t, []string{srv.Addr()})
			_, _, err := anon.Get(ctx, p)
			require.ErrorIs(t, err, zk.ErrNoAuth)
			require.NoError(t, anon.AddAuth(ctx, "digest", []byte("bob:secret")))
			data, _, err := anon.Get(ctx, p)
			require.NoError(t, err, "readable after AddAuth")
			assert.Equal(t, "bob's", string(data))
			ids, err := anon.WhoAmI(ctx)
			require.NoError(t, err)
			assert.Contains(t, ids, zk.ClientInfo{Scheme: "digest", User: "bob"})
			assert.Equal(t, uint64(0), anon.Stats().Reconnects, "AddAuth kept the connection")
		})

		t.Run("auth-scheme", func(t *testing.T) {
			// The "auth" scheme stands for every identity of the caller.
			q := uniquePath(t)
			_, err := bob.Create(ctx, q, nil, zk.ModePersistent, zk.WithACL(zk.CreatorAllACL))
			require.NoError(t, err)
			got, _, err := bob.GetACL(ctx, q)
			require.NoError(t, err)
			assert.Equal(t, []zk.ACL{acl}, got)
			_, err = c.Create(ctx, uniquePath(t), nil, zk.ModePersistent, zk.WithACL(zk.CreatorAllACL))
			assert.ErrorIs(t, err, zk.ErrInvalidACL, "auth scheme without an identity")
		})
	})

	t.Run("Chroot", func(t *testing.T) {
		root := uniquePath(t)
		mustCreate(t, c, root, nil)
		cases := []struct {
			name string
			dial func(t *testing.T) *zk.Conn
		}{
			{name: "connect-string", dial: func(t *testing.T) *zk.Conn { return dial(t, []string{srv.Addr() + root}) }},
			{name: "option", dial: func(t *testing.T) *zk.Conn { return dial(t, []string{srv.Addr()}, zk.WithChroot(root)) }},
		}
		for _, tc := range cases {
			t.Run(tc.name, func(t *testing.T) {
				ctx := ctxFor(t, opTimeout)
				ch := tc.dial(t)
				dir := "/" + tc.name // inside the chroot
				real := root + dir   // the same node, as the server knows it

				got, err := ch.Create(ctx, dir, []byte("d"), zk.ModePersistent)
				require.NoError(t, err)
				assert.Equal(t, dir, got)
				data, _, err := other.Get(ctx, real)
				require.NoError(t, err, "the node lives under the chroot")
				assert.Equal(t, "d", string(data))

				got, err = ch.Create(ctx, dir+"/s-", nil, zk.ModePersistentSequential)
				require.NoError(t, err)
				assert.Equal(t, dir+"/s-0000000000", got)
				got, _, err = ch.Create2(ctx, dir+"/e", nil, zk.ModeEphemeral)
				require.NoError(t, err)
				assert.Equal(t, dir+"/e", got)

				data, _, err = ch.Get(ctx, dir)
				require.NoError(t, err)
				assert.Equal(t, "d", string(data))
				names, _, err := ch.Children(ctx, dir)
				require.NoError(t, err)
				assert.ElementsMatch(t, []string{"s-0000000000", "e"}, names)
				names, _, err = ch.Children(ctx, "/")
				require.NoError(t, err)
				assert.Contains(t, names, tc.name, "/ is the chroot")
				synced, err := ch.Sync(ctx, dir)
				require.NoError(t, err)
				assert.Equal(t, dir, synced)
				eph, err := ch.Ephemerals(ctx, dir)
				require.NoError(t, err)
				assert.Equal(t, []string{dir + "/e"}, eph)

				res, err := ch.Multi(ctx, zk.CreateOp(dir+"/m", nil, zk.ModePersistent), zk.CheckOp(dir, 0))
				require.NoError(t, err)
				assert.Equal(t, dir+"/m", res[0].Path)

				// Events carry chroot-relative paths.
				_, _, existsCh, err := ch.ExistsW(ctx, dir+"/new")
				require.NoError(t, err)
				w := addWatch(t, ch, dir, zk.AddWatchPersistentRecursive)
				mustCreate(t, other, real+"/new", nil)
				requireEvent(t, existsCh, zk.EventNodeCreated, dir+"/new")
				requireEvent(t, w.Events(), zk.EventNodeCreated, dir+"/new")
				_, err = other.Set(ctx, real, []byte("e"), zk.AnyVersion)
				require.NoError(t, err)
				requireEvent(t, w.Events(), zk.EventNodeDataChanged, dir)
				require.NoError(t, w.Remove(ctx))

				// Errors name the path as the caller wrote it.
				_, _, err = ch.Get(ctx, dir+"/missing")
				require.ErrorIs(t, err, zk.ErrNoNode)
				assert.Equal(t, "get "+dir+"/missing: zk: node does not exist", err.Error())
			})
		}
	})

	t.Run("RequestTooLarge", func(t *testing.T) {
		ctx := ctxFor(t, opTimeout)
		p := uniquePath(t)
		mustCreate(t, c, p, []byte("small"))
		sid := c.SessionID()
		huge := make([]byte, 2<<20)
		atLimit := make([]byte, 1048575) // the data alone fills the frame

		before := c.Stats()
		_, err := c.Set(ctx, p, huge, zk.AnyVersion)
		require.ErrorIs(t, err, zk.ErrRequestTooLarge)
		var zerr *zk.Error
		require.ErrorAs(t, err, &zerr)
		assert.Equal(t, p, zerr.Path)
		_, err = c.Create(ctx, p+"/big", atLimit, zk.ModePersistent)
		assert.ErrorIs(t, err, zk.ErrRequestTooLarge)
		half := make([]byte, 600<<10)
		_, err = c.Multi(ctx, zk.SetOp(p, half, zk.AnyVersion), zk.CreateOp(p+"/big", half, zk.ModePersistent))
		assert.ErrorIs(t, err, zk.ErrRequestTooLarge, "a multi over the limit as a whole")
		after := c.Stats()
		assertNothingSent(t, before, after)

		// The connection is fine afterwards, and large requests under the
		// limit go through.
		data, _, err := c.Get(ctx, p)
		require.NoError(t, err)
		assert.Equal(t, "small", string(data))
		big := bytes.Repeat([]byte{0xab}, 1_000_000)
		_, err = c.Set(ctx, p, big, zk.AnyVersion)
		require.NoError(t, err)
		data, _, err = other.Get(ctx, p)
		require.NoError(t, err)
		assert.True(t, bytes.Equal(big, data), "1,000,000 bytes round trip")
		assert.Equal(t, sid, c.SessionID())
		assert.Equal(t, uint64(0), c.Stats().Reconnects-before.Reconnects, "no reconnect")

		t.Run("configured-limit", func(t *testing.T) {
			small := dial(t, []string{srv.Addr()}, zk.WithMaxRequestSize(1024))
			_, err := small.Set(ctx, p, make([]byte, 2000), zk.AnyVersion)
			assert.ErrorIs(t, err, zk.ErrRequestTooLarge)
			_, err = small.Set(ctx, p, make([]byte, 500), zk.AnyVersion)
			assert.NoError(t, err)
		})
	})

	t.Run("InvalidPath", func(t *testing.T) {
		ctx := ctxFor(t, opTimeout)
		paths := []string{
			"",
			"relative",
			"/trailing/",
			"//",
			"/a//b",
			"/a/./b",
			"/a/../b",
			"/.",
			"/nul\x00byte",
			"/ctl\x1fchar",
			"/del\x7f",
			"/c1\u0085control",
			"/private\ue000use",
			"/special\ufff0",
		}
		ops := []struct {
			name string
			call func(p string) error
		}{ // every op but multi is an *Error naming the path; multi names it in the message
			{"create", func(p string) error { _, err := c.Create(ctx, p, nil, zk.ModePersistent); return err }},
			{"delete", func(p string) error { return c.Delete(ctx, p, zk.AnyVersion) }},
			{"exists", func(p string) error { _, _, err := c.Exists(ctx, p); return err }},
			{"get", func(p string) error { _, _, err := c.Get(ctx, p); return err }},
			{"getw", func(p string) error { _, _, _, err := c.GetW(ctx, p); return err }},
			{"set", func(p string) error { _, err := c.Set(ctx, p, nil, zk.AnyVersion); return err }},
			{"children", func(p string) error { _, _, err := c.Children(ctx, p); return err }},
			{"getacl", func(p string) error { _, _, err := c.GetACL(ctx, p); return err }},
			{"sync", func(p string) error { _, err := c.Sync(ctx, p); return err }},
			{"addwatch", func(p string) error { _, err := c.AddWatch(ctx, p, zk.AddWatchPersistent); return err }},
			{"multi", func(p string) error { _, err := c.Multi(ctx, zk.CreateOp(p, nil, zk.ModePersistent)); return err }},
		}
		before := c.Stats()
		for _, p := range paths {
			for _, op := range ops {
				t.Run(fmt.Sprintf("%s/%q", op.name, p), func(t *testing.T) {
					err := op.call(p)
					require.ErrorIs(t, err, zk.ErrInvalidPath)
					var zerr *zk.Error
					require.ErrorAs(t, err, &zerr, "an operation error")
					if op.name != "multi" {
						assert.Equal(t, p, zerr.Path, "the error names the path")
					}
					assert.True(t, strings.Contains(err.Error(), p), "message %q names the path", err.Error())
				})
			}
		}
		after := c.Stats()
		assertNothingSent(t, before, after)
		_, _, err := c.Exists(ctx, "/")
		assert.NoError(t, err, "the connection is fine afterwards")
	})
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
