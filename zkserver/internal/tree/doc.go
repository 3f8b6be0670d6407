// Package tree holds ZooKeeper's data tree and the meaning of every request
// on it: nodes, Stats, versions, sequential names, ephemeral, container and
// TTL lifecycles, ACLs, multi. It does no I/O, starts no goroutines, reads no
// clock (times come in Txn.Time and Reapable's now) and is not safe for
// concurrent use, reads included (they fill a cache of sorted child names):
// the server's one processing goroutine owns it.
//
//	t := tree.New(tree.Options{TTLEnabled: true})
//	res := t.Write(wire.OpCreate, &wire.CreateRequest{Path: "/app", ACL: open}, tree.Txn{Zxid: 2, Time: now})
//	// res.Err, res.Resp (*wire.CreateResponse), res.Events (NodeCreated /app, NodeChildrenChanged /)
//	res = t.Read(wire.OpGetData, &wire.PathWatchRequest{Path: "/app"}, caller)
//
// # Semantics
//
// Every request behaves as on an Apache ZooKeeper 3.8 standalone server, as
// far as a client can tell: the checks of a write run in ZooKeeper's order
// and the first failing one decides the error; Stats carry ZooKeeper's
// values (cversion = 2·C − numChildren where C counts child creations, the
// fresh root reporting −1; ephemeralOwner 0 for containers and TTL nodes);
// sequential names take the parent's C before the create. Reads do not
// validate paths, and the empty path is the root. Inside a multi, as in
// ZooKeeper, a create's kind follows its flags (4 container, 5/6 TTL), not
// the sub-op's opcode. Child names are returned sorted (ZooKeeper's order is
// unspecified).
//
// # Transactions
//
// The caller gives every write a zxid and a time (Txn) and calls Write,
// CloseSession or Reap; a failed write changes nothing. A multi applies its
// sub-ops one by one, each seeing the earlier ones, and undoes them all if
// one fails. Result.Events lists the watch triggers of a successful write in
// ZooKeeper's order, each with the ACL a watcher must be Permitted READ on
// to receive it. CloseSession deletes a session's ephemeral nodes in the
// order ZooKeeper does, which follows its Java HashSet of them (see
// javaorder.go); getEphemerals answers in that order too.
//
// # Sharing
//
// Results share memory with the tree (node data, ACL lists, child-name
// lists) and a write keeps the slices of its request: neither side may
// modify them afterwards. The tree never modifies a slice it has handed out;
// a change replaces it.
//
// # Persistence
//
// With Options.TrackChanges, Changes returns the encoding of every node the
// writes since the last call touched (nil for deleted ones), and Restore
// rebuilds an identical tree from the stored encodings.
package tree
