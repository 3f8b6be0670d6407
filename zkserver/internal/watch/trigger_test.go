package watch

import (
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/coordkit/coordkit/internal/wire"
)

// TestKinds walks every row of protocol §11.2: what each kind of watch
// fires on and how long it lives.
func TestKinds(t *testing.T) {
	tests := []struct {
		name   string
		regs   []reg
		script []write
	}{
		{"data watch fires once on setData",
			[]reg{{1, "/a", Data}},
			[]write{
				{"set", "/a", []event{ev(1, changed, "/a")}},
				{"set", "/a", nil},
			}},
		{"data watch fires on delete",
			[]reg{{1, "/a", Data}},
			[]write{
				{"delete", "/a", []event{ev(1, deleted, "/a")}},
				{"create", "/a", nil},
			}},
		{"data watch ignores children",
			[]reg{{1, "/a", Data}},
			[]write{
				{"create", "/a/b", nil},
				{"delete", "/a/b", nil},
				{"set", "/a", []event{ev(1, changed, "/a")}},
			}},
		{"exist watch fires once on create",
			[]reg{{1, "/a", Exist}},
			[]write{
				{"create", "/a", []event{ev(1, created, "/a")}},
				{"delete", "/a", nil},
				{"create", "/a", nil},
			}},
		{"child watch fires once on a child's create",
			[]reg{{1, "/a", Child}},
			[]write{
				{"create", "/a/b", []event{ev(1, children, "/a")}},
				{"create", "/a/c", nil},
			}},
		{"child watch fires on a child's delete",
			[]reg{{1, "/a", Child}},
			[]write{{"delete", "/a/b", []event{ev(1, children, "/a")}}}},
		{"child watch ignores data and grandchildren",
			[]reg{{1, "/a", Child}},
			[]write{
				{"set", "/a", nil},
				{"create", "/a/b/c", nil},
				{"set", "/a/b", nil},
				{"create", "/a/b", []event{ev(1, children, "/a")}},
			}},
		{"child watch fires on the node's delete",
			[]reg{{1, "/a", Child}},
			[]write{
				{"delete", "/a", []event{ev(1, deleted, "/a")}},
				{"create", "/a", nil},
				{"create", "/a/b", nil},
			}},
		{"persistent fires on the path again and again",
			[]reg{{1, "/w/x", Persistent}},
			[]write{
				{"set", "/w/x", []event{ev(1, changed, "/w/x")}},
				{"set", "/w/x", []event{ev(1, changed, "/w/x")}},
				{"create", "/w/x/c", []event{ev(1, children, "/w/x")}},
				{"delete", "/w/x/c", []event{ev(1, children, "/w/x")}},
				{"create", "/w/x/c", []event{ev(1, children, "/w/x")}},
			}},
		{"persistent ignores grandchildren, children's data and the parent",
			[]reg{{1, "/w/x", Persistent}},
			[]write{
				{"create", "/w/x/c/d", nil},
				{"set", "/w/x/c", nil},
				{"set", "/w", nil},
				{"create", "/w/y", nil},
			}},
		{"persistent survives delete and re-create",
			[]reg{{1, "/pw", Persistent}},
			[]write{
				{"create", "/pw", []event{ev(1, created, "/pw")}},
				{"delete", "/pw", []event{ev(1, deleted, "/pw")}},
				{"create", "/pw", []event{ev(1, created, "/pw")}},
				{"set", "/pw", []event{ev(1, changed, "/pw")}},
			}},
		{"recursive fires on every descendant, never children changed",
			[]reg{{1, "/w", PersistentRecursive}},
			[]write{
				{"create", "/w/a", []event{ev(1, created, "/w/a")}},
				{"create", "/w/a/b", []event{ev(1, created, "/w/a/b")}},
				{"create", "/w/a/b/c", []event{ev(1, created, "/w/a/b/c")}},
				{"create", "/w/a/b/c/d", []event{ev(1, created, "/w/a/b/c/d")}},
				{"set", "/w/a/b/c/d", []event{ev(1, changed, "/w/a/b/c/d")}},
				{"set", "/w/a", []event{ev(1, changed, "/w/a")}},
				{"delete", "/w/a/b/c/d", []event{ev(1, deleted, "/w/a/b/c/d")}},
				{"set", "/w", []event{ev(1, changed, "/w")}},
				{"delete", "/w", []event{ev(1, deleted, "/w")}},
				{"create", "/w", []event{ev(1, created, "/w")}},
			}},
		{"recursive ignores siblings, prefixes and the parent",
			[]reg{{1, "/w", PersistentRecursive}},
			[]write{
				{"create", "/wx", nil},
				{"create", "/wx/a", nil},
				{"set", "/", nil},
				{"create", "/v/w", nil},
			}},
		{"recursive on the root sees everything",
			[]reg{{1, "/", PersistentRecursive}},
			[]write{
				{"create", "/a", []event{ev(1, created, "/a")}},
				{"create", "/a/b", []event{ev(1, created, "/a/b")}},
				{"set", "/", []event{ev(1, changed, "/")}},
				{"delete", "/a/b", []event{ev(1, deleted, "/a/b")}},
			}},
		{"child watch on the root",
			[]reg{{1, "/", Child}, {2, "/", Persistent}},
			[]write{
				{"create", "/a", []event{ev(1, children, "/"), ev(2, children, "/")}},
				{"delete", "/a", []event{ev(2, children, "/")}},
			}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := newManager(tt.regs...)
			run(t, m, tt.script)
			checkInvariants(t, m)
		})
	}
}

// TestWrites walks protocol §11.3: which watchers each write tells, in the
// server's order, and that a connection hears of one event once.
func TestWrites(t *testing.T) {
	tests := []struct {
		name   string
		regs   []reg
		script []write
	}{
		{"create tells the path's watchers, then the parent's child watchers",
			[]reg{
				{1, "/p/c", Exist}, {2, "/p/c", Persistent}, {3, "/p", PersistentRecursive},
				{4, "/", PersistentRecursive}, {5, "/p", Child}, {6, "/p", Persistent},
				{7, "/p/c", Child}, {8, "/p", Data},
			},
			[]write{{"create", "/p/c", []event{
				ev(1, created, "/p/c"), ev(2, created, "/p/c"), ev(3, created, "/p/c"), ev(4, created, "/p/c"),
				ev(5, children, "/p"), ev(6, children, "/p"),
			}}}},
		{"delete tells data, child and persistent watchers of the path, then the parent's",
			[]reg{
				{1, "/p/c", Data}, {2, "/p/c", Child}, {3, "/p/c", Persistent},
				{4, "/p", PersistentRecursive}, {5, "/p", Child}, {6, "/p", Data},
			},
			[]write{{"delete", "/p/c", []event{
				ev(1, deleted, "/p/c"), ev(2, deleted, "/p/c"), ev(3, deleted, "/p/c"), ev(4, deleted, "/p/c"),
				ev(5, children, "/p"),
			}}}},
		{"data and child watch on a deleted node give one NodeDeleted",
			[]reg{{1, "/a", Data}, {1, "/a", Child}, {1, "/", Child}},
			[]write{
				{"delete", "/a", []event{ev(1, deleted, "/a"), ev(1, children, "/")}},
				{"create", "/a", nil},
				{"delete", "/a", nil},
			}},
		{"setData tells data watchers only",
			[]reg{{1, "/a", Data}, {2, "/a", Child}, {3, "/", Child}, {4, "/", Persistent}},
			[]write{{"set", "/a", []event{ev(1, changed, "/a")}}}},
		{"recursive watches on a path and its ancestor tell once",
			[]reg{{1, "/r2", PersistentRecursive}, {1, "/r2/s", PersistentRecursive}},
			[]write{
				{"create", "/r2/s/t", []event{ev(1, created, "/r2/s/t")}},
				{"set", "/r2/s", []event{ev(1, changed, "/r2/s")}},
				{"delete", "/r2/s/t", []event{ev(1, deleted, "/r2/s/t")}},
			}},
		{"getData and exists watches of one connection tell once",
			[]reg{{1, "/a", Data}, {1, "/a", Exist}, {1, "/a", Data}},
			[]write{
				{"set", "/a", []event{ev(1, changed, "/a")}},
				{"set", "/a", nil},
			}},
		{"recursive and one-shot watches of one connection tell once",
			[]reg{{1, "/a", PersistentRecursive}, {1, "/a/b", Data}, {1, "/a/b", Child}},
			[]write{
				{"delete", "/a/b", []event{ev(1, deleted, "/a/b")}},
				{"create", "/a/b", []event{ev(1, created, "/a/b")}},
			}},
		{"recursive watchers of the parent get no NodeChildrenChanged",
			[]reg{{1, "/p", PersistentRecursive}, {2, "/p", Child}},
			[]write{
				{"create", "/p/c", []event{ev(1, created, "/p/c"), ev(2, children, "/p")}},
				{"delete", "/p/c", []event{ev(1, deleted, "/p/c")}},
			}},
		{"one write's two events reach one connection twice",
			[]reg{{1, "/p", PersistentRecursive}, {1, "/p", Child}},
			[]write{{"create", "/p/c", []event{ev(1, created, "/p/c"), ev(1, children, "/p")}}}},
		{"each connection is told",
			[]reg{{1, "/a", Data}, {2, "/a", Data}, {3, "/a", Exist}, {4, "/b", Data}},
			[]write{{"set", "/a", []event{ev(1, changed, "/a"), ev(2, changed, "/a"), ev(3, changed, "/a")}}}},
		{"session close deletes ephemerals one by one",
			[]reg{{1, "/e", Child}, {2, "/e/x", Data}, {3, "/e/y", Exist}},
			[]write{
				{"delete", "/e/x", []event{ev(2, deleted, "/e/x"), ev(1, children, "/e")}},
				{"delete", "/e/y", []event{ev(3, deleted, "/e/y")}},
			}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := newManager(tt.regs...)
			run(t, m, tt.script)
			checkInvariants(t, m)
		})
	}
}

// TestModeReplaced covers ZooKeeper 3.8's one mode per (connection, path)
// and table: a later registration replaces the earlier one's mode, as a
// real 3.8.0 server showed.
func TestModeReplaced(t *testing.T) {
	tests := []struct {
		name   string
		regs   []reg
		script []write
	}{
		{"getData after persistent makes the data side one-shot",
			[]reg{{1, "/p", Persistent}, {1, "/p", Data}},
			[]write{
				{"set", "/p", []event{ev(1, changed, "/p")}},
				{"set", "/p", nil},
				{"create", "/p/c", []event{ev(1, children, "/p")}},
				{"delete", "/p/c", []event{ev(1, children, "/p")}},
				{"delete", "/p", []event{ev(1, deleted, "/p")}},
				{"create", "/p", nil},
			}},
		{"getChildren after persistent makes the child side one-shot",
			[]reg{{1, "/u", Persistent}, {1, "/u", Child}},
			[]write{
				{"create", "/u/v", []event{ev(1, children, "/u")}},
				{"create", "/u/v2", nil},
				{"set", "/u", []event{ev(1, changed, "/u")}},
				{"set", "/u", []event{ev(1, changed, "/u")}},
			}},
		{"getData after recursive stops the data side's descendants",
			[]reg{{1, "/r", PersistentRecursive}, {1, "/r", Data}},
			[]write{
				{"create", "/r/c", nil},
				{"set", "/r/c", nil},
				{"set", "/r", []event{ev(1, changed, "/r")}},
				{"set", "/r", nil},
				{"delete", "/r/c", []event{ev(1, deleted, "/r/c")}},
			}},
		{"recursive after persistent wins",
			[]reg{{1, "/pr", Persistent}, {1, "/pr", PersistentRecursive}},
			[]write{
				{"create", "/pr/c", []event{ev(1, created, "/pr/c")}},
				{"create", "/pr/c/d", []event{ev(1, created, "/pr/c/d")}},
			}},
		{"persistent after recursive wins",
			[]reg{{1, "/pr", PersistentRecursive}, {1, "/pr", Persistent}},
			[]write{
				{"create", "/pr/c/e", nil},
				{"create", "/pr/f", []event{ev(1, children, "/pr")}},
			}},
		{"persistent after a one-shot watch makes it persistent",
			[]reg{{1, "/a", Data}, {1, "/a", Child}, {1, "/a", Persistent}},
			[]write{
				{"set", "/a", []event{ev(1, changed, "/a")}},
				{"set", "/a", []event{ev(1, changed, "/a")}},
				{"create", "/a/b", []event{ev(1, children, "/a")}},
				{"create", "/a/c", []event{ev(1, children, "/a")}},
			}},
		{"another connection's modes are its own",
			[]reg{{1, "/p", Persistent}, {2, "/p", Persistent}, {2, "/p", Data}},
			[]write{
				{"set", "/p", []event{ev(1, changed, "/p"), ev(2, changed, "/p")}},
				{"set", "/p", []event{ev(1, changed, "/p")}},
			}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := newManager(tt.regs...)
			run(t, m, tt.script)
			checkInvariants(t, m)
		})
	}
}

// TestOneShotRemoved checks that fired one-shot watches leave both tables
// as ZooKeeper removes them, and persistent ones stay.
func TestOneShotRemoved(t *testing.T) {
	m := newManager(reg{1, "/a", Data}, reg{1, "/a", Child}, reg{2, "/b", Persistent}, reg{3, "/c", PersistentRecursive})
	apply(t, m, "delete", "/a")
	assert.False(t, m.Check(1, "/a", wire.WatcherData), "data watch fired")
	assert.False(t, m.Check(1, "/a", wire.WatcherChildren), "child watch fired unannounced but is gone")
	assert.False(t, m.Remove(1, "/a", wire.WatcherAny))

	apply(t, m, "delete", "/b")
	apply(t, m, "delete", "/c/d")
	apply(t, m, "delete", "/c")
	assert.True(t, m.Check(2, "/b", wire.WatcherData))
	assert.True(t, m.Check(2, "/b", wire.WatcherChildren))
	assert.True(t, m.Check(3, "/c", wire.WatcherData))
	assert.True(t, m.Check(3, "/c", wire.WatcherChildren))
	assert.Equal(t, 4, m.Stats().Watches)
	checkInvariants(t, m)
}

// TestDeleteSuppressesOnlyTold checks that the child side of a delete skips
// exactly the connections the data side told.
func TestDeleteSuppressesOnlyTold(t *testing.T) {
	m := newManager(reg{1, "/a", Data}, reg{1, "/a", Child}, reg{2, "/a", Child}, reg{3, "/", PersistentRecursive})
	got := trigger(t, m, "/a", deleted)
	assert.Equal(t, []event{ev(1, deleted, "/a"), ev(2, deleted, "/a"), ev(3, deleted, "/a")}, got)
	checkInvariants(t, m)
}

// TestTriggerUnknownType checks that event types a server never triggers
// match nothing.
func TestTriggerUnknownType(t *testing.T) {
	m := newManager(reg{1, "/a", Data}, reg{1, "/a", PersistentRecursive})
	for _, typ := range []int32{wire.EventNone, 0, wire.EventDataWatchRemoved, wire.EventPersistentWatchRemoved, 99} {
		assert.Empty(t, trigger(t, m, "/a", typ), "type %d", typ)
	}
	assert.Equal(t, 2, m.Stats().Watches)
}

// TestManyConnsDedup checks the set-based dedup taken past linearDedup.
func TestManyConnsDedup(t *testing.T) {
	m := New()
	const n = 3 * linearDedup
	for c := ConnID(1); c <= n; c++ {
		m.Add(c, "/a", PersistentRecursive)
		m.Add(c, "/a/b", PersistentRecursive)
		m.Add(c, "/a/b/c", Data)
	}
	for round := 0; round < 2; round++ {
		got := trigger(t, m, "/a/b/c", changed)
		require.Len(t, got, n, "round %d", round)
		for i, e := range got {
			assert.Equal(t, ConnID(i+1), e.Conn)
		}
	}
	assert.Empty(t, m.seen, "the dedup set is left empty")
	checkInvariants(t, m)
}

// TestNotifyAfterUpdate checks that notify runs once the tables are
// updated, so it may look at or change the Manager.
func TestNotifyAfterUpdate(t *testing.T) {
	m := newManager(reg{1, "/a", Data}, reg{2, "/a", Data})
	var told []ConnID
	m.Trigger("/a", changed, func(c ConnID) {
		told = append(told, c)
		_, has := m.data.byConn[c]["/a"]
		assert.False(t, has, "watch already gone when %d is told", c)
		m.Add(c, "/a", Data) // re-registered as a client does after reading
	})
	assert.Len(t, told, 2)
	assert.Len(t, trigger(t, m, "/a", changed), 2)
	checkInvariants(t, m)
}

func TestParent(t *testing.T) {
	tests := []struct {
		in, want string
		ok       bool
	}{
		{"/a/b/c", "/a/b", true},
		{"/a", "/", true},
		{"/", "", false},
		{"", "", false},
		{"a", "", false},
	}
	for _, tt := range tests {
		got, ok := parent(tt.in)
		assert.Equal(t, tt.want, got, tt.in)
		assert.Equal(t, tt.ok, ok, tt.in)
	}
}

// TestTriggerAllocs checks that Trigger allocates nothing when no watch
// matches, with and without recursive watches elsewhere, and nothing once
// warm when persistent watches match.
func TestTriggerAllocs(t *testing.T) {
	notify := func(ConnID) {}
	plain := newManager(reg{1, "/other", Data}, reg{2, "/other", Child})
	withRecursive := newManager(reg{1, "/other", PersistentRecursive}, reg{2, "/x/y", Persistent})
	matching := newManager(reg{1, "/x", PersistentRecursive}, reg{2, "/x/y/z", Persistent}, reg{3, "/x/y", Persistent})
	tests := []struct {
		name string
		m    *Manager
	}{
		{"no watches", New()},
		{"unrelated watches", plain},
		{"recursive watches elsewhere", withRecursive},
		{"persistent watches match", matching},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			allocs := testing.AllocsPerRun(100, func() {
				tt.m.Trigger("/x/y/z", created, notify)
				tt.m.Trigger("/x/y/z", changed, notify)
				tt.m.Trigger("/x/y/z", deleted, notify)
				tt.m.Trigger("/x/y", children, notify)
			})
			assert.Zero(t, allocs)
		})
	}
}

func BenchmarkTrigger(b *testing.B) {
	notify := func(ConnID) {}
	deep := "/app/services/s17/instances/i42"
	many := New()
	for c := ConnID(1); c <= 1000; c++ {
		many.Add(c, fmt.Sprintf("/app/services/s%d/instances/i%d", c%50, c), Data)
		many.Add(c, fmt.Sprintf("/app/services/s%d", c%50), Child)
	}
	recursiveElsewhere := New()
	for c := ConnID(1); c <= 10; c++ {
		recursiveElsewhere.Add(c, fmt.Sprintf("/other/r%d", c), PersistentRecursive)
	}
	persistent := New()
	for c := ConnID(1); c <= 8; c++ {
		persistent.Add(c, deep, Persistent)
	}
	recursive := New()
	recursive.Add(1, "/app", PersistentRecursive)
	recursive.Add(2, "/app/services", PersistentRecursive)
	recursive.Add(2, deep, Persistent)
	benches := []struct {
		name string
		m    *Manager
	}{
		{"none", New()},
		{"1000 conns elsewhere", many},
		{"recursive elsewhere", recursiveElsewhere},
		{"8 persistent match", persistent},
		{"recursive ancestors match", recursive},
	}
	for _, bb := range benches {
		b.Run(bb.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				bb.m.Trigger(deep, wire.EventNodeDataChanged, notify)
			}
		})
	}
}
