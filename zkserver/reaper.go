package zkserver

import "github.com/coordkit/coordkit/zkserver/internal/tree"

// maxReap bounds the containers and TTL nodes one reaper run deletes
// (ZooKeeper's znode.container.maxPerMinute).
const maxReap = 10000

// reap deletes the containers and TTL nodes that are due, each as its own
// transaction firing what a delete fires, unless paused.
func (p *processor) reap() {
	if p.paused {
		return
	}
	for _, path := range p.tree.Reapable(p.nowMS, maxReap) {
		zxid := p.newZxid()
		res := p.tree.Reap(path, tree.Txn{Zxid: zxid, Time: p.nowMS})
		p.fire(res.Events)
	}
}
