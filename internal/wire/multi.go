package wire

import (
	"errors"
	"fmt"
)

// ErrBadMultiOp is returned (wrapped) when a multi or multiRead request holds
// an operation type that may not appear there; a server answers
// MarshallingError.
var ErrBadMultiOp = errors.New("wire: operation not allowed in multi")

// MultiHeader precedes each operation and each result in multi and multiRead,
// and ends both lists with Done set.
type MultiHeader struct {
	Type OpCode
	Done bool
	Err  ErrCode
}

// Encode implements Record.
func (h *MultiHeader) Encode(e *Encoder) {
	e.Int32(int32(h.Type))
	e.Bool(h.Done)
	e.Int32(int32(h.Err))
}

// Decode implements Record.
func (h *MultiHeader) Decode(d *Decoder) {
	h.Type = OpCode(d.Int32())
	h.Done = d.Bool()
	h.Err = ErrCode(d.Int32())
}

var multiEnd = MultiHeader{Type: OpError, Done: true, Err: -1}

// MultiOp is one operation of a multi (14) or multiRead (22). Body is a
// *CreateRequest (ops 1, 15, 19), *CreateTTLRequest (21), *DeleteRequest (2),
// *SetDataRequest (5), *CheckVersionRequest (13), or *PathWatchRequest (4 and
// 8, multiRead only).
type MultiOp struct {
	Op   OpCode
	Body Record
}

// MultiRequest is the body of multi (14) and multiRead (22).
type MultiRequest struct {
	Ops []MultiOp
	// Read selects which opcodes Decode accepts: multiRead's (getData,
	// getChildren) when set, multi's writes otherwise.
	Read bool
}

// Encode implements Record.
func (r *MultiRequest) Encode(e *Encoder) {
	for _, op := range r.Ops {
		h := MultiHeader{Type: op.Op, Err: -1}
		h.Encode(e)
		op.Body.Encode(e)
	}
	multiEnd.Encode(e)
}

// Decode implements Record. An operation not allowed in this kind of multi
// fails with ErrBadMultiOp.
func (r *MultiRequest) Decode(d *Decoder) {
	r.Ops = r.Ops[:0]
	for d.Err() == nil {
		var h MultiHeader
		h.Decode(d)
		if d.Err() != nil || h.Done {
			return
		}
		body := multiOpBody(h.Type, r.Read)
		if body == nil {
			kind := "multi"
			if r.Read {
				kind = "multiRead"
			}
			d.fail(fmt.Errorf("%w: %v in %s", ErrBadMultiOp, h.Type, kind))
			return
		}
		body.Decode(d)
		r.Ops = append(r.Ops, MultiOp{Op: h.Type, Body: body})
	}
}

func multiOpBody(op OpCode, read bool) Record {
	if read {
		switch op {
		case OpGetData, OpGetChildren:
			return &PathWatchRequest{}
		}
		return nil
	}
	switch op {
	case OpCreate, OpCreate2, OpCreateContainer:
		return &CreateRequest{}
	case OpCreateTTL:
		return &CreateTTLRequest{}
	case OpDelete:
		return &DeleteRequest{}
	case OpSetData:
		return &SetDataRequest{}
	case OpCheck:
		return &CheckVersionRequest{}
	}
	return nil
}

// MultiResult is one result of a multi or multiRead. Op is the result type:
// OpCreate (Path), OpCreate2 (Path, Stat), OpSetData (Stat), OpDelete and
// OpCheck (nothing), OpGetData (Data, Stat), OpGetChildren (Children), or
// OpError (Err).
type MultiResult struct {
	Op       OpCode
	Err      ErrCode
	Path     string
	Stat     Stat
	Data     []byte
	Children []string
}

// MultiResponse is the reply body of multi (14) and multiRead (22).
type MultiResponse struct {
	Results []MultiResult
}

// Encode implements Record.
func (r *MultiResponse) Encode(e *Encoder) {
	for i := range r.Results {
		res := &r.Results[i]
		h := MultiHeader{Type: res.Op}
		if res.Op == OpError {
			h.Err = res.Err
		}
		h.Encode(e)
		switch res.Op {
		case OpCreate:
			e.String(res.Path)
		case OpCreate2:
			e.String(res.Path)
			res.Stat.Encode(e)
		case OpSetData:
			res.Stat.Encode(e)
		case OpGetData:
			e.Buffer(res.Data)
			res.Stat.Encode(e)
		case OpGetChildren:
			e.Strings(res.Children)
		case OpError:
			e.Int32(int32(res.Err))
		}
	}
	multiEnd.Encode(e)
}

// ErrBadMultiResult is returned (wrapped) when a MultiResponse holds a result
// type no server sends.
var ErrBadMultiResult = errors.New("wire: unknown multi result type")

// Decode implements Record.
func (r *MultiResponse) Decode(d *Decoder) {
	r.Results = r.Results[:0]
	for d.Err() == nil {
		var h MultiHeader
		h.Decode(d)
		if d.Err() != nil || h.Done {
			return
		}
		res := MultiResult{Op: h.Type}
		switch h.Type {
		case OpCreate:
			res.Path = d.String()
		case OpCreate2:
			res.Path = d.String()
			res.Stat.Decode(d)
		case OpSetData:
			res.Stat.Decode(d)
		case OpDelete, OpCheck:
		case OpGetData:
			res.Data = d.Buffer()
			res.Stat.Decode(d)
		case OpGetChildren:
			res.Children = d.Strings()
		case OpError:
			res.Err = ErrCode(d.Int32())
		default:
			d.fail(fmt.Errorf("%w: %d", ErrBadMultiResult, int32(h.Type)))
			return
		}
		r.Results = append(r.Results, res)
	}
}
