package tree

import (
	"slices"
	"unicode/utf8"

	"github.com/coordkit/coordkit/internal/wire"
)

// Tree is the data tree.
type Tree struct {
	opts Options

	// nodes maps every full path to its node; the root is under "/" (get
	// also answers it for "", as ZooKeeper does).
	nodes      map[string]*node
	containers map[string]struct{}
	ttls       map[string]struct{}
	dataSize   int64 // ZooKeeper's approximate_data_size

	// ephemerals holds each session's ephemeral paths, from its first
	// ephemeral create until CloseSession, as ZooKeeper's per-session
	// HashSet (see ephSet): emptied sets stay.
	ephemerals map[int64]*ephSet
	ephSeq     int64 // the last ephMember.seq given

	dirty map[string]struct{} // paths touched since Changes; nil unless TrackChanges
	multi *undoLog            // non-nil while a multi is being applied
}

// The special nodes every ZooKeeper server has.
const (
	rootPath   = "/"
	procPath   = "/zookeeper"
	quotaPath  = "/zookeeper/quota"
	configPath = "/zookeeper/config"
)

// openACL is ZooDefs.Ids.OPEN_ACL_UNSAFE, shared by every node that has it.
var openACL = []wire.ACL{{Perms: wire.PermAll, ID: wire.ID{Scheme: "world", ID: "anyone"}}}

// readACL is ZooDefs.Ids.READ_ACL_UNSAFE, /zookeeper/config's ACL.
var readACL = []wire.ACL{{Perms: wire.PermRead, ID: wire.ID{Scheme: "world", ID: "anyone"}}}

// New returns a fresh tree holding /, /zookeeper, /zookeeper/quota and
// /zookeeper/config as a fresh Apache ZooKeeper 3.8 server does: all-zero
// Stats, empty (not null) data, OPEN_ACL_UNSAFE, except /zookeeper/config
// whose ACL is READ_ACL_UNSAFE and aversion −1. /zookeeper is attached
// without counting, so the root reports cversion −1.
func New(opts Options) *Tree {
	t := newEmpty(opts)
	t.nodes[rootPath] = &node{data: []byte{}, acl: openACL}
	t.nodes[procPath] = &node{data: []byte{}, acl: openACL}
	t.nodes[quotaPath] = &node{data: []byte{}, acl: openACL}
	t.nodes[configPath] = &node{data: []byte{}, acl: readACL, aversion: -1}
	_ = t.link() // cannot fail: each of the four has its parent
	return t
}

func newEmpty(opts Options) *Tree {
	t := &Tree{
		opts:       opts,
		nodes:      make(map[string]*node),
		ephemerals: make(map[int64]*ephSet),
		containers: make(map[string]struct{}),
		ttls:       make(map[string]struct{}),
	}
	if opts.TrackChanges {
		t.dirty = make(map[string]struct{})
	}
	return t
}

// link (re)builds the children sets, the indexes and the data size from
// t.nodes, checking that every node but the root has its parent.
func (t *Tree) link() error {
	for _, n := range t.nodes {
		n.children, n.sorted = nil, nil
	}
	clear(t.ephemerals)
	clear(t.containers)
	clear(t.ttls)
	t.dataSize = 0
	for path, n := range t.nodes {
		t.index(path, n)
		t.dataSize += nodeSize(path, n.data)
		if path == rootPath {
			continue
		}
		parentPath, name := split(path)
		p := t.get(parentPath)
		if p == nil {
			return &restoreError{path: path, msg: "its parent " + canon(parentPath) + " is missing"}
		}
		if p.children == nil {
			p.children = make(map[string]struct{})
		}
		p.children[name] = struct{}{}
	}
	t.ephSeq = 0
	for _, s := range t.ephemerals {
		t.replayEphemerals(s)
	}
	return nil
}

// get returns the node at path, the root for "" as well as "/".
func (t *Tree) get(path string) *node {
	if path == "" {
		path = rootPath
	}
	return t.nodes[path]
}

// canon returns the key of path in t.nodes: "/" for the root's alias "".
func canon(path string) string {
	if path == "" {
		return rootPath
	}
	return path
}

// nodeSize is ZooKeeper's getNodeSize: path length in UTF-16 units (every
// valid path is in the BMP) plus data length.
func nodeSize(path string, data []byte) int64 {
	return int64(utf8.RuneCountInString(path) + len(data))
}

// index adds n to the ephemeral, container or TTL index.
func (t *Tree) index(path string, n *node) {
	switch n.kind {
	case ephemeral:
		t.ephSeq++
		t.ephSetOf(n.owner).paths[path] = ephMember{hash: javaHash(path), seq: t.ephSeq}
	case container:
		t.containers[path] = struct{}{}
	case ttlNode:
		t.ttls[path] = struct{}{}
	}
}

// ephSetOf returns session's ephemeral set, creating it empty if needed.
func (t *Tree) ephSetOf(session int64) *ephSet {
	s := t.ephemerals[session]
	if s == nil {
		s = &ephSet{paths: make(map[string]ephMember)}
		t.ephemerals[session] = s
	}
	return s
}

// unindex removes n from the ephemeral, container or TTL index.
func (t *Tree) unindex(path string, n *node) {
	switch n.kind {
	case ephemeral:
		if s := t.ephemerals[n.owner]; s != nil {
			delete(s.paths, path) // the emptied set stays, as in ZooKeeper
		}
	case container:
		delete(t.containers, path)
	case ttlNode:
		delete(t.ttls, path)
	}
}

// insertRaw attaches n at path (whose parent exists) and indexes it.
func (t *Tree) insertRaw(path string, n *node) {
	parentPath, name := split(path)
	p := t.get(parentPath)
	if p.children == nil {
		p.children = make(map[string]struct{})
	}
	p.children[name] = struct{}{}
	p.sorted = nil
	t.nodes[path] = n
	t.index(path, n)
	t.dataSize += nodeSize(path, n.data)
}

// removeRaw detaches the node n at path and unindexes it.
func (t *Tree) removeRaw(path string, n *node) {
	parentPath, name := split(path)
	if p := t.get(parentPath); p != nil {
		delete(p.children, name)
		p.sorted = nil
	}
	delete(t.nodes, path)
	t.unindex(path, n)
	t.dataSize -= nodeSize(path, n.data)
}

// insert attaches a new node, recording it for undo and persistence. A
// new ephemeral node is added to its session's set, which grows as
// ZooKeeper's does.
func (t *Tree) insert(path string, n *node) {
	if n.kind == ephemeral {
		s := t.ephSetOf(n.owner)
		if t.multi != nil {
			t.multi.add(undoEntry{op: undoGrow, session: n.owner, cap: s.cap})
		}
		s.grow(path)
	}
	t.insertRaw(path, n)
	if t.multi != nil {
		t.multi.add(undoEntry{op: undoInsert, path: path, n: n})
	}
	t.markDirty(path)
}

// remove detaches a node, recording it for undo and persistence.
func (t *Tree) remove(path string, n *node) {
	if t.multi != nil {
		e := undoEntry{op: undoRemove, path: path, n: n}
		if n.kind == ephemeral {
			e.seq = t.ephemerals[n.owner].paths[path].seq
		}
		t.multi.add(e)
	}
	t.removeRaw(path, n)
	t.markDirty(path)
}

// modify must be called before changing any field of the existing node n
// at path: it saves n for undo and marks it for persistence.
func (t *Tree) modify(path string, n *node) {
	path = canon(path)
	if t.multi != nil {
		t.multi.add(undoEntry{op: undoModify, path: path, n: n, old: *n})
	}
	t.markDirty(path)
}

func (t *Tree) markDirty(path string) {
	if t.dirty == nil {
		return
	}
	if _, ok := t.dirty[path]; ok {
		return
	}
	t.dirty[path] = struct{}{}
	if t.multi != nil {
		t.multi.dirtied = append(t.multi.dirtied, path)
	}
}

// Lookup returns a snapshot of the node at path ("" is the root, as for
// reads).
func (t *Tree) Lookup(path string) (Node, bool) {
	n := t.get(path)
	if n == nil {
		return Node{}, false
	}
	out := Node{
		Path:      canon(path),
		Data:      slices.Clone(n.data),
		ACL:       slices.Clone(n.acl),
		Stat:      n.stat(),
		Children:  slices.Clone(n.names()),
		Owner:     n.sessionOwner(),
		Container: n.kind == container,
		TTL:       n.ttl(),
	}
	return out, true
}

// Zxids returns what setWatches needs of the node at path: its mzxid and
// pzxid, and whether it exists. Its signature is watch.NodeZxids.
func (t *Tree) Zxids(path string) (mzxid, pzxid int64, ok bool) {
	n := t.get(path)
	if n == nil {
		return 0, 0, false
	}
	return n.mzxid, n.pzxid, true
}

// Stats returns the tree's counts.
func (t *Tree) Stats() Stats {
	eph := 0
	for _, s := range t.ephemerals {
		eph += len(s.paths)
	}
	return Stats{Nodes: len(t.nodes) + 1, Ephemerals: eph, DataSize: t.dataSize}
}
