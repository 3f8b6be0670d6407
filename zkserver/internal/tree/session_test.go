package tree

import (
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/coordkit/coordkit/internal/wire"
)

func TestCloseSession(t *testing.T) {
	h := newHarness(t, Options{TrackChanges: true})
	other := Caller{Session: 77, IDs: []wire.ID{ipCaller}}
	h.create("/a", 0)
	h.create("/a/e2", wire.FlagEphemeral)
	h.create("/a/e1", wire.FlagEphemeral)
	h.create("/top", wire.FlagEphemeralSequential)
	h.as(other, func() { h.create("/a/theirs", wire.FlagEphemeral) })
	assert.Equal(t, []int64{77, session}, h.tree.Owners())
	assert.Equal(t, []string{"/a/e1", "/a/e2", "/top0000000001"}, h.tree.Ephemerals(session))
	h.tree.Changes()

	aBefore := h.stat("/a")
	txn := h.txn()
	res := h.tree.CloseSession(txn)
	assert.Equal(t, wire.ErrOK, res.Err)
	assert.Nil(t, res.Resp)
	assert.Equal(t, []Event{ // ZooKeeper's order (see TestCloseSessionOrderIsZooKeepers)
		ev(wire.EventNodeDeleted, "/a/e2"), ev(wire.EventNodeChildrenChanged, "/a"),
		ev(wire.EventNodeDeleted, "/a/e1"), ev(wire.EventNodeChildrenChanged, "/a"),
		ev(wire.EventNodeDeleted, "/top0000000001"), ev(wire.EventNodeChildrenChanged, "/"),
	}, res.Events)
	assert.Equal(t, []string{"theirs"}, h.children("/a"))
	a := h.stat("/a")
	assert.Equal(t, txn.Zxid, a.Pzxid, "one transaction")
	assert.Equal(t, aBefore.Cversion+2, a.Cversion)
	assert.Equal(t, txn.Zxid, h.stat("/").Pzxid)
	assert.Equal(t, []int64{77}, h.tree.Owners())
	assert.Empty(t, h.tree.Ephemerals(session))
	assert.Equal(t, 1, h.tree.Stats().Ephemerals)

	var paths []string
	for _, c := range h.tree.Changes() {
		paths = append(paths, c.Path)
	}
	assert.Equal(t, []string{"/", "/a", "/a/e1", "/a/e2", "/top0000000001"}, paths)

	// Nothing left: nothing happens.
	assertUnchanged(t, h.tree, func() {
		res := h.tree.CloseSession(h.txn())
		assert.Equal(t, wire.ErrOK, res.Err)
		assert.Empty(t, res.Events)
	})
}
