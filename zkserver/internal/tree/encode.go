package tree

import (
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/coordkit/coordkit/internal/wire"
)

// A stored node (Change.Value) is, in jute encoding:
//
//	byte   format (1)
//	byte   kind: 0 persistent, 1 ephemeral, 2 container, 3 TTL
//	long   owner: the session (ephemeral), the ttl in ms (TTL), else 0
//	long   czxid, mzxid, pzxid, ctime, mtime
//	int    version, cversion (the stored child-creation counter C), aversion
//	buffer data (−1 for null)
//	int    number of ACL entries, then each: int perms, ustring scheme, ustring id
//
// Children are not stored: Restore links every node to its parent.

const nodeFormat = 1

// nodeFixedLen is the size of an encoding before its data and ACL.
const nodeFixedLen = 2 + 8 + 5*8 + 3*4

// errMalformed is wrapped by Restore's errors for records it cannot decode.
var errMalformed = errors.New("malformed node record")

func encodeNode(n *node) []byte {
	size := nodeFixedLen + 4 + len(n.data) + 4
	for _, a := range n.acl {
		size += 12 + len(a.ID.Scheme) + len(a.ID.ID)
	}
	b := make([]byte, 0, size)
	e := wire.NewEncoder(append(b, nodeFormat, byte(n.kind)))
	e.Int64(n.owner)
	e.Int64(n.czxid)
	e.Int64(n.mzxid)
	e.Int64(n.pzxid)
	e.Int64(n.ctime)
	e.Int64(n.mtime)
	e.Int32(n.version)
	e.Int32(n.cversion)
	e.Int32(n.aversion)
	e.Buffer(n.data)
	e.Int32(int32(len(n.acl)))
	for _, a := range n.acl {
		e.Int32(a.Perms)
		e.String(a.ID.Scheme)
		e.String(a.ID.ID)
	}
	return e.Bytes()
}

func decodeNode(b []byte) (*node, error) {
	if len(b) < nodeFixedLen {
		return nil, fmt.Errorf("%w: %d bytes", errMalformed, len(b))
	}
	if b[0] != nodeFormat {
		return nil, fmt.Errorf("%w: format %d", errMalformed, b[0])
	}
	n := &node{kind: kind(b[1])}
	if n.kind > ttlNode {
		return nil, fmt.Errorf("%w: kind %d", errMalformed, b[1])
	}
	d := wire.NewDecoder(b[2:])
	n.owner = d.Int64()
	n.czxid = d.Int64()
	n.mzxid = d.Int64()
	n.pzxid = d.Int64()
	n.ctime = d.Int64()
	n.mtime = d.Int64()
	n.version = d.Int32()
	n.cversion = d.Int32()
	n.aversion = d.Int32()
	n.data = d.Buffer()
	count := d.Count("ACL list", 12)
	if count >= 0 {
		n.acl = make([]wire.ACL, 0, count)
	}
	for i := 0; i < count && d.Err() == nil; i++ {
		var a wire.ACL
		a.Perms = d.Int32()
		a.ID.Scheme = d.String()
		a.ID.ID = d.String()
		n.acl = append(n.acl, a)
	}
	switch {
	case d.Err() != nil:
		return nil, fmt.Errorf("%w: %w", errMalformed, d.Err())
	case count < 0:
		return nil, fmt.Errorf("%w: null ACL list", errMalformed)
	case d.Remaining() != 0:
		return nil, fmt.Errorf("%w: %d trailing bytes", errMalformed, d.Remaining())
	}
	switch n.kind {
	case ephemeral:
		if n.owner == 0 {
			return nil, fmt.Errorf("%w: ephemeral node without a session", errMalformed)
		}
	case ttlNode:
		if n.owner <= 0 || n.owner > wire.MaxTTL {
			return nil, fmt.Errorf("%w: ttl %d", errMalformed, n.owner)
		}
	default:
		if n.owner != 0 {
			return nil, fmt.Errorf("%w: owner %d on a %s node", errMalformed, n.owner, kindName(n.kind))
		}
	}
	if len(n.acl) == 1 && n.acl[0] == openACL[0] {
		n.acl = openACL
	}
	return n, nil
}

func kindName(k kind) string {
	switch k {
	case ephemeral:
		return "ephemeral"
	case container:
		return "container"
	case ttlNode:
		return "TTL"
	}
	return "persistent"
}

// Changes returns the nodes changed since the last call, in path order,
// and forgets them. It returns nil unless Options.TrackChanges is set.
func (t *Tree) Changes() []Change {
	if len(t.dirty) == 0 {
		return nil
	}
	out := make([]Change, 0, len(t.dirty))
	for p := range t.dirty {
		c := Change{Path: p}
		if n := t.nodes[p]; n != nil {
			c.Value = encodeNode(n)
		}
		out = append(out, c)
	}
	clear(t.dirty)
	slices.SortFunc(out, func(a, b Change) int { return strings.Compare(a.Path, b.Path) })
	return out
}
