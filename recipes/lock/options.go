package lock

import (
	"errors"
	"fmt"
	"time"

	"github.com/coordkit/coordkit/zk"
)

// Option configures a Mutex, an RWMutex or a Semaphore. Options are
// validated by the constructor (New, NewRWMutex, NewSemaphore): a bad value
// is an error from it, never a panic.
type Option func(*config) error

// config is what the options set.
type config struct {
	grace            time.Duration
	ignoreSuspension bool
	acl              []zk.ACL
	data             []byte
	cleanup          time.Duration
}

// errBadOption is wrapped by every option error.
var errBadOption = errors.New("lock: invalid option")

// WithSuspendGrace lets a hold survive a suspended connection (disconnected,
// or connected to a read-only server) for up to d before Lost closes with
// ErrSuspended. The default, 0, ends the hold as soon as the connection is
// suspended: the client notices a silent connection only after two thirds
// of the negotiated session timeout T, and the server may expire the
// session about T/3 later (see the package doc). d is therefore clamped,
// when a suspension starts, to a sixth of the negotiated timeout. It must
// not be negative.
func WithSuspendGrace(d time.Duration) Option {
	return func(c *config) error {
		if d < 0 {
			return fmt.Errorf("%w: negative suspend grace %v", errBadOption, d)
		}
		c.grace = d
		return nil
	}
}

// WithIgnoreSuspension keeps a hold through suspensions of any length:
// Lost closes only when the session ends or the lock node is deleted
// (Curator's SessionConnectionStateErrorPolicy). While the connection is
// suspended the session may expire and another process may be granted the
// lock before this one learns it; use it only with fenced writes (Hold.Multi,
// Hold.Token).
func WithIgnoreSuspension() Option {
	return func(c *config) error {
		c.ignoreSuspension = true
		return nil
	}
}

// WithACL sets the ACL of the lock nodes, and of the lock directory and its
// ancestors when Lock creates them (default zk.OpenACL). It must not be
// empty.
func WithACL(acl []zk.ACL) Option {
	return func(c *config) error {
		if len(acl) == 0 {
			return fmt.Errorf("%w: empty ACL", errBadOption)
		}
		c.acl = append([]zk.ACL(nil), acl...)
		return nil
	}
}

// WithData stores data in each lock node, for people and tools that look at
// who holds or waits (Curator stores the client's IP address). Default: none.
func WithData(data []byte) Option {
	return func(c *config) error {
		c.data = append([]byte(nil), data...)
		return nil
	}
}

// WithCleanupTimeout bounds the cleanup after a cancelled or failed Lock
// (RLock, Acquire) or a busy TryLock (TryRLock, TryAcquire), which removes the contender's node detached from the
// caller's ctx (default: the negotiated session timeout, at least a
// second). It must be positive.
func WithCleanupTimeout(d time.Duration) Option {
	return func(c *config) error {
		if d <= 0 {
			return fmt.Errorf("%w: cleanup timeout %v is not positive", errBadOption, d)
		}
		c.cleanup = d
		return nil
	}
}
