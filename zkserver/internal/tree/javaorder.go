package tree

import (
	"cmp"
	"slices"
	"strings"
)

// Apache ZooKeeper 3.8 keeps each session's ephemeral paths in a
// java.util.HashSet<String>, created empty on the session's first ephemeral
// create and kept (emptied or not) until the session ends. closeSession
// deletes the paths of a clone of that set (DataTree.getEphemerals), in the
// clone's iteration order, and getEphemerals answers in that order too. The
// order depends on the paths' hashes, on the capacity of the set's table
// (which only grows) and on the order the paths were added. The tree keeps
// what it needs of the set in an ephSet and reproduces the order.
//
// Java's HashMap (behind HashSet) iterates its table bin by bin; a bin is a
// list in insertion order that resizing splits without reordering. A bin
// that would hold a 9th key makes a table smaller than 64 bins double
// (HashMap.treeifyBin); in a larger table it becomes a red-black tree, whose
// iteration order is not modelled here: that takes 9 paths of one session
// sharing the low 6 (or more) bits of their hash.

// Java's HashMap constants.
const (
	javaDefaultCapacity    = 16 // the table of a set made with new HashSet()
	javaTreeifyThreshold   = 8  // a bin already holding this many keys…
	javaMinTreeifyCapacity = 64 // …doubles a table smaller than this
	javaMaxCapacity        = 1 << 30
)

// ephSet is what the tree knows of the HashSet ZooKeeper keeps for one
// session's ephemeral paths.
type ephSet struct {
	paths map[string]ephMember
	// cap is the capacity of the Java set's table (0 before the first add):
	// 16 at the first add, doubling when the size exceeds 3/4 of it or a
	// 9th key lands in one bin of a table smaller than 64. It never
	// shrinks.
	cap int
}

// ephMember is one path of an ephSet.
type ephMember struct {
	hash int32 // javaHash(path)
	// seq ranks the paths in the order they were added to the Java set:
	// their creation order (Tree.ephSeq).
	seq int64
}

// javaHash is HashMap.hash of a String key: String.hashCode with its high
// 16 bits folded into the low ones.
func javaHash(s string) int32 {
	h := javaStringHash(s)
	return h ^ int32(uint32(h)>>16)
}

// tableSizeFor is HashMap.tableSizeFor: the smallest power of two ≥ c, at
// least 1 and at most 2³⁰.
func tableSizeFor(c int) int {
	n := 1
	for n < c && n < javaMaxCapacity {
		n <<= 1
	}
	return n
}

// cloneCapacity is the table capacity HashMap.clone (through
// putMapEntries) gives a copy of a map of n keys on Java 8 to 18:
// tableSizeFor of (int)(n / 0.75f + 1.0f), computed in float. (Java 19
// changed it to tableSizeFor(ceil(n / 0.75)), JDK-8281631; the ZooKeeper
// we compare with runs on Java 17.)
func cloneCapacity(n int) int {
	ft := float32(float32(n)/0.75) + 1
	t := javaMaxCapacity
	if ft < javaMaxCapacity {
		t = int(ft)
	}
	return tableSizeFor(t)
}

// bin is the index of hash h's bin in a table of the given capacity.
func bin(h int32, capacity int) int { return int(h) & (capacity - 1) }

// grownCapacity is the capacity of a HashMap table of the given capacity
// (0 before its first put) holding size keys, after a new key of hash h is
// put into it. sameBin(c) must count the keys already in the table whose
// bin in a table of capacity c is h's; it is called only while c < 64,
// when the table holds at most 24 keys.
func grownCapacity(capacity, size int, h int32, sameBin func(c int) int) int {
	if capacity == 0 {
		capacity = javaDefaultCapacity
	}
	if capacity < javaMinTreeifyCapacity && sameBin(capacity) >= javaTreeifyThreshold {
		capacity *= 2 // treeifyBin resizes instead
	}
	if size+1 > capacity-capacity/4 && capacity < javaMaxCapacity {
		capacity *= 2
	}
	return capacity
}

// grow grows s.cap as Java's table grows when path (not yet a member) is
// added to the set. The caller then adds path to s.paths.
func (s *ephSet) grow(path string) {
	h := javaHash(path)
	s.cap = grownCapacity(s.cap, len(s.paths), h, func(c int) int {
		n, b := 0, bin(h, c)
		for _, m := range s.paths {
			if bin(m.hash, c) == b {
				n++
			}
		}
		return n
	})
}

// javaEntry is one member of a Java HashSet: its key, hash and rank in the
// order the keys were added.
type javaEntry struct {
	path string
	hash int32
	seq  int64
}

// inBin counts the entries whose bin in a table of capacity c is h's.
func inBin(entries []javaEntry, h int32, c int) int {
	n, b := 0, bin(h, c)
	for _, e := range entries {
		if bin(e.hash, c) == b {
			n++
		}
	}
	return n
}

// javaCloneOrder sorts entries, the members of a HashSet whose table has
// the given capacity, into the iteration order of the set's clone: the
// original iterates by bin, then in the order the keys were added; the
// clone, presized by cloneCapacity, is filled in that order (doubling as a
// HashMap does if a bin gets a 9th key) and iterates by its own bins, then
// in that order.
func javaCloneOrder(entries []javaEntry, capacity int) {
	slices.SortFunc(entries, func(a, b javaEntry) int {
		if c := cmp.Compare(bin(a.hash, capacity), bin(b.hash, capacity)); c != 0 {
			return c
		}
		return cmp.Compare(a.seq, b.seq)
	})
	// A clone never outgrows its presized table by size (cloneCapacity
	// leaves room), but a long bin may still double it.
	copyCap := cloneCapacity(len(entries))
	for i := 0; i < len(entries) && copyCap < javaMinTreeifyCapacity; i++ {
		h := entries[i].hash
		copyCap = grownCapacity(copyCap, i, h, func(c int) int { return inBin(entries[:i], h, c) })
	}
	slices.SortStableFunc(entries, func(a, b javaEntry) int {
		return cmp.Compare(bin(a.hash, copyCap), bin(b.hash, copyCap))
	})
}

// replayCapacity is the capacity of a Java set's table after entries,
// sorted by seq, are added to an empty one in that order.
func replayCapacity(entries []javaEntry) int {
	capacity := 0
	for i := range entries {
		h := entries[i].hash
		capacity = grownCapacity(capacity, i, h, func(c int) int { return inBin(entries[:i], h, c) })
	}
	return capacity
}

// entries returns the members of s, unsorted.
func (s *ephSet) entries() []javaEntry {
	out := make([]javaEntry, 0, len(s.paths))
	for p, m := range s.paths {
		out = append(out, javaEntry{path: p, hash: m.hash, seq: m.seq})
	}
	return out
}

// cloneOrder returns the paths of s in the iteration order of a clone of
// ZooKeeper's set.
func (s *ephSet) cloneOrder() []string {
	entries := s.entries()
	javaCloneOrder(entries, s.cap)
	out := make([]string, len(entries))
	for i, e := range entries {
		out[i] = e.path
	}
	return out
}

// replayEphemerals ranks the members of s, in a tree rebuilt from stored
// nodes, by creation (czxid, then path for the creates of one multi) and
// gives s the capacity Java's set would have after adding them in that
// order: the deleted members it once had are forgotten.
func (t *Tree) replayEphemerals(s *ephSet) {
	entries := s.entries()
	for i := range entries {
		entries[i].seq = t.nodes[entries[i].path].czxid
	}
	slices.SortFunc(entries, func(a, b javaEntry) int {
		if c := cmp.Compare(a.seq, b.seq); c != 0 {
			return c
		}
		return strings.Compare(a.path, b.path)
	})
	for i := range entries {
		t.ephSeq++
		entries[i].seq = t.ephSeq
		s.paths[entries[i].path] = ephMember{hash: entries[i].hash, seq: t.ephSeq}
	}
	s.cap = replayCapacity(entries)
}
