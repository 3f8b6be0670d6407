package zkserver

import (
	"github.com/coordkit/coordkit/internal/wire"
	"github.com/coordkit/coordkit/zkserver/internal/tree"
	"github.com/coordkit/coordkit/zkserver/internal/watch"
)

// eventHeader starts every notification frame: xid −1, zxid −1, err 0.
var eventHeader = wire.ReplyHeader{Xid: wire.XidWatchEvent, Zxid: -1}

// fire triggers the watches of a write's events, in order, and queues the
// notifications on the connections to tell. A connection without READ on
// the event's ACL is not told (ZooKeeper 3.8 with the CVE-2024-23944 fix),
// but its one-shot watch is used up all the same.
func (p *processor) fire(events []tree.Event) {
	for _, ev := range events {
		encoded := false
		p.watches.Trigger(ev.Path, ev.Type, func(id watch.ConnID) {
			c := p.conns[id]
			if c == nil || c.dead {
				return
			}
			if !tree.Permitted(ev.ACL, tree.Caller{IDs: c.ids, Super: c.super}, wire.PermRead) {
				return
			}
			if !encoded {
				p.event = wire.AppendReply(p.event[:0], eventHeader,
					&wire.WatcherEvent{Type: ev.Type, State: wire.StateSyncConnected, Path: ev.Path})
				encoded = true
			}
			c.queueFrame(p.event, p.last)
		})
	}
}

// queueEvent queues one notification on c.
func (p *processor) queueEvent(c *conn, ev *wire.WatcherEvent) {
	p.event = wire.AppendReply(p.event[:0], eventHeader, ev)
	c.queueFrame(p.event, p.last)
}

// registerWatch leaves the watch a read asked for (§11.2): exists leaves a
// data watch on an existing node and an exist watch on a missing one;
// getData and getChildren leave theirs only when they succeed.
func (p *processor) registerWatch(c *conn, op wire.OpCode, path string, code wire.ErrCode) {
	switch op {
	case wire.OpExists:
		switch code {
		case wire.ErrOK:
			p.watches.Add(c.id, path, watch.Data)
		case wire.ErrNoNode:
			p.watches.Add(c.id, path, watch.Exist)
		}
	case wire.OpGetData:
		if code == wire.ErrOK {
			p.watches.Add(c.id, path, watch.Data)
		}
	case wire.OpGetChildren, wire.OpGetChildren2:
		if code == wire.ErrOK {
			p.watches.Add(c.id, path, watch.Child)
		}
	}
}

// setWatches re-registers a reconnecting client's watches (§11.6): the
// catch-up events first, then the reply. Catch-up events are not filtered
// by ACL, as in ZooKeeper.
func (p *processor) setWatches(r *request) {
	c := r.conn
	req := r.body.(*wire.SetWatches)
	evs := p.watches.SetWatches(c.id, req, p.tree.Zxids)
	for i := range evs {
		p.queueEvent(c, &evs[i])
	}
	p.answer(r, r.xid, p.last, wire.ErrOK, nil)
}

// addWatch adds a persistent or persistent-recursive watch; no ACL check,
// and the node need not exist. The reply carries an ErrorResponse{0}.
func (p *processor) addWatch(r *request) {
	c := r.conn
	req := r.body.(*wire.AddWatchRequest)
	var k watch.Kind
	switch req.Mode {
	case wire.AddWatchPersistent:
		k = watch.Persistent
	case wire.AddWatchPersistentRecursive:
		k = watch.PersistentRecursive
	default:
		p.answer(r, r.xid, p.last, wire.ErrMarshallingError, nil)
		return
	}
	p.watches.Add(c.id, req.Path, k)
	p.answer(r, r.xid, p.last, wire.ErrOK, &wire.ErrorResponse{})
}

// checkWatches answers checkWatches and removeWatches. A watcher type
// other than Children, Data or Any is MarshallingError (ZooKeeper fails to
// convert it before looking). checkWatches finds a watch that any
// connection set on the path, as ZooKeeper 3.8 does; removeWatches removes
// the connection's own. NoWatcher when there is none.
func (p *processor) checkWatches(r *request) {
	c := r.conn
	req := r.body.(*wire.WatchesRequest)
	switch req.Type {
	case wire.WatcherChildren, wire.WatcherData, wire.WatcherAny:
	default:
		p.answer(r, r.xid, p.last, wire.ErrMarshallingError, nil)
		return
	}
	var found bool
	if r.op == wire.OpCheckWatches {
		found = p.watches.Check(c.id, req.Path, req.Type)
	} else {
		found = p.watches.Remove(c.id, req.Path, req.Type)
	}
	code := wire.ErrOK
	if !found {
		code = wire.ErrNoWatcher
	}
	p.answer(r, r.xid, p.last, code, nil)
}
