package lock_test

import (
	"context"
	"fmt"
	"regexp"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/coordkit/coordkit/recipes/internal/recipetest"
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

func TestNewSemaphoreValidates(t *testing.T) {
	newSemaphore := func(c *zk.Conn, p string, opts ...lock.Option) (*lock.Semaphore, error) {
		return lock.NewSemaphore(c, p, 3, opts...)
	}
	s := recipetest.RequireNewValidates(t, newSemaphore, badOptions)
	assert.Equal(t, 3, s.Limit())
	for _, limit := range []int{0, -2} {
		s, err := lock.NewSemaphore(&zk.Conn{}, "/s", limit)
		assert.Error(t, err, "limit %d", limit)
		assert.Nil(t, s, "limit %d", limit)
	}
}

func TestSemaphoreLeases(t *testing.T) {
	servers.Each(t, func(t *testing.T, srv *zktest.Server) {
		ctx := recipetest.Context(t, recipetest.OpTimeout)
		c1, c2, c3 := recipetest.Dial(t, srv.Addr()), recipetest.Dial(t, srv.Addr()), recipetest.Dial(t, srv.Addr())
		p := recipetest.UniquePath(t)
		s1 := newSemaphore(t, c1, p, 2, lock.WithData([]byte("s1")))
		s2, s3 := newSemaphore(t, c2, p, 2), newSemaphore(t, c3, p, 2)
		leases, locks := p+"/leases", p+"/locks"

		a, err := s1.Acquire(ctx)
		require.NoError(t, err)
		b, err := s2.TryAcquire(ctx)
		require.NoError(t, err, "a second lease is free")
		for _, l := range []*lock.Lease{a, b} {
			recipetest.RequireHeld(t, l, "lease")
			assert.Regexp(t, leaseNodeName, base(l.Node()))
			assert.Equal(t, leases, l.Node()[:len(leases)])
		}
		data, st, err := c1.Get(ctx, a.Node())
		require.NoError(t, err)
		assert.Equal(t, "s1", string(data))
		assert.Equal(t, st.Czxid, a.Token())
		assert.Equal(t, c1.SessionID(), st.EphemeralOwner)
		assert.Greater(t, b.Token(), a.Token())
		assert.Empty(t, recipetest.Children(t, c1, locks), "the internal mutex is released once the lease is granted")

		_, err = s3.TryAcquire(ctx)
		require.ErrorIs(t, err, lock.ErrNoLease, "both leases held")
		assert.Len(t, recipetest.Children(t, c1, leases), 2, "a failed TryAcquire leaves no lease node")
		assert.Empty(t, recipetest.Children(t, c1, locks), "nor a mutex node")

		// The first waiter holds the internal mutex and has its lease
		// node; the second waits for the mutex.
		first := recipetest.Go(ctx, s3.Acquire)
		recipetest.WaitChildren(t, c1, leases, 3)
		second := recipetest.Go(ctx, s1.Acquire)
		recipetest.WaitChildren(t, c1, locks, 2)
		_, err = s2.TryAcquire(ctx)
		require.ErrorIs(t, err, lock.ErrNoLease, "acquirers are waiting")
		recipetest.RequirePending(t, first, "first waiter")
		recipetest.RequirePending(t, second, "second waiter")

		require.NoError(t, a.Release(ctx))
		recipetest.RequireLost(t, a, "Release closes Lost")
		assert.ErrorIs(t, a.Err(), lock.ErrNotHeld)
		assert.ErrorIs(t, a.Release(ctx), lock.ErrNotHeld, "a second Release")
		c := recipetest.Granted(t, first, "first waiter")
		recipetest.WaitChildren(t, c1, leases, 3) // the second waiter's lease node
		recipetest.RequirePending(t, second, "second waiter")

		require.NoError(t, b.Release(ctx))
		d := recipetest.Granted(t, second, "second waiter")
		assert.Greater(t, d.Token(), c.Token())
		assert.Len(t, recipetest.Children(t, c1, leases), 2)
		assert.Empty(t, recipetest.Children(t, c1, locks))

		_, err = d.Multi(ctx)
		require.NoError(t, err, "the fence passes while the lease is held")
		require.NoError(t, c.Release(ctx))
		require.NoError(t, d.Release(ctx))
		assert.Empty(t, recipetest.Children(t, c1, leases))
	})
}

func TestSemaphoreCancelRemovesNodes(t *testing.T) {
	servers.Each(t, func(t *testing.T, srv *zktest.Server) {
		ctx := recipetest.Context(t, recipetest.OpTimeout)
		c1, c2 := recipetest.Dial(t, srv.Addr()), recipetest.Dial(t, srv.Addr())
		p := recipetest.UniquePath(t)
		leases, locks := p+"/leases", p+"/locks"
		held, err := newSemaphore(t, c1, p, 1).Acquire(ctx)
		require.NoError(t, err)
		s2 := newSemaphore(t, c2, p, 1)

		// One acquirer waits for a lease, holding the mutex; another
		// waits for the mutex. Both are cancelled.
		wctx, cancel := context.WithCancel(ctx)
		first := recipetest.Go(wctx, s2.Acquire)
		recipetest.WaitChildren(t, c1, leases, 2)
		second := recipetest.Go(wctx, s2.Acquire)
		recipetest.WaitChildren(t, c1, locks, 2)
		cancel()
		for _, ch := range []<-chan recipetest.Result[*lock.Lease]{first, second} {
			r := recipetest.Receive(t, ch, "Acquire after its ctx was cancelled")
			require.ErrorIs(t, r.Err, context.Canceled)
		}
		assert.Equal(t, []string{base(held.Node())}, recipetest.Children(t, c1, leases), "the waiter's lease node is gone")
		assert.Empty(t, recipetest.Children(t, c1, locks), "and the mutex nodes")

		dctx, dcancel := context.WithTimeout(ctx, 200*time.Millisecond)
		defer dcancel()
		_, err = s2.Acquire(dctx)
		require.ErrorIs(t, err, context.DeadlineExceeded)
		assert.Len(t, recipetest.Children(t, c1, leases), 1)
		assert.Empty(t, recipetest.Children(t, c1, locks))

		require.NoError(t, held.Release(ctx))
		l, err := s2.TryAcquire(ctx)
		require.NoError(t, err, "free after the cancelled acquirers left")
		require.NoError(t, l.Release(ctx))
	})
}

func TestSemaphoreLostOnExpiry(t *testing.T) {
	servers.Each(t, func(t *testing.T, srv *zktest.Server) {
		ctx := recipetest.Context(t, recipetest.OpTimeout)
		c, other := recipetest.Dial(t, srv.Addr()), recipetest.Dial(t, srv.Addr())
		p := recipetest.UniquePath(t)
		l, err := newSemaphore(t, c, p, 1).Acquire(ctx)
		require.NoError(t, err)

		require.NoError(t, zktest.ExpireSession(ctx, srv.Addr(), c.SessionID(), c.SessionPassword()))
		recipetest.RequireLost(t, l, "after the session expired")
		require.ErrorIs(t, l.Err(), lock.ErrLost)
		l2, err := newSemaphore(t, other, p, 1).Acquire(ctx)
		require.NoError(t, err, "the expired lease went with its session")
		require.ErrorIs(t, l.Release(ctx), lock.ErrLost)
		assert.Equal(t, []string{base(l2.Node())}, recipetest.Children(t, other, p+"/leases"))
		require.NoError(t, l2.Release(ctx))
	})
}

func TestSemaphoreLostOnNodeDeletion(t *testing.T) {
	servers.Each(t, func(t *testing.T, srv *zktest.Server) {
		ctx := recipetest.Context(t, recipetest.OpTimeout)
		c := recipetest.Dial(t, srv.Addr())
		p := recipetest.UniquePath(t)
		l, err := newSemaphore(t, c, p, 1).Acquire(ctx)
		require.NoError(t, err)
		require.NoError(t, c.Delete(ctx, l.Node(), zk.AnyVersion))
		recipetest.RequireLost(t, l, "after its node was deleted")
		require.ErrorIs(t, l.Err(), lock.ErrNodeDeleted)
		_, err = l.Multi(ctx)
		require.ErrorIs(t, err, lock.ErrLost)
		require.ErrorIs(t, l.Release(ctx), lock.ErrLost)
	})
}

// leaseLimit is the rule of a Semaphore: at most limit holders at once.
type leaseLimit struct {
	limit   int
	holders int
	peak    int
}

func (r *leaseLimit) enter(id int, _ int64) (violations []string) {
	r.holders++
	r.peak = max(r.peak, r.holders)
	if r.holders > r.limit {
		violations = append(violations, fmt.Sprintf("contender %d granted with %d holders, limit %d", id, r.holders, r.limit))
	}
	return violations
}

func (r *leaseLimit) exit(int) []string {
	r.holders--
	return nil
}

func TestSemaphoreManyContenders(t *testing.T) {
	servers.Each(t, func(t *testing.T, srv *zktest.Server) {
		const (
			limit      = 3
			sessions   = 3
			perSession = 3
			rounds     = 3
		)
		p := recipetest.UniquePath(t)
		ctx := recipetest.Context(t, 2*recipetest.OpTimeout)
		conns := make([]*zk.Conn, sessions)
		sems := make([]*lock.Semaphore, sessions)
		for i := range conns {
			conns[i] = recipetest.Dial(t, srv.Addr())
			sems[i] = newSemaphore(t, conns[i], p, limit)
		}
		limits := &leaseLimit{limit: limit}
		newContention(limits).run(t, ctx, sessions*perSession, rounds, 5*time.Millisecond,
			func(ctx context.Context, id int) (grant, error) { return leaseGrant(sems[id%sessions].Acquire(ctx)) })
		t.Logf("at most %d leases held at once (limit %d)", limits.peak, limit)
		assert.Empty(t, recipetest.Children(t, conns[0], p+"/leases"), "no orphan lease nodes")
		assert.Empty(t, recipetest.Children(t, conns[0], p+"/locks"), "no orphan mutex nodes")
	})
}

// TestSemaphoreWaiterGivesUpOnSuspension: an acquirer waiting for a lease
// holds the internal mutex; once that is lost (by default, as soon as the
// connection is suspended) it gives up and removes its nodes.
func TestSemaphoreWaiterGivesUpOnSuspension(t *testing.T) {
	servers.Each(t, func(t *testing.T, srv *zktest.Server) {
		ctx := recipetest.Context(t, recipetest.OpTimeout)
		obs := recipetest.Dial(t, srv.Addr())
		px := zktest.NewProxy(t, srv.Addr())
		c := recipetest.DialSuspendable(t, px)
		p := recipetest.UniquePath(t)
		held, err := newSemaphore(t, obs, p, 1).Acquire(ctx)
		require.NoError(t, err)
		states := c.StateEvents(t.Context())
		res := recipetest.Go(ctx, newSemaphore(t, c, p, 1).Acquire)
		recipetest.WaitChildren(t, obs, p+"/leases", 2)
		recipetest.WaitChildren(t, obs, p+"/locks", 1)

		px.Blackhole()
		recipetest.WaitState(t, states, zk.EventDisconnected)
		px.Pass()
		r := recipetest.Receive(t, res, "Acquire after the suspension")
		require.ErrorIs(t, r.Err, lock.ErrLost)
		require.ErrorIs(t, r.Err, lock.ErrSuspended)
		assert.Equal(t, []string{base(held.Node())}, recipetest.Children(t, obs, p+"/leases"), "the waiter's lease node is gone")
		assert.Empty(t, recipetest.Children(t, obs, p+"/locks"), "and its mutex node")
		require.NoError(t, held.Release(ctx))
	})
}
