package store

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
)

// BenchmarkAppendWait measures a durable write: Append a one-node batch
// and Wait for it, from 1 or 64 concurrent writers. commits/op below 1 is
// group commit at work.
func BenchmarkAppendWait(b *testing.B) {
	for _, writers := range []int{1, 64} {
		b.Run(fmt.Sprintf("writers=%d", writers), func(b *testing.B) {
			s, _ := openTemp(b)
			value := make([]byte, 100)
			var mu sync.Mutex // makes zxid order and append order the same
			var next int64
			var left atomic.Int64
			left.Store(int64(b.N))
			ctx := context.Background()
			b.ResetTimer()
			var wg sync.WaitGroup
			for range writers {
				wg.Add(1)
				go func() {
					defer wg.Done()
					for left.Add(-1) >= 0 {
						mu.Lock()
						next++
						z := next
						s.Append(Batch{Zxid: z, Nodes: []KV{{Key: fmt.Sprintf("/bench/%04d", z%1000), Value: value}}})
						mu.Unlock()
						if err := s.Wait(ctx, z); err != nil {
							b.Error(err)
							return
						}
					}
				}()
			}
			wg.Wait()
			b.StopTimer()
			b.ReportMetric(float64(s.commits.Load())/float64(b.N), "commits/op")
		})
	}
}

// BenchmarkFdatasync measures the disk's flush, what every commit pays at
// least once: a 4 KiB write then fdatasync, as bbolt does on Linux.
func BenchmarkFdatasync(b *testing.B) {
	f, err := os.Create(filepath.Join(b.TempDir(), "sync"))
	if err != nil {
		b.Fatal(err)
	}
	defer f.Close()
	page := make([]byte, 4096)
	for i := 0; b.Loop(); i++ {
		if _, err := f.WriteAt(page, int64(i%64)*4096); err != nil {
			b.Fatal(err)
		}
		if err := syscall.Fdatasync(int(f.Fd())); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkOpenLoad measures a restart: Open and Load a file of 300,000
// nodes (100-byte values) and 1,000 sessions.
func BenchmarkOpenLoad(b *testing.B) {
	const nodes, sessions = 300_000, 1_000
	s, path := openTemp(b)
	value := make([]byte, 100)
	var z int64
	for i := 0; i < nodes; i += 10_000 { // batches of 10,000 like a busy server's
		batch := Batch{Zxid: z + 1}
		for j := i; j < i+10_000; j++ {
			batch.Nodes = append(batch.Nodes, KV{Key: fmt.Sprintf("/app/dir%03d/node%07d", j%500, j), Value: value})
		}
		if i == 0 {
			for j := range sessions {
				batch.Sessions = append(batch.Sessions, KV{Key: fmt.Sprintf("%016x", j), Value: value[:20]})
			}
		}
		z++
		s.Append(batch)
	}
	if err := s.Wait(context.Background(), z); err != nil {
		b.Fatal(err)
	}
	if err := s.Close(); err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		r, err := Open(path)
		if err != nil {
			b.Fatal(err)
		}
		st, err := r.Load()
		if err != nil {
			b.Fatal(err)
		}
		if len(st.Nodes) != nodes || len(st.Sessions) != sessions {
			b.Fatalf("loaded %d nodes and %d sessions", len(st.Nodes), len(st.Sessions))
		}
		if err := r.Close(); err != nil {
			b.Fatal(err)
		}
	}
}
