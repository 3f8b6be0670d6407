package lock

import (
	"context"
	"errors"
	"fmt"

	"github.com/coordkit/coordkit/recipes/internal/contend"
	"github.com/coordkit/coordkit/zk"
)

// Errors of this package. Compare with errors.Is.
var (
	// ErrLocked is returned by TryLock (and an RWMutex's TryRLock) when
	// another process holds or waits for the lock in a way that excludes
	// the caller. It removed its own node before returning it.
	ErrLocked = errors.New("lock: locked by another holder")
	// ErrNoLease is returned by Semaphore.TryAcquire when every lease is
	// held or another process is waiting for one. It removed its own nodes
	// before returning it.
	ErrNoLease = errors.New("lock: no lease available")
	// ErrNotHeld is returned by Unlock when there is nothing to release:
	// the Mutex granted no hold that is not released yet, or the Hold (or
	// Lease) was released already. Hold.Err returns it after a release.
	ErrNotHeld = errors.New("lock: not held")
	// ErrLost says a hold ended without Unlock: its session ended, its node
	// was deleted, or its connection stayed suspended too long. Errors
	// wrapping it also wrap the cause: ErrNodeDeleted, ErrSuspended, or the
	// session's error (zk.ErrSessionExpired, zk.ErrClosed, ...).
	ErrLost = errors.New("lock: hold lost")
	// ErrNodeDeleted is the cause of a loss when the hold's lock node was
	// deleted, by another process or by the end of its session.
	ErrNodeDeleted = contend.ErrNodeDeleted
	// ErrSuspended is the cause of a loss when the connection stayed
	// suspended longer than the grace (WithSuspendGrace). The session may
	// live on, and the node with it until Unlock deletes it.
	ErrSuspended = contend.ErrSuspended
)

// nodeName is the name of a lock node before its sequence suffix, after
// the protected prefix: "_c_<uuid>-lock-<seq>", as Curator's
// InterProcessMutex names them.
const nodeName = "lock-"

// Mutex is a distributed exclusive lock on a ZooKeeper path: a handle that
// any number of goroutines may use to contend for it through one session.
// Each Lock or TryLock call is one contender; a granted Hold excludes every
// other contender on the same path, of this process or any other, until it
// is released or lost. The Mutex is not reentrant: a goroutine that calls
// Lock while it holds the lock waits for itself.
//
// All methods are safe for concurrent use.
type Mutex struct {
	l *locker
}

// New returns a Mutex on path, whose lock nodes are created through conn's
// session. It does not contact the server: Lock creates path (as a
// container) if it is missing. It fails if conn is nil, path is not a
// valid node path, or an option is invalid.
func New(conn *zk.Conn, path string, opts ...Option) (*Mutex, error) {
	cfg, err := configure(conn, path, opts)
	if err != nil {
		return nil, err
	}
	return &Mutex{l: &locker{
		conn:    conn,
		path:    path,
		policy:  cfg.Policy(),
		contest: newContest(conn, path, cfg),
		name:    nodeName,
		rule:    contend.Predecessor,
	}}, nil
}

// configure checks the arguments common to every constructor and applies
// opts.
func configure(conn *zk.Conn, path string, opts []Option) (config, error) {
	var cfg config
	if conn == nil {
		return cfg, errors.New("lock: nil *zk.Conn")
	}
	if err := zk.ValidatePath(path, false); err != nil {
		return cfg, fmt.Errorf("lock: %w", err)
	}
	for _, o := range opts {
		if err := o(&cfg); err != nil {
			return cfg, err
		}
	}
	return cfg, nil
}

// Path returns the lock's path, the directory of its nodes.
func (m *Mutex) Path() string { return m.l.path }

// Lock blocks until the lock is granted and returns the Hold, or until ctx
// ends, the session ends, or the request fails.
//
// Uncontended, it takes one round trip: the create of its node and the read
// of the directory are pipelined. Contended, it waits for its predecessor
// to go, re-checking the directory after every wake-up but the last: while
// the predecessor itself waits, the contender also watches the one before
// it, and re-checks when that one goes, so that the predecessor's release
// is the grant (one write's latency per hand-over). A deletion wakes at
// most two contenders, never a herd. A create whose reply was lost is found
// again by its unique name rather than left behind.
//
// If it fails or ctx ends, Lock removes its node before returning, detached
// from ctx and bounded by the cleanup timeout (WithCleanupTimeout); the
// error wraps ctx.Err() or the cause, and says if the node could not be
// removed (it then lives until the session ends).
func (m *Mutex) Lock(ctx context.Context) (*Hold, error) { return m.l.lock(ctx, "lock") }

// TryLock takes the lock if no other process holds or waits for it, and
// fails with an error wrapping ErrLocked otherwise, without waiting. Like
// Lock it creates a node first (one round trip), and removes it again when
// the lock is busy (a second one). Errors and ctx are as for Lock.
func (m *Mutex) TryLock(ctx context.Context) (*Hold, error) { return m.l.tryLock(ctx, "trylock") }

// Unlock releases the latest hold granted by this Mutex that is not yet
// released; see Hold.Unlock. It fails with ErrNotHeld if there is none.
func (m *Mutex) Unlock(ctx context.Context) error { return m.l.unlock(ctx, "unlock") }
