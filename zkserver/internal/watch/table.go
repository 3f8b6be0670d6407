package watch

// mode is how a connection watches a path in one table. A table keeps one
// mode per (connection, path): a later registration replaces the earlier.
type mode uint8

const (
	standard   mode = iota // one-shot: data, exist or child
	persistent             // addWatch mode 0: stays after firing
	recursive              // addWatch mode 1: the path and its descendants
)

// table is one of the two watch tables, data or child.
type table struct {
	byPath map[string]map[ConnID]mode
	// byConn holds each connection's paths in this table. A connection stays
	// listed with no paths after its last watch fires or is removed, until
	// removeConn: ZooKeeper counts such connections in wchs.
	byConn    map[ConnID]map[string]struct{}
	n         int // registrations
	recursive int // registrations in recursive mode: 0 spares the ancestor walk
}

func newTable() table {
	return table{
		byPath: make(map[string]map[ConnID]mode),
		byConn: make(map[ConnID]map[string]struct{}),
	}
}

// add sets c's watch on path to md.
func (t *table) add(c ConnID, path string, md mode) {
	ws := t.byPath[path]
	if ws == nil {
		ws = make(map[ConnID]mode, 1)
		t.byPath[path] = ws
	}
	old, had := ws[c]
	ws[c] = md
	switch {
	case !had:
		t.n++
	case old == recursive:
		t.recursive--
	}
	if md == recursive {
		t.recursive++
	}
	ps := t.byConn[c]
	if ps == nil {
		ps = make(map[string]struct{})
		t.byConn[c] = ps
	}
	ps[path] = struct{}{}
}

// watched reports whether any connection watches path in t.
func (t *table) watched(path string) bool { return len(t.byPath[path]) > 0 }

// remove removes c's watch on path and reports whether there was one.
func (t *table) remove(c ConnID, path string) bool {
	ps := t.byConn[c]
	if _, ok := ps[path]; !ok {
		return false
	}
	delete(ps, path)
	t.unlink(c, path)
	return true
}

// removeConn removes every watch of c and forgets c.
func (t *table) removeConn(c ConnID) {
	for p := range t.byConn[c] {
		t.unlink(c, p)
	}
	delete(t.byConn, c)
}

// unlink takes c out of path's watchers; the caller updates byConn.
func (t *table) unlink(c ConnID, path string) {
	ws := t.byPath[path]
	md, ok := ws[c]
	if !ok {
		return
	}
	delete(ws, c)
	t.n--
	if md == recursive {
		t.recursive--
	}
	if len(ws) == 0 {
		delete(t.byPath, path)
	}
}
