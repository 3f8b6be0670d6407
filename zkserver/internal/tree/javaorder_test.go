package tree

import (
	"maps"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/coordkit/coordkit/internal/wire"
)

func TestJavaStringHash(t *testing.T) {
	// Values of Java's String.hashCode, computed independently over the
	// UTF-16 code units, and HashMap.hash (h ^ h>>>16).
	cases := []struct {
		s          string
		code, hash int32
	}{
		{"", 0, 0},
		{"a", 97, 97},
		{"ab", 3105, 3105},
		{"Aa", 2112, 2112},
		{"BB", 2112, 2112},
		{"/", 47, 47},
		{"/zookeeper", 954481661, 954467097},
		{"/diff-4/c/b/a", -1663171436, -1663133622},
		{"polygenelubricants", -2147483648, -2147450880},
		{"é", 233, 233},
		{"中文", 646394, 646387},
		{"\uffff", 65535, 65535},
		// Beyond the BMP: a surrogate pair, U+D83D U+DE00.
		{"😀", 1772899, 1772920},
		{"/a😀b", 101255181, 101256708},
		// Invalid UTF-8 reads as U+FFFD, as Java decodes it.
		{"\xff", 0xfffd, 0xfffd},
	}
	for _, tc := range cases {
		assert.Equal(t, tc.code, javaStringHash(tc.s), "hashCode %q", tc.s)
		assert.Equal(t, tc.hash, javaHash(tc.s), "hash %q", tc.s)
	}
}

func TestTableSizeFor(t *testing.T) {
	cases := []struct{ in, want int }{
		{-1, 1}, {0, 1}, {1, 1}, {2, 2}, {3, 4}, {5, 8}, {16, 16}, {17, 32},
		{1 << 30, 1 << 30}, {1<<30 + 1, 1 << 30},
	}
	for _, tc := range cases {
		assert.Equal(t, tc.want, tableSizeFor(tc.in), "tableSizeFor(%d)", tc.in)
	}
}

func TestCloneCapacity(t *testing.T) {
	// tableSizeFor((int)(n/0.75f + 1)).
	cases := []struct{ n, want int }{
		{0, 1}, {1, 2}, {2, 4}, {3, 8}, {5, 8}, {6, 16}, {11, 16}, {12, 32},
		{13, 32}, {23, 32}, {24, 64}, {40, 64}, {47, 64}, {48, 128},
	}
	for _, tc := range cases {
		assert.Equal(t, tc.want, cloneCapacity(tc.n), "n=%d", tc.n)
	}
}

func TestGrownCapacity(t *testing.T) {
	none := func(int) int { return 0 }
	full := func(int) int { return 8 }
	cases := []struct {
		name           string
		capacity, size int
		sameBin        func(int) int
		want           int
	}{
		{"first add", 0, 0, none, 16},
		{"12th key fits", 16, 11, none, 16},
		{"13th key doubles", 16, 12, none, 32},
		{"25th key doubles", 32, 24, none, 64},
		{"49th key doubles", 64, 48, none, 128},
		{"9th key in a bin of 16 doubles", 16, 8, full, 32},
		{"9th key in a bin of 32 doubles", 32, 20, full, 64},
		{"a 13th key in a long bin of 16 doubles once", 16, 12, full, 32},
		{"a bin of 64 becomes a tree", 64, 30, full, 64},
	}
	for _, tc := range cases {
		assert.Equal(t, tc.want, grownCapacity(tc.capacity, tc.size, 0, tc.sameBin), tc.name)
	}
}

func TestJavaCloneOrder(t *testing.T) {
	entries := func(hashes ...int32) []javaEntry {
		out := make([]javaEntry, len(hashes))
		for i, h := range hashes {
			out[i] = javaEntry{path: string(rune('A' + i)), hash: h, seq: int64(i)}
		}
		return out
	}
	cases := []struct {
		name     string
		entries  []javaEntry
		capacity int
		want     string
	}{
		// Original (16 bins): B(0) D(1) A(8) C(9); the clone of 4 has 8
		// bins: B A (bin 0), D C (bin 1).
		{"clone has fewer bins", entries(0x18, 0x00, 0x09, 0x01), 16, "BADC"},
		// Clone of 12 has 32 bins: A (bin 16) after B (bin 0) though the
		// original (16 bins) holds them in one bin, A first.
		{"clone has more bins", entries(0x10, 0x00, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10), 16, "BCDEFGHIJKLA"},
		{"one bin keeps insertion order", entries(0x25, 0x05, 0x15), 64, "BCA"},
		// 9 keys in one bin of the clone's 16: its table doubles to 32
		// while filled, in the original's order (by bin of 64).
		{"clone doubles", entries(5, 21, 37, 53, 5, 21, 37, 53, 5), 64, "AEICGBFDH"},
		{"empty", nil, 0, ""},
	}
	for _, tc := range cases {
		javaCloneOrder(tc.entries, tc.capacity)
		var got strings.Builder
		for _, e := range tc.entries {
			got.WriteString(e.path)
		}
		assert.Equal(t, tc.want, got.String(), tc.name)
	}
}

// A session's ephemeral paths as Apache ZooKeeper 3.8.0 deleted them when
// it closed, watched through a persistent recursive watch on the base by
// another session, and as it answered getEphemerals just before (the same
// order). Recorded with a probe against the real server.
var closeOrderCases = []struct {
	name  string
	base  string // the paths' parent, which their hashes depend on
	steps []closeStep
	want  []string // relative to the base
}{
	{"3 paths", "/n3", []closeStep{{"create", []string{"a", "é", "zz"}}},
		[]string{"zz", "é", "a"}},
	{"7 paths", "/n7", []closeStep{{"create", []string{"中文", "ж", "node-1", "x", "Ω", "long-name-here", "q"}}},
		[]string{"q", "中文", "node-1", "long-name-here", "ж", "x", "Ω"}},
	{"12 paths, a clone of 32 bins", "/n12", []closeStep{{"create", names("k", 0, 12)}},
		[]string{"k10", "k11", "k3", "k2", "k1", "k0", "k7", "k6", "k5", "k4", "k9", "k8"}},
	{"13 paths", "/n13", []closeStep{{"create", append(names("item-", 0, 10), "ü", "ß", "日本")}},
		[]string{"item-0", "item-1", "item-2", "item-3", "日本", "item-8", "item-9", "ß", "item-4", "item-5", "item-6", "item-7", "ü"}},
	{"40 paths", "/n40", []closeStep{{"create", names("n", 0, 40)}},
		[]string{"n24", "n25", "n26", "n27", "n20", "n21", "n22", "n23", "n7", "n6", "n9", "n8", "n3", "n2", "n5", "n4", "n1", "n0",
			"n17", "n39", "n18", "n19", "n13", "n35", "n14", "n36", "n15", "n37", "n16", "n38", "n31", "n10", "n32", "n11", "n33",
			"n12", "n34", "n30", "n28", "n29"}},
	{"40 paths, 5 left", "/n40to5", []closeStep{{"create", names("p", 0, 40)}, {"delete", names("p", 3, 38)}},
		[]string{"p2", "p0", "p1", "p38", "p39"}},
	{"20 paths, 9 left", "/n20to9", []closeStep{{"create", names("w", 0, 20)}, {"delete", names("w", 0, 11)}},
		[]string{"w11", "w12", "w13", "w14", "w15", "w16", "w17", "w18", "w19"}},
	{"recreated paths go last", "/recreate", []closeStep{{"create", []string{"a", "b", "c", "d", "e"}}, {"delete", []string{"b", "c"}}, {"create", []string{"c", "b"}}},
		[]string{"c", "d", "a", "b", "e"}},
	{"sequential", "/seq", []closeStep{{"seq", []string{"lock-", "lock-", "lock-", "x-", "lock-", "x-"}}},
		[]string{"x-0000000003", "lock-0000000001", "lock-0000000002", "lock-0000000004", "x-0000000005", "lock-0000000000"}},
	// 9 paths in bin 5 of 16: the 9th doubles the set's table to 32.
	{"a long bin doubles the set", "/collide", []closeStep{{"create", []string{"c16", "c160", "c27", "c171", "c38", "c182", "c49", "c193", "c209"}}},
		[]string{"c160", "c171", "c182", "c193", "c16", "c27", "c38", "c49", "c209"}},
	// The failed multi would take the set past 12 paths: it does not grow.
	{"a failed multi leaves the set", "/rollback", []closeStep{{"create", []string{"r16"}}, {"create", []string{"f0", "f1", "f2", "f3", "f4", "f6", "f7", "f8", "f9"}},
		{"create", []string{"r1"}}, {"failmulti", names("m", 0, 5)}},
		[]string{"f2", "f3", "f4", "r16", "r1", "f6", "f7", "f8", "f9", "f0", "f1"}},
	// z4 and z19 share a bin: the multi's order counts, not the names'.
	{"a multi adds in order", "/multi", []closeStep{{"create", []string{"solo"}}, {"multi", []string{"z4", "mid", "z19"}}},
		[]string{"mid", "solo", "z4", "z19"}},
	// 9 paths in bin 5 of 16 spread over 4 bins of 64 (the set grew to 64
	// by size): the clone's table doubles to 32 as it is filled.
	{"a long bin doubles the clone", "/clonegrow", []closeStep{{"create", []string{"g28", "g121", "g143", "g819", "g918", "g17", "g39", "g709", "g808"}},
		{"create", names("f", 0, 16)}, {"delete", names("f", 0, 16)}},
		[]string{"g28", "g121", "g143", "g17", "g39", "g819", "g918", "g709", "g808"}},
	// The same order when the session expires.
	{"expired", "/expire", []closeStep{{"create", append(names("e", 0, 13), "€", "Ünï")}, {"delete", names("e", 0, 3)}},
		[]string{"€", "e10", "e3", "e12", "e11", "e8", "Ünï", "e9", "e4", "e5", "e6", "e7"}},
	{"emptied and refilled", "/refill", []closeStep{{"create", names("a", 0, 14)}, {"delete", names("a", 0, 14)}, {"create", []string{"b1", "b2", "b3", "b4"}}},
		[]string{"b1", "b2", "b3", "b4"}},
}

// closeStep is what the session did: create, seq (ephemeral sequential),
// delete, multi (ephemeral creates in one multi) or failmulti (the same
// and a failing check).
type closeStep struct {
	op    string
	names []string
}

// names returns prefix+i for i in [from, to).
func names(prefix string, from, to int) []string {
	var out []string
	for i := from; i < to; i++ {
		out = append(out, prefix+strconv.Itoa(i))
	}
	return out
}

// replay creates base and does steps on it as the harness's session.
func (h *harness) replay(base string, steps []closeStep) {
	h.t.Helper()
	h.as(Caller{Session: 5, IDs: []wire.ID{ipCaller}}, func() { h.create(base, 0) })
	for _, st := range steps {
		switch st.op {
		case "create", "seq":
			flags := int32(wire.FlagEphemeral)
			if st.op == "seq" {
				flags = wire.FlagEphemeralSequential
			}
			for _, n := range st.names {
				h.create(base+"/"+n, flags)
			}
		case "delete":
			for _, n := range st.names {
				h.delete(base + "/" + n)
			}
		case "multi", "failmulti":
			var ops []wire.MultiOp
			for _, n := range st.names {
				ops = append(ops, mCreate(wire.OpCreate, base+"/"+n, wire.FlagEphemeral))
			}
			if st.op == "failmulti" {
				ops = append(ops, mCheck(base+"/missing", -1))
			}
			res := h.multi(ops...)
			require.Equal(h.t, st.op == "multi", res.Events != nil, "multi applied")
		default:
			h.t.Fatalf("unknown step %q", st.op)
		}
	}
}

func (h *harness) getEphemerals(prefix string) []string {
	h.t.Helper()
	res := h.read(wire.OpGetEphemerals, &wire.PathRequest{Path: prefix})
	require.Equal(h.t, wire.ErrOK, res.Err)
	return res.Resp.(*wire.StringsResponse).Strings
}

func relative(base string, paths []string) []string {
	out := make([]string, len(paths))
	for i, p := range paths {
		out[i] = strings.TrimPrefix(p, base+"/")
	}
	return out
}

func deletedPaths(events []Event) []string {
	var out []string
	for _, e := range events {
		if e.Type == wire.EventNodeDeleted {
			out = append(out, e.Path)
		}
	}
	return out
}

func TestCloseSessionOrderIsZooKeepers(t *testing.T) {
	for _, tc := range closeOrderCases {
		t.Run(tc.name, func(t *testing.T) {
			h := newHarness(t, Options{})
			h.replay(tc.base, tc.steps)
			assert.Equal(t, tc.want, relative(tc.base, h.getEphemerals("")), "getEphemerals")
			assert.Equal(t, tc.want, relative(tc.base, h.getEphemerals(tc.base+"/")), "getEphemerals with a prefix")

			res := h.tree.CloseSession(h.txn())
			require.Len(t, res.Events, 2*len(tc.want))
			assert.Equal(t, tc.want, relative(tc.base, deletedPaths(res.Events)))
			for i := 1; i < len(res.Events); i += 2 {
				assert.Equal(t, ev(wire.EventNodeChildrenChanged, tc.base), res.Events[i])
			}
		})
	}
}

func TestEphemeralSetOutlivesItsPaths(t *testing.T) {
	// Java's set keeps its grown table while the session lives, even
	// emptied, and is gone once the session is closed.
	h := newHarness(t, Options{})
	h.replay("/base", []closeStep{{"create", names("k", 0, 13)}, {"delete", names("k", 0, 13)}})
	assert.Empty(t, h.tree.Owners())
	assert.Equal(t, 32, h.tree.ephemerals[session].cap)
	h.tree.CloseSession(h.txn())
	assert.NotContains(t, h.tree.ephemerals, session)

	// A new set starts at 16: the 12 paths then iterate as in a fresh
	// session, not as in one whose set has 32 bins.
	h.replay("/n12", []closeStep{{"create", names("k", 0, 12)}})
	assert.Equal(t, 16, h.tree.ephemerals[session].cap)
	want := []string{"k10", "k11", "k3", "k2", "k1", "k0", "k7", "k6", "k5", "k4", "k9", "k8"}
	assert.Equal(t, want, relative("/n12", h.getEphemerals("")))
}

func TestFailedMultiForgetsNewEphemeralSet(t *testing.T) {
	h := newHarness(t, Options{})
	h.create("/base", 0)
	assertUnchanged(t, h.tree, func() {
		h.multi(mCreate(wire.OpCreate, "/base/e", wire.FlagEphemeral), mCheck("/missing", -1))
	})
	assert.NotContains(t, h.tree.ephemerals, session)

	// Undone deletes keep their place in the set.
	h.replay("/b2", []closeStep{{"create", []string{"a", "b", "c", "d", "e"}}})
	before := maps.Clone(h.tree.ephemerals[session].paths)
	h.multi(mDelete("/b2/a", -1), mDelete("/b2/c", -1), mCreate(wire.OpCreate, "/b2/a", wire.FlagEphemeral), mCheck("/missing", -1))
	assert.Equal(t, before, h.tree.ephemerals[session].paths)
	assert.Equal(t, 16, h.tree.ephemerals[session].cap)
}

func TestRestoreReplaysEphemeralSets(t *testing.T) {
	// A rebuilt tree knows the members and their creation order, not the
	// deleted ones: without deletes it iterates as the original.
	for _, tc := range closeOrderCases {
		if len(tc.steps) != 1 || tc.steps[0].op == "multi" {
			continue
		}
		t.Run(tc.name, func(t *testing.T) {
			h := newHarness(t, Options{TrackChanges: true})
			h.replay(tc.base, tc.steps)
			r, err := Restore(Options{}, h.tree.Changes())
			require.NoError(t, err)
			h.tree = r
			assert.Equal(t, tc.want, relative(tc.base, h.getEphemerals("")))
			assert.Equal(t, tc.want, relative(tc.base, deletedPaths(r.CloseSession(h.txn()).Events)))
		})
	}
	// Creates of one multi share a czxid: the rebuilt tree ranks them by
	// path.
	h := newHarness(t, Options{TrackChanges: true})
	h.replay("/multi", []closeStep{{"create", []string{"solo"}}, {"multi", []string{"z4", "mid", "z19"}}})
	r, err := Restore(Options{}, h.tree.Changes())
	require.NoError(t, err)
	h.tree = r
	assert.Equal(t, []string{"mid", "solo", "z19", "z4"}, relative("/multi", h.getEphemerals("")))
	// The emptied set with its grown table is forgotten.
	h = newHarness(t, Options{TrackChanges: true})
	h.replay("/base", []closeStep{{"create", names("k", 0, 13)}, {"delete", names("k", 1, 13)}})
	r, err = Restore(Options{}, h.tree.Changes())
	require.NoError(t, err)
	assert.Equal(t, 16, r.ephemerals[session].cap)
	assert.Equal(t, 32, h.tree.ephemerals[session].cap)
}
