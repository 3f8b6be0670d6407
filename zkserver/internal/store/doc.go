// Package store keeps an embedded server's state on disk (bbolt) or in
// memory: nodes, sessions and the last zxid. The server's processing
// goroutine appends one Batch per group of requests it handled; connection
// writers hold each reply until the zxid it depends on is durable.
//
//	s, err := store.Open(filepath.Join(dir, "coordkit.db"))
//	state, err := s.Load() // restore the tree and the sessions from it
//	s.Append(store.Batch{Zxid: 7, Nodes: []store.KV{{Key: "/a", Value: enc}}})
//	err = s.Wait(ctx, 7) // the batch is on disk: answer the client
//
// # Durability
//
// Open's store fsyncs every commit before Durable advances, so once Wait
// returns nil for a zxid, that batch and every batch appended before it
// survive kill -9 and a machine crash. NewMemory's store keeps nothing: a
// batch is "durable" as soon as it is appended.
//
// # Group commit
//
// Append never waits for the disk: it queues the batch and returns. One
// committer goroutine takes everything queued, writes it in one bbolt
// transaction (batches in append order, so a later value for a key wins and
// a nil Value deletes it), lets bbolt fsync once, and then advances Durable
// to the last batch's zxid. Batches appended while a commit is in flight go
// into the next one, so concurrent writers share an fsync.
//
// # File format
//
// The file holds the buckets "nodes" (key: node path), "sessions" (key:
// session id as 16 lowercase hex digits) and "meta" (the format version and
// the last zxid, both big-endian). A key bbolt cannot hold (empty, or over
// 32 KiB: ZooKeeper accepts paths up to its 1 MiB frame) goes to
// "nodes.long" or "sessions.long" under its SHA-256, the key stored with
// the value; Load merges both back in key order. Open refuses a file of
// another format with an error wrapping ErrFormat, and a file another
// process holds with one wrapping ErrLocked after the lock timeout.
//
// # Errors
//
// A failed commit stops the store: Err reports it, every Wait that is not
// already satisfied returns it, and nothing appended afterwards becomes
// durable. After Close, a Wait for a zxid that never became durable returns
// ErrClosed.
//
// # Concurrency
//
// Every method is safe for concurrent use. Durable, and Wait for a zxid
// already durable, take no lock.
package store
