package tree

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/coordkit/coordkit/internal/wire"
)

// deleteFixture: /p/a (version 1), /p/full/child, /nod (no DELETE) with
// child /nod/x.
func deleteFixture(t *testing.T) *harness {
	h := newHarness(t, Options{})
	h.create("/p", 0)
	h.create("/p/a", 0)
	h.setData("/p/a", []byte("x"))
	h.create("/p/full", 0)
	h.create("/p/full/child", 0)
	h.create("/nod", 0)
	h.create("/nod/x", 0)
	res := h.write(wire.OpSetACL, &wire.SetACLRequest{Path: "/nod", ACL: []wire.ACL{acl(wire.PermAll&^wire.PermDelete, "world", "anyone")}, Version: -1})
	require.Equal(t, wire.ErrOK, res.Err)
	return h
}

func TestDeleteCheckOrder(t *testing.T) {
	cases := []struct {
		name    string
		path    string
		version int32
		want    wire.ErrCode
	}{
		{"root", "/", 5, wire.ErrBadArguments},
		{"zookeeper", "/zookeeper", -1, wire.ErrBadArguments},
		{"quota", "/zookeeper/quota", -1, wire.ErrBadArguments},
		{"config", "/zookeeper/config", -1, wire.ErrBadArguments},
		{"no slash", "probe", -1, wire.ErrBadArguments},
		{"empty", "", -1, wire.ErrBadArguments},
		{"NUL", "/nope/a\x00", -1, wire.ErrBadArguments},
		{"parent missing", "/nope/a", 7, wire.ErrNoNode},
		{"parent with trailing slash", "/p//a", -1, wire.ErrNoNode},
		{"NoAuth before NoNode", "/nod/missing", -1, wire.ErrNoAuth},
		{"NoAuth before BadVersion", "/nod/x", 9, wire.ErrNoAuth},
		{"node missing", "/p/missing", 9, wire.ErrNoNode},
		{"trailing slash is not validated", "/p/a/", -1, wire.ErrNoNode},
		{"dot is not validated", "/p/.", -1, wire.ErrNoNode},
		{"BadVersion before NotEmpty", "/p/full", 3, wire.ErrBadVersion},
		{"NotEmpty", "/p/full", -1, wire.ErrNotEmpty},
		{"NotEmpty with version", "/p/full", 0, wire.ErrNotEmpty},
		{"BadVersion", "/p/a", 0, wire.ErrBadVersion},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			h := deleteFixture(t)
			assertUnchanged(t, h.tree, func() {
				res := h.write(wire.OpDelete, &wire.DeleteRequest{Path: tc.path, Version: tc.version})
				assert.Equal(t, tc.want, res.Err)
				assert.Nil(t, res.Events)
			})
		})
	}
}

func TestDelete(t *testing.T) {
	h := deleteFixture(t)
	before := h.stat("/p")
	res := h.write(wire.OpDelete, &wire.DeleteRequest{Path: "/p/a", Version: 1})
	require.Equal(t, wire.ErrOK, res.Err)
	assert.Nil(t, res.Resp)
	assert.Equal(t, []Event{ev(wire.EventNodeDeleted, "/p/a"), ev(wire.EventNodeChildrenChanged, "/p")}, res.Events)
	assert.False(t, h.exists("/p/a"))
	after := h.stat("/p")
	// Deleting a child: pzxid, numChildren −1 and reported cversion +1;
	// nothing else.
	want := before
	want.Pzxid = h.zxid
	want.NumChildren--
	want.Cversion++
	assert.Equal(t, want, after)
	assert.Equal(t, []string{"full"}, h.children("/p"))

	// A top-level node: the parent event names "/".
	h.create("/top", 0)
	res = h.write(wire.OpDelete, &wire.DeleteRequest{Path: "/top", Version: -1})
	require.Equal(t, wire.ErrOK, res.Err)
	assert.Equal(t, []Event{ev(wire.EventNodeDeleted, "/top"), ev(wire.EventNodeChildrenChanged, "/")}, res.Events)

	// Client nodes under /zookeeper can be deleted.
	h.create("/zookeeper/mine", 0)
	h.delete("/zookeeper/mine")
}

func TestDeleteIndexes(t *testing.T) {
	h := newHarness(t, Options{TTLEnabled: true})
	h.create("/e", wire.FlagEphemeral)
	require.Equal(t, wire.ErrOK, h.createOp(wire.OpCreateContainer, "/c", 4, -1).Err)
	require.Equal(t, wire.ErrOK, h.createOp(wire.OpCreateTTL, "/t", 5, 10).Err)
	assert.Equal(t, []int64{session}, h.tree.Owners())
	h.delete("/e")
	h.delete("/c")
	h.delete("/t")
	assert.Empty(t, h.tree.Owners())
	assert.Empty(t, h.tree.containers)
	assert.Empty(t, h.tree.ttls)
	assert.Equal(t, Stats{Nodes: 5, DataSize: 44}, h.tree.Stats())
}
