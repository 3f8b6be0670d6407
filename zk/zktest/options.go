package zktest

import (
	"crypto/sha1"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"
	"time"
)

// Option configures a server or an ensemble started by this package. Options
// are checked when the server starts: a bad value is an error from Start
// (a test failure from StartZooKeeper), never a panic.
type Option func(*config) error

// Defaults used when no option says otherwise.
const (
	// DefaultTickTime is the server's tickTime. The smallest session timeout
	// a server accepts is two ticks (400 ms).
	DefaultTickTime = 200 * time.Millisecond
	// DefaultMaxSessionTimeout is the largest session timeout the server
	// grants (ZooKeeper's own default would be 20 ticks, 4 s here).
	DefaultMaxSessionTimeout = 60 * time.Second
	// DefaultContainerCheckInterval is how often the server deletes empty
	// container nodes and expired TTL nodes.
	DefaultContainerCheckInterval = time.Second
	// DefaultStartTimeout bounds how long starting a server may take.
	DefaultStartTimeout = 60 * time.Second
)

type config struct {
	tick          time.Duration
	minSession    time.Duration // 0: 2 ticks
	maxSession    time.Duration
	containerScan time.Duration
	startTimeout  time.Duration
	superDigest   string
	jvmFlags      []string
	props         []kv // -Dkey=value, in order
	cfg           []kv // extra zoo.cfg lines, in order
}

type kv struct{ key, value string }

func newConfig(opts []Option) (*config, error) {
	c := &config{
		tick:          DefaultTickTime,
		maxSession:    DefaultMaxSessionTimeout,
		containerScan: DefaultContainerCheckInterval,
		startTimeout:  DefaultStartTimeout,
	}
	for _, o := range opts {
		if o == nil {
			continue
		}
		if err := o(c); err != nil {
			return nil, fmt.Errorf("zktest: %w", err)
		}
	}
	minSession := c.minSession
	if minSession == 0 {
		minSession = 2 * c.tick
	}
	if c.maxSession < minSession {
		return nil, fmt.Errorf("zktest: max session timeout %v below min %v", c.maxSession, minSession)
	}
	return c, nil
}

// WithTickTime sets the server's tickTime (default 200 ms, at least 1 ms).
// Session timeouts are negotiated in [2, 300] ticks unless
// WithSessionTimeouts says otherwise, and expiry is tick-granular.
func WithTickTime(d time.Duration) Option {
	return func(c *config) error {
		if d < time.Millisecond {
			return fmt.Errorf("tick time %v: must be at least 1ms", d)
		}
		c.tick = d
		return nil
	}
}

// WithSessionTimeouts sets the bounds into which the server clamps the
// session timeout a client asks for (defaults: two ticks and 60 s). A zero
// min means two ticks.
func WithSessionTimeouts(min, max time.Duration) Option {
	return func(c *config) error {
		if min < 0 || max <= 0 {
			return fmt.Errorf("session timeouts [%v, %v]: must be positive", min, max)
		}
		c.minSession, c.maxSession = min, max
		return nil
	}
}

// WithContainerCheckInterval sets how often the server looks for empty
// container nodes and expired TTL nodes to delete (default 1 s).
func WithContainerCheckInterval(d time.Duration) Option {
	return func(c *config) error {
		if d < time.Millisecond {
			return fmt.Errorf("container check interval %v: must be at least 1ms", d)
		}
		c.containerScan = d
		return nil
	}
}

// WithSuperDigest makes user/password the digest super user, who passes
// every ACL check once authenticated with the "digest" scheme and
// "user:password".
func WithSuperDigest(user, password string) Option {
	return func(c *config) error {
		if user == "" || strings.ContainsAny(user, ":\n") || strings.Contains(password, "\n") {
			return errors.New("super digest: user must be non-empty without ':' or newlines")
		}
		c.superDigest = DigestID(user, password)
		return nil
	}
}

// DigestID returns the ACL id of the "digest" scheme for user and password,
// "user:base64(sha1(user:password))", as ZooKeeper's
// DigestAuthenticationProvider computes it.
func DigestID(user, password string) string {
	sum := sha1.Sum([]byte(user + ":" + password))
	return user + ":" + base64.StdEncoding.EncodeToString(sum[:])
}

// WithJVMFlags appends flags to the java command line, after the defaults
// (so "-Xmx512m" overrides the default heap).
func WithJVMFlags(flags ...string) Option {
	return func(c *config) error {
		c.jvmFlags = append(c.jvmFlags, flags...)
		return nil
	}
}

// WithSystemProperty passes -Dkey=value to the server's JVM, after the
// defaults (so it overrides them).
func WithSystemProperty(key, value string) Option {
	return func(c *config) error {
		if key == "" || strings.ContainsAny(key, "= \n") {
			return fmt.Errorf("system property %q: bad key", key)
		}
		c.props = append(c.props, kv{key, value})
		return nil
	}
}

// WithConfig sets a zoo.cfg entry, replacing the default of the same key
// (for example WithConfig("forceSync", "yes") to fsync the transaction log,
// which the helpers turn off by default). Keys the helpers manage themselves
// (dataDir, clientPort, clientPortAddress, server.N) cannot be set.
func WithConfig(key, value string) Option {
	return func(c *config) error {
		switch {
		case key == "" || strings.ContainsAny(key, "= \n") || strings.Contains(value, "\n"):
			return fmt.Errorf("config %q: bad key or value", key)
		case key == "dataDir" || key == "clientPort" || key == "clientPortAddress" ||
			key == "dataLogDir" || strings.HasPrefix(key, "server."):
			return fmt.Errorf("config %q: managed by zktest", key)
		}
		c.cfg = append(c.cfg, kv{key, value})
		return nil
	}
}

// WithStartTimeout bounds how long a start or restart waits for the server
// to serve (default 60 s). The context passed to Start may bound it further.
func WithStartTimeout(d time.Duration) Option {
	return func(c *config) error {
		if d <= 0 {
			return fmt.Errorf("start timeout %v: must be positive", d)
		}
		c.startTimeout = d
		return nil
	}
}
