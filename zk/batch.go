package zk

import (
	"context"
	"fmt"
	"time"

	"github.com/coordkit/coordkit/internal/wire"
)

// Request is one request of a Batch. The interface is sealed; the request
// types are GetRequest, ExistsRequest, ChildrenRequest, GetACLRequest,
// SyncRequest, CreateRequest, SetRequest, SetACLRequest, DeleteRequest,
// MultiRequest and MultiReadRequest.
type Request interface {
	prepare(c *Conn) anyFuture
}

// GetRequest reads a node (Response.Result is a GetResult).
type GetRequest struct {
	Path  string
	Watch bool // leave a one-shot data watch (GetResult.Watch)
}

// ExistsRequest checks a node (Response.Result is an ExistsResult).
type ExistsRequest struct {
	Path  string
	Watch bool
}

// ChildrenRequest lists children (Response.Result is a ChildrenResult).
type ChildrenRequest struct {
	Path  string
	Watch bool
}

// GetACLRequest reads an ACL (Response.Result is an ACLResult).
type GetACLRequest struct{ Path string }

// SyncRequest syncs (Response.Result is the path, a string).
type SyncRequest struct{ Path string }

// CreateRequest creates a node with create2 (Response.Result is a
// CreateResult). A nil ACL means OpenACL; TTL is required for TTL modes.
type CreateRequest struct {
	Path string
	Data []byte
	Mode CreateMode
	ACL  []ACL
	TTL  time.Duration
}

// SetRequest sets data (Response.Result is the new Stat).
type SetRequest struct {
	Path    string
	Data    []byte
	Version int32
}

// SetACLRequest sets an ACL (Response.Result is the new Stat).
type SetACLRequest struct {
	Path    string
	ACL     []ACL
	Version int32
}

// DeleteRequest deletes a node (Response.Result is struct{}{}).
type DeleteRequest struct {
	Path    string
	Version int32
}

// MultiRequest is a transaction (Response.Result is []OpResult).
type MultiRequest struct{ Ops []Op }

// MultiReadRequest is a multi-read (Response.Result is []ReadResult).
type MultiReadRequest struct{ Ops []ReadOp }

func (r GetRequest) prepare(c *Conn) anyFuture {
	return prepPathWatch[GetResult](c, wire.OpGetData, "get", r.Path, r.Watch, decodeGet)
}

func (r ExistsRequest) prepare(c *Conn) anyFuture {
	return prepPathWatch[ExistsResult](c, wire.OpExists, "exists", r.Path, r.Watch, decodeExists)
}

func (r ChildrenRequest) prepare(c *Conn) anyFuture {
	return prepPathWatch[ChildrenResult](c, wire.OpGetChildren2, "children", r.Path, r.Watch, decodeChildren)
}

func (r GetACLRequest) prepare(c *Conn) anyFuture {
	return prepPath[ACLResult](c, wire.OpGetACL, "getACL", r.Path, decodeGetACL)
}

func (r SyncRequest) prepare(c *Conn) anyFuture {
	return prepPath[string](c, wire.OpSync, "sync", r.Path, decodePathReply)
}

func (r CreateRequest) prepare(c *Conn) anyFuture {
	var opts []CreateOption
	if r.ACL != nil {
		opts = append(opts, WithACL(r.ACL))
	}
	if r.TTL != 0 {
		opts = append(opts, WithTTL(r.TTL))
	}
	return prepCreate[CreateResult](c, "create", r.Path, r.Data, r.Mode, opts, true, decodeCreate2)
}

func (r SetRequest) prepare(c *Conn) anyFuture {
	return c.prepSet(r.Path, r.Data, r.Version)
}

func (r SetACLRequest) prepare(c *Conn) anyFuture {
	return c.prepSetACL(r.Path, r.ACL, r.Version)
}

func (r DeleteRequest) prepare(c *Conn) anyFuture {
	return c.prepDelete(r.Path, r.Version)
}

func (r MultiRequest) prepare(c *Conn) anyFuture {
	if len(r.Ops) == 0 {
		return c.MultiAsync(context.Background())
	}
	return prepMulti(c, r.Ops)
}

func (r MultiReadRequest) prepare(c *Conn) anyFuture {
	return c.prepMultiRead(r.Ops)
}

// Response is what became of one request of a Batch.
type Response struct {
	Index   int     // position in the batch
	Outcome Outcome // Answered, Lost or NotSent
	Result  any     // the request type's result (see each type); nil on error
	Err     error   // nil, a ZooKeeper code, or why it was lost or not sent
}

// Batch sends reqs in order, back to back in the pipeline (no other request
// of this Conn is written between them, unless the batch is larger than the
// in-flight window, in which case it is written in window-sized runs), and
// returns one Response per request, in order, once all have completed.
//
// Each request is answered (a result or a ZooKeeper error), lost (written,
// then the connection died: it may or may not have happened; Err wraps
// ErrConnectionLoss), or not sent (invalid, or never written: IsRetryable
// tells whether it may be sent again as is). ctx bounds queueing only, as
// for XxxAsync: requests not written when ctx ends are not sent.
//
// If onReply is not nil it is called with each Response as soon as it and
// every earlier one have completed, in order, on the goroutine that called
// Batch.
func (c *Conn) Batch(ctx context.Context, reqs []Request, onReply func(i int, r Response)) []Response {
	futs := make([]anyFuture, len(reqs))
	ready := make([]*call, 0, len(reqs))
	for i, r := range reqs {
		if r == nil {
			futs[i] = newFuture[struct{}](c, 0, "batch", "", decodeNothing).failed(errNilRequest)
			continue
		}
		futs[i] = r.prepare(c)
		if k := futs[i].base(); k.state != stDone {
			ready = append(ready, k)
		}
	}
	c.submitAll(ctx, ready)
	out := make([]Response, len(reqs))
	for i, f := range futs {
		k := f.base()
		<-k.done
		out[i] = Response{Index: i, Outcome: k.outcome(), Err: k.err}
		if k.err == nil || k.answered {
			out[i].Result = f.anyValue()
		}
		if onReply != nil {
			onReply(i, out[i])
		}
	}
	return out
}

var errNilRequest = fmt.Errorf("%w: nil request", ErrInvalidArgument)
