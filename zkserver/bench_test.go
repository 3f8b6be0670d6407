package zkserver_test

import (
	"context"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/coordkit/coordkit/zk"
	"github.com/coordkit/coordkit/zkserver"
)

// inFlight runs op from 64 goroutines sharing one session, b.N times in
// all: 64 requests in flight.
func inFlight(b *testing.B, op func(ctx context.Context, i int) error) {
	ctx := context.Background()
	var wg sync.WaitGroup
	work := make(chan int, 1024)
	for range 64 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range work {
				if err := op(ctx, i); err != nil {
					b.Error(err)
					return
				}
			}
		}()
	}
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		work <- i
		i++
	}
	close(work)
	wg.Wait()
}

// BenchmarkGet64 keeps 64 getData of a 100-byte node in flight.
func BenchmarkGet64(b *testing.B) {
	s := start(b)
	c := dial(b, s)
	_, err := c.Create(context.Background(), "/bench", make([]byte, 100), zk.ModePersistent)
	require.NoError(b, err)
	inFlight(b, func(ctx context.Context, _ int) error {
		_, _, err := c.Get(ctx, "/bench")
		return err
	})
}

// BenchmarkSet64Durable keeps 64 setData in flight on a server with a data
// dir: every reply waits for its fsync, shared by the writes around it.
func BenchmarkSet64Durable(b *testing.B) {
	s := start(b, zkserver.WithDataDir(b.TempDir()))
	c := dial(b, s)
	_, err := c.Create(context.Background(), "/bench", nil, zk.ModePersistent)
	require.NoError(b, err)
	data := make([]byte, 100)
	inFlight(b, func(ctx context.Context, _ int) error {
		_, err := c.Set(ctx, "/bench", data, -1)
		return err
	})
}

// BenchmarkCreateDelete64Durable keeps 64 create-then-delete pairs in
// flight on a server with a data dir.
func BenchmarkCreateDelete64Durable(b *testing.B) {
	s := start(b, zkserver.WithDataDir(b.TempDir()))
	c := dial(b, s)
	_, err := c.Create(context.Background(), "/bench", nil, zk.ModePersistent)
	require.NoError(b, err)
	inFlight(b, func(ctx context.Context, i int) error {
		p, err := c.Create(ctx, "/bench/n-", nil, zk.ModePersistentSequential)
		if err != nil {
			return err
		}
		return c.Delete(ctx, p, -1)
	})
}
