package election

import (
	"errors"
	"time"

	"github.com/coordkit/coordkit/recipes/internal/contend"
	"github.com/coordkit/coordkit/zk"
)

// Option configures an Election. Options are validated by New: a bad value
// is an error from New, never a panic.
type Option func(*config) error

// config is what the options set. Every election option is a setting that
// the recipes share.
type config struct {
	contend.Config
}

// errBadOption is wrapped by every option error.
var errBadOption = errors.New("election: invalid option")

// option returns the Option that applies set.
func option(set contend.Setting) Option {
	return func(c *config) error { return set(&c.Config, errBadOption) }
}

// WithSuspendGrace lets a leadership survive a suspended connection
// (disconnected, or connected to a read-only server) for up to d before
// Lost closes with ErrSuspended. The default, 0, steps down as soon as the
// connection is suspended: the client notices a silent connection only
// after two thirds of the negotiated session timeout T, and the server may
// expire the session and elect another leader about T/3 later (see the
// package doc). d is therefore clamped, when a suspension starts, to a
// sixth of the negotiated timeout. It must not be negative.
func WithSuspendGrace(d time.Duration) Option {
	return option(contend.SuspendGrace(d))
}

// WithIgnoreSuspension keeps a leadership through suspensions of any
// length: Lost closes only when the session ends or the leader's node is
// deleted (Curator's SessionConnectionStateErrorPolicy). While the
// connection is suspended the session may expire and another candidate
// may be elected before this one learns it; use it only with fenced writes
// (Leadership.Term, Leadership.Fence).
func WithIgnoreSuspension() Option {
	return option(contend.IgnoreSuspension())
}

// WithACL sets the ACL of the candidate nodes, and of the election's
// directory and its ancestors when Campaign creates them (default
// zk.OpenACL). It must not be empty.
func WithACL(acl []zk.ACL) Option {
	return option(contend.ACL(acl))
}

// WithCleanupTimeout bounds the cleanup after a cancelled or failed
// Campaign, which removes the candidate's node detached from the caller's
// ctx (default: the negotiated session timeout, at least a second). It
// must be positive.
func WithCleanupTimeout(d time.Duration) Option {
	return option(contend.CleanupTimeout(d))
}
