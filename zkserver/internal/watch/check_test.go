package watch

import (
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/coordkit/coordkit/internal/wire"
)

const (
	wChildren = wire.WatcherChildren
	wData     = wire.WatcherData
	wAny      = wire.WatcherAny
)

// TestCheck covers checkWatches (§11.5): which table each watcher type
// looks at, and ZooKeeper 3.8's answer for a path another connection
// watches.
func TestCheck(t *testing.T) {
	tests := []struct {
		name string
		regs []reg
		conn ConnID
		path string
		// want is Check's answer for WatcherChildren, WatcherData,
		// WatcherAny.
		want [3]bool
	}{
		{"nothing", nil, 1, "/a", [3]bool{false, false, false}},
		{"data watch", []reg{{1, "/a", Data}}, 1, "/a", [3]bool{false, true, true}},
		{"exist watch", []reg{{1, "/a", Exist}}, 1, "/a", [3]bool{false, true, true}},
		{"child watch", []reg{{1, "/a", Child}}, 1, "/a", [3]bool{true, false, true}},
		{"persistent", []reg{{1, "/a", Persistent}}, 1, "/a", [3]bool{true, true, true}},
		{"recursive", []reg{{1, "/a", PersistentRecursive}}, 1, "/a", [3]bool{true, true, true}},
		{"recursive on an ancestor", []reg{{1, "/a", PersistentRecursive}}, 1, "/a/b", [3]bool{false, false, false}},
		{"another path", []reg{{1, "/a", Persistent}}, 1, "/b", [3]bool{false, false, false}},
		{"another connection's data watch", []reg{{2, "/a", Data}}, 1, "/a", [3]bool{false, true, true}},
		{"another connection's child watch", []reg{{2, "/a", Child}}, 1, "/a", [3]bool{true, false, true}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := newManager(tt.regs...)
			for i, wtype := range []int32{wChildren, wData, wAny} {
				assert.Equal(t, tt.want[i], m.Check(tt.conn, tt.path, wtype), "watcher type %d", wtype)
			}
			for _, wtype := range []int32{0, 4, -1} {
				assert.False(t, m.Check(tt.conn, tt.path, wtype), "invalid watcher type %d", wtype)
			}
			assert.Equal(t, newManager(tt.regs...).Stats(), m.Stats(), "Check removes nothing")
		})
	}
}

// TestRemove covers removeWatches (§11.5) in sequences: what each call
// answers and which notifications are left afterwards.
func TestRemove(t *testing.T) {
	type removal struct {
		conn  ConnID
		path  string
		wtype int32
		want  bool
	}
	tests := []struct {
		name     string
		regs     []reg
		removals []removal
		script   []write // run after the removals
	}{
		{"data watch: Children misses, Data removes",
			[]reg{{1, "/a", Data}},
			[]removal{{1, "/a", wChildren, false}, {1, "/a", wData, true}, {1, "/a", wData, false}},
			[]write{{"set", "/a", nil}}},
		{"data watch: Any removes",
			[]reg{{1, "/a", Data}},
			[]removal{{1, "/a", wAny, true}, {1, "/a", wAny, false}},
			[]write{{"delete", "/a", nil}}},
		{"child watch: Data misses, Children removes",
			[]reg{{1, "/a", Child}},
			[]removal{{1, "/a", wData, false}, {1, "/a", wChildren, true}},
			[]write{{"create", "/a/b", nil}, {"delete", "/a", nil}}},
		{"data and child watch: Data leaves the child watch",
			[]reg{{1, "/a", Data}, {1, "/a", Child}},
			[]removal{{1, "/a", wData, true}},
			[]write{{"set", "/a", nil}, {"delete", "/a", []event{ev(1, deleted, "/a")}}}},
		{"persistent: Data leaves the child side",
			[]reg{{1, "/s", Persistent}},
			[]removal{{1, "/s", wData, true}, {1, "/s", wData, false}},
			[]write{
				{"set", "/s", nil},
				{"create", "/s/c", []event{ev(1, children, "/s")}},
				{"delete", "/s", []event{ev(1, deleted, "/s")}},
				{"create", "/s", nil},
			}},
		{"persistent: Children leaves the data side",
			[]reg{{1, "/s", Persistent}},
			[]removal{{1, "/s", wChildren, true}},
			[]write{
				{"create", "/s/c", nil},
				{"set", "/s", []event{ev(1, changed, "/s")}},
				{"delete", "/s", []event{ev(1, deleted, "/s")}},
				{"create", "/s", []event{ev(1, created, "/s")}},
			}},
		{"persistent: Data then Children removes it",
			[]reg{{1, "/s", Persistent}},
			[]removal{{1, "/s", wData, true}, {1, "/s", wChildren, true}, {1, "/s", wAny, false}},
			[]write{{"create", "/s/c", nil}, {"set", "/s", nil}, {"delete", "/s", nil}}},
		{"recursive: Data leaves deletes heard through the child side",
			[]reg{{1, "/q", PersistentRecursive}},
			[]removal{{1, "/q", wData, true}},
			[]write{
				{"create", "/q/c", nil},
				{"set", "/q/c", nil},
				{"set", "/q", nil},
				{"delete", "/q/c", []event{ev(1, deleted, "/q/c")}},
				{"delete", "/q", []event{ev(1, deleted, "/q")}},
			}},
		{"recursive: Data, Data, Children",
			[]reg{{1, "/q", PersistentRecursive}},
			[]removal{{1, "/q", wData, true}, {1, "/q", wData, false}, {1, "/q", wChildren, true}, {1, "/q", wChildren, false}},
			[]write{{"create", "/q/c", nil}, {"delete", "/q/c", nil}}},
		{"recursive: Any removes it",
			[]reg{{1, "/q", PersistentRecursive}},
			[]removal{{1, "/q", wAny, true}},
			[]write{{"create", "/q/c", nil}, {"delete", "/q/c", nil}, {"delete", "/q", nil}}},
		{"recursive: removing on a descendant misses",
			[]reg{{1, "/q", PersistentRecursive}},
			[]removal{{1, "/q/c", wAny, false}},
			[]write{{"create", "/q/c", []event{ev(1, created, "/q/c")}}}},
		{"another connection's watch is not removed",
			[]reg{{2, "/x", Data}},
			[]removal{{1, "/x", wData, false}, {1, "/x", wAny, false}},
			[]write{{"set", "/x", []event{ev(2, changed, "/x")}}}},
		{"invalid watcher types remove nothing",
			[]reg{{1, "/x", Persistent}},
			[]removal{{1, "/x", 0, false}, {1, "/x", 4, false}},
			[]write{{"set", "/x", []event{ev(1, changed, "/x")}}}},
		{"a fired watch is not there to remove",
			[]reg{{1, "/x", Data}},
			nil,
			[]write{{"set", "/x", []event{ev(1, changed, "/x")}}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := newManager(tt.regs...)
			for i, r := range tt.removals {
				assert.Equal(t, r.want, m.Remove(r.conn, r.path, r.wtype), "removal %d: %d %s type %d", i, r.conn, r.path, r.wtype)
				checkInvariants(t, m)
			}
			run(t, m, tt.script)
			checkInvariants(t, m)
		})
	}
}

// TestRemoveAfterFire checks that removeWatches after a one-shot watch
// fired answers false, as NoWatcher.
func TestRemoveAfterFire(t *testing.T) {
	m := newManager(reg{1, "/x", Data}, reg{1, "/x", Child})
	apply(t, m, "set", "/x")
	assert.False(t, m.Remove(1, "/x", wData))
	assert.True(t, m.Remove(1, "/x", wAny), "the child watch is still there")
	assert.False(t, m.Check(1, "/x", wAny))
}
