package watch

import (
	"strings"

	"github.com/coordkit/coordkit/internal/wire"
)

// Trigger fires the watches that an event of type typ (wire.EventNode*) on
// path matches and calls notify once per connection to tell, in no
// particular order, after the tables are updated. One-shot watches it fires
// are removed. NodeCreated and NodeDataChanged look at the data table,
// NodeChildrenChanged at the child table; NodeDeleted fires the data side
// and then the child watches of path, telling no connection twice (a
// one-shot child watch is removed even when its connection was already
// told). Other types match nothing.
//
// Trigger allocates nothing when no watch matches. notify must not call
// back into the Manager.
func (m *Manager) Trigger(path string, typ int32, notify func(ConnID)) {
	out := m.scratch[:0]
	m.scratch = nil // a notify that calls back in gets its own
	var groups, g int
	switch typ {
	case wire.EventNodeCreated, wire.EventNodeDataChanged:
		out, groups = m.data.collect(path, typ, out)
	case wire.EventNodeDeleted:
		out, groups = m.data.collect(path, typ, out)
		out, g = m.child.collect(path, typ, out)
		groups += g
	case wire.EventNodeChildrenChanged:
		out, groups = m.child.collect(path, typ, out)
	}
	if groups > 1 {
		out = m.dedup(out)
	}
	for _, c := range out {
		notify(c)
	}
	m.scratch = out[:0]
}

// collect appends to out the connections that an event of type typ on path
// matches in t and removes the one-shot watches among them. groups is how
// many (path, ancestor) watcher sets contributed: with more than one, out
// may hold a connection twice. The ancestors are visited only while t has
// a recursive watch and the event is not NodeChildrenChanged, which
// recursive watches ignore.
func (t *table) collect(path string, typ int32, out []ConnID) (_ []ConnID, groups int) {
	children := typ == wire.EventNodeChildrenChanged
	walk := t.recursive > 0 && !children
	for p, top := path, true; ; top = false {
		if ws := t.byPath[p]; len(ws) > 0 {
			before := len(out)
			for c, md := range ws {
				switch {
				case md == recursive:
					if !children {
						out = append(out, c)
					}
				case top:
					out = append(out, c)
					if md == standard {
						delete(ws, c)
						delete(t.byConn[c], p)
						t.n--
					}
				}
			}
			if len(ws) == 0 {
				delete(t.byPath, p)
			}
			if len(out) > before {
				groups++
			}
		}
		if !walk {
			return out, groups
		}
		var ok bool
		if p, ok = parent(p); !ok {
			return out, groups
		}
	}
}

// parent returns the parent of path ("/" for "/a"); false for "/" and for
// anything without a slash.
func parent(path string) (string, bool) {
	i := strings.LastIndexByte(path, '/')
	switch {
	case i < 0 || path == "/":
		return "", false
	case i == 0:
		return "/", true
	}
	return path[:i], true
}

// linearDedup is the list length up to which dedup compares pairwise
// rather than using a set.
const linearDedup = 16

// dedup removes repeated connections from cs in place, keeping first
// occurrences in order.
func (m *Manager) dedup(cs []ConnID) []ConnID {
	kept := cs[:0]
	if len(cs) <= linearDedup {
	next:
		for _, c := range cs {
			for _, k := range kept {
				if k == c {
					continue next
				}
			}
			kept = append(kept, c)
		}
		return kept
	}
	if m.seen == nil {
		m.seen = make(map[ConnID]struct{}, len(cs))
	}
	for _, c := range cs {
		if _, dup := m.seen[c]; !dup {
			m.seen[c] = struct{}{}
			kept = append(kept, c)
		}
	}
	for _, c := range kept {
		delete(m.seen, c)
	}
	return kept
}
