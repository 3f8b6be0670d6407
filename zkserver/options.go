package zkserver

import (
	"crypto/sha1"
	"encoding/base64"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/coordkit/coordkit/internal/wire"
	"github.com/coordkit/coordkit/zkserver/internal/store"
)

// Option configures a Server. New validates options: a bad value is an
// error from New, never a panic.
type Option func(*config) error

// Defaults.
const (
	DefaultListenAddr             = "127.0.0.1:0"
	DefaultTickTime               = 2 * time.Second
	DefaultMaxPacket              = wire.DefaultMaxPacket
	DefaultContainerCheckInterval = 60 * time.Second
	// DataFile is the name of the bbolt file WithDataDir keeps state in.
	DataFile = "coordkit.db"
)

type config struct {
	listenAddr     string
	dataDir        string // "" keeps everything in memory
	tick           time.Duration
	minTimeout     time.Duration // 0: 2 ticks
	maxTimeout     time.Duration // 0: 20 ticks
	maxPacket      int
	ttl            bool
	containerCheck time.Duration
	superID        string // digest id with the super identity, "" for none
	log            *slog.Logger
	clock          Clock
	hook           Hook
	store          store.Store // for tests: use this store as is
}

func newConfig(opts []Option) (*config, error) {
	c := &config{
		listenAddr:     DefaultListenAddr,
		tick:           DefaultTickTime,
		maxPacket:      DefaultMaxPacket,
		ttl:            true,
		containerCheck: DefaultContainerCheckInterval,
	}
	var errs []error
	for _, o := range opts {
		if o == nil {
			continue
		}
		if err := o(c); err != nil {
			errs = append(errs, err)
		}
	}
	if c.minTimeout == 0 {
		c.minTimeout = 2 * c.tick
	}
	if c.maxTimeout == 0 {
		c.maxTimeout = 20 * c.tick
	}
	if c.minTimeout > c.maxTimeout {
		errs = append(errs, fmt.Errorf("zkserver: session timeout bounds: min %v above max %v", c.minTimeout, c.maxTimeout))
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	if c.log == nil {
		c.log = slog.New(slog.DiscardHandler)
	}
	if c.clock == nil {
		c.clock = realClock{}
	}
	return c, nil
}

// maxTimeoutMS bounds session timeouts so that they fit the protocol's
// 32-bit millisecond field.
const maxTimeoutMS = 1<<31 - 1

// WithListenAddr sets the address Start listens on (default 127.0.0.1:0, a
// port the system picks; Addr tells which).
func WithListenAddr(addr string) Option {
	return func(c *config) error {
		if addr == "" {
			return errors.New("zkserver: WithListenAddr: empty address")
		}
		c.listenAddr = addr
		return nil
	}
}

// WithDataDir keeps state in the bbolt file DataFile in dir (created if
// missing); every reply waits until what it reflects is on disk.
func WithDataDir(dir string) Option {
	return func(c *config) error {
		if dir == "" {
			return errors.New("zkserver: WithDataDir: empty directory")
		}
		c.dataDir = dir
		return nil
	}
}

// WithMemory keeps state in memory only (the default): it is lost when the
// server closes.
func WithMemory() Option {
	return func(c *config) error {
		c.dataDir = ""
		return nil
	}
}

// WithTickTime sets the tick (default 2s): session expiry is checked every
// tick, and the session timeout bounds default to 2 and 20 ticks.
func WithTickTime(d time.Duration) Option {
	return func(c *config) error {
		if d < time.Millisecond {
			return fmt.Errorf("zkserver: WithTickTime: %v is below 1ms", d)
		}
		c.tick = d
		return nil
	}
}

// WithSessionTimeouts sets the bounds negotiated session timeouts are
// clamped into (default 2 and 20 ticks).
func WithSessionTimeouts(min, max time.Duration) Option {
	return func(c *config) error {
		if min < time.Millisecond || max < min || max > maxTimeoutMS*time.Millisecond {
			return fmt.Errorf("zkserver: WithSessionTimeouts: bad bounds %v, %v", min, max)
		}
		c.minTimeout, c.maxTimeout = min, max
		return nil
	}
}

// WithMaxPacket sets the largest request frame accepted (default 1,048,575
// bytes, jute.maxbuffer); a longer frame closes the connection.
func WithMaxPacket(n int) Option {
	return func(c *config) error {
		if n < wire.RequestHeaderLen || n > 1<<30 {
			return fmt.Errorf("zkserver: WithMaxPacket: %d out of range", n)
		}
		c.maxPacket = n
		return nil
	}
}

// WithTTL enables or disables TTL nodes (default enabled); disabled, a TTL
// create answers Unimplemented, as Apache ZooKeeper without
// extendedTypesEnabled does.
func WithTTL(enabled bool) Option {
	return func(c *config) error {
		c.ttl = enabled
		return nil
	}
}

// WithContainerCheckInterval sets how often containers and TTL nodes are
// reaped (default 60s).
func WithContainerCheckInterval(d time.Duration) Option {
	return func(c *config) error {
		if d <= 0 {
			return fmt.Errorf("zkserver: WithContainerCheckInterval: %v is not positive", d)
		}
		c.containerCheck = d
		return nil
	}
}

// WithSuperDigest gives user:password the super identity, which bypasses
// every ACL (ZooKeeper's DigestAuthenticationProvider.superDigest).
func WithSuperDigest(user, password string) Option {
	return func(c *config) error {
		if user == "" {
			return errors.New("zkserver: WithSuperDigest: empty user")
		}
		c.superID = digestID([]byte(user + ":" + password))
		return nil
	}
}

// WithLogger sets where the server logs (default: nowhere). Every line
// carries the attribute component=zkserver.
func WithLogger(l *slog.Logger) Option {
	return func(c *config) error {
		c.log = l
		return nil
	}
}

// WithClock sets the clock for session expiry, TTLs, container reaping and
// node times (default: the system clock).
func WithClock(clk Clock) Option {
	return func(c *config) error {
		if clk == nil {
			return errors.New("zkserver: WithClock: nil clock")
		}
		c.clock = clk
		return nil
	}
}

// WithHook installs a per-request fault hook (see Hook and SetHook).
func WithHook(h Hook) Option {
	return func(c *config) error {
		c.hook = h
		return nil
	}
}

// withStore makes the server use st instead of opening one (tests).
func withStore(st store.Store) Option {
	return func(c *config) error {
		c.store = st
		return nil
	}
}

// digestID is the digest scheme's ACL id of the credential "user:password":
// user:BASE64(SHA1(credential)).
func digestID(cred []byte) string {
	user := cred
	for i, b := range cred {
		if b == ':' {
			user = cred[:i]
			break
		}
	}
	sum := sha1.Sum(cred)
	return string(user) + ":" + base64.StdEncoding.EncodeToString(sum[:])
}
