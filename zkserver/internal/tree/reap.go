package tree

import (
	"slices"

	"github.com/coordkit/coordkit/internal/wire"
)

// Reapable lists up to max (all when max ≤ 0) containers and TTL nodes due
// for deletion at now (ms), sorted, as ZooKeeper's ContainerManager picks
// them: containers with no children that had a child once (C > 0) or, with
// ContainerMaxNeverUsed, never did and have now − mtime above it; TTL nodes
// with no children and now − mtime > ttl.
func (t *Tree) Reapable(now int64, max int) []string {
	var out []string
	for p := range t.containers {
		if t.due(t.nodes[p], now) {
			out = append(out, p)
		}
	}
	for p := range t.ttls {
		if t.due(t.nodes[p], now) {
			out = append(out, p)
		}
	}
	slices.Sort(out)
	if max > 0 && len(out) > max {
		out = out[:max:max]
	}
	return out
}

// due reports whether the container or TTL node n is to be reaped at now.
func (t *Tree) due(n *node, now int64) bool {
	if n == nil || len(n.children) > 0 {
		return false
	}
	switch n.kind {
	case container:
		if n.cversion > 0 {
			return true
		}
		max := t.opts.ContainerMaxNeverUsed
		return max > 0 && now-n.mtime > max
	case ttlNode:
		return n.owner != 0 && now-n.mtime > n.owner
	}
	return false
}

// Reap deletes path as transaction txn if it is still reapable at txn.Time,
// firing what a delete fires. Otherwise it changes nothing and answers
// NoNode (gone), NotEmpty (has children) or BadVersion (not a container or
// TTL node, or not due), the codes of ZooKeeper's deleteContainer.
func (t *Tree) Reap(path string, txn Txn) Result {
	n := t.nodes[path]
	if n == nil {
		return Result{Err: wire.ErrNoNode}
	}
	if len(n.children) > 0 {
		return Result{Err: wire.ErrNotEmpty}
	}
	if !t.due(n, txn.Time) {
		return Result{Err: wire.ErrBadVersion}
	}
	events := make([]Event, 0, 2)
	t.deleteNode(path, n, txn.Zxid, &events)
	return Result{Events: events}
}
