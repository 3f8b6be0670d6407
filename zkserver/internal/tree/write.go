package tree

import "github.com/coordkit/coordkit/internal/wire"

// Write applies a write request as transaction txn: create (1), create2
// (15), createContainer (19), createTTL (21), delete (2), setData (5),
// setACL (7), multi (14), and a bare check (13), which changes nothing and
// answers ErrOK with no body when it passes. req is the decoded body
// (wire.RequestBody(op)); the tree keeps its slices. A failed write changes
// nothing and fires nothing. A body of the wrong type answers
// MarshallingError, an opcode that is not a write Unimplemented.
func (t *Tree) Write(op wire.OpCode, req wire.Record, txn Txn) Result {
	var events []Event
	switch op {
	case wire.OpCreate, wire.OpCreate2, wire.OpCreateContainer:
		r, ok := req.(*wire.CreateRequest)
		if !ok {
			return Result{Err: wire.ErrMarshallingError}
		}
		a := createArgs{path: r.Path, data: r.Data, acl: r.ACL, flags: r.Flags, ttl: -1}
		return t.writeCreate(op, a, &txn)
	case wire.OpCreateTTL:
		r, ok := req.(*wire.CreateTTLRequest)
		if !ok {
			return Result{Err: wire.ErrMarshallingError}
		}
		a := createArgs{path: r.Path, data: r.Data, acl: r.ACL, flags: r.Flags, ttl: r.TTL}
		return t.writeCreate(op, a, &txn)
	case wire.OpDelete:
		r, ok := req.(*wire.DeleteRequest)
		if !ok {
			return Result{Err: wire.ErrMarshallingError}
		}
		if code := t.delete(r.Path, r.Version, &txn, &events); code != wire.ErrOK {
			return Result{Err: code}
		}
		return Result{Events: events}
	case wire.OpSetData:
		r, ok := req.(*wire.SetDataRequest)
		if !ok {
			return Result{Err: wire.ErrMarshallingError}
		}
		n, code := t.setData(r.Path, r.Data, r.Version, &txn, &events)
		if code != wire.ErrOK {
			return Result{Err: code}
		}
		return Result{Resp: &wire.StatResponse{Stat: n.stat()}, Events: events}
	case wire.OpSetACL:
		r, ok := req.(*wire.SetACLRequest)
		if !ok {
			return Result{Err: wire.ErrMarshallingError}
		}
		n, code := t.setACL(r.Path, r.ACL, r.Version, &txn)
		if code != wire.ErrOK {
			return Result{Err: code}
		}
		return Result{Resp: &wire.StatResponse{Stat: n.stat()}}
	case wire.OpCheck:
		r, ok := req.(*wire.CheckVersionRequest)
		if !ok {
			return Result{Err: wire.ErrMarshallingError}
		}
		return Result{Err: t.check(r.Path, r.Version, &txn.Caller)}
	case wire.OpMulti:
		r, ok := req.(*wire.MultiRequest)
		if !ok || r.Read {
			return Result{Err: wire.ErrMarshallingError}
		}
		return t.applyMulti(r, &txn)
	}
	return Result{Err: wire.ErrUnimplemented}
}

func (t *Tree) writeCreate(op wire.OpCode, a createArgs, txn *Txn) Result {
	events := make([]Event, 0, 2)
	path, n, code := t.create(op, a, txn, &events)
	if code != wire.ErrOK {
		return Result{Err: code}
	}
	if op == wire.OpCreate {
		return Result{Resp: &wire.CreateResponse{Path: path}, Events: events}
	}
	return Result{Resp: &wire.Create2Response{Path: path, Stat: n.stat()}, Events: events}
}
