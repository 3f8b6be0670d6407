package zkserver

import (
	"github.com/coordkit/coordkit/internal/wire"
	"github.com/coordkit/coordkit/zkserver/internal/tree"
)

// dispatch handles a request of a connection with a session.
func (p *processor) dispatch(r *request) {
	c := r.conn
	if r.bad {
		p.malformed(r)
		return
	}
	switch r.op {
	case wire.OpPing:
		p.answer(r, wire.XidPing, p.last, wire.ErrOK, nil)
	case wire.OpSync:
		// Standalone: every earlier request is processed; echo the path.
		p.answer(r, r.xid, p.last, wire.ErrOK, r.body)
	case wire.OpCreate, wire.OpCreate2, wire.OpCreateContainer, wire.OpCreateTTL,
		wire.OpDelete, wire.OpSetData, wire.OpSetACL, wire.OpMulti, wire.OpCheck:
		p.write(r)
	case wire.OpExists, wire.OpGetData, wire.OpGetACL, wire.OpGetChildren, wire.OpGetChildren2,
		wire.OpMultiRead, wire.OpGetEphemerals, wire.OpGetAllChildrenNumber:
		p.read(r)
	case wire.OpAuth:
		p.auth(r)
	case wire.OpWhoAmI:
		p.answer(r, r.xid, p.last, wire.ErrOK, whoAmI(c))
	case wire.OpSASL:
		// No SASL configured: OK with a null token, zxid 0.
		p.answer(r, r.xid, 0, wire.ErrOK, &wire.SASLToken{})
	case wire.OpSetWatches, wire.OpSetWatches2:
		p.setWatches(r)
	case wire.OpAddWatch:
		p.addWatch(r)
	case wire.OpCheckWatches, wire.OpRemoveWatches:
		p.checkWatches(r)
	case wire.OpReconfig:
		// A write in ZooKeeper's pipeline: it consumes a zxid and fails.
		p.answer(r, r.xid, p.newZxid(), wire.ErrReconfigDisabled, nil)
	case wire.OpDeleteContainer:
		// Server-internal: refused from a client, as a failed write.
		p.answer(r, r.xid, p.newZxid(), wire.ErrBadArguments, nil)
	case wire.OpCloseSession:
		p.closeSessionRequest(r)
	default:
		// Unknown opcode (notification, createSession and error
		// included): Unimplemented with zxid −1, then close.
		p.s.log.Debug("unknown opcode, closing", "client", c.remote, "op", r.op.String())
		p.answer(r, r.xid, -1, wire.ErrUnimplemented, nil)
		c.queueClose(p.last)
	}
}

// isWrite reports whether op goes through ZooKeeper's transaction path,
// where even a request that fails to decode consumes a zxid.
func isWrite(op wire.OpCode) bool {
	switch op {
	case wire.OpCreate, wire.OpCreate2, wire.OpCreateContainer, wire.OpCreateTTL,
		wire.OpDelete, wire.OpSetData, wire.OpSetACL, wire.OpMulti, wire.OpCheck,
		wire.OpReconfig:
		return true
	}
	return false
}

// malformed answers a request whose body did not decode: MarshallingError
// (a write consumes a zxid for it), the connection stays open; a malformed
// auth or sasl packet closes the connection, as it does in ZooKeeper's
// network layer.
func (p *processor) malformed(r *request) {
	c := r.conn
	switch {
	case r.op == wire.OpAuth || r.op == wire.OpSASL:
		p.s.log.Debug("malformed auth packet, closing", "client", c.remote)
		c.queueClose(p.last)
	case isWrite(r.op):
		p.answer(r, r.xid, p.newZxid(), wire.ErrMarshallingError, nil)
	default:
		p.answer(r, r.xid, p.last, wire.ErrMarshallingError, nil)
	}
}

// caller is who sends c's requests, for the tree.
func (p *processor) caller(c *conn) tree.Caller {
	return tree.Caller{Session: c.session.id, IDs: c.ids, Super: c.super}
}

// write applies a write as a transaction; its watch events are queued
// before its reply.
func (p *processor) write(r *request) {
	zxid := p.newZxid()
	res := p.tree.Write(r.op, r.body, tree.Txn{Zxid: zxid, Time: p.nowMS, Caller: p.caller(r.conn)})
	p.fire(res.Events)
	p.answer(r, r.xid, zxid, res.Err, res.Resp)
}

// read answers a read with the last zxid, leaving the watch it asked for.
func (p *processor) read(r *request) {
	c := r.conn
	res := p.tree.Read(r.op, r.body, p.caller(c))
	if pw, ok := r.body.(*wire.PathWatchRequest); ok && pw.Watch {
		p.registerWatch(c, r.op, pw.Path, res.Err)
	}
	p.answer(r, r.xid, p.last, res.Err, res.Resp)
}

// closeSessionRequest closes the session: ephemerals deleted, reply, then
// the connection is closed.
func (p *processor) closeSessionRequest(r *request) {
	c := r.conn
	s := c.session
	zxid := p.closeSession(s)
	s.conn = nil
	c.session = nil
	p.answer(r, r.xid, zxid, wire.ErrOK, nil)
	c.queueClose(zxid)
}
