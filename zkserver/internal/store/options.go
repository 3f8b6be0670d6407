package store

import (
	"fmt"
	"time"
)

// DefaultLockTimeout is how long Open waits, by default, for another
// process to release the data file.
const DefaultLockTimeout = 2 * time.Second

// OpenOption configures Open.
type OpenOption func(*openConfig)

type openConfig struct {
	lockTimeout time.Duration
	// beforeCommit, when set, runs inside every commit's transaction before
	// anything is written; an error fails the commit (tests inject failures
	// with it).
	beforeCommit func() error
}

// WithLockTimeout sets how long Open waits for another process to release
// the data file before it fails with ErrLocked (default
// DefaultLockTimeout). It must be positive: Open never waits forever.
func WithLockTimeout(d time.Duration) OpenOption {
	return func(c *openConfig) { c.lockTimeout = d }
}

// withBeforeCommit installs a hook run at the start of every commit.
func withBeforeCommit(f func() error) OpenOption {
	return func(c *openConfig) { c.beforeCommit = f }
}

func newOpenConfig(opts []OpenOption) (openConfig, error) {
	c := openConfig{lockTimeout: DefaultLockTimeout}
	for _, o := range opts {
		o(&c)
	}
	if c.lockTimeout <= 0 {
		return c, fmt.Errorf("store: lock timeout must be positive, got %v", c.lockTimeout)
	}
	return c, nil
}
