package tree

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/coordkit/coordkit/internal/wire"
)

// The ACL an event carries decides who may receive it: the node's for
// NodeCreated, NodeDataChanged and NodeDeleted (as just before the delete),
// the parent's for NodeChildrenChanged.
func TestEventACLs(t *testing.T) {
	h := newHarness(t, Options{ContainerMaxNeverUsed: 1})
	bob := Caller{Session: session, IDs: []wire.ID{ipCaller, bobID}}
	// /r: bob may do anything, everybody else only create and delete
	// children.
	rACL := []wire.ACL{{Perms: wire.PermAll, ID: bobID}, acl(wire.PermCreate|wire.PermDelete, "world", "anyone")}
	bobOnly := []wire.ACL{{Perms: wire.PermAll, ID: bobID}}
	ipACL := []wire.ACL{acl(wire.PermAll, "ip", "127.0.0.0/8")}
	h.as(bob, func() { h.createACL("/r", rACL) })
	e := func(typ int32, path string, acl []wire.ACL) Event { return Event{Type: typ, Path: path, ACL: acl} }

	res := h.write(wire.OpCreate, createReq("/r/c", nil, 0))
	require.Equal(t, wire.ErrOK, res.Err)
	assert.Equal(t, []Event{
		e(wire.EventNodeCreated, "/r/c", openACL),
		e(wire.EventNodeChildrenChanged, "/r", rACL),
	}, res.Events)

	res = h.write(wire.OpCreate, &wire.CreateRequest{Path: "/r/s", ACL: bobOnly, Flags: wire.FlagEphemeral})
	require.Equal(t, wire.ErrOK, res.Err)
	assert.Equal(t, []Event{
		e(wire.EventNodeCreated, "/r/s", bobOnly),
		e(wire.EventNodeChildrenChanged, "/r", rACL),
	}, res.Events)
	assert.Same(t, &bobOnly[0], &res.Events[0].ACL[0], "the node's list, shared")

	res = h.write(wire.OpSetData, &wire.SetDataRequest{Path: "/r/c", Data: []byte("x"), Version: -1})
	require.Equal(t, wire.ErrOK, res.Err)
	assert.Equal(t, []Event{e(wire.EventNodeDataChanged, "/r/c", openACL)}, res.Events)
	dataEvents := res.Events

	// A later setACL replaces the node's list: earlier events keep theirs.
	require.Equal(t, wire.ErrOK, h.write(wire.OpSetACL, &wire.SetACLRequest{Path: "/r/c", ACL: ipACL, Version: -1}).Err)
	assert.Equal(t, []Event{e(wire.EventNodeDataChanged, "/r/c", openACL)}, dataEvents)
	res = h.write(wire.OpDelete, &wire.DeleteRequest{Path: "/r/c", Version: -1})
	require.Equal(t, wire.ErrOK, res.Err)
	assert.Equal(t, []Event{
		e(wire.EventNodeDeleted, "/r/c", ipACL),
		e(wire.EventNodeChildrenChanged, "/r", rACL),
	}, res.Events)

	// A top-level node's parent is the root.
	res = h.write(wire.OpCreate, &wire.CreateRequest{Path: "/top", ACL: bobOnly})
	require.Equal(t, wire.ErrOK, res.Err)
	assert.Equal(t, []Event{
		e(wire.EventNodeCreated, "/top", bobOnly),
		e(wire.EventNodeChildrenChanged, "/", openACL),
	}, res.Events)

	// Inside a multi, each sub-op's events carry the ACLs as of that
	// sub-op: a parent made by the multi, a node made and deleted by it.
	res = h.multi(
		wire.MultiOp{Op: wire.OpCreate, Body: &wire.CreateRequest{Path: "/m", ACL: ipACL}},
		wire.MultiOp{Op: wire.OpCreate, Body: &wire.CreateRequest{Path: "/m/x", ACL: bobOnly}},
		mDelete("/m/x", -1),
	)
	require.Len(t, multiResults(t, res), 3)
	assert.Equal(t, []Event{
		e(wire.EventNodeCreated, "/m", ipACL),
		e(wire.EventNodeChildrenChanged, "/", openACL),
		e(wire.EventNodeCreated, "/m/x", bobOnly),
		e(wire.EventNodeChildrenChanged, "/m", ipACL),
		e(wire.EventNodeDeleted, "/m/x", bobOnly),
		e(wire.EventNodeChildrenChanged, "/m", ipACL),
	}, res.Events)

	// Closing the session deletes /r/s.
	res = h.tree.CloseSession(h.txn())
	assert.Equal(t, []Event{
		e(wire.EventNodeDeleted, "/r/s", bobOnly),
		e(wire.EventNodeChildrenChanged, "/r", rACL),
	}, res.Events)

	// Reaping a container.
	require.Equal(t, wire.ErrOK, h.write(wire.OpCreateContainer, &wire.CreateRequest{Path: "/r/box", ACL: ipACL, Flags: wire.FlagContainer}).Err)
	h.now += 10
	res = h.tree.Reap("/r/box", h.txn())
	require.Equal(t, wire.ErrOK, res.Err)
	assert.Equal(t, []Event{
		e(wire.EventNodeDeleted, "/r/box", ipACL),
		e(wire.EventNodeChildrenChanged, "/r", rACL),
	}, res.Events)
}

// How the server filters: a watcher receives an event only if Permitted
// READ on its ACL.
func TestEventACLFiltering(t *testing.T) {
	h := newHarness(t, Options{})
	anon := Caller{IDs: []wire.ID{ipCaller}}
	bob := Caller{IDs: []wire.ID{ipCaller, bobID}}
	super := Caller{IDs: []wire.ID{ipCaller}, Super: true}
	h.as(Caller{Session: session, IDs: []wire.ID{ipCaller, bobID}}, func() {
		h.createACL("/p", []wire.ACL{{Perms: wire.PermAll, ID: bobID}, acl(wire.PermCreate, "world", "anyone")})
	})
	res := h.write(wire.OpCreate, createReq("/p/open", nil, 0))
	require.Equal(t, wire.ErrOK, res.Err)
	created, childrenChanged := res.Events[0], res.Events[1]
	for _, c := range []Caller{anon, bob, super} {
		assert.True(t, Permitted(created.ACL, c, wire.PermRead), "everybody may read /p/open")
	}
	assert.False(t, Permitted(childrenChanged.ACL, anon, wire.PermRead), "anon may not read /p")
	assert.True(t, Permitted(childrenChanged.ACL, bob, wire.PermRead))
	assert.True(t, Permitted(childrenChanged.ACL, super, wire.PermRead))
}
