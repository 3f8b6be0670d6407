package tree

import (
	"sort"
	"unicode/utf8"

	"github.com/coordkit/coordkit/internal/wire"
)

// IdentityOrder returns a connection's identities (in the order they were
// added) as ZooKeeper holds them: without duplicates, in the iteration
// order of the Java ConcurrentHashMap behind its identity set (bins in
// index order, insertion order within a bin). The auth scheme expands into
// the caller's identities in this order, and whoAmI lists them so.
func IdentityOrder(ids []wire.ID) []wire.ID {
	type entry struct {
		id  wire.ID
		bin int
	}
	entries := make([]entry, 0, len(ids))
next:
	for _, id := range ids {
		for _, e := range entries {
			if e.id == id {
				continue next
			}
		}
		entries = append(entries, entry{id: id})
	}
	// The table starts at 16 bins and doubles once it holds 3/4 of that.
	n := 16
	for len(entries) >= n-n/4 {
		n *= 2
	}
	for i := range entries {
		entries[i].bin = int(spread(idHash(entries[i].id)) & int32(n-1))
	}
	sort.SliceStable(entries, func(i, j int) bool { return entries[i].bin < entries[j].bin })
	out := make([]wire.ID, len(entries))
	for i, e := range entries {
		out[i] = e.id
	}
	return out
}

// spread is ConcurrentHashMap.spread.
func spread(h int32) int32 {
	return (h ^ int32(uint32(h)>>16)) & 0x7fffffff
}

// idHash is the jute-generated Id.hashCode.
func idHash(id wire.ID) int32 {
	result := int32(17)
	result = 37*result + javaStringHash(id.Scheme)
	result = 37*result + javaStringHash(id.ID)
	return result
}

// javaStringHash is String.hashCode over the UTF-16 units of s (invalid
// UTF-8 read as U+FFFD, as Java decodes it).
func javaStringHash(s string) int32 {
	var h int32
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		i += size
		if r > 0xffff {
			r -= 0x10000
			h = 31*h + int32(0xd800+(r>>10))
			h = 31*h + int32(0xdc00+(r&0x3ff))
			continue
		}
		h = 31*h + int32(r)
	}
	return h
}
