// Package watch keeps the watches of a server's connections and decides who
// hears of a change: one-shot data, exist and child watches, persistent and
// persistent-recursive ones, removal, checks and setWatches catch-up. It does
// no I/O, starts no goroutines and is not safe for concurrent use: the
// server's one processing goroutine owns a Manager.
//
// # Tables
//
// Like Apache ZooKeeper 3.8 the Manager keeps two tables, each mapping a path
// to the connections watching it and the mode of each watch: the data table
// (data, exist, persistent and recursive watches) and the child table (child,
// persistent and recursive watches). Persistent and recursive watches sit in
// both. A table holds one watch per (connection, path): registering again
// replaces the mode, whatever the kinds, so a getData watch set on a path
// that already has a persistent watch makes the data side of it one-shot
// (the child side stays persistent) — ZooKeeper 3.8 does exactly this.
//
// # Triggering
//
// The server calls Trigger once per tree event, in order: a create of P is
// NodeCreated(P) then NodeChildrenChanged(parent), a delete is
// NodeDeleted(P) then NodeChildrenChanged(parent), a setData is
// NodeDataChanged(P).
//
//	m.Trigger("/app/x", wire.EventNodeCreated, tell)
//	m.Trigger("/app", wire.EventNodeChildrenChanged, tell)
//
// NodeCreated and NodeDataChanged consult the data table, NodeChildrenChanged
// the child table, NodeDeleted both (the data side first). A one-shot watch
// that matches is removed from its table; persistent and recursive ones
// stay. A recursive watch matches its path and every descendant but never
// NodeChildrenChanged; the others match their path only. Within one Trigger
// a connection is told once however many of its watches match.
//
// # Checks and removal
//
// Check and Remove take a wire watcher type (Children, Data, Any) and look at
// the child table, the data table or both. A persistent or recursive watch is
// gone only when both tables have lost it. Check follows ZooKeeper 3.8 to the
// letter: it reports whether anybody watches the path in that table, not only
// the asking connection.
package watch
