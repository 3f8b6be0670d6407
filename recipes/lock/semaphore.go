package lock

import (
	"context"
	"errors"
	"fmt"
	"path"

	"github.com/coordkit/coordkit/recipes/internal/contend"
	"github.com/coordkit/coordkit/zk"
)

// The layout of a Semaphore under its path, Curator's
// InterProcessSemaphoreV2: a mutex in "locks" serialises the acquirers, and
// each lease is a node "leases/_c_<uuid>-lease-<seq>".
const (
	semLocksDir  = "locks"
	semLeasesDir = "leases"
	leaseName    = "lease-"
	leaseMarker  = "-lease-"
)

// Semaphore is a distributed counting semaphore on a ZooKeeper path: at
// most Limit leases are held at once, across every process that uses the
// path with the same limit.
//
// It follows Curator's InterProcessSemaphoreV2. An acquirer first takes an
// internal Mutex on "<path>/locks", then creates its lease node
// "<path>/leases/_c_<uuid>-lease-<seq>" and reads the leases: if there are
// at most Limit, the lease is granted; otherwise it waits, holding the
// internal mutex, until a lease is released, and then releases the mutex.
// Acquirers are therefore served in the order they queued for the mutex,
// and only the one holding it watches the leases (no herd). A lease is
// granted only when the leases it saw, its own included, were at most
// Limit; as every lease that exists was created before the last one
// granted read them, no more than Limit are ever held, even when the
// internal mutex was lost meanwhile.
//
// Every child of "<path>/leases" counts as a lease, as Curator counts
// them. Curator processes using InterProcessSemaphoreV2 on the same path
// with the same limit share the leases with this one. The limit is a
// convention among the users of the path: nothing stores it.
//
// All methods are safe for concurrent use.
type Semaphore struct {
	conn   *zk.Conn
	path   string
	limit  int
	policy contend.Policy
	gate   *locker          // the internal mutex on <path>/locks
	leases *contend.Contest // the lease nodes in <path>/leases
}

// NewSemaphore returns a Semaphore of limit leases on path, whose nodes are
// created through conn's session. It does not contact the server: Acquire
// creates the directories it needs. It fails if conn is nil, path is not a
// valid node path, limit is not positive, or an option is invalid.
func NewSemaphore(conn *zk.Conn, path string, limit int, opts ...Option) (*Semaphore, error) {
	cfg, err := configure(conn, path, opts)
	if err != nil {
		return nil, err
	}
	if limit < 1 {
		return nil, fmt.Errorf("%w: semaphore limit %d is not positive", errBadOption, limit)
	}
	locks := joinPath(path, semLocksDir)
	leases := newContest(conn, joinPath(path, semLeasesDir), cfg)
	leases.Markers = []string{leaseMarker}
	return &Semaphore{
		conn:   conn,
		path:   path,
		limit:  limit,
		policy: cfg.Policy(),
		gate: &locker{
			conn:    conn,
			path:    locks,
			policy:  cfg.Policy(),
			contest: newContest(conn, locks, cfg),
			name:    nodeName,
			rule:    contend.Predecessor,
		},
		leases: leases,
	}, nil
}

// joinPath returns the path of dir's child name.
func joinPath(dir, name string) string { return path.Join(dir, name) }

// Path returns the semaphore's path.
func (s *Semaphore) Path() string { return s.path }

// Limit returns the number of leases that may be held at once.
func (s *Semaphore) Limit() int { return s.limit }

// Acquire blocks until a lease is granted and returns it, or until ctx
// ends, the session ends, or a request fails. It takes the semaphore's
// internal mutex (waiting behind earlier acquirers), creates its lease node
// and, while more than Limit leases exist, waits for one to go; then it
// releases the mutex. Uncontended it takes three round trips.
//
// If the internal mutex is lost while Acquire waits for a lease (its
// session's connection was suspended, say), Acquire gives up with an error
// wrapping ErrLost. If it fails or ctx ends, Acquire removes its lease node
// and releases the internal mutex before returning, detached from ctx and
// bounded by the cleanup timeout; the error wraps ctx.Err() or the cause.
func (s *Semaphore) Acquire(ctx context.Context) (*Lease, error) {
	return s.acquire(ctx, "acquire", false)
}

// TryAcquire takes a lease if one is free and no other process is
// acquiring or waiting for one, and fails with an error wrapping
// ErrNoLease otherwise, without waiting. Like sync.Mutex.TryLock it may
// fail while another acquirer passes through the internal mutex although a
// lease would have been free. Errors and ctx are as for Acquire.
func (s *Semaphore) TryAcquire(ctx context.Context) (*Lease, error) {
	return s.acquire(ctx, "tryacquire", true)
}

// acquire is Acquire, or TryAcquire if try is set.
func (s *Semaphore) acquire(ctx context.Context, op string, try bool) (*Lease, error) {
	var (
		guard *Hold
		err   error
	)
	if try {
		guard, err = s.gate.tryLock(ctx, op)
		if errors.Is(err, ErrLocked) {
			return nil, s.fail(op, ErrNoLease)
		}
	} else {
		guard, err = s.gate.lock(ctx, op)
	}
	if err != nil {
		return nil, err // names the internal mutex's path
	}
	lease, err := s.lease(ctx, guard, try)
	// The mutex is released whatever happened, detached from ctx: another
	// acquirer is waiting for it.
	cctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), s.leases.CleanupTimeout())
	defer cancel()
	if uerr := guard.Unlock(cctx); uerr != nil && !errors.Is(uerr, ErrLost) {
		// The mutex node may stay until the session ends, blocking every
		// other acquirer: a granted lease is given back rather than kept.
		if err == nil {
			if rerr := lease.Release(cctx); rerr != nil {
				uerr = fmt.Errorf("%w (and releasing the lease failed: %w)", uerr, rerr)
			}
			lease, err = nil, fmt.Errorf("releasing the internal mutex: %w", uerr)
		} else {
			err = fmt.Errorf("%w (and releasing the internal mutex failed: %w)", err, uerr)
		}
	}
	if err != nil {
		return nil, s.fail(op, err)
	}
	return lease, nil
}

// lease creates a lease node and waits, holding guard, until it is within
// the limit (or, if try, checks once).
func (s *Semaphore) lease(ctx context.Context, guard *Hold, try bool) (*Lease, error) {
	node, children, err := s.leases.Join(ctx, leaseName)
	if err != nil {
		return nil, err
	}
	if try {
		if children == nil {
			if children, err = s.leases.Children(ctx); err != nil {
				return nil, s.leases.Leave(ctx, node, err)
			}
		}
		ok, err := s.leases.Within(node, children, s.limit)
		if err == nil && !ok {
			err = ErrNoLease
		}
		if err != nil {
			return nil, s.leases.Leave(ctx, node, err)
		}
	} else {
		lost := func() error { return fmt.Errorf("the internal mutex: %w", guard.Err()) }
		if err := s.leases.WaitWithin(ctx, node, children, s.limit, guard.Lost(), lost); err != nil {
			return nil, s.leases.Leave(ctx, node, err)
		}
	}
	return &Lease{h: s.leaseLocker().hold(node)}, nil
}

// leaseLocker returns what a lease's Hold releases itself through.
func (s *Semaphore) leaseLocker() *locker {
	return &locker{conn: s.conn, path: s.path, policy: s.policy, contest: s.leases, name: leaseName}
}

// fail names the operation and the semaphore in err.
func (s *Semaphore) fail(op string, err error) error {
	return fmt.Errorf("%s %s: %w", op, s.path, err)
}

// Lease is one lease of a Semaphore, held from Acquire or TryAcquire until
// Release, or until Lost is closed. Its methods are safe for concurrent
// use.
type Lease struct {
	h *Hold
}

// Lost returns a channel that is closed when the lease may be gone: the
// session expired or was closed, the lease node was deleted, or the
// connection stayed suspended longer than the grace (WithSuspendGrace; at
// once by default). It is also closed by Release. Err then says why.
func (l *Lease) Lost() <-chan struct{} { return l.h.Lost() }

// Err returns nil while the lease lasts; after a loss, an error wrapping
// ErrLost and the cause; after Release without a loss, ErrNotHeld.
func (l *Lease) Err() error { return l.h.Err() }

// Token returns the zxid that created the lease node. Leases are granted
// in the order their nodes were created, so a later lease has a larger
// token; unlike a Mutex's, tokens of leases held at once do not exclude
// each other.
func (l *Lease) Token() int64 { return l.h.Token() }

// Node returns the path of the lease node,
// "<path>/leases/_c_<uuid>-lease-<seq>".
func (l *Lease) Node() string { return l.h.Node() }

// Fence returns an operation that makes a zk.Conn.Multi fail (with
// zk.ErrNoNode) unless the lease node still exists.
func (l *Lease) Fence() zk.Op { return l.h.Fence() }

// Multi applies ops atomically on the condition that the lease is still
// held (Fence); see Hold.Multi.
func (l *Lease) Multi(ctx context.Context, ops ...zk.Op) ([]zk.OpResult, error) {
	return l.h.Multi(ctx, ops...)
}

// Release gives the lease back: it deletes the lease node, which wakes the
// acquirer waiting for a lease, and closes Lost. Blocking, ctx, a lost
// lease and a second Release are as for Hold.Unlock.
func (l *Lease) Release(ctx context.Context) error { return l.h.release(ctx, "release") }
