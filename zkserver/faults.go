package zkserver

import (
	"fmt"
	"time"

	"github.com/coordkit/coordkit/internal/wire"
)

// Request describes one client request to a Hook.
type Request struct {
	Session int64
	Xid     int32
	Op      int32  // the opcode (wire numbering: 1 create, 4 getData, 11 ping, ...)
	Path    string // the request's path (a multi's first one), "" when it has none
}

// Action is what a Hook wants done with a request. The zero Action is
// "process normally".
type Action struct {
	// Delay holds the reply (and every later frame on the connection, to
	// keep their order) for this long, in real time, after processing.
	Delay time.Duration
	// Fail answers with this ZooKeeper error code without processing.
	Fail int32
	// DropReply processes the request, then closes the connection without
	// sending its reply: the client sees the outcome as unknown.
	DropReply bool
}

// Hook decides the fate of each request a client sends after its
// handshake, pings included. It runs on the server's processing goroutine
// and must not block or call the Server.
type Hook func(Request) Action

// SetHook replaces the hook (nil removes it). Requests processed after
// SetHook returns see the new hook.
func (s *Server) SetHook(h Hook) {
	if h == nil {
		s.hook.Store(nil)
		return
	}
	s.hook.Store(&h)
}

// DropConnections closes every client connection; sessions live on, and
// their clients may re-attach them. Requests read but not yet processed
// are dropped.
func (s *Server) DropConnections() {
	s.do(func(p *processor) {
		for _, c := range p.conns {
			c.dead = true
		}
	})
	for _, c := range s.connections() {
		c.close()
	}
}

// ExpireSession expires a session now, as its timeout would: its
// ephemeral nodes are deleted (watchers are told) and its connection is
// closed without a word. It fails if the session does not exist.
func (s *Server) ExpireSession(id int64) error {
	var err error
	if !s.do(func(p *processor) {
		sess := p.sessions[id]
		if sess == nil {
			err = fmt.Errorf("zkserver: no session %s", sessionHex(id))
			return
		}
		p.expire(sess)
	}) {
		return ErrClosed
	}
	return err
}

// requestPath returns the path a request body names ("" if none; a
// multi's first op's).
func requestPath(body wire.Record) string {
	switch b := body.(type) {
	case *wire.CreateRequest:
		return b.Path
	case *wire.CreateTTLRequest:
		return b.Path
	case *wire.DeleteRequest:
		return b.Path
	case *wire.PathWatchRequest:
		return b.Path
	case *wire.PathRequest:
		return b.Path
	case *wire.SetDataRequest:
		return b.Path
	case *wire.SetACLRequest:
		return b.Path
	case *wire.WatchesRequest:
		return b.Path
	case *wire.AddWatchRequest:
		return b.Path
	case *wire.MultiRequest:
		if len(b.Ops) > 0 {
			return requestPath(b.Ops[0].Body)
		}
	}
	return ""
}
