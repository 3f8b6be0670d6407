package lock

import (
	"context"

	"github.com/coordkit/coordkit/recipes/internal/contend"
	"github.com/coordkit/coordkit/zk"
)

// Names of an RWMutex's nodes before their sequence suffix, after the
// protected prefix, as Curator's InterProcessReadWriteLock names them:
// "_c_<uuid>-__READ__<seq>" and "_c_<uuid>-__WRIT__<seq>".
const (
	readNodeName  = contend.MarkerRead
	writeNodeName = contend.MarkerWrite
)

// RWMutex is a distributed read/write lock on a ZooKeeper path: any number
// of readers may hold it at once, or one writer alone. Contenders are
// granted in the order their nodes were created (FIFO), so a writer waits
// only for the holders and contenders before it, and a reader that comes
// after a waiting writer waits for that writer: writers are not starved.
//
// A reader waits for the last writer before it alone; a writer waits for
// its immediate predecessor of either kind. Like a Mutex it is herd-free,
// uses protected names, and removes its node when a wait fails or is
// cancelled; each grant is a Hold with Lost, Token and fenced writes.
//
// Nodes are Curator's InterProcessReadWriteLock layout (see the package
// doc): readers and writers of Curator on the same path exclude and share
// with these as they do among themselves. Nodes of exclusive kinds
// ("-lock-", "__lock__") count as writers and kazoo's ReadLock nodes
// ("__rlock__") as readers, so a Mutex on the same path excludes both
// sides. Neither side is reentrant, and a hold cannot be upgraded or
// downgraded: a goroutine that asks for the write lock while it holds a
// read hold waits for itself.
//
// All methods are safe for concurrent use.
type RWMutex struct {
	r, w *locker
}

// NewRWMutex returns an RWMutex on path, whose nodes are created through
// conn's session. It does not contact the server: RLock and Lock create
// path (as a container) if it is missing. It fails if conn is nil, path is
// not a valid node path, or an option is invalid.
func NewRWMutex(conn *zk.Conn, path string, opts ...Option) (*RWMutex, error) {
	cfg, err := configure(conn, path, opts)
	if err != nil {
		return nil, err
	}
	contest := newContest(conn, path, cfg)
	side := func(name string, rule contend.Rule) *locker {
		return &locker{conn: conn, path: path, policy: cfg.Policy(), contest: contest, name: name, rule: rule}
	}
	return &RWMutex{
		r: side(readNodeName, contend.Shared),
		w: side(writeNodeName, contend.Predecessor),
	}, nil
}

// Path returns the lock's path, the directory of its nodes.
func (m *RWMutex) Path() string { return m.r.path }

// RLock blocks until the lock is granted for reading and returns the Hold,
// or until ctx ends, the session ends, or the request fails. It is granted
// when no writer holds or waits before it; it waits for the last such
// writer alone, re-checking after every wake-up.
//
// Uncontended it takes one round trip. If it fails or ctx ends, RLock
// removes its node before returning, detached from ctx and bounded by the
// cleanup timeout; errors are as for Mutex.Lock.
func (m *RWMutex) RLock(ctx context.Context) (*Hold, error) { return m.r.lock(ctx, "rlock") }

// TryRLock takes the lock for reading if no writer holds or waits for it,
// and fails with an error wrapping ErrLocked otherwise, without waiting.
// Readers holding or waiting do not stop it. Errors and ctx are as for
// Mutex.TryLock.
func (m *RWMutex) TryRLock(ctx context.Context) (*Hold, error) { return m.r.tryLock(ctx, "tryrlock") }

// RUnlock releases the latest read hold granted by this RWMutex that is
// not yet released; see Hold.Unlock. It fails with ErrNotHeld if there is
// none.
func (m *RWMutex) RUnlock(ctx context.Context) error { return m.r.unlock(ctx, "runlock") }

// Lock blocks until the lock is granted for writing and returns the Hold,
// or until ctx ends, the session ends, or the request fails. It is granted
// when no reader or writer holds or waits before it; it waits for its
// immediate predecessor alone, re-checking after every wake-up. Cleanup
// and errors are as for Mutex.Lock.
func (m *RWMutex) Lock(ctx context.Context) (*Hold, error) { return m.w.lock(ctx, "lock") }

// TryLock takes the lock for writing if no other process holds or waits
// for it, reader or writer, and fails with an error wrapping ErrLocked
// otherwise, without waiting. Errors and ctx are as for Mutex.TryLock.
func (m *RWMutex) TryLock(ctx context.Context) (*Hold, error) { return m.w.tryLock(ctx, "trylock") }

// Unlock releases the latest write hold granted by this RWMutex that is
// not yet released; see Hold.Unlock. It fails with ErrNotHeld if there is
// none.
func (m *RWMutex) Unlock(ctx context.Context) error { return m.w.unlock(ctx, "unlock") }
