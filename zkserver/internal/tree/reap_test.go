package tree

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/coordkit/coordkit/internal/wire"
)

func TestReapContainers(t *testing.T) {
	h := newHarness(t, Options{})
	for _, p := range []string{"/used", "/never", "/busy"} {
		require.Equal(t, wire.ErrOK, h.createOp(wire.OpCreateContainer, p, 4, -1).Err)
	}
	h.create("/used/x", 0)
	h.delete("/used/x")
	h.create("/busy/x", wire.FlagEphemeral)
	h.create("/plain", 0)
	h.create("/plain/x", 0)
	h.delete("/plain/x")

	assert.Equal(t, []string{"/used"}, h.tree.Reapable(h.now, 0))
	assert.Equal(t, []string{"/used"}, h.tree.Reapable(h.now+1e9, 10), "never-used containers stay")

	txn := h.txn()
	res := h.tree.Reap("/used", txn)
	require.Equal(t, wire.ErrOK, res.Err)
	assert.Equal(t, []Event{ev(wire.EventNodeDeleted, "/used"), ev(wire.EventNodeChildrenChanged, "/")}, res.Events)
	assert.False(t, h.exists("/used"))
	assert.Equal(t, txn.Zxid, h.stat("/").Pzxid)
	assert.Empty(t, h.tree.Reapable(h.now, 0))

	// Once its ephemeral child is gone, /busy goes too.
	h.tree.CloseSession(h.txn())
	assert.Equal(t, []string{"/busy"}, h.tree.Reapable(h.now, 0))

	cases := []struct {
		path string
		want wire.ErrCode
	}{
		{"/used", wire.ErrNoNode},
		{"/never", wire.ErrBadVersion}, // never used
		{"/plain", wire.ErrBadVersion}, // not a container
		{"/", wire.ErrNotEmpty},
	}
	for _, tc := range cases {
		assertUnchanged(t, h.tree, func() {
			assert.Equal(t, tc.want, h.tree.Reap(tc.path, h.txn()).Err, tc.path)
		})
	}
	h.create("/never/x", 0)
	assertUnchanged(t, h.tree, func() {
		assert.Equal(t, wire.ErrNotEmpty, h.tree.Reap("/never", h.txn()).Err)
	})
}

func TestReapNeverUsedContainers(t *testing.T) {
	h := newHarness(t, Options{ContainerMaxNeverUsed: 1000})
	require.Equal(t, wire.ErrOK, h.createOp(wire.OpCreateContainer, "/c", 4, -1).Err)
	assert.Empty(t, h.tree.Reapable(h.now+1000, 0))
	assert.Equal(t, []string{"/c"}, h.tree.Reapable(h.now+1001, 0))
	h.now += 1001
	assert.Equal(t, wire.ErrOK, h.tree.Reap("/c", h.txn()).Err)
}

func TestReapTTL(t *testing.T) {
	h := newHarness(t, Options{TTLEnabled: true})
	require.Equal(t, wire.ErrOK, h.createOp(wire.OpCreateTTL, "/t", 5, 100).Err)
	require.Equal(t, wire.ErrOK, h.createOp(wire.OpCreateTTL, "/u", 5, 50).Err)
	require.Equal(t, wire.ErrOK, h.createOp(wire.OpCreateTTL, "/parent", 5, 10).Err)
	h.create("/parent/child", 0)
	assert.Empty(t, h.tree.Reapable(h.now+50, 0))
	assert.Equal(t, []string{"/u"}, h.tree.Reapable(h.now+51, 0))
	assert.Equal(t, []string{"/t", "/u"}, h.tree.Reapable(h.now+101, 0))
	assert.Equal(t, []string{"/t"}, h.tree.Reapable(h.now+101, 1))

	// setData moves mtime, and so the deadline.
	h.now += 80
	h.setData("/t", []byte("x"))
	assert.Equal(t, []string{"/u"}, h.tree.Reapable(h.now+21, 0))
	assertUnchanged(t, h.tree, func() {
		txn := h.txn()
		txn.Time = h.now + 21
		assert.Equal(t, wire.ErrBadVersion, h.tree.Reap("/t", txn).Err, "not due")
	})
	txn := h.txn()
	txn.Time = h.now + 101
	res := h.tree.Reap("/t", txn)
	require.Equal(t, wire.ErrOK, res.Err)
	assert.Equal(t, []Event{ev(wire.EventNodeDeleted, "/t"), ev(wire.EventNodeChildrenChanged, "/")}, res.Events)
	assert.NotContains(t, h.tree.ttls, "/t")
}
