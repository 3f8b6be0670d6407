package tree

import (
	"sort"

	"github.com/coordkit/coordkit/internal/wire"
)

// kind is a node's lifecycle. ZooKeeper folds it into ephemeralOwner (a
// session id, Long.MIN_VALUE for containers, 0xFF… | ttl for TTL nodes);
// the tree keeps it apart and reports ZooKeeper's client-facing value.
type kind uint8

const (
	persistent kind = iota
	ephemeral       // owner is the session
	container
	ttlNode // owner is the ttl in ms
)

// node is one znode. Its slices are never modified once stored: a change
// replaces them, so results may share them.
type node struct {
	data []byte
	acl  []wire.ACL

	czxid, mzxid, pzxid int64
	ctime, mtime        int64
	version             int32
	// cversion is ZooKeeper's stored counter C: the number of child
	// creations ever done under the node. Clients see 2·C − numChildren.
	cversion int32
	aversion int32

	kind  kind
	owner int64 // ephemeral: the session; ttlNode: the ttl in ms

	// children is the set of child names; once allocated it is kept, even
	// empty, so that a multi's undo log can restore a node by value.
	children map[string]struct{}
	// sorted caches the sorted child names; nil when stale.
	sorted []string
}

// emptyNames is the child list of a node without children: an empty, not
// null, vector on the wire.
var emptyNames = []string{}

// stat returns the Stat a client sees.
func (n *node) stat() wire.Stat {
	nc := int32(len(n.children))
	var owner int64
	if n.kind == ephemeral {
		owner = n.owner
	}
	return wire.Stat{
		Czxid:          n.czxid,
		Mzxid:          n.mzxid,
		Ctime:          n.ctime,
		Mtime:          n.mtime,
		Version:        n.version,
		Cversion:       n.cversion*2 - nc, // int arithmetic wraps as in Java
		Aversion:       n.aversion,
		EphemeralOwner: owner,
		DataLength:     int32(len(n.data)),
		NumChildren:    nc,
		Pzxid:          n.pzxid,
	}
}

// names returns the sorted child names, building the cache if needed. The
// result is shared: callers must not modify it.
func (n *node) names() []string {
	if len(n.children) == 0 {
		return emptyNames
	}
	if n.sorted == nil {
		s := make([]string, 0, len(n.children))
		for name := range n.children {
			s = append(s, name)
		}
		sort.Strings(s)
		n.sorted = s
	}
	return n.sorted
}

// ttl returns a TTL node's ttl, else 0.
func (n *node) ttl() int64 {
	if n.kind == ttlNode {
		return n.owner
	}
	return 0
}

// sessionOwner returns an ephemeral node's session, else 0.
func (n *node) sessionOwner() int64 {
	if n.kind == ephemeral {
		return n.owner
	}
	return 0
}
