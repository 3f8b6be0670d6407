package lock_test

import (
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/coordkit/coordkit/recipes/lock"
	"github.com/coordkit/coordkit/zk"
	"github.com/coordkit/coordkit/zk/zktest"
)

// checker records every grant of a lock with its fencing token and hold
// interval, and the violations of mutual exclusion it sees: two holders at
// once, or a token not larger than the one before.
type checker struct {
	mu        sync.Mutex // guards the fields below
	holder    int        // the contender holding, or -1
	lastToken int64
	grants    map[int]int // contender → grants
	order     []int       // contenders in grant order
	problems  []string
}

func newChecker() *checker { return &checker{holder: -1, grants: make(map[int]int)} }

// enter records that contender id was granted the lock with token.
func (c *checker) enter(id int, token int64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.holder >= 0 {
		c.problems = append(c.problems, fmt.Sprintf("contender %d granted while %d holds", id, c.holder))
	}
	if token <= c.lastToken {
		c.problems = append(c.problems, fmt.Sprintf("contender %d got token %d after %d", id, token, c.lastToken))
	}
	c.holder, c.lastToken = id, token
	c.grants[id]++
	c.order = append(c.order, id)
}

// exit records that contender id stopped holding, before its Unlock.
func (c *checker) exit(id int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.holder != id {
		c.problems = append(c.problems, fmt.Sprintf("contender %d released while %d holds", id, c.holder))
	}
	c.holder = -1
}

// problem records a failure seen by a contender's goroutine.
func (c *checker) problem(format string, args ...any) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.problems = append(c.problems, fmt.Sprintf(format, args...))
}

func TestManyContenders(t *testing.T) {
	servers.Each(t, func(t *testing.T, srv *zktest.Server) {
		const (
			sessions   = 3
			perSession = 3 // goroutines sharing one Mutex
			rounds     = 3
		)
		p := uniquePath(t)
		ctx := ctxFor(t, 2*opTimeout)
		conns := make([]*zk.Conn, sessions)
		mutexes := make([]*lock.Mutex, sessions)
		for i := range conns {
			conns[i] = dial(t, srv.Addr())
			mutexes[i] = newMutex(t, conns[i], p)
		}
		chk := newChecker()
		var wg sync.WaitGroup
		start := make(chan struct{})
		for id := range sessions * perSession {
			wg.Add(1)
			go func() {
				defer wg.Done()
				m := mutexes[id%sessions]
				<-start
				for range rounds {
					h, err := m.Lock(ctx)
					if err != nil {
						chk.problem("contender %d: lock: %v", id, err)
						return
					}
					chk.enter(id, h.Token())
					// Hold a little, so that overlapping holders would
					// be seen.
					time.Sleep(2 * time.Millisecond)
					if err := h.Err(); err != nil {
						chk.problem("contender %d: hold lost: %v", id, err)
					}
					chk.exit(id)
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

func TestHerdFreeFIFO(t *testing.T) {
	servers.Each(t, func(t *testing.T, srv *zktest.Server) {
		const waiters = 5
		ctx := ctxFor(t, 2*opTimeout)
		p := uniquePath(t)
		holderConn := dial(t, srv.Addr())
		first := lockNow(t, newMutex(t, holderConn, p))

		// Each waiter has its own session, so that the watch events it
		// receives can be counted. They queue up in a known order.
		chk := newChecker()
		conns := make([]*zk.Conn, waiters)
		granted := make(chan int, waiters)
		var wg sync.WaitGroup
		for i := range waiters {
			conns[i] = dial(t, srv.Addr())
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
			waitChildren(t, holderConn, p, i+2)
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
		assert.Empty(t, children(t, holderConn, p))
	})
}
