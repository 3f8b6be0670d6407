package tree

import "fmt"

// restoreError says which stored node Restore could not take.
type restoreError struct {
	path string
	msg  string
	err  error
}

func (e *restoreError) Error() string {
	if e.err != nil {
		return fmt.Sprintf("tree: restore %q: %v", e.path, e.err)
	}
	return fmt.Sprintf("tree: restore %q: %s", e.path, e.msg)
}

func (e *restoreError) Unwrap() error { return e.err }

// Restore rebuilds a tree from the nodes Changes reported, in any order:
// the stored value of every live node (a Change with a nil Value, a
// deletion, is skipped). Nodes ZooKeeper creates itself (/, /zookeeper,
// /zookeeper/quota, /zookeeper/config) start as New makes them when no
// record replaces them. Children sets, the ephemerals of each session and
// the container and TTL sets are rebuilt from the records. A session's
// ephemerals are ranked by czxid (then path, for those one multi made) and
// its Java set rebuilt as if they were added in that order: the growth
// that deleted ones caused is forgotten. It fails on a
// malformed record, an invalid or repeated path, a special node that is not
// persistent, and a node whose parent is missing.
func Restore(opts Options, nodes []Change) (*Tree, error) {
	t := New(opts)
	seen := make(map[string]bool, len(nodes))
	for _, c := range nodes {
		if c.Value == nil {
			continue
		}
		if !validPath(c.Path) {
			return nil, &restoreError{path: c.Path, msg: "invalid path"}
		}
		if seen[c.Path] {
			return nil, &restoreError{path: c.Path, msg: "stored twice"}
		}
		seen[c.Path] = true
		n, err := decodeNode(c.Value)
		if err != nil {
			return nil, &restoreError{path: c.Path, err: err}
		}
		if isSpecial(c.Path) && n.kind != persistent {
			return nil, &restoreError{path: c.Path, msg: "a " + kindName(n.kind) + " node in place of ZooKeeper's own"}
		}
		t.nodes[c.Path] = n
	}
	if err := t.link(); err != nil {
		return nil, err
	}
	return t, nil
}
