package watch

import (
	"path"
	"sort"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/coordkit/coordkit/internal/wire"
)

// Short names for the event types in the tables.
const (
	created  = wire.EventNodeCreated
	deleted  = wire.EventNodeDeleted
	changed  = wire.EventNodeDataChanged
	children = wire.EventNodeChildrenChanged
)

// event is one notification: the connection told, and what.
type event struct {
	Conn ConnID
	Type int32
	Path string
}

// reg is one registration for a test's setup.
type reg struct {
	conn ConnID
	path string
	kind Kind
}

// write is one tree operation of a test script and the notifications it
// must cause, in order.
type write struct {
	op   string // "create", "delete" or "set"
	path string
	want []event
}

func ev(c ConnID, typ int32, p string) event { return event{Conn: c, Type: typ, Path: p} }

func newManager(regs ...reg) *Manager {
	m := New()
	for _, r := range regs {
		m.Add(r.conn, r.path, r.kind)
	}
	return m
}

// trigger runs one Trigger and returns its notifications sorted by
// connection, failing if a connection is told twice.
func trigger(t *testing.T, m *Manager, p string, typ int32) []event {
	t.Helper()
	var got []event
	m.Trigger(p, typ, func(c ConnID) {
		for _, e := range got {
			require.NotEqual(t, c, e.Conn, "connection %d told twice of %d on %s", c, typ, p)
		}
		got = append(got, ev(c, typ, p))
	})
	sort.Slice(got, func(i, j int) bool { return got[i].Conn < got[j].Conn })
	return got
}

// apply makes the Trigger calls a server makes for one write: create P is
// NodeCreated(P) then NodeChildrenChanged(parent), delete P is
// NodeDeleted(P) then NodeChildrenChanged(parent), set P is
// NodeDataChanged(P).
func apply(t *testing.T, m *Manager, op, p string) []event {
	t.Helper()
	var out []event
	switch op {
	case "create":
		out = append(out, trigger(t, m, p, created)...)
		out = append(out, trigger(t, m, path.Dir(p), children)...)
	case "delete":
		out = append(out, trigger(t, m, p, deleted)...)
		out = append(out, trigger(t, m, path.Dir(p), children)...)
	case "set":
		out = append(out, trigger(t, m, p, changed)...)
	default:
		t.Fatalf("unknown op %q", op)
	}
	return out
}

// run applies a script and checks each write's notifications.
func run(t *testing.T, m *Manager, script []write) {
	t.Helper()
	for i, w := range script {
		got := apply(t, m, w.op, w.path)
		if len(w.want) == 0 {
			require.Empty(t, got, "step %d: %s %s", i, w.op, w.path)
			continue
		}
		require.Equal(t, w.want, got, "step %d: %s %s", i, w.op, w.path)
	}
}

// checkInvariants verifies that the two views of each table agree and that
// the counters match them.
func checkInvariants(t *testing.T, m *Manager) {
	t.Helper()
	for name, tb := range map[string]*table{"data": &m.data, "child": &m.child} {
		n, rec := 0, 0
		for p, ws := range tb.byPath {
			require.NotEmpty(t, ws, "%s: empty watcher set kept for %s", name, p)
			for c, md := range ws {
				n++
				if md == recursive {
					rec++
				}
				_, ok := tb.byConn[c][p]
				require.True(t, ok, "%s: %d watches %s but byConn lacks it", name, c, p)
			}
		}
		for c, ps := range tb.byConn {
			for p := range ps {
				_, ok := tb.byPath[p][c]
				require.True(t, ok, "%s: byConn lists %s for %d but byPath lacks it", name, p, c)
			}
		}
		require.Equal(t, n, tb.n, "%s: registration count", name)
		require.Equal(t, rec, tb.recursive, "%s: recursive count", name)
	}
}
