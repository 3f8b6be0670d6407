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

// leaseNodeName is the layout of a lease node: Curator's protected
// InterProcessSemaphoreV2 name.
var leaseNodeName = regexp.MustCompile(`^_c_[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}-lease-[0-9]{10}$`)

// newSemaphore returns a Semaphore of limit leases on p through c.
func newSemaphore(t *testing.T, c *zk.Conn, p string, limit int, opts ...lock.Option) *lock.Semaphore {
	t.Helper()
	s, err := lock.NewSemaphore(c, p, limit, opts...)
	require.NoError(t, err)
	return s
}

// leaseResult is what an Acquire in a goroutine returned.
type leaseResult struct {
	l   *lock.Lease
	err error
}

// goAcquire runs fn in a goroutine and returns where its result arrives.
func goAcquire(ctx context.Context, fn func(context.Context) (*lock.Lease, error)) <-chan leaseResult {
	ch := make(chan leaseResult, 1)
	go func() {
		l, err := fn(ctx)
		ch <- leaseResult{l, err}
	}()
	return ch
}

// leased waits for the result of an Acquire run in a goroutine.
func leased(t *testing.T, ch <-chan leaseResult, what string) *lock.Lease {
	t.Helper()
	select {
	case r := <-ch:
		require.NoError(t, r.err, what)
		return r.l
	case <-time.After(eventTimeout):
		require.FailNow(t, "no lease", "%s: no lease within %v", what, eventTimeout)
		return nil
	}
}

// requireAcquiring checks that the Acquire run in a goroutine has not
// returned.
func requireAcquiring(t *testing.T, ch <-chan leaseResult, what string) {
	t.Helper()
	select {
	case r := <-ch:
		require.FailNow(t, "lease too early", "%s: returned %v", what, r.err)
	default:
	}
}

func TestNewSemaphoreValidates(t *testing.T) {
	c := &zk.Conn{}
	for _, tc := range []struct {
		name  string
		conn  *zk.Conn
		path  string
		limit int
		opts  []lock.Option
	}{
		{"nil conn", nil, "/s", 1, nil},
		{"relative path", c, "s", 1, nil},
		{"zero limit", c, "/s", 0, nil},
		{"negative limit", c, "/s", -2, nil},
		{"bad option", c, "/s", 1, []lock.Option{lock.WithACL(nil)}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s, err := lock.NewSemaphore(tc.conn, tc.path, tc.limit, tc.opts...)
			assert.Error(t, err)
			assert.Nil(t, s)
		})
	}
	s, err := lock.NewSemaphore(c, "/s", 3)
	require.NoError(t, err)
	assert.Equal(t, "/s", s.Path())
	assert.Equal(t, 3, s.Limit())
}

func TestSemaphoreLeases(t *testing.T) {
	servers.Each(t, func(t *testing.T, srv *zktest.Server) {
		ctx := ctxFor(t, opTimeout)
		c1, c2, c3 := dial(t, srv.Addr()), dial(t, srv.Addr()), dial(t, srv.Addr())
		p := uniquePath(t)
		s1 := newSemaphore(t, c1, p, 2, lock.WithData([]byte("s1")))
		s2, s3 := newSemaphore(t, c2, p, 2), newSemaphore(t, c3, p, 2)
		leases, locks := p+"/leases", p+"/locks"

		a, err := s1.Acquire(ctx)
		require.NoError(t, err)
		b, err := s2.TryAcquire(ctx)
		require.NoError(t, err, "a second lease is free")
		for _, l := range []*lock.Lease{a, b} {
			requireHeld(t, l, "lease")
			assert.Regexp(t, leaseNodeName, base(l.Node()))
			assert.Equal(t, leases, l.Node()[:len(leases)])
		}
		data, st, err := c1.Get(ctx, a.Node())
		require.NoError(t, err)
		assert.Equal(t, "s1", string(data))
		assert.Equal(t, st.Czxid, a.Token())
		assert.Equal(t, c1.SessionID(), st.EphemeralOwner)
		assert.Greater(t, b.Token(), a.Token())
		assert.Empty(t, children(t, c1, locks), "the internal mutex is released once the lease is granted")

		_, err = s3.TryAcquire(ctx)
		require.ErrorIs(t, err, lock.ErrNoLease, "both leases held")
		assert.Len(t, children(t, c1, leases), 2, "a failed TryAcquire leaves no lease node")
		assert.Empty(t, children(t, c1, locks), "nor a mutex node")

		// The first waiter holds the internal mutex and has its lease
		// node; the second waits for the mutex.
		first := goAcquire(ctx, s3.Acquire)
		waitChildren(t, c1, leases, 3)
		second := goAcquire(ctx, s1.Acquire)
		waitChildren(t, c1, locks, 2)
		_, err = s2.TryAcquire(ctx)
		require.ErrorIs(t, err, lock.ErrNoLease, "acquirers are waiting")
		requireAcquiring(t, first, "first waiter")
		requireAcquiring(t, second, "second waiter")

		require.NoError(t, a.Release(ctx))
		requireLost(t, a, "Release closes Lost")
		assert.ErrorIs(t, a.Err(), lock.ErrNotHeld)
		assert.ErrorIs(t, a.Release(ctx), lock.ErrNotHeld, "a second Release")
		c := leased(t, first, "first waiter")
		waitChildren(t, c1, leases, 3) // the second waiter's lease node
		requireAcquiring(t, second, "second waiter")

		require.NoError(t, b.Release(ctx))
		d := leased(t, second, "second waiter")
		assert.Greater(t, d.Token(), c.Token())
		assert.Len(t, children(t, c1, leases), 2)
		assert.Empty(t, children(t, c1, locks))

		_, err = d.Multi(ctx)
		require.NoError(t, err, "the fence passes while the lease is held")
		require.NoError(t, c.Release(ctx))
		require.NoError(t, d.Release(ctx))
		assert.Empty(t, children(t, c1, leases))
	})
}

func TestSemaphoreCancelRemovesNodes(t *testing.T) {
	servers.Each(t, func(t *testing.T, srv *zktest.Server) {
		ctx := ctxFor(t, opTimeout)
		c1, c2 := dial(t, srv.Addr()), dial(t, srv.Addr())
		p := uniquePath(t)
		leases, locks := p+"/leases", p+"/locks"
		held, err := newSemaphore(t, c1, p, 1).Acquire(ctx)
		require.NoError(t, err)
		s2 := newSemaphore(t, c2, p, 1)

		// One acquirer waits for a lease, holding the mutex; another
		// waits for the mutex. Both are cancelled.
		wctx, cancel := context.WithCancel(ctx)
		first := goAcquire(wctx, s2.Acquire)
		waitChildren(t, c1, leases, 2)
		second := goAcquire(wctx, s2.Acquire)
		waitChildren(t, c1, locks, 2)
		cancel()
		for _, ch := range []<-chan leaseResult{first, second} {
			select {
			case r := <-ch:
				require.ErrorIs(t, r.err, context.Canceled)
			case <-time.After(eventTimeout):
				require.FailNow(t, "Acquire did not return after its ctx was cancelled")
			}
		}
		assert.Equal(t, []string{base(held.Node())}, children(t, c1, leases), "the waiter's lease node is gone")
		assert.Empty(t, children(t, c1, locks), "and the mutex nodes")

		dctx, dcancel := context.WithTimeout(ctx, 200*time.Millisecond)
		defer dcancel()
		_, err = s2.Acquire(dctx)
		require.ErrorIs(t, err, context.DeadlineExceeded)
		assert.Len(t, children(t, c1, leases), 1)
		assert.Empty(t, children(t, c1, locks))

		require.NoError(t, held.Release(ctx))
		l, err := s2.TryAcquire(ctx)
		require.NoError(t, err, "free after the cancelled acquirers left")
		require.NoError(t, l.Release(ctx))
	})
}

func TestSemaphoreLostOnExpiry(t *testing.T) {
	servers.Each(t, func(t *testing.T, srv *zktest.Server) {
		ctx := ctxFor(t, opTimeout)
		c, other := dial(t, srv.Addr()), dial(t, srv.Addr())
		p := uniquePath(t)
		l, err := newSemaphore(t, c, p, 1).Acquire(ctx)
		require.NoError(t, err)

		require.NoError(t, zktest.ExpireSession(ctx, srv.Addr(), c.SessionID(), c.SessionPassword()))
		requireLost(t, l, "after the session expired")
		require.ErrorIs(t, l.Err(), lock.ErrLost)
		l2, err := newSemaphore(t, other, p, 1).Acquire(ctx)
		require.NoError(t, err, "the expired lease went with its session")
		require.ErrorIs(t, l.Release(ctx), lock.ErrLost)
		assert.Equal(t, []string{base(l2.Node())}, children(t, other, p+"/leases"))
		require.NoError(t, l2.Release(ctx))
	})
}

func TestSemaphoreLostOnNodeDeletion(t *testing.T) {
	servers.Each(t, func(t *testing.T, srv *zktest.Server) {
		ctx := ctxFor(t, opTimeout)
		c := dial(t, srv.Addr())
		p := uniquePath(t)
		l, err := newSemaphore(t, c, p, 1).Acquire(ctx)
		require.NoError(t, err)
		require.NoError(t, c.Delete(ctx, l.Node(), zk.AnyVersion))
		requireLost(t, l, "after its node was deleted")
		require.ErrorIs(t, l.Err(), lock.ErrNodeDeleted)
		_, err = l.Multi(ctx)
		require.ErrorIs(t, err, lock.ErrLost)
		require.ErrorIs(t, l.Release(ctx), lock.ErrLost)
	})
}

// leaseChecker records the holders of a semaphore's leases and the
// violations it sees: more than limit at once.
type leaseChecker struct {
	limit    int
	mu       sync.Mutex // guards the fields below
	holders  int
	peak     int
	grants   map[int]int
	problems []string
}

func (c *leaseChecker) enter(id int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.holders++
	c.peak = max(c.peak, c.holders)
	if c.holders > c.limit {
		c.problems = append(c.problems, fmt.Sprintf("contender %d granted with %d holders, limit %d", id, c.holders, c.limit))
	}
	c.grants[id]++
}

func (c *leaseChecker) exit() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.holders--
}

func (c *leaseChecker) problem(format string, args ...any) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.problems = append(c.problems, fmt.Sprintf(format, args...))
}

func TestSemaphoreManyContenders(t *testing.T) {
	servers.Each(t, func(t *testing.T, srv *zktest.Server) {
		const (
			limit      = 3
			sessions   = 3
			perSession = 3
			rounds     = 3
		)
		p := uniquePath(t)
		ctx := ctxFor(t, 2*opTimeout)
		conns := make([]*zk.Conn, sessions)
		sems := make([]*lock.Semaphore, sessions)
		for i := range conns {
			conns[i] = dial(t, srv.Addr())
			sems[i] = newSemaphore(t, conns[i], p, limit)
		}
		chk := &leaseChecker{limit: limit, grants: make(map[int]int)}
		var wg sync.WaitGroup
		start := make(chan struct{})
		for id := range sessions * perSession {
			wg.Add(1)
			go func() {
				defer wg.Done()
				s := sems[id%sessions]
				<-start
				for range rounds {
					l, err := s.Acquire(ctx)
					if err != nil {
						chk.problem("contender %d: acquire: %v", id, err)
						return
					}
					chk.enter(id)
					time.Sleep(5 * time.Millisecond)
					if err := l.Err(); err != nil {
						chk.problem("contender %d: lease lost: %v", id, err)
					}
					chk.exit()
					if err := l.Release(ctx); err != nil {
						chk.problem("contender %d: release: %v", id, err)
						return
					}
				}
			}()
		}
		close(start)
		wg.Wait()
		require.Empty(t, chk.problems)
		t.Logf("at most %d leases held at once (limit %d)", chk.peak, limit)
		for id := range sessions * perSession {
			assert.Equal(t, rounds, chk.grants[id], "grants of contender %d", id)
		}
		assert.Empty(t, children(t, conns[0], p+"/leases"), "no orphan lease nodes")
		assert.Empty(t, children(t, conns[0], p+"/locks"), "no orphan mutex nodes")
	})
}

// TestSemaphoreWaiterGivesUpOnSuspension: an acquirer waiting for a lease
// holds the internal mutex; once that is lost (by default, as soon as the
// connection is suspended) it gives up and removes its nodes.
func TestSemaphoreWaiterGivesUpOnSuspension(t *testing.T) {
	servers.Each(t, func(t *testing.T, srv *zktest.Server) {
		ctx := ctxFor(t, opTimeout)
		obs := dial(t, srv.Addr())
		px := zktest.NewProxy(t, srv.Addr())
		c := dialSuspendable(t, px)
		p := uniquePath(t)
		held, err := newSemaphore(t, obs, p, 1).Acquire(ctx)
		require.NoError(t, err)
		states := c.StateEvents(t.Context())
		res := goAcquire(ctx, newSemaphore(t, c, p, 1).Acquire)
		waitChildren(t, obs, p+"/leases", 2)
		waitChildren(t, obs, p+"/locks", 1)

		px.Blackhole()
		waitState(t, states, zk.EventDisconnected)
		px.Pass()
		select {
		case r := <-res:
			require.ErrorIs(t, r.err, lock.ErrLost)
			require.ErrorIs(t, r.err, lock.ErrSuspended)
		case <-time.After(eventTimeout):
			require.FailNow(t, "Acquire did not give up after the suspension")
		}
		assert.Equal(t, []string{base(held.Node())}, children(t, obs, p+"/leases"), "the waiter's lease node is gone")
		assert.Empty(t, children(t, obs, p+"/locks"), "and its mutex node")
		require.NoError(t, held.Release(ctx))
	})
}
