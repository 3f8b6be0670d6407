package integration

import (
	"context"
	"fmt"
	"time"

	"github.com/coordkit/coordkit/internal/wire"
)

// runB applies one of the watcher's ops on its raw session. Events that
// arrive before the reply are kept for the barrier to collect.
func (d *diffBackend) runB(ctx context.Context, op diffOp) (outcome, error) {
	var o outcome
	var broken error
	b := d.b
	call := func(code wire.OpCode, req, resp wire.Record) bool {
		h, err := b.call(code, req, resp)
		if err != nil {
			broken = err
			return false
		}
		o.Err = codeText(h.Err)
		return h.Err == wire.ErrOK
	}
	switch op.Kind {
	case bGetData:
		var r wire.GetDataResponse
		if call(wire.OpGetData, &wire.PathWatchRequest{Path: op.Path, Watch: op.Watch}, &r) {
			o.Data, o.Stat = dataOf(r.Data), statOfWire(r.Stat, d.roles)
		}
	case bExists:
		var r wire.StatResponse
		if call(wire.OpExists, &wire.PathWatchRequest{Path: op.Path, Watch: op.Watch}, &r) {
			o.Stat = statOfWire(r.Stat, d.roles)
		}
	case bChildren:
		var r wire.StringsResponse
		if call(wire.OpGetChildren, &wire.PathWatchRequest{Path: op.Path, Watch: op.Watch}, &r) {
			o.setChildren(r.Strings)
			if r.Strings == nil {
				o.extra = append(o.extra, "children: null vector")
			}
		}
	case bChildren2:
		var r wire.GetChildren2Response
		if call(wire.OpGetChildren2, &wire.PathWatchRequest{Path: op.Path, Watch: op.Watch}, &r) {
			o.setChildren(r.Children)
			o.Stat = statOfWire(r.Stat, d.roles)
		}
	case bAddWatch:
		var r wire.ErrorResponse
		if call(wire.OpAddWatch, &wire.AddWatchRequest{Path: op.Path, Mode: op.Type}, &r) {
			o.extra = append(o.extra, fmt.Sprintf("body: ErrorResponse{%d}", int32(r.Err)))
		}
	case bRemoveWatches:
		call(wire.OpRemoveWatches, &wire.WatchesRequest{Path: op.Path, Type: op.Type}, nil)
	case bCheckWatches:
		call(wire.OpCheckWatches, &wire.WatchesRequest{Path: op.Path, Type: op.Type}, nil)
	case bCreate:
		req, resp := rawCreate(op)
		if call(op.Op, req, resp) {
			switch r := resp.(type) {
			case *wire.CreateResponse:
				o.setPath(r.Path)
			case *wire.Create2Response:
				o.setPath(r.Path)
				o.Stat = statOfWire(r.Stat, d.roles)
			}
		}
	case bDelete:
		call(wire.OpDelete, &wire.DeleteRequest{Path: op.Path, Version: op.Version}, nil)
	case bSet:
		var r wire.StatResponse
		if call(wire.OpSetData, &wire.SetDataRequest{Path: op.Path, Data: op.Data, Version: op.Version}, &r) {
			o.Stat = statOfWire(r.Stat, d.roles)
		}
	case bGetACL:
		var r wire.GetACLResponse
		if call(wire.OpGetACL, &wire.PathRequest{Path: op.Path}, &r) {
			o.setACLWire(r.ACL)
			o.Stat = statOfWire(r.Stat, d.roles)
		}
	case bWhoAmI:
		var r wire.WhoAmIResponse
		if call(wire.OpWhoAmI, wire.Empty{}, &r) {
			var ids []string
			for _, c := range r.ClientInfo {
				ids = append(ids, c.AuthScheme+":"+c.User)
			}
			o.setStrings(ids)
		}
	case bMulti:
		req := &wire.MultiRequest{Read: op.Watch, Ops: []wire.MultiOp{}}
		for _, s := range op.Subs {
			body, _ := rawCreate(s)
			switch s.Op {
			case wire.OpDelete, wire.OpCheck:
				body = &wire.DeleteRequest{Path: s.Path, Version: s.Version}
			case wire.OpSetData:
				body = &wire.SetDataRequest{Path: s.Path, Data: s.Data, Version: s.Version}
			case wire.OpGetData, wire.OpGetChildren:
				body = &wire.PathWatchRequest{Path: s.Path}
			}
			req.Ops = append(req.Ops, wire.MultiOp{Op: s.Op, Body: body})
		}
		code := wire.OpMulti
		if op.Watch {
			code = wire.OpMultiRead
		}
		var r wire.MultiResponse
		if call(code, req, &r) {
			for _, res := range r.Results {
				o.Subs = append(o.Subs, rawMultiResult(res, d.roles))
			}
		}
	case bReopen:
		return d.reopenB(ctx, time.Duration(op.Timeout)*time.Millisecond)
	case bReattach:
		return d.reattachB(ctx, op)
	case bAuth:
		code, err := b.auth(op.ACL, string(op.Data))
		if err != nil {
			return o, err
		}
		o.Err = codeText(code)
	case bEphemerals:
		var r wire.StringsResponse
		if call(wire.OpGetEphemerals, &wire.PathRequest{Path: op.Path}, &r) {
			o.setStrings(r.Strings)
		}
	case bSync:
		var r wire.SyncResponse
		if call(wire.OpSync, &wire.SyncRequest{Path: op.Path}, &r) {
			o.setPath(r.Path)
		}
	case bAllChildren:
		var r wire.CountResponse
		if call(wire.OpGetAllChildrenNumber, &wire.PathRequest{Path: op.Path}, &r) {
			o.setCount(r.Count)
		}
	default:
		return o, fmt.Errorf("op kind %v is not B's", op.Kind)
	}
	return o, broken
}

// rawCreate returns the request and response records of one of B's
// creates (op 1, 15, 19 or 21).
func rawCreate(op diffOp) (wire.Record, wire.Record) {
	if op.Op == wire.OpCreateTTL {
		return &wire.CreateTTLRequest{Path: op.Path, Data: op.Data, ACL: wireACL(op.ACL), Flags: op.Flags, TTL: op.TTL},
			&wire.Create2Response{}
	}
	req := &wire.CreateRequest{Path: op.Path, Data: op.Data, ACL: wireACL(op.ACL), Flags: op.Flags}
	if op.Op == wire.OpCreate {
		return req, &wire.CreateResponse{}
	}
	return req, &wire.Create2Response{}
}

// rawMultiResult renders one result of a multi as the server sent it:
// its type, code and record.
func rawMultiResult(res wire.MultiResult, r roles) outcome {
	var s outcome
	s.Err = codeText(res.Err)
	s.extra = append(s.extra, fmt.Sprintf("type: %d", int32(res.Op)))
	switch res.Op {
	case wire.OpCreate:
		s.setPath(res.Path)
	case wire.OpCreate2:
		s.setPath(res.Path)
		s.Stat = statOfWire(res.Stat, r)
	case wire.OpSetData:
		s.Stat = statOfWire(res.Stat, r)
	case wire.OpGetData:
		s.Data, s.Stat = dataOf(res.Data), statOfWire(res.Stat, r)
	case wire.OpGetChildren:
		s.setChildren(res.Children)
	}
	return s
}

// reopenB ends B's session (the events its close fires on B itself are
// part of the outcome) and opens a new one with the standing watches.
func (d *diffBackend) reopenB(ctx context.Context, timeout time.Duration) (outcome, error) {
	var o outcome
	if err := d.b.close(); err != nil {
		return o, fmt.Errorf("close B: %w", err)
	}
	for _, ev := range d.b.takeEvents() {
		o.extra = append(o.extra, "event before the close reply: "+eventText(ev))
	}
	b, err := d.openB(ctx, timeout)
	if err != nil {
		d.b = nil
		return o, err
	}
	d.b = b
	o.Timeout = b.timeout
	for _, w := range []wire.AddWatchRequest{
		{Path: d.root, Mode: wire.AddWatchPersistentRecursive},
		{Path: d.root + "/a", Mode: wire.AddWatchPersistent},
	} {
		var r wire.ErrorResponse
		h, err := b.call(wire.OpAddWatch, &w, &r)
		if err != nil {
			return o, err
		}
		o.extra = append(o.extra, fmt.Sprintf("addWatch %s mode %d: %v", w.Path, w.Mode, h.Err))
	}
	return o, nil
}

// reattachB drops B's connection (the server forgets its watches),
// re-attaches the session, sends bob's credential again and then
// setWatches or setWatches2 with op's lists; catch-up events arrive before
// its reply and are part of the outcome.
func (d *diffBackend) reattachB(ctx context.Context, op diffOp) (outcome, error) {
	var o outcome
	b := d.b
	rel := max(b.lastZxid-op.Behind, 0)
	if err := b.reattach(ctx, d.addr, time.Duration(op.Timeout)*time.Millisecond); err != nil {
		return o, err
	}
	o.Timeout = b.timeout
	o.extra = append(o.extra, "session: "+d.roles.owner(b.id))
	if code, err := b.auth("digest", bobCred); err != nil || code != wire.ErrOK {
		return o, fmt.Errorf("B's auth: %v %w", code, err)
	}
	req := &wire.SetWatches{RelativeZxid: rel, V2: op.Watch}
	lists := []*[]string{&req.Data, &req.Exist, &req.Child, &req.Persistent, &req.PersistentRecursive}
	for i, l := range lists {
		*l = append([]string{}, op.Lists[i]...)
	}
	xid := wire.XidSetWatches
	if !op.XidM8 {
		b.xid++
		xid = b.xid
	}
	h, err := b.setWatches(xid, req)
	if err != nil {
		return o, err
	}
	o.Err = codeText(h.Err)
	return o, nil
}
