package tree

import (
	"slices"
	"strings"
)

// CloseSession deletes every ephemeral node of txn.Caller.Session, as one
// transaction, and returns the triggers as for deletes. The nodes go in the
// order Apache ZooKeeper 3.8 (on Java 17) deletes them: the iteration
// order of a clone of its per-session HashSet of paths (see ephSet), which
// depends on the paths' String hashes, on how far the set's table grew
// while the session lived and on the creation order. The session's set is
// then forgotten.
func (t *Tree) CloseSession(txn Txn) Result {
	s := t.ephemerals[txn.Caller.Session]
	if s == nil {
		return Result{}
	}
	var events []Event
	if len(s.paths) > 0 {
		paths := s.cloneOrder()
		events = make([]Event, 0, 2*len(paths))
		for _, p := range paths {
			if n := t.nodes[p]; n != nil {
				t.deleteNode(p, n, txn.Zxid, &events)
			}
		}
	}
	delete(t.ephemerals, txn.Caller.Session)
	return Result{Events: events}
}

// Ephemerals returns the paths of session's ephemeral nodes, sorted.
func (t *Tree) Ephemerals(session int64) []string {
	s := t.ephemerals[session]
	if s == nil {
		return []string{}
	}
	out := make([]string, 0, len(s.paths))
	for p := range s.paths {
		out = append(out, p)
	}
	slices.Sort(out)
	return out
}

// ephemeralsWithPrefix answers getEphemerals: the session's ephemeral paths
// that start with prefix (plain string prefix), or all of them when the
// prefix, trimmed as Java's String.trim does, is empty or "/". They come in
// ZooKeeper's order, that of CloseSession.
func (t *Tree) ephemeralsWithPrefix(session int64, prefix string) []string {
	s := t.ephemerals[session]
	if s == nil || len(s.paths) == 0 {
		return []string{}
	}
	all := s.cloneOrder()
	if trimmed := javaTrim(prefix); trimmed == "" || trimmed == "/" {
		return all
	}
	out := all[:0]
	for _, p := range all {
		if strings.HasPrefix(p, prefix) {
			out = append(out, p)
		}
	}
	return out
}

// javaTrim is String.trim: it drops leading and trailing characters ≤ ' '.
func javaTrim(s string) string {
	return strings.TrimFunc(s, func(r rune) bool { return r <= ' ' })
}

// Owners returns every session that owns at least one ephemeral node,
// sorted.
func (t *Tree) Owners() []int64 {
	out := make([]int64, 0, len(t.ephemerals))
	for id, s := range t.ephemerals {
		if len(s.paths) > 0 {
			out = append(out, id)
		}
	}
	slices.Sort(out)
	return out
}
