package bench

import (
	"context"
	"fmt"
	"net"
	"time"

	"github.com/coordkit/coordkit/zk"
)

// coordkitClient adapts coordkit's zk.Conn: the synchronous API for the
// client interface, the Async forms and their futures for asyncClient.
type coordkitClient struct {
	conn *zk.Conn
	io   *ioCounts // nil if not counted
}

// dialCoordkit opens a session. If io is not nil, it counts the session's
// reads and writes.
func dialCoordkit(ctx context.Context, addr string, sessionTimeout time.Duration, io *ioCounts) (*coordkitClient, error) {
	conn, err := zk.Dial(ctx, []string{addr},
		zk.WithSessionTimeout(sessionTimeout),
		zk.WithDialer(func(ctx context.Context, network, addr string) (net.Conn, error) {
			return dialCounting(ctx, network, addr, io)
		}))
	if err != nil {
		return nil, fmt.Errorf("coordkit: dial %s: %w", addr, err)
	}
	return &coordkitClient{conn: conn, io: io}, nil
}

func (c *coordkitClient) get(ctx context.Context, path string) ([]byte, error) {
	data, _, err := c.conn.Get(ctx, path)
	return data, err
}

func (c *coordkitClient) set(ctx context.Context, path string, data []byte) error {
	_, err := c.conn.Set(ctx, path, data, zk.AnyVersion)
	return err
}

func (c *coordkitClient) create(ctx context.Context, path string, data []byte) (string, error) {
	return c.conn.Create(ctx, path, data, zk.ModePersistent)
}

func (c *coordkitClient) del(ctx context.Context, path string) error {
	return c.conn.Delete(ctx, path, zk.AnyVersion)
}

func (c *coordkitClient) children(ctx context.Context, path string) ([]string, error) {
	names, _, err := c.conn.Children(ctx, path)
	return names, err
}

func (c *coordkitClient) ioCounts() *ioCounts { return c.io }

func (c *coordkitClient) close() error { return c.conn.Close() }

func (c *coordkitClient) getAsync(ctx context.Context, path string) waiter {
	return ckGet{c.conn.GetAsync(ctx, path)}
}

func (c *coordkitClient) setAsync(ctx context.Context, path string, data []byte) waiter {
	return ckSet{c.conn.SetAsync(ctx, path, data, zk.AnyVersion)}
}

// ckGet and ckSet hold one future each, so that they fit in an interface
// without an allocation.
type (
	ckGet struct{ f *zk.Future[zk.GetResult] }
	ckSet struct{ f *zk.Future[zk.Stat] }
)

func (w ckGet) wait(ctx context.Context) ([]byte, error) {
	r, err := w.f.Wait(ctx)
	return r.Data, err
}

func (w ckSet) wait(ctx context.Context) ([]byte, error) {
	_, err := w.f.Wait(ctx)
	return nil, err
}
