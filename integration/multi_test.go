package integration

// Transactions (multi) and multiRead, on every backend.

import (
	"testing"

	"github.com/coordkit/coordkit/zk"
	"github.com/coordkit/coordkit/zk/zktest"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestMulti(t *testing.T) {
	servers.Each(t, testMulti)
}

func testMulti(t *testing.T, srv *zktest.Server) {
	c := dial(t, []string{srv.Addr()})
	other := dial(t, []string{srv.Addr()}) // a second session, for changes and checks
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
}

func TestMultiRead(t *testing.T) {
	servers.Each(t, testMultiRead)
}

func testMultiRead(t *testing.T, srv *zktest.Server) {
	c := dial(t, []string{srv.Addr()})
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
}
