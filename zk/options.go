package zk

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"time"

	"github.com/coordkit/coordkit/internal/wire"
)

// Option configures a Conn. Options are validated by Dial: a bad value is an
// error from Dial, never a panic.
type Option func(*config) error

// Defaults.
const (
	DefaultSessionTimeout    = 10 * time.Second
	DefaultMaxRequestSize    = wire.DefaultMaxPacket
	DefaultMaxReplySize      = 4 << 20
	DefaultMaxInFlight       = 1024
	DefaultBackoffInitial    = 50 * time.Millisecond
	DefaultBackoffMax        = 2 * time.Second
	minConnectTimeout        = time.Second
	defaultCloseTimeout      = time.Second
	maxSessionTimeoutRequest = time.Duration(1<<31-1) * time.Millisecond
)

type credential struct {
	scheme string
	auth   []byte
}

type config struct {
	sessionTimeout time.Duration
	chroot         string
	logger         *slog.Logger
	auth           []credential
	readOnly       bool
	maxRequest     int
	maxReply       int
	maxInFlight    int
	dialer         func(ctx context.Context, network, addr string) (net.Conn, error)
	backoffInitial time.Duration
	backoffMax     time.Duration
	connectTimeout time.Duration // 0: sessionTimeout/len(servers), at least 1s
	closeTimeout   time.Duration
	roProbeInitial time.Duration // first pause of the search for a read-write server
	roProbeMax     time.Duration // its bound
}

func newConfig(opts []Option) (*config, error) {
	c := &config{
		sessionTimeout: DefaultSessionTimeout,
		maxRequest:     DefaultMaxRequestSize,
		maxReply:       DefaultMaxReplySize,
		maxInFlight:    DefaultMaxInFlight,
		backoffInitial: DefaultBackoffInitial,
		backoffMax:     DefaultBackoffMax,
		closeTimeout:   defaultCloseTimeout,
		roProbeInitial: defaultROProbeInitial,
		roProbeMax:     defaultROProbeMax,
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
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	if c.logger == nil {
		c.logger = slog.New(slog.DiscardHandler)
	}
	if c.dialer == nil {
		var d net.Dialer
		c.dialer = d.DialContext
	}
	return c, nil
}

// WithSessionTimeout requests a session timeout (default 10s); the server
// negotiates it into its own bounds, and Conn.SessionTimeout reports the
// result. It must be positive and below 2³¹ ms.
func WithSessionTimeout(d time.Duration) Option {
	return func(c *config) error {
		if d <= 0 || d > maxSessionTimeoutRequest {
			return fmt.Errorf("zk: session timeout %v out of range", d)
		}
		c.sessionTimeout = d
		return nil
	}
}

// WithChroot roots every path of the Conn at path (a valid absolute path,
// not "/"): the chroot is prefixed to outgoing paths and stripped from
// returned ones. It overrides a chroot given in the connect string.
func WithChroot(path string) Option {
	return func(c *config) error {
		if path == "/" {
			path = ""
		}
		if path != "" {
			if err := ValidatePath(path, false); err != nil {
				return fmt.Errorf("zk: chroot: %w", err)
			}
		}
		c.chroot = path
		return nil
	}
}

// WithLogger sets the logger (default: discard everything). Connection
// events are logged at Info, per-request detail at Debug.
func WithLogger(l *slog.Logger) Option {
	return func(c *config) error {
		if l == nil {
			return errors.New("zk: nil logger")
		}
		c.logger = l
		return nil
	}
}

// WithDigestAuth adds digest credentials "user:password", sent on every
// (re)connect before any other request.
func WithDigestAuth(user, password string) Option {
	return WithAuth("digest", []byte(user+":"+password))
}

// WithAuth adds a credential of scheme, sent on every (re)connect before any
// other request. A credential the server rejects ends the Conn with
// ErrAuthFailed.
func WithAuth(scheme string, auth []byte) Option {
	return func(c *config) error {
		if scheme == "" {
			return errors.New("zk: empty auth scheme")
		}
		c.auth = append(c.auth, credential{scheme: scheme, auth: append([]byte(nil), auth...)})
		return nil
	}
}

// WithReadOnly lets the Conn use read-only servers (partitioned from the
// quorum); the state is then StateReadOnly and writes fail with
// ErrNotReadOnly. While connected read-only, the Conn looks for a
// read-write server (asking the other servers "isro", with a pause growing
// from 100ms to 60s); when one answers, it drops the read-only connection
// (EventDisconnected) and re-attaches the session there first
// (EventReconnected, StateConnected).
//
// A session established by a read-only server is provisional: that server
// keeps it as a local session the quorum never learns of (ZooKeeper 3.5+
// creates one only with localSessionsEnabled=true, and refuses the
// handshake otherwise). As the Java client does, the Conn replaces it with
// a new session when it first reaches a read-write server (or another
// read-only one); EventReconnected then carries the new SessionID. Such a
// session owns no ephemeral nodes (it could not write); its credentials
// and watches are sent again like on any reconnect. A session established
// by a read-write server keeps its id on read-only servers and back.
func WithReadOnly(ok bool) Option {
	return func(c *config) error { c.readOnly = ok; return nil }
}

// WithMaxRequestSize bounds the payload of a request frame (default
// 1,048,575 bytes, the server's jute.maxbuffer). Larger requests fail before
// sending with ErrRequestTooLarge.
func WithMaxRequestSize(n int) Option {
	return func(c *config) error {
		if n < 64 {
			return fmt.Errorf("zk: max request size %d too small", n)
		}
		c.maxRequest = n
		return nil
	}
}

// WithMaxReplySize bounds the payload of a reply frame (default 4 MiB). A
// larger reply is a protocol error: the connection is closed and the
// request fails with an error wrapping ErrConnectionLoss and ErrProtocol.
func WithMaxReplySize(n int) Option {
	return func(c *config) error {
		if n < 64 {
			return fmt.Errorf("zk: max reply size %d too small", n)
		}
		c.maxReply = n
		return nil
	}
}

// WithMaxInFlight bounds how many requests may be queued or awaiting a
// reply at once (default 1024). A request beyond it waits for room, bounded
// by its ctx.
func WithMaxInFlight(n int) Option {
	return func(c *config) error {
		if n < 1 {
			return fmt.Errorf("zk: max in flight %d: must be positive", n)
		}
		c.maxInFlight = n
		return nil
	}
}

// WithDialer sets how TCP connections are made (default net.Dialer).
func WithDialer(d func(ctx context.Context, network, addr string) (net.Conn, error)) Option {
	return func(c *config) error {
		if d == nil {
			return errors.New("zk: nil dialer")
		}
		c.dialer = d
		return nil
	}
}

// WithReconnectBackoff bounds the exponential backoff between failed
// connection attempts (defaults 50ms and 2s).
func WithReconnectBackoff(initial, max time.Duration) Option {
	return func(c *config) error {
		if initial <= 0 || max < initial {
			return fmt.Errorf("zk: reconnect backoff [%v, %v] invalid", initial, max)
		}
		c.backoffInitial, c.backoffMax = initial, max
		return nil
	}
}

// WithConnectTimeout bounds each TCP connect plus handshake (default: the
// session timeout divided by the number of servers, at least 1s). It also
// bounds how long Close waits for the closeSession reply.
func WithConnectTimeout(d time.Duration) Option {
	return func(c *config) error {
		if d <= 0 {
			return fmt.Errorf("zk: connect timeout %v: must be positive", d)
		}
		c.connectTimeout = d
		c.closeTimeout = d
		return nil
	}
}
