package lock_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/coordkit/coordkit/recipes/internal/recipetest"
	"github.com/coordkit/coordkit/recipes/lock"
	"github.com/coordkit/coordkit/zk"
	"github.com/coordkit/coordkit/zk/zktest"
)

// rules judge the grants of a lock or a lease as contenders report them,
// and say what violates them. A contention calls them one at a time.
type rules interface {
	// enter judges the grant of token to contender id.
	enter(id int, token int64) (violations []string)
	// exit judges contender id's end of holding, before its release.
	exit(id int) (violations []string)
}

// contention records the grants of contenders, the violations of its
// rules, and the failures the contenders' goroutines saw (which must not
// fail the test themselves).
type contention struct {
	mu       sync.Mutex // guards the fields below
	rules    rules
	grants   map[int]int // contender → grants
	problems []string
}

func newContention(r rules) *contention {
	return &contention{rules: r, grants: make(map[int]int)}
}

// enter records that contender id was granted with token.
func (c *contention) enter(id int, token int64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.problems = append(c.problems, c.rules.enter(id, token)...)
	c.grants[id]++
}

// exit records that contender id stopped holding, before its release.
func (c *contention) exit(id int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.problems = append(c.problems, c.rules.exit(id)...)
}

// problem records a failure seen by a contender's goroutine.
func (c *contention) problem(format string, args ...any) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.problems = append(c.problems, fmt.Sprintf(format, args...))
}

// grant is what a contender was granted: a Hold or a Lease.
type grant struct {
	token   int64
	err     func() error
	release func(context.Context) error
}

// holdGrant is the grant of a Lock's result.
func holdGrant(h *lock.Hold, err error) (grant, error) {
	if err != nil {
		return grant{}, err
	}
	return grant{h.Token(), h.Err, h.Unlock}, nil
}

// leaseGrant is the grant of an Acquire's result.
func leaseGrant(l *lock.Lease, err error) (grant, error) {
	if err != nil {
		return grant{}, err
	}
	return grant{l.Token(), l.Err, l.Release}, nil
}

// run starts contenders 0 to n-1 at once. Each is granted rounds times by
// take, holds for hold (so that overlapping holders would be seen), checks
// that its grant is not lost, and releases it; a contender whose take or
// release fails records the problem and stops. run returns when they all
// have, and then requires that no problem was seen and that each was
// granted rounds times.
func (c *contention) run(t *testing.T, ctx context.Context, n, rounds int, hold time.Duration, take func(ctx context.Context, id int) (grant, error)) {
	t.Helper()
	var wg sync.WaitGroup
	start := make(chan struct{})
	for id := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			for range rounds {
				g, err := take(ctx, id)
				if err != nil {
					c.problem("contender %d: take: %v", id, err)
					return
				}
				c.enter(id, g.token)
				time.Sleep(hold)
				if err := g.err(); err != nil {
					c.problem("contender %d: lost: %v", id, err)
				}
				c.exit(id)
				if err := g.release(ctx); err != nil {
					c.problem("contender %d: release: %v", id, err)
					return
				}
			}
		}()
	}
	close(start)
	wg.Wait()
	require.Empty(t, c.problems)
	for id := range n {
		assert.Equal(t, rounds, c.grants[id], "grants of contender %d", id)
	}
}

// exclusive is the rule of a Mutex: one holder at a time, and every
// token larger than the one before.
type exclusive struct {
	holder    int // the contender holding, or -1
	lastToken int64
}

func newExclusive() *exclusive { return &exclusive{holder: -1} }

func (r *exclusive) enter(id int, token int64) (violations []string) {
	if r.holder >= 0 {
		violations = append(violations, fmt.Sprintf("contender %d granted while %d holds", id, r.holder))
	}
	if token <= r.lastToken {
		violations = append(violations, fmt.Sprintf("contender %d got token %d after %d", id, token, r.lastToken))
	}
	r.holder, r.lastToken = id, token
	return violations
}

func (r *exclusive) exit(id int) (violations []string) {
	if r.holder != id {
		violations = append(violations, fmt.Sprintf("contender %d released while %d holds", id, r.holder))
	}
	r.holder = -1
	return violations
}

func TestManyContenders(t *testing.T) {
	servers.Each(t, func(t *testing.T, srv *zktest.Server) {
		const (
			sessions   = 3
			perSession = 3 // goroutines sharing one Mutex
			rounds     = 3
		)
		p := recipetest.UniquePath(t)
		ctx := recipetest.Context(t, 2*recipetest.OpTimeout)
		conns := make([]*zk.Conn, sessions)
		mutexes := make([]*lock.Mutex, sessions)
		for i := range conns {
			conns[i] = recipetest.Dial(t, srv.Addr())
			mutexes[i] = newMutex(t, conns[i], p)
		}
		newContention(newExclusive()).run(t, ctx, sessions*perSession, rounds, 2*time.Millisecond,
			func(ctx context.Context, id int) (grant, error) { return holdGrant(mutexes[id%sessions].Lock(ctx)) })
		assert.Empty(t, recipetest.Children(t, conns[0], p), "no orphan nodes")
	})
}

func TestHerdFreeFIFO(t *testing.T) {
	servers.Each(t, func(t *testing.T, srv *zktest.Server) {
		const waiters = 5
		ctx := recipetest.Context(t, 2*recipetest.OpTimeout)
		p := recipetest.UniquePath(t)
		holderConn := recipetest.Dial(t, srv.Addr())
		first := lockNow(t, newMutex(t, holderConn, p))

		// Each waiter has its own session, so that the watch events it
		// receives can be counted. They queue up in a known order.
		chk := newContention(newExclusive())
		conns := make([]*zk.Conn, waiters)
		granted := make(chan int, waiters)
		var wg sync.WaitGroup
		for i := range waiters {
			conns[i] = recipetest.Dial(t, srv.Addr())
			m := newMutex(t, conns[i], p)
			wg.Add(1)
			go func() {
				defer wg.Done()
				h, err := m.Lock(ctx)
				if err != nil {
					chk.problem("waiter %d: %v", i, err)
					granted <- i
					return
				}
				chk.enter(i, h.Token())
				granted <- i
				chk.exit(i)
				if err := h.Unlock(ctx); err != nil {
					chk.problem("waiter %d: unlock: %v", i, err)
				}
			}()
			recipetest.WaitChildren(t, holderConn, p, i+2)
		}
		before := make([]uint64, waiters)
		for i, c := range conns {
			before[i] = c.Stats().Events
		}

		require.NoError(t, first.Unlock(ctx))
		wg.Wait()
		close(granted)
		require.Empty(t, chk.problems)
		var order []int
		for i := range granted {
			order = append(order, i)
		}
		assert.Equal(t, []int{0, 1, 2, 3, 4}, order, "granted in the order they queued")
		for i, c := range conns {
			// One event for the predecessor's deletion, one for its
			// own node's deletion (the hold's watch); a herd would
			// wake every waiter at every release.
			assert.LessOrEqual(t, c.Stats().Events-before[i], uint64(2), "watch events of waiter %d", i)
		}
		assert.Empty(t, recipetest.Children(t, holderConn, p))
	})
}
