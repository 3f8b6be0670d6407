package store

import (
	"context"
	"errors"
)

var (
	// ErrClosed is returned by Wait, for a zxid that did not become
	// durable, once the store is closed.
	ErrClosed = errors.New("store: closed")
	// ErrLocked is wrapped by Open's error when another process (or another
	// open store in this one) holds the file's lock past the lock timeout.
	ErrLocked = errors.New("store: data file is locked by another process")
	// ErrFormat is wrapped by Open's error when the file is a bbolt file but
	// not a store of a format this build reads.
	ErrFormat = errors.New("store: unknown data file format")
)

// KV is one key and its value; a nil Value deletes the key.
type KV struct {
	Key   string
	Value []byte
}

// Batch is what one or more transactions changed.
type Batch struct {
	Zxid     int64 // the last zxid the batch covers; becomes the stored zxid
	Nodes    []KV  // key: node path
	Sessions []KV  // key: session id as 16 hex digits
}

// State is everything stored.
type State struct {
	Zxid     int64
	Nodes    []KV
	Sessions []KV
}

// Store keeps batches. Append never blocks on I/O; Durable and Wait tell
// when a zxid has reached the disk.
type Store interface {
	// Load returns the stored state, Nodes and Sessions in key order (so a
	// node's parent comes before it); call it once, before any Append.
	Load() (State, error)
	// Append queues b behind every batch appended before it and returns at
	// once; it never waits for the disk. Zxids must increase from batch to
	// batch. The store keeps b's slices: the caller must not change them
	// afterwards. After Close, or after a failed commit, Append drops b.
	Append(b Batch)
	// Durable returns the highest zxid whose batch is on disk.
	Durable() int64
	// Wait blocks until Durable() ≥ zxid, the store fails (its error), the
	// store is closed (ErrClosed) or ctx ends (ctx.Err()). It returns nil at
	// once, without taking a lock, when zxid is already durable.
	Wait(ctx context.Context, zxid int64) error
	// Err returns the error that stopped the store, if any: after a failed
	// commit nothing more becomes durable.
	Err() error
	// Close commits what is queued and releases the store, then wakes every
	// Wait that is not satisfied (ErrClosed). It returns the error of a
	// failed commit, if any. Idempotent; a second call waits for the first.
	Close() error
}
