package zkserver

import (
	"crypto/subtle"

	"github.com/coordkit/coordkit/internal/wire"
)

// connect handles a connection's ConnectRequest (§3): a new session, or
// the re-attachment of a live one, or a rejection.
func (p *processor) connect(r *request) {
	c := r.conn
	req := r.body.(*wire.ConnectRequest)
	p.conns[c.id] = c
	if c.dead || c.ctx.Err() != nil {
		c.dead = true
		return
	}
	log := p.s.log
	if req.LastZxidSeen > p.last {
		// The client has seen a zxid this server has not: it must look
		// for another server. Closed without an answer, as ZooKeeper does.
		log.Info("client ahead of the server, closing", "client", c.remote,
			"zxid", req.LastZxidSeen, "server_zxid", p.last)
		p.closeConn(c)
		return
	}
	timeout := p.negotiate(req.TimeOut)
	resp := &wire.ConnectResponse{HasReadOnly: req.HasReadOnly}
	var s *session
	if req.SessionID == 0 {
		s = p.newSession(timeout)
		log.Debug("session created", "session_id", sessionHex(s.id), "client", c.remote, "timeout", timeout)
	} else {
		s = p.sessions[req.SessionID]
		if s == nil || subtle.ConstantTimeCompare(s.passwd[:], req.Passwd) != 1 {
			// Expired, unknown or a wrong password: timeOut 0, id 0, 16
			// zero bytes, then close. The live connection of the session
			// (if any) is left alone, unlike ZooKeeper 3.8.
			log.Debug("session rejected", "session_id", sessionHex(req.SessionID), "client", c.remote)
			resp.Passwd = make([]byte, 16)
			c.queueRecord(resp, p.last, true)
			return
		}
		if old := s.conn; old != nil && old != c {
			log.Debug("session moved, closing its old connection", "session_id", sessionHex(s.id),
				"client", old.remote)
			old.session = nil
			p.closeConn(old)
		}
		if s.timeout != timeout {
			s.timeout = timeout
			p.saveSession(s)
		}
		log.Debug("session re-attached", "session_id", sessionHex(s.id), "client", c.remote, "timeout", timeout)
	}
	s.conn = c
	c.session = s
	p.touch(s)
	resp.TimeOut = timeout
	resp.SessionID = s.id
	resp.Passwd = s.passwd[:]
	c.queueRecord(resp, p.last, false)
}
