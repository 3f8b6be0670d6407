package bench

import (
	"context"
)

// client is the part of a ZooKeeper client that the workloads use. Each
// implementation is a thin adapter of a few nanoseconds over its client's
// synchronous API, the same shape for both, so that what the benchmarks
// measure is the client underneath.
type client interface {
	// get returns the data of path.
	get(ctx context.Context, path string) ([]byte, error)
	// set replaces the data of path, at any version.
	set(ctx context.Context, path string, data []byte) error
	// create makes a persistent node with the open ACL and returns its path.
	create(ctx context.Context, path string, data []byte) (string, error)
	// del deletes path, at any version.
	del(ctx context.Context, path string) error
	// children lists the children of path (for checks, not timed).
	children(ctx context.Context, path string) ([]string, error)
	// ioCounts returns the session's read and write counts, or nil.
	ioCounts() *ioCounts
	// close ends the session.
	close() error
}

// asyncClient is a client that can keep many requests in flight from one
// goroutine: each call returns at once with something to wait on.
type asyncClient interface {
	client
	getAsync(ctx context.Context, path string) waiter
	setAsync(ctx context.Context, path string, data []byte) waiter
}

// waiter is one request in flight. Implementations are pointer-shaped (a
// struct of one pointer), so that returning one in the interface does not
// allocate.
type waiter interface {
	// wait blocks until the reply and returns its data (nil for a set).
	wait(ctx context.Context) ([]byte, error)
}
