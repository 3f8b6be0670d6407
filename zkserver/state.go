package zkserver

import (
	"cmp"
	"slices"
)

// Node is a node as the server holds it, for assertions in tests.
type Node struct {
	Path     string
	Data     []byte
	Children []string // names, sorted
	Version  int32
	Cversion int32
	Aversion int32
	Czxid    int64
	Mzxid    int64
	Pzxid    int64
	// Owner is the session owning an ephemeral node, else 0.
	Owner     int64
	Container bool
	TTL       int64 // ms, for TTL nodes
}

// Session is a live session.
type Session struct {
	ID        int64
	Timeout   int64 // negotiated, ms
	Connected bool
}

// The state accessors below answer between two rounds of processing: what
// they report reflects every request processed before the call. After
// Close they report the final state.

// Node returns the node at path.
func (s *Server) Node(path string) (Node, bool) {
	var out Node
	var found bool
	s.query(func(p *processor) {
		n, ok := p.tree.Lookup(path)
		if !ok {
			return
		}
		found = true
		out = Node{
			Path:      n.Path,
			Data:      n.Data,
			Children:  n.Children,
			Version:   n.Stat.Version,
			Cversion:  n.Stat.Cversion,
			Aversion:  n.Stat.Aversion,
			Czxid:     n.Stat.Czxid,
			Mzxid:     n.Stat.Mzxid,
			Pzxid:     n.Stat.Pzxid,
			Owner:     n.Owner,
			Container: n.Container,
			TTL:       n.TTL,
		}
	})
	return out, found
}

// Sessions returns the live sessions, sorted by id.
func (s *Server) Sessions() []Session {
	var out []Session
	s.query(func(p *processor) {
		out = make([]Session, 0, len(p.sessions))
		for _, sess := range p.sessions {
			out = append(out, Session{ID: sess.id, Timeout: int64(sess.timeout), Connected: sess.conn != nil})
		}
	})
	slices.SortFunc(out, func(a, b Session) int { return cmp.Compare(a.ID, b.ID) })
	return out
}

// Ephemerals returns the paths of a session's ephemeral nodes, sorted.
func (s *Server) Ephemerals(session int64) []string {
	var out []string
	s.query(func(p *processor) { out = p.tree.Ephemerals(session) })
	return out
}

// LastZxid returns the zxid of the last transaction.
func (s *Server) LastZxid() int64 {
	var z int64
	s.query(func(p *processor) { z = p.last })
	return z
}
