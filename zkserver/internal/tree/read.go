package tree

import (
	"strings"

	"github.com/coordkit/coordkit/internal/wire"
)

// Read answers a read request: exists (3), getData (4), getACL (6),
// getChildren (8), getChildren2 (12), multiRead (22), getEphemerals (103,
// for c.Session), getAllChildrenNumber (104). It never registers watches:
// the caller does that from the opcode, the watch flag and Result.Err.
// Paths are not validated ("" is the root); NoNode comes before NoAuth. A
// body of the wrong type answers MarshallingError, an opcode that is not a
// read Unimplemented. The response shares the node's data, ACL and child
// list.
func (t *Tree) Read(op wire.OpCode, req wire.Record, c Caller) Result {
	switch op {
	case wire.OpExists:
		r, ok := req.(*wire.PathWatchRequest)
		if !ok {
			return Result{Err: wire.ErrMarshallingError}
		}
		// exists checks no ACL, but refuses a NUL in the path.
		if strings.IndexByte(r.Path, 0) >= 0 {
			return Result{Err: wire.ErrBadArguments}
		}
		n := t.get(r.Path)
		if n == nil {
			return Result{Err: wire.ErrNoNode}
		}
		return Result{Resp: &wire.StatResponse{Stat: n.stat()}}
	case wire.OpGetData:
		r, ok := req.(*wire.PathWatchRequest)
		if !ok {
			return Result{Err: wire.ErrMarshallingError}
		}
		n, code := t.readable(r.Path, wire.PermRead, &c)
		if code != wire.ErrOK {
			return Result{Err: code}
		}
		return Result{Resp: &wire.GetDataResponse{Data: n.data, Stat: n.stat()}}
	case wire.OpGetACL:
		r, ok := req.(*wire.PathRequest)
		if !ok {
			return Result{Err: wire.ErrMarshallingError}
		}
		n, code := t.readable(r.Path, wire.PermRead|wire.PermAdmin, &c)
		if code != wire.ErrOK {
			return Result{Err: code}
		}
		acl := n.acl
		if !allowed(n.acl, wire.PermAdmin, &c) {
			acl = maskedACL(acl)
		}
		return Result{Resp: &wire.GetACLResponse{ACL: acl, Stat: n.stat()}}
	case wire.OpGetChildren, wire.OpGetChildren2:
		r, ok := req.(*wire.PathWatchRequest)
		if !ok {
			return Result{Err: wire.ErrMarshallingError}
		}
		n, code := t.readable(r.Path, wire.PermRead, &c)
		if code != wire.ErrOK {
			return Result{Err: code}
		}
		if op == wire.OpGetChildren {
			return Result{Resp: &wire.StringsResponse{Strings: n.names()}}
		}
		return Result{Resp: &wire.GetChildren2Response{Children: n.names(), Stat: n.stat()}}
	case wire.OpGetAllChildrenNumber:
		r, ok := req.(*wire.PathRequest)
		if !ok {
			return Result{Err: wire.ErrMarshallingError}
		}
		n, code := t.readable(r.Path, wire.PermRead, &c)
		if code != wire.ErrOK {
			return Result{Err: code}
		}
		return Result{Resp: &wire.CountResponse{Count: int32(t.allChildrenNumber(r.Path, n))}}
	case wire.OpGetEphemerals:
		r, ok := req.(*wire.PathRequest)
		if !ok {
			return Result{Err: wire.ErrMarshallingError}
		}
		return Result{Resp: &wire.StringsResponse{Strings: t.ephemeralsWithPrefix(c.Session, r.Path)}}
	case wire.OpMultiRead:
		r, ok := req.(*wire.MultiRequest)
		if !ok {
			return Result{Err: wire.ErrMarshallingError}
		}
		return t.multiRead(r, &c)
	}
	return Result{Err: wire.ErrUnimplemented}
}

// readable returns the node at path if it exists (NoNode) and c holds one
// of perm's bits on it (NoAuth).
func (t *Tree) readable(path string, perm int32, c *Caller) (*node, wire.ErrCode) {
	n := t.get(path)
	if n == nil {
		return nil, wire.ErrNoNode
	}
	if !allowed(n.acl, perm, c) {
		return nil, wire.ErrNoAuth
	}
	return n, wire.ErrOK
}

// multiRead answers each getData and getChildren independently: a failing
// one gives a type −1 result with its code, the others their data.
func (t *Tree) multiRead(r *wire.MultiRequest, c *Caller) Result {
	results := make([]wire.MultiResult, len(r.Ops))
	for i, op := range r.Ops {
		body, ok := op.Body.(*wire.PathWatchRequest)
		if !ok || (op.Op != wire.OpGetData && op.Op != wire.OpGetChildren) {
			return Result{Err: wire.ErrMarshallingError}
		}
		n, code := t.readable(body.Path, wire.PermRead, c)
		switch {
		case code != wire.ErrOK:
			results[i] = wire.MultiResult{Op: wire.OpError, Err: code}
		case op.Op == wire.OpGetData:
			results[i] = wire.MultiResult{Op: wire.OpGetData, Data: n.data, Stat: n.stat()}
		default:
			results[i] = wire.MultiResult{Op: wire.OpGetChildren, Children: n.names()}
		}
	}
	return Result{Resp: &wire.MultiResponse{Results: results}}
}

// allChildrenNumber is DataTree.getAllChildrenNumber: the number of
// descendants of n. ZooKeeper counts the keys of its node map under
// path+"/", and its map holds the root twice ("" and "/"): so "/" counts
// every node but the root, and "" every node.
func (t *Tree) allChildrenNumber(path string, n *node) int {
	switch path {
	case "":
		return len(t.nodes)
	case rootPath:
		return len(t.nodes) - 1
	}
	buf := make([]byte, 0, 2*len(path))
	return t.descendants(append(buf, path...), n)
}

// descendants counts the nodes under n, whose path is in buf.
func (t *Tree) descendants(buf []byte, n *node) int {
	count := 0
	for name := range n.children {
		count++
		p := append(append(buf, '/'), name...)
		if child := t.nodes[string(p)]; child != nil && len(child.children) > 0 {
			count += t.descendants(p, child)
		}
	}
	return count
}
