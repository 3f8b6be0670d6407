package store

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// nodeBatch is a batch that puts one node named after its zxid.
func nodeBatch(zxid int64) Batch {
	return Batch{Zxid: zxid, Nodes: []KV{{Key: fmt.Sprintf("/n/%08d", zxid), Value: []byte(fmt.Sprint(zxid))}}}
}

func TestDurableIsMonotonicAndWaitIsOrdered(t *testing.T) {
	s, _ := openTemp(t)
	const n = 400

	// A sampler watches Durable while batches go in.
	stop := make(chan struct{})
	samples := make(chan []int64, 1)
	go func() {
		var seen []int64
		for {
			select {
			case <-stop:
				samples <- append(seen, s.Durable())
				return
			default:
				seen = append(seen, s.Durable())
				runtime.Gosched()
			}
		}
	}()

	// Every waiter, once released, sees its zxid and every lower one durable.
	var wg sync.WaitGroup
	errs := make(chan error, n)
	for z := int64(1); z <= n; z++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := s.Wait(testCtx(t), z); err != nil {
				errs <- fmt.Errorf("Wait(%d): %w", z, err)
				return
			}
			if d := s.Durable(); d < z {
				errs <- fmt.Errorf("Wait(%d) returned with Durable %d", z, d)
			}
			done, cancel := context.WithCancel(context.Background())
			cancel()
			for lower := z - 1; lower >= max(1, z-5); lower-- {
				if err := s.Wait(done, lower); err != nil {
					errs <- fmt.Errorf("Wait(%d) after Wait(%d): %w", lower, z, err)
				}
			}
		}()
	}
	for z := int64(1); z <= n; z++ {
		s.Append(nodeBatch(z))
		if z%50 == 0 {
			time.Sleep(time.Millisecond) // let some commits happen part-way
		}
	}
	wg.Wait()
	close(stop)
	close(errs)
	for err := range errs {
		assert.NoError(t, err)
	}
	seen := <-samples
	for i := 1; i < len(seen); i++ {
		require.LessOrEqual(t, seen[i-1], seen[i], "Durable went backwards at sample %d", i)
	}
	assert.Equal(t, int64(n), seen[len(seen)-1])
}

func TestWaitForZxidNeverAppended(t *testing.T) {
	s, _ := openTemp(t)
	s.Append(nodeBatch(1))
	require.NoError(t, s.Wait(testCtx(t), 1))

	t.Run("ctx ends", func(t *testing.T) {
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
		defer cancel()
		assert.ErrorIs(t, s.Wait(ctx, 2), context.DeadlineExceeded)
		canceled, cancel := context.WithCancel(context.Background())
		cancel()
		assert.ErrorIs(t, s.Wait(canceled, 2), context.Canceled)
	})
	t.Run("store closes", func(t *testing.T) {
		const waiters = 8
		errs := make(chan error, waiters)
		for range waiters {
			go func() { errs <- s.Wait(testCtx(t), 2) }()
		}
		var closers sync.WaitGroup
		for range 3 { // Close is idempotent and safe to call concurrently
			closers.Add(1)
			go func() {
				defer closers.Done()
				assert.NoError(t, s.Close())
			}()
		}
		closers.Wait()
		for range waiters {
			assert.ErrorIs(t, <-errs, ErrClosed)
		}
		assert.NoError(t, s.Wait(testCtx(t), 1), "what was durable stays durable")
		assert.NoError(t, s.Err(), "closing is not a failure")
		s.Append(nodeBatch(2))
		assert.Equal(t, int64(1), s.Durable(), "Append after Close is dropped")
	})
}

func TestCloseCommitsQueue(t *testing.T) {
	release := make(chan struct{})
	var first atomic.Bool
	s, path := openTemp(t, withBeforeCommit(func() error {
		if first.CompareAndSwap(false, true) {
			<-release // hold the first commit so the rest queue up behind it
		}
		return nil
	}))
	want := newModel()
	for z := int64(1); z <= 100; z++ {
		s.Append(nodeBatch(z))
		want.apply(nodeBatch(z))
	}
	closed := make(chan error, 1)
	go func() { closed <- s.Close() }()
	close(release)
	require.NoError(t, <-closed)
	assert.Equal(t, int64(100), s.Durable())
	assert.LessOrEqual(t, s.commits.Load(), int64(2), "the queue behind the held commit went in one transaction")

	r := openAt(t, path)
	got, err := r.Load()
	require.NoError(t, err)
	assert.Equal(t, want.state(), got)
}

func TestGroupCommit(t *testing.T) {
	cases := []struct {
		writers, each int
		check         func(t *testing.T, commits, batches int64)
	}{
		{1, 50, func(t *testing.T, commits, batches int64) {
			assert.Equal(t, batches, commits, "a lone writer that waits gets one commit per batch")
		}},
		{64, 20, func(t *testing.T, commits, batches int64) {
			assert.Less(t, commits, batches/4, "concurrent writers share commits")
		}},
	}
	for _, tc := range cases {
		t.Run(fmt.Sprintf("%d writers", tc.writers), func(t *testing.T) {
			s, path := openTemp(t)
			var mu sync.Mutex // makes zxid order and append order the same
			var next int64
			want := newModel()
			var wg sync.WaitGroup
			for range tc.writers {
				wg.Add(1)
				go func() {
					defer wg.Done()
					for range tc.each {
						mu.Lock()
						next++
						z := next
						b := nodeBatch(z)
						b.Sessions = []KV{{Key: fmt.Sprintf("%016x", z%10), Value: []byte(fmt.Sprint(z))}}
						s.Append(b)
						want.apply(b)
						mu.Unlock()
						if err := s.Wait(testCtx(t), z); err != nil {
							t.Errorf("Wait(%d): %v", z, err)
							return
						}
					}
				}()
			}
			wg.Wait()
			batches := int64(tc.writers * tc.each)
			commits := s.commits.Load()
			t.Logf("%d batches in %d commits", batches, commits)
			tc.check(t, commits, batches)

			require.NoError(t, s.Close())
			got, err := openAt(t, path).Load()
			require.NoError(t, err)
			assert.Equal(t, want.state(), got)
		})
	}
}

func TestCommitFailure(t *testing.T) {
	errInjected := errors.New("injected disk failure")
	var fail atomic.Bool
	entered := make(chan struct{}, 1)
	release := make(chan struct{})
	s, path := openTemp(t, withBeforeCommit(func() error {
		if !fail.Load() {
			return nil
		}
		entered <- struct{}{}
		<-release
		return errInjected
	}))
	s.Append(nodeBatch(1))
	require.NoError(t, s.Wait(testCtx(t), 1))

	fail.Store(true)
	s.Append(nodeBatch(2))
	<-entered // the failing commit is in flight
	s.Append(nodeBatch(3))
	const waiters = 4
	errs := make(chan error, waiters)
	for range waiters {
		go func() { errs <- s.Wait(testCtx(t), 3) }()
	}
	close(release)
	for range waiters {
		err := <-errs
		assert.ErrorIs(t, err, errInjected, "waiters wake with the failure")
		assert.Contains(t, err.Error(), path)
	}
	assert.ErrorIs(t, s.Err(), errInjected)
	assert.Equal(t, int64(1), s.Durable())
	assert.NoError(t, s.Wait(testCtx(t), 1), "what was durable stays durable")

	s.Append(nodeBatch(4))
	assert.ErrorIs(t, s.Wait(testCtx(t), 4), errInjected, "nothing becomes durable after a failure")
	assert.Equal(t, int64(1), s.Durable())
	assert.ErrorIs(t, s.Close(), errInjected, "Close reports the failure")
	assert.ErrorIs(t, s.Close(), errInjected, "every time")

	got, err := openAt(t, path).Load()
	require.NoError(t, err)
	want := newModel()
	want.apply(nodeBatch(1))
	assert.Equal(t, want.state(), got, "the failed commit left nothing behind")
}
