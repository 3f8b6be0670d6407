package zk_test

import (
	"context"
	"net"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/coordkit/coordkit/zk"
	"github.com/coordkit/coordkit/zk/zktest"
)

// countingConn counts read and write system calls.
type countingConn struct {
	net.Conn
	reads, writes *atomic.Int64
}

func (c countingConn) Read(p []byte) (int, error) {
	c.reads.Add(1)
	return c.Conn.Read(p)
}

func (c countingConn) Write(p []byte) (int, error) {
	c.writes.Add(1)
	return c.Conn.Write(p)
}

// benchBackends runs f as one sub-benchmark per backend, with a Conn to the
// shared server of that backend and the path of a node of 100 bytes.
func benchBackends(b *testing.B, f func(b *testing.B, c *zk.Conn, p string)) {
	for _, be := range zktest.Backends() {
		b.Run(be.Name, func(b *testing.B) {
			c, p := benchConn(b, servers.Get(b, be).Addr())
			f(b, c, p)
		})
	}
}

func benchConn(b *testing.B, addr string) (*zk.Conn, string) {
	ctx := context.Background()
	var reads, writes atomic.Int64
	dialer := func(ctx context.Context, network, addr string) (net.Conn, error) {
		var d net.Dialer
		nc, err := d.DialContext(ctx, network, addr)
		if err != nil {
			return nil, err
		}
		return countingConn{nc, &reads, &writes}, nil
	}
	c, err := zk.Dial(ctx, []string{addr}, zk.WithDialer(dialer))
	require.NoError(b, err)
	b.Cleanup(func() { _ = c.Close() })
	p := "/bench"
	_, err = c.Create(ctx, p, make([]byte, 100), zk.ModePersistent)
	if err != nil {
		require.ErrorIs(b, err, zk.ErrNodeExists)
	}
	r0, w0 := reads.Load(), writes.Load()
	b.Cleanup(func() {
		n := float64(b.N)
		b.ReportMetric(float64(reads.Load()-r0)/n, "reads/op")
		b.ReportMetric(float64(writes.Load()-w0)/n, "writes/op")
	})
	return c, p
}

// BenchmarkGet is one synchronous Get at a time.
func BenchmarkGet(b *testing.B) { benchBackends(b, benchGet) }

func benchGet(b *testing.B, c *zk.Conn, p string) {
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		if _, _, err := c.Get(ctx, p); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkGet64 keeps 64 synchronous Gets in flight from 64 goroutines.
func BenchmarkGet64(b *testing.B) { benchBackends(b, benchGet64) }

func benchGet64(b *testing.B, c *zk.Conn, p string) {
	ctx := context.Background()
	b.ReportAllocs()
	var wg sync.WaitGroup
	work := make(chan struct{}, 1024)
	for range 64 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range work {
				if _, _, err := c.Get(ctx, p); err != nil {
					b.Error(err)
					return
				}
			}
		}()
	}
	for b.Loop() {
		work <- struct{}{}
	}
	close(work)
	wg.Wait()
}
