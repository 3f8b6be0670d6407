package bench

import (
	"context"
	"net"
	"sync/atomic"
	"time"
)

// ioCounts counts the Read and Write calls a client makes on its TCP
// connections: how well it batches requests into writes and replies into
// reads, which is most of what a ZooKeeper client's CPU goes to. Both
// clients get the same wrapper (an interface call and an atomic add per
// call, nanoseconds against the microseconds of the system call).
type ioCounts struct {
	reads, writes atomic.Uint64
}

// countingConn is a net.Conn that counts its Read and Write calls.
type countingConn struct {
	net.Conn
	n *ioCounts
}

func (c countingConn) Read(p []byte) (int, error) {
	c.n.reads.Add(1)
	return c.Conn.Read(p)
}

func (c countingConn) Write(p []byte) (int, error) {
	c.n.writes.Add(1)
	return c.Conn.Write(p)
}

// dialCounting dials TCP and wraps the connection to count into n (nil:
// no wrapper).
func dialCounting(ctx context.Context, network, addr string, n *ioCounts) (net.Conn, error) {
	var d net.Dialer
	nc, err := d.DialContext(ctx, network, addr)
	if err != nil || n == nil {
		return nc, err
	}
	return countingConn{Conn: nc, n: n}, nil
}

// dialTimeoutCounting is dialCounting in go-zookeeper's Dialer shape.
func dialTimeoutCounting(n *ioCounts) func(network, addr string, timeout time.Duration) (net.Conn, error) {
	return func(network, addr string, timeout time.Duration) (net.Conn, error) {
		ctx, cancel := context.WithTimeout(context.Background(), timeout)
		defer cancel()
		return dialCounting(ctx, network, addr, n)
	}
}
