package tree

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/coordkit/coordkit/internal/wire"
)

// The values a fresh Apache ZooKeeper 3.8.0 reports, read from one.
func TestFreshTree(t *testing.T) {
	h := newHarness(t, Options{})
	cases := []struct {
		path     string
		stat     wire.Stat
		acl      []wire.ACL
		children []string
	}{
		{"/", wire.Stat{Cversion: -1, NumChildren: 1}, openACL, []string{"zookeeper"}},
		{"", wire.Stat{Cversion: -1, NumChildren: 1}, openACL, []string{"zookeeper"}},
		{"/zookeeper", wire.Stat{Cversion: -2, NumChildren: 2}, openACL, []string{"config", "quota"}},
		{"/zookeeper/quota", wire.Stat{}, openACL, []string{}},
		{"/zookeeper/config", wire.Stat{Aversion: -1}, readACL, []string{}},
	}
	for _, tc := range cases {
		t.Run(tc.path, func(t *testing.T) {
			res := h.read(wire.OpGetData, &wire.PathWatchRequest{Path: tc.path})
			require.Equal(t, wire.ErrOK, res.Err)
			got := res.Resp.(*wire.GetDataResponse)
			assert.NotNil(t, got.Data, "data is empty, not null")
			assert.Empty(t, got.Data)
			assert.Equal(t, tc.stat, got.Stat)

			res = h.read(wire.OpGetACL, &wire.PathRequest{Path: tc.path})
			require.Equal(t, wire.ErrOK, res.Err)
			assert.Equal(t, tc.acl, res.Resp.(*wire.GetACLResponse).ACL)

			assert.Equal(t, tc.children, h.children(tc.path))
		})
	}
	assert.Equal(t, Stats{Nodes: 5, DataSize: 44}, h.tree.Stats())
}

func TestStatsCount(t *testing.T) {
	h := newHarness(t, Options{})
	h.create("/a", wire.FlagPersistent)
	h.setData("/a", []byte("hello"))
	h.create("/a/é", wire.FlagEphemeral)
	// "/a" 2 + 5 data, "/a/é" 4 UTF-16 units.
	assert.Equal(t, Stats{Nodes: 7, Ephemerals: 1, DataSize: 44 + 7 + 4}, h.tree.Stats())
	h.setData("/a", nil)
	h.delete("/a/é")
	assert.Equal(t, Stats{Nodes: 6, DataSize: 44 + 2}, h.tree.Stats())
}

func TestLookup(t *testing.T) {
	h := newHarness(t, Options{TTLEnabled: true})
	h.create("/p", wire.FlagPersistent)
	h.setData("/p", []byte("d"))
	h.create("/p/e", wire.FlagEphemeral)
	require.Equal(t, wire.ErrOK, h.createOp(wire.OpCreateContainer, "/c", wire.FlagContainer, -1).Err)
	require.Equal(t, wire.ErrOK, h.createOp(wire.OpCreateTTL, "/t", wire.FlagPersistentWithTTL, 5000).Err)

	n, ok := h.tree.Lookup("/p")
	require.True(t, ok)
	assert.Equal(t, Node{
		Path: "/p", Data: []byte("d"), ACL: openACL, Stat: h.stat("/p"),
		Children: []string{"e"},
	}, n)
	n, ok = h.tree.Lookup("/p/e")
	require.True(t, ok)
	assert.Equal(t, session, n.Owner)
	assert.Equal(t, session, n.Stat.EphemeralOwner)
	n, ok = h.tree.Lookup("/c")
	require.True(t, ok)
	assert.True(t, n.Container)
	assert.Zero(t, n.Owner)
	n, ok = h.tree.Lookup("/t")
	require.True(t, ok)
	assert.Equal(t, int64(5000), n.TTL)
	assert.Zero(t, n.Stat.EphemeralOwner)
	n, ok = h.tree.Lookup("")
	require.True(t, ok)
	assert.Equal(t, "/", n.Path)
	_, ok = h.tree.Lookup("/nope")
	assert.False(t, ok)

	// The snapshot is a copy.
	n, _ = h.tree.Lookup("/p")
	n.Data[0] = 'x'
	n.Children[0] = "x"
	assert.Equal(t, []byte("d"), h.data("/p"))
	assert.Equal(t, []string{"e"}, h.children("/p"))
}

func TestZxids(t *testing.T) {
	h := newHarness(t, Options{})
	h.create("/a", wire.FlagPersistent) // zxid 2
	h.setData("/a", []byte("x"))        // 3
	h.create("/a/b", wire.FlagPersistent)
	mz, pz, ok := h.tree.Zxids("/a")
	assert.True(t, ok)
	assert.Equal(t, int64(3), mz)
	assert.Equal(t, int64(4), pz)
	_, pz, ok = h.tree.Zxids("")
	assert.True(t, ok)
	assert.Equal(t, int64(2), pz)
	_, _, ok = h.tree.Zxids("/nope")
	assert.False(t, ok)
}

func TestWrongBodies(t *testing.T) {
	h := newHarness(t, Options{})
	for _, op := range []wire.OpCode{wire.OpCreate, wire.OpCreate2, wire.OpCreateContainer,
		wire.OpCreateTTL, wire.OpDelete, wire.OpSetData, wire.OpSetACL, wire.OpCheck, wire.OpMulti} {
		assert.Equal(t, wire.ErrMarshallingError, h.write(op, &wire.PathRequest{Path: "/"}).Err, op.String())
	}
	assert.Equal(t, wire.ErrMarshallingError, h.write(wire.OpMulti, &wire.MultiRequest{Read: true}).Err)
	for _, op := range []wire.OpCode{wire.OpExists, wire.OpGetData, wire.OpGetACL, wire.OpGetChildren,
		wire.OpGetChildren2, wire.OpGetAllChildrenNumber, wire.OpGetEphemerals, wire.OpMultiRead} {
		assert.Equal(t, wire.ErrMarshallingError, h.read(op, &wire.SetDataRequest{}).Err, op.String())
	}
	assert.Equal(t, wire.ErrUnimplemented, h.write(wire.OpGetData, &wire.PathWatchRequest{}).Err)
	assert.Equal(t, wire.ErrUnimplemented, h.read(wire.OpCreate, createReq("/x", nil, 0)).Err)
}
