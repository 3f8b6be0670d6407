package tree

import "github.com/coordkit/coordkit/internal/wire"

// applyMulti applies a multi (14) as one transaction: its sub-ops run in
// order against the tree, each seeing the earlier ones, and if one fails
// every change is undone. Results follow ZooKeeper: create → type 1 (path)
// and container/TTL creates → type 15 (path, Stat), by the flags (see
// multiCreateOp); delete 2; setData 5 (Stat); check 13. A failed multi
// answers ErrOK with type −1 results: ErrOK before the failing op, its code
// for it, RuntimeInconsistency after it, and fires nothing. A create that
// ZooKeeper cannot process (TTL flags in a create body) fails the whole
// request with MarshallingError.
func (t *Tree) applyMulti(r *wire.MultiRequest, txn *Txn) Result {
	t.multi = &undoLog{dataSize: t.dataSize}
	defer func() { t.multi = nil }()

	results := make([]wire.MultiResult, len(r.Ops))
	var events []Event
	for i, op := range r.Ops {
		res, code, ok := t.multiOp(op, txn, &events)
		if !ok {
			t.rollback()
			return Result{Err: wire.ErrMarshallingError}
		}
		if code != wire.ErrOK {
			t.rollback()
			for j := range results {
				switch {
				case j < i:
					results[j] = wire.MultiResult{Op: wire.OpError, Err: wire.ErrOK}
				case j == i:
					results[j] = wire.MultiResult{Op: wire.OpError, Err: code}
				default:
					results[j] = wire.MultiResult{Op: wire.OpError, Err: wire.ErrRuntimeInconsistency}
				}
			}
			return Result{Resp: &wire.MultiResponse{Results: results}}
		}
		results[i] = res
	}
	return Result{Resp: &wire.MultiResponse{Results: results}, Events: events}
}

// multiOp applies one sub-op. ok is false when the sub-op cannot be
// processed at all (the whole multi then answers MarshallingError).
func (t *Tree) multiOp(op wire.MultiOp, txn *Txn, events *[]Event) (res wire.MultiResult, code wire.ErrCode, ok bool) {
	switch op.Op {
	case wire.OpCreate, wire.OpCreate2, wire.OpCreateContainer, wire.OpCreateTTL:
		eop, a, ok := multiCreateOp(op.Body)
		if !ok {
			return res, 0, false
		}
		path, n, code := t.create(eop, a, txn, events)
		if code != wire.ErrOK {
			return res, code, true
		}
		if eop == wire.OpCreate {
			return wire.MultiResult{Op: wire.OpCreate, Path: path}, wire.ErrOK, true
		}
		return wire.MultiResult{Op: wire.OpCreate2, Path: path, Stat: n.stat()}, wire.ErrOK, true
	case wire.OpDelete:
		r, ok := op.Body.(*wire.DeleteRequest)
		if !ok {
			return res, 0, false
		}
		code := t.delete(r.Path, r.Version, txn, events)
		return wire.MultiResult{Op: wire.OpDelete}, code, true
	case wire.OpSetData:
		r, ok := op.Body.(*wire.SetDataRequest)
		if !ok {
			return res, 0, false
		}
		n, code := t.setData(r.Path, r.Data, r.Version, txn, events)
		if code != wire.ErrOK {
			return res, code, true
		}
		return wire.MultiResult{Op: wire.OpSetData, Stat: n.stat()}, wire.ErrOK, true
	case wire.OpCheck:
		r, ok := op.Body.(*wire.CheckVersionRequest)
		if !ok {
			return res, 0, false
		}
		code := t.check(r.Path, r.Version, &txn.Caller)
		return wire.MultiResult{Op: wire.OpCheck}, code, true
	}
	return res, 0, false
}

// undoLog records what a multi changed, to undo it if a later sub-op fails.
type undoLog struct {
	entries  []undoEntry
	dataSize int64    // t.dataSize before the multi
	dirtied  []string // paths newly marked dirty by the multi
}

type undoOp uint8

const (
	undoInsert undoOp = iota // n was inserted at path
	undoRemove               // n was removed from path; seq was its ephMember.seq
	undoModify               // n at path was about to be changed; old is its value
	undoGrow                 // session's ephemeral set was about to grow; cap was its capacity
)

type undoEntry struct {
	op      undoOp
	path    string
	n       *node
	old     node
	session int64
	cap     int
	seq     int64
}

func (u *undoLog) add(e undoEntry) { u.entries = append(u.entries, e) }

// rollback undoes every change of the current multi, newest first, so
// that each node gets back its value (children set and sorted cache
// included) from before the multi.
func (t *Tree) rollback() {
	u := t.multi
	for i := len(u.entries) - 1; i >= 0; i-- {
		e := &u.entries[i]
		switch e.op {
		case undoInsert:
			t.removeRaw(e.path, e.n)
		case undoRemove:
			t.insertRaw(e.path, e.n)
			if e.n.kind == ephemeral {
				// Back in its place among the set's paths: ZooKeeper never
				// removed it.
				s := t.ephemerals[e.n.owner]
				s.paths[e.path] = ephMember{hash: s.paths[e.path].hash, seq: e.seq}
			}
		case undoModify:
			*e.n = e.old
		case undoGrow:
			s := t.ephemerals[e.session]
			if e.cap == 0 && len(s.paths) == 0 {
				delete(t.ephemerals, e.session) // the multi made it
			} else {
				s.cap = e.cap
			}
		}
	}
	t.dataSize = u.dataSize
	for _, p := range u.dirtied {
		delete(t.dirty, p)
	}
}
