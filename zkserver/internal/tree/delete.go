package tree

import "github.com/coordkit/coordkit/internal/wire"

// delete is the delete case of PrepRequestProcessor.pRequest2Txn followed
// by DataTree.deleteNode: BadArguments for a path without '/', with a NUL
// or special; NoNode for a missing parent; NoAuth without DELETE on the
// parent; NoNode for a missing node; BadVersion; NotEmpty.
func (t *Tree) delete(path string, version int32, txn *Txn, events *[]Event) wire.ErrCode {
	parentPath, ok := deleteParent(path)
	if !ok {
		return wire.ErrBadArguments
	}
	parent := t.get(parentPath)
	if parent == nil {
		return wire.ErrNoNode
	}
	if !allowed(parent.acl, wire.PermDelete, &txn.Caller) {
		return wire.ErrNoAuth
	}
	n := t.get(path)
	if n == nil {
		return wire.ErrNoNode
	}
	if version != -1 && version != n.version {
		return wire.ErrBadVersion
	}
	if len(n.children) > 0 {
		return wire.ErrNotEmpty
	}
	t.deleteNode(path, n, txn.Zxid, events)
	return wire.ErrOK
}

// deleteNode removes the childless node n at path as transaction zxid, as
// DataTree.deleteNode does for deletes, session closes and reaping.
func (t *Tree) deleteNode(path string, n *node, zxid int64, events *[]Event) {
	parentPath, _ := split(path)
	parent := t.get(parentPath)
	t.modify(parentPath, parent)
	if zxid > parent.pzxid {
		parent.pzxid = zxid
	}
	t.remove(path, n)
	*events = append(*events,
		Event{Type: wire.EventNodeDeleted, Path: path, ACL: n.acl},
		Event{Type: wire.EventNodeChildrenChanged, Path: canon(parentPath), ACL: parent.acl})
}
