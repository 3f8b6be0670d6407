package tree

import "github.com/coordkit/coordkit/internal/wire"

// Options configure a Tree.
type Options struct {
	// TTLEnabled allows TTL nodes (ZooKeeper's extendedTypesEnabled); when
	// false a TTL create answers Unimplemented.
	TTLEnabled bool
	// ContainerMaxNeverUsed, in ms, when > 0 makes containers that never had
	// a child reapable once now − mtime exceeds it (ZooKeeper's
	// znode.container.maxNeverUsedIntervalMs). 0 keeps them forever.
	ContainerMaxNeverUsed int64
	// TrackChanges makes the tree remember which nodes each write touched,
	// for Changes. Off for in-memory servers.
	TrackChanges bool
}

// Caller is who sends a request, for ACL checks and ephemeral ownership.
type Caller struct {
	Session int64
	// IDs are the connection's identities: ("ip", addr) always, plus one
	// ("digest", "user:BASE64(SHA1(user:password))") per digest auth.
	IDs []wire.ID
	// Super bypasses every ACL check.
	Super bool
}

// Txn is the context of one write transaction.
type Txn struct {
	Zxid   int64
	Time   int64 // ms since the Unix epoch
	Caller Caller
}

// Event is one watch trigger a write caused, in the order ZooKeeper fires
// them: create P → {NodeCreated, P}, {NodeChildrenChanged, parent(P)};
// delete P → {NodeDeleted, P}, {NodeChildrenChanged, parent(P)};
// setData P → {NodeDataChanged, P}. Type is a wire.Event* value. The parent
// of a top-level node is "/".
//
// ACL is what a watching connection must be Permitted READ on to receive
// the event (ZooKeeper 3.8 with the CVE-2024-23944 fix drops it otherwise;
// a one-shot watch is used up all the same): the node's ACL for
// NodeCreated and NodeDataChanged, its ACL just before deletion for
// NodeDeleted, the parent's for NodeChildrenChanged, as they are when the
// event happens (inside a multi, after the sub-ops before it). It is the
// node's own list, shared: do not modify it. The catch-up events of
// setWatches are not filtered; they are not tree Events.
type Event struct {
	Type int32
	Path string
	ACL  []wire.ACL
}

// Result is the outcome of one request.
type Result struct {
	Err wire.ErrCode
	// Resp is the response body when Err is ErrOK, nil for operations that
	// have none (delete, and check).
	Resp wire.Record
	// Events are the watch triggers of a write, in order; none for a failed
	// write or a read.
	Events []Event
}

// Change is one node a write created, changed or deleted, as stored.
// Value is the node's encoding (see Restore), nil when it was deleted.
type Change struct {
	Path  string
	Value []byte
}

// Node is a snapshot of one node for the server's direct state access,
// setWatches catch-up and tests. Stat is what a client would see. Its
// slices are copies.
type Node struct {
	Path     string
	Data     []byte
	ACL      []wire.ACL
	Stat     wire.Stat
	Children []string // names, sorted
	// Owner is the owning session of an ephemeral node, else 0.
	Owner int64
	// Container reports a container node; TTL is a TTL node's ttl in ms.
	Container bool
	TTL       int64
}

// Stats are the counts a server reports (mntr, srvr), with ZooKeeper's
// values.
type Stats struct {
	// Nodes is ZooKeeper's znode count: every node, the root and
	// /zookeeper's included, plus one, because ZooKeeper keeps the root
	// under two keys ("" and "/") and counts both (a fresh server reports 5).
	Nodes      int
	Ephemerals int // ephemeral nodes
	// DataSize is ZooKeeper's approximate_data_size: the lengths of every
	// path (in UTF-16 units) and of every node's data (a fresh server
	// reports 44).
	DataSize int64
}
