package lock

import (
	"errors"
	"time"

	"github.com/coordkit/coordkit/recipes/internal/contend"
	"github.com/coordkit/coordkit/zk"
)

// Option configures a Mutex, an RWMutex or a Semaphore. Options are
// validated by the constructor (New, NewRWMutex, NewSemaphore): a bad value
// is an error from it, never a panic.
type Option func(*config) error

// config is what the options set. Every lock option is a setting that the
// recipes share.
type config struct {
	contend.Config
}

// errBadOption is wrapped by every option error.
var errBadOption = errors.New("lock: invalid option")

// option returns the Option that applies set.
func option(set contend.Setting) Option {
	return func(c *config) error { return set(&c.Config, errBadOption) }
}

// WithSuspendGrace lets a hold survive a suspended connection (disconnected,
// or connected to a read-only server) for up to d before Lost closes with
// ErrSuspended. The default, 0, ends the hold as soon as the connection is
// suspended: the client notices a silent connection only after two thirds
// of the negotiated session timeout T, and the server may expire the
// session about T/3 later (see the package doc). d is therefore clamped,
// when a suspension starts, to a sixth of the negotiated timeout. It must
// not be negative.
func WithSuspendGrace(d time.Duration) Option {
	return option(contend.SuspendGrace(d))
}

// WithIgnoreSuspension keeps a hold through suspensions of any length:
// Lost closes only when the session ends or the lock node is deleted
// (Curator's SessionConnectionStateErrorPolicy). While the connection is
// suspended the session may expire and another process may be granted the
// lock before this one learns it; use it only with fenced writes (Hold.Multi,
// Hold.Token).
func WithIgnoreSuspension() Option {
	return option(contend.IgnoreSuspension())
}

// WithACL sets the ACL of the lock nodes, and of the lock directory and its
// ancestors when Lock creates them (default zk.OpenACL). It must not be
// empty.
func WithACL(acl []zk.ACL) Option {
	return option(contend.ACL(acl))
}

// WithData stores data in each lock node, for people and tools that look at
// who holds or waits (Curator stores the client's IP address). Default: none.
func WithData(data []byte) Option {
	return option(contend.Data(data))
}

// WithCleanupTimeout bounds the cleanup after a cancelled or failed Lock
// (RLock, Acquire) or a busy TryLock (TryRLock, TryAcquire), which removes the contender's node detached from the
// caller's ctx (default: the negotiated session timeout, at least a
// second). It must be positive.
func WithCleanupTimeout(d time.Duration) Option {
	return option(contend.CleanupTimeout(d))
}
