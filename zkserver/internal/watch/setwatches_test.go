package watch

import (
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/coordkit/coordkit/internal/wire"
)

// zxids is a fake tree for SetWatches: path → (mzxid, pzxid).
type zxids map[string][2]int64

func (z zxids) lookup(p string) (mzxid, pzxid int64, ok bool) {
	v, ok := z[p]
	return v[0], v[1], ok
}

func syncEvent(typ int32, p string) wire.WatcherEvent {
	return wire.WatcherEvent{Type: typ, State: wire.StateSyncConnected, Path: p}
}

// TestSetWatches walks every cell of protocol §11.6: catch-up event or
// installed watch for each list, node missing or present, changed or not.
func TestSetWatches(t *testing.T) {
	// Nodes: /old changed at 5 (mzxid and pzxid), /new changed at 20
	// (mzxid and pzxid), /data at 20 with children at 5, /kids the other
	// way round. The client last saw zxid 10.
	tree := zxids{"/old": {5, 5}, "/new": {20, 20}, "/data": {20, 5}, "/kids": {5, 20}, "/eq": {10, 10}}
	tests := []struct {
		name   string
		req    wire.SetWatches
		want   []wire.WatcherEvent
		script []write // run afterwards: which watches were installed
	}{
		{"data list, node missing: NodeDeleted",
			wire.SetWatches{Data: []string{"/gone"}},
			[]wire.WatcherEvent{syncEvent(deleted, "/gone")},
			[]write{{"create", "/gone", nil}, {"set", "/gone", nil}}},
		{"data list, data changed: NodeDataChanged",
			wire.SetWatches{Data: []string{"/new", "/data"}},
			[]wire.WatcherEvent{syncEvent(changed, "/new"), syncEvent(changed, "/data")},
			[]write{{"set", "/new", nil}, {"set", "/data", nil}}},
		{"data list, unchanged: data watch installed",
			wire.SetWatches{Data: []string{"/old", "/kids", "/eq"}},
			nil,
			[]write{
				{"set", "/old", []event{ev(1, changed, "/old")}},
				{"set", "/old", nil},
				{"create", "/kids/x", nil},
				{"delete", "/kids", []event{ev(1, deleted, "/kids")}},
				{"set", "/eq", []event{ev(1, changed, "/eq")}},
			}},
		{"exist list, node missing: exist watch installed",
			wire.SetWatches{Exist: []string{"/gone"}},
			nil,
			[]write{{"create", "/gone", []event{ev(1, created, "/gone")}}, {"delete", "/gone", nil}}},
		{"exist list, node present: NodeCreated whatever its zxid",
			wire.SetWatches{Exist: []string{"/old", "/new"}},
			[]wire.WatcherEvent{syncEvent(created, "/old"), syncEvent(created, "/new")},
			[]write{{"set", "/old", nil}, {"delete", "/new", nil}}},
		{"child list, node missing: NodeDeleted",
			wire.SetWatches{Child: []string{"/gone"}},
			[]wire.WatcherEvent{syncEvent(deleted, "/gone")},
			[]write{{"create", "/gone", nil}, {"create", "/gone/x", nil}}},
		{"child list, children changed: NodeChildrenChanged",
			wire.SetWatches{Child: []string{"/new", "/kids"}},
			[]wire.WatcherEvent{syncEvent(children, "/new"), syncEvent(children, "/kids")},
			[]write{{"create", "/new/x", nil}, {"create", "/kids/x", nil}}},
		{"child list, unchanged: child watch installed",
			wire.SetWatches{Child: []string{"/old", "/data", "/eq"}},
			nil,
			[]write{
				{"set", "/data", nil},
				{"create", "/data/x", []event{ev(1, children, "/data")}},
				{"create", "/data/y", nil},
				{"delete", "/old", []event{ev(1, deleted, "/old")}},
				{"delete", "/eq/x", []event{ev(1, children, "/eq")}},
			}},
		{"persistent list: installed without catch-up, present or missing",
			wire.SetWatches{V2: true, Persistent: []string{"/new", "/gone"}},
			nil,
			[]write{
				{"set", "/new", []event{ev(1, changed, "/new")}},
				{"create", "/new/x", []event{ev(1, children, "/new")}},
				{"create", "/new/x/y", nil},
				{"create", "/gone", []event{ev(1, created, "/gone")}},
				{"set", "/gone", []event{ev(1, changed, "/gone")}},
			}},
		{"recursive list: installed without catch-up, present or missing",
			wire.SetWatches{V2: true, PersistentRecursive: []string{"/new", "/gone"}},
			nil,
			[]write{
				{"create", "/new/x/y", []event{ev(1, created, "/new/x/y")}},
				{"set", "/new", []event{ev(1, changed, "/new")}},
				{"create", "/gone", []event{ev(1, created, "/gone")}},
				{"delete", "/gone", []event{ev(1, deleted, "/gone")}},
			}},
		{"events come in list order: data, exist, child",
			wire.SetWatches{
				V2:                  true,
				Child:               []string{"/c-gone", "/new"},
				Exist:               []string{"/old"},
				Data:                []string{"/new", "/d-gone", "/new"},
				Persistent:          []string{"/p"},
				PersistentRecursive: []string{"/r"},
			},
			[]wire.WatcherEvent{
				syncEvent(changed, "/new"), syncEvent(deleted, "/d-gone"), syncEvent(changed, "/new"),
				syncEvent(created, "/old"),
				syncEvent(deleted, "/c-gone"), syncEvent(children, "/new"),
			},
			nil},
		{"empty request",
			wire.SetWatches{RelativeZxid: 10},
			nil,
			[]write{{"set", "/old", nil}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := New()
			req := tt.req
			if req.RelativeZxid == 0 {
				req.RelativeZxid = 10
			}
			got := m.SetWatches(1, &req, tree.lookup)
			assert.Equal(t, tt.want, got)
			run(t, m, tt.script)
			checkInvariants(t, m)
		})
	}
}

// TestSetWatchesMerges checks that re-registered watches join the
// connection's others: one watch per path and table, no double events.
func TestSetWatchesMerges(t *testing.T) {
	m := newManager(reg{1, "/a", Data})
	tree := zxids{"/a": {1, 1}}
	evs := m.SetWatches(1, &wire.SetWatches{RelativeZxid: 5, Data: []string{"/a", "/a"}, Child: []string{"/a"}}, tree.lookup)
	assert.Empty(t, evs)
	assert.Equal(t, Stats{Conns: 1, Paths: 1, DataWatches: 1, Watches: 2}, m.Stats())
	run(t, m, []write{{"delete", "/a", []event{ev(1, deleted, "/a")}}})
	assert.Zero(t, m.Stats().Watches)
}
