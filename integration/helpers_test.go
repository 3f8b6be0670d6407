package integration

import (
	"context"
	"errors"
	"fmt"
	"net"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/coordkit/coordkit/zk"
	"github.com/coordkit/coordkit/zk/zktest"
)

// pinDialer is a zk dialer that, while pinned, refuses every address but
// one, so that a test decides which server a session starts on. Unpin lets
// the session go anywhere afterwards.
type pinDialer struct {
	mu     sync.Mutex // guards pinned
	pinned string
}

func pinTo(addr string) *pinDialer { return &pinDialer{pinned: addr} }

func (p *pinDialer) unpin() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.pinned = ""
}

func (p *pinDialer) dial(ctx context.Context, network, addr string) (net.Conn, error) {
	p.mu.Lock()
	pinned := p.pinned
	p.mu.Unlock()
	if pinned != "" && addr != pinned {
		return nil, fmt.Errorf("test dialer: pinned to %s, refusing %s", pinned, addr)
	}
	var d net.Dialer
	return d.DialContext(ctx, network, addr)
}

// dialPinned opens a session on servers that starts on pinned, then may
// move to any of servers.
func dialPinned(t *testing.T, servers []string, pinned string, opts ...zk.Option) *zk.Conn {
	t.Helper()
	pd := pinTo(pinned)
	c := dial(t, servers, append(opts, zk.WithDialer(pd.dial))...)
	pd.unpin()
	require.Equal(t, pinned, c.Server(), "session started on the pinned server")
	return c
}

// retryable reports whether err says the request did not happen or may be
// repeated by an idempotent caller: not sent, or lost with the connection.
func retryable(err error) bool {
	return zk.IsRetryable(err) || errors.Is(err, zk.ErrConnectionLoss)
}

// retry runs an idempotent op until it succeeds, fails for another reason
// than a lost connection, or ctx ends (bounded polling).
func retry(ctx context.Context, op func(ctx context.Context) error) error {
	var err error
	if werr := zktest.WaitUntil(ctx, func() bool {
		err = op(ctx)
		return !retryable(err)
	}); werr != nil {
		return fmt.Errorf("gave up: %w (last error: %v)", werr, err)
	}
	return err
}

// set sets path to data through connection losses (a set with AnyVersion
// may be repeated).
func set(ctx context.Context, c *zk.Conn, path string, data []byte) error {
	return retry(ctx, func(ctx context.Context) error {
		_, err := c.Set(ctx, path, data, zk.AnyVersion)
		return err
	})
}

// create creates a persistent node through connection losses: a create
// that was lost and then finds the node existing counts as done.
func create(ctx context.Context, c *zk.Conn, path string, data []byte) error {
	lost := false
	return retry(ctx, func(ctx context.Context) error {
		_, err := c.Create(ctx, path, data, zk.ModePersistent)
		if lost && errors.Is(err, zk.ErrNodeExists) {
			return nil
		}
		lost = lost || errors.Is(err, zk.ErrConnectionLoss)
		return err
	})
}

// others returns the client addresses of every member of e but skip.
func others(e *zktest.Ensemble, skip int) []string {
	var addrs []string
	for i, a := range e.Servers() {
		if i != skip {
			addrs = append(addrs, a)
		}
	}
	return addrs
}

// roleMember returns the index of a member of e that is the leader (if
// leader) or a follower.
func roleMember(t *testing.T, e *zktest.Ensemble, leader bool) int {
	t.Helper()
	l, err := e.Leader(ctxFor(t, opTimeout))
	require.NoError(t, err)
	if leader {
		return l
	}
	return (l + 1) % e.Size()
}

// addWatch sets a persistent watch; t.Cleanup removes it, so that its
// channel's goroutine ends even if the test stopped reading it (the Conn
// keeps it until its channel is drained or the watch removed).
func addWatch(t *testing.T, c *zk.Conn, path string, mode zk.AddWatchMode) *zk.Watch {
	t.Helper()
	w, err := c.AddWatch(ctxFor(t, opTimeout), path, mode)
	require.NoError(t, err, "addWatch %s", path)
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), opTimeout)
		defer cancel()
		_ = w.Remove(ctx)
	})
	return w
}

// cutDialer is a zk dialer that remembers the last connection it made, so
// that a test can cut it from the client's side at a moment of its choice
// (the zktest proxy cannot stall a client's writes, so a test that needs
// its writer blocked talks to the server directly).
type cutDialer struct {
	mu   sync.Mutex // guards last
	last net.Conn
}

func (d *cutDialer) dial(ctx context.Context, network, addr string) (net.Conn, error) {
	var nd net.Dialer
	c, err := nd.DialContext(ctx, network, addr)
	if err == nil {
		d.mu.Lock()
		d.last = c
		d.mu.Unlock()
	}
	return c, err
}

// cut closes the last connection, as if the network had failed: the
// client's blocked reads and writes fail at once.
func (d *cutDialer) cut() {
	d.mu.Lock()
	c := d.last
	d.mu.Unlock()
	if c != nil {
		_ = c.Close()
	}
}
