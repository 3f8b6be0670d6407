package tree

import "github.com/coordkit/coordkit/internal/wire"

// setData: BadArguments for an invalid path, NoNode, NoAuth without WRITE,
// BadVersion; then data replaced, version+1, mzxid and mtime set.
func (t *Tree) setData(path string, data []byte, version int32, txn *Txn, events *[]Event) (*node, wire.ErrCode) {
	if !validPath(path) {
		return nil, wire.ErrBadArguments
	}
	n := t.get(path)
	if n == nil {
		return nil, wire.ErrNoNode
	}
	if !allowed(n.acl, wire.PermWrite, &txn.Caller) {
		return nil, wire.ErrNoAuth
	}
	if version != -1 && version != n.version {
		return nil, wire.ErrBadVersion
	}
	t.modify(path, n)
	t.dataSize += int64(len(data) - len(n.data))
	n.data = data
	n.version++
	n.mzxid = txn.Zxid
	n.mtime = txn.Time
	*events = append(*events, Event{Type: wire.EventNodeDataChanged, Path: path, ACL: n.acl})
	return n, wire.ErrOK
}

// setACL: BadArguments for an invalid path, InvalidACL, NoNode, NoAuth
// without ADMIN, BadVersion against aversion; then the ACL replaced and
// aversion+1. It fires nothing.
func (t *Tree) setACL(path string, acl []wire.ACL, version int32, txn *Txn) (*node, wire.ErrCode) {
	if !validPath(path) {
		return nil, wire.ErrBadArguments
	}
	fixed, ok := fixACL(acl, &txn.Caller)
	if !ok {
		return nil, wire.ErrInvalidACL
	}
	n := t.get(path)
	if n == nil {
		return nil, wire.ErrNoNode
	}
	if !allowed(n.acl, wire.PermAdmin, &txn.Caller) {
		return nil, wire.ErrNoAuth
	}
	if version != -1 && version != n.aversion {
		return nil, wire.ErrBadVersion
	}
	t.modify(path, n)
	n.acl = fixed
	n.aversion++
	return n, wire.ErrOK
}

// check (inside a multi, or bare): BadArguments for an invalid path,
// NoNode, NoAuth without READ, BadVersion. It changes nothing.
func (t *Tree) check(path string, version int32, c *Caller) wire.ErrCode {
	if !validPath(path) {
		return wire.ErrBadArguments
	}
	n := t.get(path)
	if n == nil {
		return wire.ErrNoNode
	}
	if !allowed(n.acl, wire.PermRead, c) {
		return wire.ErrNoAuth
	}
	if version != -1 && version != n.version {
		return wire.ErrBadVersion
	}
	return wire.ErrOK
}
