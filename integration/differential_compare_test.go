package integration

import (
	"reflect"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/coordkit/coordkit/internal/wire"
	"github.com/coordkit/coordkit/zk"
)

// The differential test is only as good as its comparison: these tests
// feed the comparator pairs of results that differ in one field each and
// check that it reports every compared field, and only those.

var diffNames = [2]string{"left", "right"}

func requireDiffer(t *testing.T, a, b outcome, what string) {
	t.Helper()
	d, differ := diffOutcomes(diffNames, a, b)
	require.True(t, differ, "%s: the comparator missed the difference\nleft:  %q\nright: %q", what, a.lines(), b.lines())
	assert.Contains(t, d, "left:")
	assert.Contains(t, d, "right:")
}

func requireSame(t *testing.T, a, b outcome, what string) {
	t.Helper()
	d, differ := diffOutcomes(diffNames, a, b)
	require.False(t, differ, "%s: reported a difference that is not one:\n%s", what, d)
}

func TestDifferentialComparatorStat(t *testing.T) {
	// Each backend has its own session ids; the comparison sees roles.
	left := newRoles(map[int64]string{0x100: "A", 0x200: "B"})
	right := newRoles(map[int64]string{0x7100: "A", 0x7200: "B"})
	base := zk.Stat{Czxid: 5, Mzxid: 6, Ctime: 1000, Mtime: 2000, Version: 1, Cversion: 2,
		Aversion: 3, EphemeralOwner: 0x100, DataLength: 4, NumChildren: 1, Pzxid: 7}
	mirror := base
	mirror.EphemeralOwner = 0x7100

	compared := map[string]func(s *zk.Stat){
		"Version":        func(s *zk.Stat) { s.Version++ },
		"Cversion":       func(s *zk.Stat) { s.Cversion++ },
		"Aversion":       func(s *zk.Stat) { s.Aversion++ },
		"EphemeralOwner": func(s *zk.Stat) { s.EphemeralOwner = 0x7200 }, // B's session instead of A's
		"DataLength":     func(s *zk.Stat) { s.DataLength++ },
		"NumChildren":    func(s *zk.Stat) { s.NumChildren++ },
	}
	ignored := map[string]func(s *zk.Stat){
		"Czxid": func(s *zk.Stat) { s.Czxid += 100 },
		"Mzxid": func(s *zk.Stat) { s.Mzxid += 100 },
		"Pzxid": func(s *zk.Stat) { s.Pzxid += 100 },
		"Ctime": func(s *zk.Stat) { s.Ctime += 100 },
		"Mtime": func(s *zk.Stat) { s.Mtime += 100 },
	}
	// Every field of Stat is either compared or deliberately ignored.
	typ := reflect.TypeFor[zk.Stat]()
	require.Equal(t, typ.NumField(), len(compared)+len(ignored), "a Stat field is neither compared nor ignored")
	for i := range typ.NumField() {
		name := typ.Field(i).Name
		_, c := compared[name]
		_, ig := ignored[name]
		require.True(t, c != ig, "Stat.%s must be compared or ignored", name)
	}

	requireSame(t, outcome{Stat: statOfZK(base, left)}, outcome{Stat: statOfZK(mirror, right)}, "same stat, own session ids")
	for name, mutate := range compared {
		t.Run(name, func(t *testing.T) {
			s := mirror
			mutate(&s)
			requireDiffer(t, outcome{Stat: statOfZK(base, left)}, outcome{Stat: statOfZK(s, right)}, "zk.Stat."+name)
			requireDiffer(t, outcome{Stat: statOfWire(wire.Stat(base), left)}, outcome{Stat: statOfWire(wire.Stat(s), right)}, "wire.Stat."+name)
		})
	}
	for name, mutate := range ignored {
		t.Run(name, func(t *testing.T) {
			s := mirror
			mutate(&s)
			requireSame(t, outcome{Stat: statOfZK(base, left)}, outcome{Stat: statOfZK(s, right)}, "zk.Stat."+name)
		})
	}
	t.Run("owner", func(t *testing.T) {
		owned := func(id int64, r roles) outcome { return outcome{Stat: statOfZK(zk.Stat{EphemeralOwner: id}, r)} }
		requireSame(t, owned(0, left), owned(0, right), "no owner")
		requireDiffer(t, owned(0, left), owned(0x7100, right), "none vs A")
		requireDiffer(t, owned(0x100, left), owned(0x7300, right), "A vs an unknown session")
		requireDiffer(t, owned(0x300, left), owned(0x7300, right), "two unknown sessions")
		closed := newRoles(map[int64]string{0x100: "A", 0x200: "B"})
		closed.retire("A")
		closed.names[0x150] = "A"
		requireDiffer(t, owned(0x100, closed), owned(0x7100, right), "A's closed session vs A's current one")
		requireSame(t, owned(0x150, closed), owned(0x7100, right), "A's current sessions")
	})
}

// fullOutcome returns an outcome with every field set.
func fullOutcome() outcome {
	var o outcome
	yes := true
	o.Err = codeText(wire.ErrNoNode)
	o.Exists = &yes
	o.setPath("/d/s-0000000001")
	o.Data = dataOf([]byte("data"))
	o.Stat = &normStat{Version: 1, Cversion: 2, Aversion: 3, Owner: "A", DataLength: 4, NumChildren: 2}
	o.setChildren([]string{"b", "a"})
	o.setACLZK(zk.OpenACL)
	o.setCount(7)
	o.setStrings([]string{"/d/e2", "/d/e1"})
	o.Timeout = 30000
	o.Note = "/d"
	o.extra = []string{"type: 1"}
	o.Subs = []outcome{{Err: codeText(wire.ErrBadVersion)}, {}}
	o.Events = []string{"NodeCreated /d/x state=3", "NodeChildrenChanged /d state=3"}
	return o
}

func TestDifferentialComparatorOutcome(t *testing.T) {
	requireSame(t, fullOutcome(), fullOutcome(), "equal outcomes")

	mutations := map[string][]func(o *outcome){
		"Err": {
			func(o *outcome) { o.Err = codeText(wire.ErrNodeExists) },
			func(o *outcome) { o.Err = "" },
		},
		"Exists": {
			func(o *outcome) { no := false; o.Exists = &no },
			func(o *outcome) { o.Exists = nil },
		},
		"Path": {
			func(o *outcome) { o.setPath("/d/s-0000000002") },
		},
		"hasPath": {
			func(o *outcome) { o.hasPath = false },
			func(o *outcome) { o.setPath("") },
		},
		"Data": {
			func(o *outcome) { o.Data = dataOf([]byte("datb")) },
			func(o *outcome) { o.Data = dataOf(nil) },
			func(o *outcome) { o.Data = nil },
		},
		"Stat": {
			func(o *outcome) { o.Stat = nil },
			func(o *outcome) { s := *o.Stat; s.Owner = "B"; o.Stat = &s },
		},
		"Children": {
			func(o *outcome) { o.setChildren([]string{"a"}) },
			func(o *outcome) { o.setChildren([]string{"a", "b", "c"}) },
		},
		"children": {
			func(o *outcome) { o.Children, o.children = nil, false },
		},
		"ACL": {
			func(o *outcome) { o.setACLZK(zk.ReadACL) },
			func(o *outcome) { o.setACLZK(append(append([]zk.ACL{}, zk.OpenACL...), zk.OpenACL...)) },
			func(o *outcome) {
				o.setACLWire([]wire.ACL{{Perms: wire.PermAll, ID: wire.ID{Scheme: "world", ID: "anyon"}}})
			},
		},
		"acl": {
			func(o *outcome) { o.ACL, o.acl = nil, false },
		},
		"Count": {
			func(o *outcome) { o.setCount(8) },
		},
		"hasCount": {
			func(o *outcome) { o.Count, o.hasCount = nil, false },
		},
		"Strings": {
			func(o *outcome) { o.setStrings([]string{"/d/e1"}) },
		},
		"strs": {
			func(o *outcome) { o.Strings, o.strs = nil, false },
		},
		"Timeout": {
			func(o *outcome) { o.Timeout = 4000 },
		},
		"Subs": {
			func(o *outcome) { o.Subs = o.Subs[:1] },
			func(o *outcome) { o.Subs[1].Err = codeText(wire.ErrRuntimeInconsistency) },
			func(o *outcome) { o.Subs[0].setPath("/d/x") },
		},
		"Events": {
			func(o *outcome) { o.Events = o.Events[:1] },
			func(o *outcome) { o.Events[0], o.Events[1] = o.Events[1], o.Events[0] }, // order counts
			func(o *outcome) { o.Events[1] = "NodeChildrenChanged /d state=0" },
			func(o *outcome) { o.Events = append(o.Events, o.Events[0]) },
		},
		"Note": {
			func(o *outcome) { o.Note = "/e" },
		},
		"extra": {
			func(o *outcome) { o.extra = []string{"type: 15"} },
			func(o *outcome) { o.extra = nil },
		},
	}
	// Every field of outcome has at least one mutation.
	typ := reflect.TypeFor[outcome]()
	for i := range typ.NumField() {
		name := typ.Field(i).Name
		require.NotEmpty(t, mutations[name], "outcome.%s has no test that a difference in it is reported", name)
	}
	for name, ms := range mutations {
		for i, m := range ms {
			o := fullOutcome()
			m(&o)
			requireDiffer(t, fullOutcome(), o, name+" mutation "+string(rune('a'+i)))
			requireDiffer(t, o, fullOutcome(), name+" mutation "+string(rune('a'+i))+", swapped")
		}
	}
}

func TestDifferentialComparatorNormalization(t *testing.T) {
	t.Run("codes", func(t *testing.T) {
		for _, err := range []error{nil, zk.ErrNoNode, zk.ErrNodeExists, zk.ErrBadVersion, zk.ErrNotEmpty} {
			c, ok := codeOf(err)
			require.True(t, ok)
			for _, other := range []error{nil, zk.ErrNoNode, zk.ErrNodeExists, zk.ErrBadVersion, zk.ErrNotEmpty} {
				d, _ := codeOf(other)
				if err == other {
					requireSame(t, outcome{Err: c}, outcome{Err: d}, "same code")
				} else {
					requireDiffer(t, outcome{Err: c}, outcome{Err: d}, "different codes")
				}
			}
		}
		c, ok := codeOf(&zk.Error{Op: "create", Path: "/x", Err: zk.ErrNodeExists})
		require.True(t, ok)
		assert.Equal(t, codeText(wire.ErrNodeExists), c, "a wrapped code")
		_, ok = codeOf(zk.ErrClosed)
		assert.False(t, ok, "a client-side error is not a server's answer")
	})
	t.Run("data", func(t *testing.T) {
		requireDiffer(t, outcome{Data: dataOf(nil)}, outcome{Data: dataOf([]byte{})}, "null vs empty")
		big := make([]byte, 1000)
		big2 := append([]byte{}, big...)
		big2[999] = 1
		requireDiffer(t, outcome{Data: dataOf(big)}, outcome{Data: dataOf(big2)}, "large data, last byte")
		requireSame(t, outcome{Data: dataOf(big)}, outcome{Data: dataOf(append([]byte{}, big...))}, "large data, equal")
	})
	t.Run("unordered lists", func(t *testing.T) {
		// ZooKeeper returns children and ephemerals in no defined order.
		var a, b outcome
		a.setChildren([]string{"x", "a", "m"})
		b.setChildren([]string{"m", "x", "a"})
		requireSame(t, a, b, "children in another order")
		a.setStrings([]string{"/e2", "/e1"})
		b.setStrings([]string{"/e1", "/e2"})
		requireSame(t, a, b, "ephemerals in another order")
		var e outcome
		e.setChildren(nil)
		requireDiffer(t, e, outcome{}, "an empty child list vs none")
	})
	t.Run("events", func(t *testing.T) {
		ev := eventText(wire.WatcherEvent{Type: wire.EventNodeDeleted, State: wire.StateSyncConnected, Path: "/d/x"})
		for _, other := range []wire.WatcherEvent{
			{Type: wire.EventNodeCreated, State: wire.StateSyncConnected, Path: "/d/x"},
			{Type: wire.EventNodeDeleted, State: wire.StateDisconnected, Path: "/d/x"},
			{Type: wire.EventNodeDeleted, State: wire.StateSyncConnected, Path: "/d/y"},
		} {
			requireDiffer(t, outcome{Events: []string{ev}}, outcome{Events: []string{eventText(other)}}, "event "+eventText(other))
		}
	})
	t.Run("acl", func(t *testing.T) {
		var a, b outcome
		a.setACLZK(diffACLs["alice-all-bob-read"])
		b.setACLWire(wireACL("alice-all-bob-read"))
		requireSame(t, a, b, "the same ACL from the client and from the wire")
		b.setACLWire(wireACL("ip"))
		requireDiffer(t, a, b, "another ACL")
	})
	t.Run("multi", func(t *testing.T) {
		x := rawMultiResult(wire.MultiResult{Op: wire.OpCreate, Path: "/d/a"}, newRoles(nil))
		y := rawMultiResult(wire.MultiResult{Op: wire.OpCreate2, Path: "/d/a"}, newRoles(nil))
		requireDiffer(t, x, y, "a create result with and without a Stat")
		z := rawMultiResult(wire.MultiResult{Op: wire.OpError, Err: wire.ErrNoNode}, newRoles(nil))
		w := rawMultiResult(wire.MultiResult{Op: wire.OpError, Err: wire.ErrRuntimeInconsistency}, newRoles(nil))
		requireDiffer(t, z, w, "two error results")
	})
}

func TestDifferentialReport(t *testing.T) {
	a := fullOutcome()
	b := fullOutcome()
	b.Events = b.Events[:1]
	d, differ := diffOutcomes([2]string{"zookeeper", "embedded"}, a, b)
	require.True(t, differ)
	assert.Contains(t, d, "zookeeper: event: NodeChildrenChanged /d state=3")
	assert.Contains(t, d, "embedded:  (nothing)")
	assert.Contains(t, d, "zookeeper's full result:")
	assert.NotContains(t, d, "different order")

	b = fullOutcome()
	b.Events[0], b.Events[1] = b.Events[1], b.Events[0]
	d, differ = diffOutcomes([2]string{"zookeeper", "embedded"}, a, b)
	require.True(t, differ)
	assert.Contains(t, d, "(both saw the same events, in a different order)")
}

// A seed must give the same sequence every time, or a replay would not
// replay anything.
func TestDifferentialGeneratorDeterministic(t *testing.T) {
	gen := func(seed uint64) []string {
		g := newDiffGen(seed, "/diff-x")
		var ops []string
		for _, op := range g.setup() {
			ops = append(ops, op.String())
		}
		for i := range 300 {
			op := g.next()
			ops = append(ops, op.String())
			// Feed back a plausible result so that the generator's
			// learning takes part.
			var o outcome
			if i%3 == 0 && (op.Kind == aCreate || op.Kind == aCreate2 || op.Kind == bCreate) {
				o.setPath(op.Path + "0000000001")
				o.Stat = &normStat{Version: int32(i % 4)}
			}
			g.observe(op, o)
		}
		return ops
	}
	require.Equal(t, gen(7), gen(7), "seed 7 twice")
	require.NotEqual(t, gen(7), gen(8), "seeds 7 and 8")
}
