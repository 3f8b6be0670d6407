package bench

import (
	"context"
	"fmt"
	"time"

	gozk "github.com/go-zookeeper/zk"
)

// gozkClient adapts github.com/go-zookeeper/zk. Its Conn pipelines the
// requests of many goroutines over one session; it has no context and no
// asynchronous API.
type gozkClient struct {
	conn    *gozk.Conn
	io      *ioCounts     // nil if not counted
	drained chan struct{} // closed to stop reading the event channel
}

// gozkOpenACL is built once: go-zookeeper's WorldACL allocates a slice per
// call, and coordkit's default ACL costs nothing per call either.
var gozkOpenACL = gozk.WorldACL(gozk.PermAll)

// quietLogger discards go-zookeeper's log lines, so that neither client
// logs anything while it is measured.
type quietLogger struct{}

func (quietLogger) Printf(string, ...any) {}

// dialGozk opens a session and waits until it is established. If io is
// not nil, it counts the session's reads and writes.
func dialGozk(ctx context.Context, addr string, sessionTimeout time.Duration, io *ioCounts) (*gozkClient, error) {
	conn, events, err := gozk.Connect([]string{addr}, sessionTimeout,
		gozk.WithLogger(quietLogger{}), gozk.WithLogInfo(false),
		gozk.WithDialer(dialTimeoutCounting(io)))
	if err != nil {
		return nil, fmt.Errorf("gozk: connect %s: %w", addr, err)
	}
	for {
		select {
		case ev, ok := <-events:
			if !ok {
				conn.Close()
				return nil, fmt.Errorf("gozk: connect %s: event channel closed", addr)
			}
			if ev.State == gozk.StateHasSession {
				// go-zookeeper drops events when nobody reads them, and
				// never closes the channel; read it until close.
				c := &gozkClient{conn: conn, io: io, drained: make(chan struct{})}
				go func() {
					for {
						select {
						case <-events:
						case <-c.drained:
							return
						}
					}
				}()
				return c, nil
			}
		case <-ctx.Done():
			conn.Close()
			return nil, fmt.Errorf("gozk: connect %s: %w", addr, ctx.Err())
		}
	}
}

func (c *gozkClient) get(_ context.Context, path string) ([]byte, error) {
	data, _, err := c.conn.Get(path)
	return data, err
}

func (c *gozkClient) set(_ context.Context, path string, data []byte) error {
	_, err := c.conn.Set(path, data, -1)
	return err
}

func (c *gozkClient) create(_ context.Context, path string, data []byte) (string, error) {
	return c.conn.Create(path, data, 0, gozkOpenACL)
}

func (c *gozkClient) del(_ context.Context, path string) error {
	return c.conn.Delete(path, -1)
}

func (c *gozkClient) children(_ context.Context, path string) ([]string, error) {
	names, _, err := c.conn.Children(path)
	return names, err
}

func (c *gozkClient) ioCounts() *ioCounts { return c.io }

func (c *gozkClient) close() error {
	c.conn.Close()
	close(c.drained)
	return nil
}
