package lock_test

import (
	"context"
	"fmt"
	"regexp"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/coordkit/coordkit/recipes/lock"
	"github.com/coordkit/coordkit/zk"
	"github.com/coordkit/coordkit/zk/zktest"
)

// readNodeName and writeNodeName are the layouts of an RWMutex's nodes:
// Curator's protected InterProcessReadWriteLock names.
var (
	readNodeName  = regexp.MustCompile(`^_c_[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}-__READ__[0-9]{10}$`)
	writeNodeName = regexp.MustCompile(`^_c_[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}-__WRIT__[0-9]{10}$`)
)

// newRWMutex returns an RWMutex on p through c.
func newRWMutex(t *testing.T, c *zk.Conn, p string, opts ...lock.Option) *lock.RWMutex {
	t.Helper()
	m, err := lock.NewRWMutex(c, p, opts...)
	require.NoError(t, err)
	return m
}

// acquired waits for the result of a Lock run in a goroutine.
func acquired(t *testing.T, ch <-chan lockResult, what string) *lock.Hold {
	t.Helper()
	select {
	case r := <-ch:
		require.NoError(t, r.err, what)
		return r.h
	case <-time.After(eventTimeout):
		require.FailNow(t, "not granted", "%s: not granted within %v", what, eventTimeout)
		return nil
	}
}

// requireWaiting checks that the Lock run in a goroutine has not returned.
func requireWaiting(t *testing.T, ch <-chan lockResult, what string) {
	t.Helper()
	select {
	case r := <-ch:
		require.FailNow(t, "granted too early", "%s: returned %v", what, r.err)
	default:
	}
}

// goLock runs lockFn in a goroutine and returns where its result arrives.
func goLock(ctx context.Context, lockFn func(context.Context) (*lock.Hold, error)) <-chan lockResult {
	ch := make(chan lockResult, 1)
	go func() {
		h, err := lockFn(ctx)
		ch <- lockResult{h, err}
	}()
	return ch
}

func TestNewRWMutexValidates(t *testing.T) {
	_, err := lock.NewRWMutex(nil, "/l")
	assert.Error(t, err)
	_, err = lock.NewRWMutex(&zk.Conn{}, "l")
	assert.Error(t, err)
	_, err = lock.NewRWMutex(&zk.Conn{}, "/l", lock.WithCleanupTimeout(-1))
	assert.Error(t, err)
	m, err := lock.NewRWMutex(&zk.Conn{}, "/l")
	require.NoError(t, err)
	assert.Equal(t, "/l", m.Path())
}

func TestRWMutexReadersShare(t *testing.T) {
	servers.Each(t, func(t *testing.T, srv *zktest.Server) {
		ctx := ctxFor(t, opTimeout)
		c1, c2 := dial(t, srv.Addr()), dial(t, srv.Addr())
		p := uniquePath(t)
		m1, m2 := newRWMutex(t, c1, p), newRWMutex(t, c2, p)

		r1, err := m1.RLock(ctx)
		require.NoError(t, err)
		r2, err := m2.RLock(ctx)
		require.NoError(t, err, "a second reader shares")
		r3, err := m2.TryRLock(ctx)
		require.NoError(t, err, "TryRLock shares too")
		for _, h := range []*lock.Hold{r1, r2, r3} {
			requireHeld(t, h, "reader")
			assert.Regexp(t, readNodeName, base(h.Node()))
		}
		assert.Greater(t, r2.Token(), r1.Token())
		_, st, err := c1.Get(ctx, r1.Node())
		require.NoError(t, err)
		assert.Equal(t, st.Czxid, r1.Token())

		_, err = m1.TryLock(ctx)
		require.ErrorIs(t, err, lock.ErrLocked, "readers exclude a writer")
		assert.Len(t, children(t, c1, p), 3, "a busy TryLock leaves no node")

		require.NoError(t, r1.Unlock(ctx))
		require.NoError(t, m2.RUnlock(ctx), "RUnlock releases the latest read hold")
		assert.ErrorIs(t, r3.Err(), lock.ErrNotHeld)
		require.NoError(t, r2.Unlock(ctx))
		assert.ErrorIs(t, m2.RUnlock(ctx), lock.ErrNotHeld)

		w, err := m1.TryLock(ctx)
		require.NoError(t, err, "free again")
		assert.Regexp(t, writeNodeName, base(w.Node()))
		assert.Greater(t, w.Token(), r3.Token())
		require.NoError(t, m1.Unlock(ctx), "Unlock releases the latest write hold")
		assert.ErrorIs(t, w.Err(), lock.ErrNotHeld)
		assert.ErrorIs(t, m1.Unlock(ctx), lock.ErrNotHeld)
		assert.Empty(t, children(t, c1, p))
	})
}

func TestRWMutexWriterExcludes(t *testing.T) {
	servers.Each(t, func(t *testing.T, srv *zktest.Server) {
		ctx := ctxFor(t, opTimeout)
		c1, c2 := dial(t, srv.Addr()), dial(t, srv.Addr())
		p := uniquePath(t)
		m1, m2 := newRWMutex(t, c1, p), newRWMutex(t, c2, p)

		w, err := m1.Lock(ctx)
		require.NoError(t, err)
		_, err = m2.TryRLock(ctx)
		require.ErrorIs(t, err, lock.ErrLocked, "a writer excludes readers")
		_, err = m2.TryLock(ctx)
		require.ErrorIs(t, err, lock.ErrLocked, "and writers")
		assert.Len(t, children(t, c1, p), 1)

		reader := goLock(ctx, m2.RLock)
		waitChildren(t, c1, p, 2)
		writer := goLock(ctx, m2.Lock)
		waitChildren(t, c1, p, 3)
		requireWaiting(t, reader, "reader behind a writer")
		requireWaiting(t, writer, "writer behind a writer")

		require.NoError(t, w.Unlock(ctx))
		// The reader queued first: it goes first, the writer after it.
		r := acquired(t, reader, "reader")
		requireWaiting(t, writer, "writer behind a reader")
		require.NoError(t, r.Unlock(ctx))
		w2 := acquired(t, writer, "writer")
		assert.Greater(t, w2.Token(), r.Token())
		require.NoError(t, w2.Unlock(ctx))
		assert.Empty(t, children(t, c1, p))
	})
}

// TestRWMutexFIFO: a writer queued behind readers holds up the readers
// that come after it, so a stream of readers cannot starve it.
func TestRWMutexFIFO(t *testing.T) {
	servers.Each(t, func(t *testing.T, srv *zktest.Server) {
		ctx := ctxFor(t, opTimeout)
		c1, c2, c3 := dial(t, srv.Addr()), dial(t, srv.Addr()), dial(t, srv.Addr())
		p := uniquePath(t)
		m1, m2, m3 := newRWMutex(t, c1, p), newRWMutex(t, c2, p), newRWMutex(t, c3, p)

		r1, err := m1.RLock(ctx)
		require.NoError(t, err)
		writer := goLock(ctx, m2.Lock)
		waitChildren(t, c1, p, 2)

		_, err = m3.TryRLock(ctx)
		require.ErrorIs(t, err, lock.ErrLocked, "a reader behind a waiting writer")
		reader := goLock(ctx, m3.RLock)
		waitChildren(t, c1, p, 3)
		requireWaiting(t, writer, "writer behind a reader")
		requireWaiting(t, reader, "reader behind a waiting writer")

		require.NoError(t, r1.Unlock(ctx))
		w := acquired(t, writer, "writer")
		requireWaiting(t, reader, "reader behind the holding writer")
		require.NoError(t, w.Unlock(ctx))
		r2 := acquired(t, reader, "later reader")
		assert.Greater(t, w.Token(), r1.Token())
		assert.Greater(t, r2.Token(), w.Token())
		require.NoError(t, r2.Unlock(ctx))
		assert.Empty(t, children(t, c1, p))
	})
}

// TestRWMutexAndMutex: a Mutex's nodes count as writers, and a Mutex waits
// for readers and writers alike.
func TestRWMutexAndMutex(t *testing.T) {
	servers.Each(t, func(t *testing.T, srv *zktest.Server) {
		ctx := ctxFor(t, opTimeout)
		c := dial(t, srv.Addr())
		p := uniquePath(t)
		rw, mu := newRWMutex(t, c, p), newMutex(t, c, p)

		h := lockNow(t, mu)
		_, err := rw.TryRLock(ctx)
		require.ErrorIs(t, err, lock.ErrLocked)
		require.NoError(t, h.Unlock(ctx))

		r, err := rw.RLock(ctx)
		require.NoError(t, err)
		_, err = mu.TryLock(ctx)
		require.ErrorIs(t, err, lock.ErrLocked)
		require.NoError(t, r.Unlock(ctx))
		assert.Empty(t, children(t, c, p))
	})
}

func TestRWMutexCancelRemovesNode(t *testing.T) {
	servers.Each(t, func(t *testing.T, srv *zktest.Server) {
		for _, tc := range []struct {
			name string
			wait func(*lock.RWMutex) func(context.Context) (*lock.Hold, error)
		}{
			{"reader", func(m *lock.RWMutex) func(context.Context) (*lock.Hold, error) { return m.RLock }},
			{"writer", func(m *lock.RWMutex) func(context.Context) (*lock.Hold, error) { return m.Lock }},
		} {
			t.Run(tc.name, func(t *testing.T) {
				ctx := ctxFor(t, opTimeout)
				c1, c2 := dial(t, srv.Addr()), dial(t, srv.Addr())
				p := uniquePath(t)
				w, err := newRWMutex(t, c1, p).Lock(ctx)
				require.NoError(t, err)
				m2 := newRWMutex(t, c2, p)

				wctx, cancel := context.WithCancel(ctx)
				res := goLock(wctx, tc.wait(m2))
				waitChildren(t, c1, p, 2)
				cancel()
				select {
				case r := <-res:
					require.ErrorIs(t, r.err, context.Canceled)
				case <-time.After(eventTimeout):
					require.FailNow(t, "the wait did not return after its ctx was cancelled")
				}
				assert.Equal(t, []string{base(w.Node())}, children(t, c1, p), "the waiter's node is gone when it returns")

				dctx, dcancel := context.WithTimeout(ctx, 200*time.Millisecond)
				defer dcancel()
				_, err = tc.wait(m2)(dctx)
				require.ErrorIs(t, err, context.DeadlineExceeded)
				assert.Len(t, children(t, c1, p), 1)
				require.NoError(t, w.Unlock(ctx))
				assert.Empty(t, children(t, c1, p))
			})
		}
	})
}

func TestRWMutexLostOnExpiry(t *testing.T) {
	servers.Each(t, func(t *testing.T, srv *zktest.Server) {
		ctx := ctxFor(t, opTimeout)
		c, other := dial(t, srv.Addr()), dial(t, srv.Addr())
		p := uniquePath(t)
		r, err := newRWMutex(t, c, p, lock.WithIgnoreSuspension()).RLock(ctx)
		require.NoError(t, err)

		require.NoError(t, zktest.ExpireSession(ctx, srv.Addr(), c.SessionID(), c.SessionPassword()))
		requireLost(t, r, "after the session expired")
		require.ErrorIs(t, r.Err(), lock.ErrLost)
		require.ErrorIs(t, r.Err(), zk.ErrSessionExpired)
		w, err := newRWMutex(t, other, p).Lock(ctx)
		require.NoError(t, err, "the expired reader's node went with its session")
		require.ErrorIs(t, r.Unlock(ctx), lock.ErrLost)
		assert.Equal(t, []string{base(w.Node())}, children(t, other, p))
		require.NoError(t, w.Unlock(ctx))
	})
}

// rwChecker records the grants of a read/write lock and the violations it
// sees: a writer with anyone else, a reader with a writer, or a token out
// of order (a writer's must exceed every token granted before it; a
// reader's, the last writer's).
type rwChecker struct {
	mu        sync.Mutex // guards the fields below
	readers   int
	writers   int
	maxToken  int64
	lastWrite int64
	grants    map[int]int
	problems  []string
}

func newRWChecker() *rwChecker { return &rwChecker{grants: make(map[int]int)} }

func (c *rwChecker) enter(id int, write bool, token int64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if write {
		if c.readers > 0 || c.writers > 0 {
			c.problems = append(c.problems, fmt.Sprintf("writer %d granted with %d readers, %d writers", id, c.readers, c.writers))
		}
		if token <= c.maxToken {
			c.problems = append(c.problems, fmt.Sprintf("writer %d got token %d after %d", id, token, c.maxToken))
		}
		c.writers++
		c.lastWrite = token
	} else {
		if c.writers > 0 {
			c.problems = append(c.problems, fmt.Sprintf("reader %d granted while a writer holds", id))
		}
		if token <= c.lastWrite {
			c.problems = append(c.problems, fmt.Sprintf("reader %d got token %d after writer's %d", id, token, c.lastWrite))
		}
		c.readers++
	}
	c.maxToken = max(c.maxToken, token)
	c.grants[id]++
}

func (c *rwChecker) exit(write bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if write {
		c.writers--
	} else {
		c.readers--
	}
}

func (c *rwChecker) problem(format string, args ...any) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.problems = append(c.problems, fmt.Sprintf(format, args...))
}

func TestRWMutexManyContenders(t *testing.T) {
	servers.Each(t, func(t *testing.T, srv *zktest.Server) {
		const (
			sessions   = 3
			perSession = 4 // goroutines sharing one RWMutex; every fourth writes
			rounds     = 3
		)
		p := uniquePath(t)
		ctx := ctxFor(t, 2*opTimeout)
		conns := make([]*zk.Conn, sessions)
		mutexes := make([]*lock.RWMutex, sessions)
		for i := range conns {
			conns[i] = dial(t, srv.Addr())
			mutexes[i] = newRWMutex(t, conns[i], p)
		}
		chk := newRWChecker()
		var wg sync.WaitGroup
		start := make(chan struct{})
		for id := range sessions * perSession {
			write := id%4 == 0
			wg.Add(1)
			go func() {
				defer wg.Done()
				m := mutexes[id%sessions]
				lockFn := m.RLock
				if write {
					lockFn = m.Lock
				}
				<-start
				for range rounds {
					h, err := lockFn(ctx)
					if err != nil {
						chk.problem("contender %d: lock: %v", id, err)
						return
					}
					chk.enter(id, write, h.Token())
					time.Sleep(2 * time.Millisecond)
					if err := h.Err(); err != nil {
						chk.problem("contender %d: hold lost: %v", id, err)
					}
					chk.exit(write)
					if err := h.Unlock(ctx); err != nil {
						chk.problem("contender %d: unlock: %v", id, err)
						return
					}
				}
			}()
		}
		close(start)
		wg.Wait()
		require.Empty(t, chk.problems)
		for id := range sessions * perSession {
			assert.Equal(t, rounds, chk.grants[id], "grants of contender %d", id)
		}
		assert.Empty(t, children(t, conns[0], p), "no orphan nodes")
	})
}
