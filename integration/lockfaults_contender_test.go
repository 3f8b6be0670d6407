package integration

import (
	"context"
	"errors"
	"fmt"
	"path"
	"testing"
	"time"

	"github.com/coordkit/coordkit/recipes/election"
	"github.com/coordkit/coordkit/recipes/lock"
	"github.com/coordkit/coordkit/zk"
	"github.com/coordkit/coordkit/zk/zktest"
)

// faultSessionTimeout is the session timeout of the fault tests'
// contenders: the largest the ensemble grants (20 ticks of 200 ms), so that
// a session survives a leader election on a busy machine, and short enough
// that an expiry by silence takes a few seconds.
const faultSessionTimeout = 4 * time.Second

// recipe adapts a lock or an election to the fault runner: acquire takes
// contender id's n-th grant (from 0) through conn on path.
type recipe struct {
	name    string
	acquire func(ctx context.Context, conn *zk.Conn, path string, id, n int) (grant, error)
	// errLost is what release errors wrap when the hold was lost first,
	// errSuspended what a loss by a suspended connection wraps.
	errLost, errSuspended error
	// dirs are the directories under the path that hold the contenders'
	// nodes ("" for the path itself, the default).
	dirs []string
	// limit is how many grants may be held at once (0: as many as
	// shared grants allow; see history.check).
	limit int
	// handover, if set, bounds every graceful hand-over outside the
	// fault: from a release to the next grant.
	handover time.Duration
}

// nodeDirs returns the directories holding the contenders' nodes under p.
func (r recipe) nodeDirs(p string) []string {
	if len(r.dirs) == 0 {
		return []string{p}
	}
	out := make([]string, len(r.dirs))
	for i, d := range r.dirs {
		out[i] = path.Join(p, d)
	}
	return out
}

// grant is what the runner needs of a *lock.Hold or an
// *election.Leadership.
type grant interface {
	Token() int64
	Node() string
	Lost() <-chan struct{}
	Err() error
	release(ctx context.Context) error
	// shared reports whether the grant may overlap other shared ones
	// (a read lock's).
	shared() bool
}

// lockHold is a hold of a Mutex or of either side of an RWMutex.
type lockHold struct {
	*lock.Hold
	read bool // an RWMutex's read lock
}

func (h lockHold) release(ctx context.Context) error { return h.Unlock(ctx) }
func (h lockHold) shared() bool                      { return h.read }

// lease is a lease of a Semaphore: leases are shared, up to the limit.
type lease struct{ *lock.Lease }

func (l lease) release(ctx context.Context) error { return l.Release(ctx) }
func (l lease) shared() bool                      { return true }

type leadership struct{ *election.Leadership }

func (l leadership) Token() int64                      { return l.Term() }
func (l leadership) release(ctx context.Context) error { return l.Resign(ctx) }
func (l leadership) shared() bool                      { return false }

var (
	mutexRecipe = recipe{
		name:         "mutex",
		errLost:      lock.ErrLost,
		errSuspended: lock.ErrSuspended,
		acquire: func(ctx context.Context, conn *zk.Conn, path string, _, _ int) (grant, error) {
			m, err := lock.New(conn, path)
			if err != nil {
				return nil, err
			}
			h, err := m.Lock(ctx)
			if err != nil {
				return nil, err
			}
			return lockHold{Hold: h}, nil
		},
	}
	electionRecipe = recipe{
		name:         "election",
		errLost:      election.ErrLost,
		errSuspended: election.ErrSuspended,
		handover:     200 * time.Millisecond, // the bound after a Resign
		acquire: func(ctx context.Context, conn *zk.Conn, path string, id, _ int) (grant, error) {
			e, err := election.New(conn, path)
			if err != nil {
				return nil, err
			}
			l, err := e.Campaign(ctx, fmt.Appendf(nil, "candidate-%d", id))
			if err != nil {
				return nil, err
			}
			return leadership{l}, nil
		},
	}
	// rwMutexRecipe reads on every other grant of each contender, writes
	// on the others, starting with a read for even ids: the fault's victim
	// (contender 0, its first grant) is a reader, whose loss must be
	// learnt before a writer is granted, and the faults meet both kinds
	// waiting.
	rwMutexRecipe = recipe{
		name:         "rwmutex",
		errLost:      lock.ErrLost,
		errSuspended: lock.ErrSuspended,
		acquire: func(ctx context.Context, conn *zk.Conn, path string, id, n int) (grant, error) {
			m, err := lock.NewRWMutex(conn, path)
			if err != nil {
				return nil, err
			}
			read := (id+n)%2 == 0
			take := m.Lock
			if read {
				take = m.RLock
			}
			h, err := take(ctx)
			if err != nil {
				return nil, err
			}
			return lockHold{h, read}, nil
		},
	}
	// semaphoreRecipe takes leases of a Semaphore of faultLeases: its
	// nodes are in "locks" (the internal mutex) and "leases".
	semaphoreRecipe = recipe{
		name:         "semaphore",
		errLost:      lock.ErrLost,
		errSuspended: lock.ErrSuspended,
		dirs:         []string{"locks", "leases"},
		limit:        faultLeases,
		acquire: func(ctx context.Context, conn *zk.Conn, path string, _, _ int) (grant, error) {
			s, err := lock.NewSemaphore(conn, path, faultLeases)
			if err != nil {
				return nil, err
			}
			l, err := s.Acquire(ctx)
			if err != nil {
				return nil, err
			}
			return lease{l}, nil
		},
	}
)

// faultLeases is the limit of the semaphore under faults.
const faultLeases = 2

// contender is one client of the lock or election in a fault scenario. It
// reaches each ensemble member through a proxy of its own, so that a fault
// can cut it alone. When its session ends it dials a new one, as a program
// would.
type contender struct {
	id      int
	proxies []*zktest.Proxy
	conn    *zk.Conn // the current session; only the contender's goroutine replaces it
	conns   []*zk.Conn
}

// newContender makes contender id with one proxy per member of e; the
// proxies and every session it dials are closed by t.Cleanup.
func newContender(t *testing.T, e *zktest.Ensemble, id int) *contender {
	c := &contender{id: id}
	for _, addr := range e.Servers() {
		c.proxies = append(c.proxies, zktest.NewProxy(t, addr))
	}
	t.Cleanup(func() {
		for _, conn := range c.conns {
			_ = conn.Close()
		}
	})
	return c
}

// dial opens a new session through the contender's proxies.
func (c *contender) dial(ctx context.Context) error {
	addrs := make([]string, len(c.proxies))
	for i, p := range c.proxies {
		addrs[i] = p.Addr()
	}
	dctx, cancel := context.WithTimeout(ctx, opTimeout)
	defer cancel()
	conn, err := zk.Dial(dctx, addrs, zk.WithSessionTimeout(faultSessionTimeout), zk.WithConnectTimeout(time.Second))
	if err != nil {
		return fmt.Errorf("contender %d: dial: %w", c.id, err)
	}
	c.conn = conn
	c.conns = append(c.conns, conn)
	return nil
}

// each applies f to every proxy of the contender.
func (c *contender) each(f func(*zktest.Proxy)) {
	for _, p := range c.proxies {
		f(p)
	}
}

// hooks inject a scenario's fault from the contender's goroutine, at a
// moment of the scenario's choosing; either may be nil. before runs before
// the contender's n-th acquisition (from 0), onGrant right after its n-th
// grant was recorded. An error is a problem of the run.
type hooks struct {
	before  func(ctx context.Context, c *contender, n int) error
	onGrant func(ctx context.Context, c *contender, n int, g grant, rec *grantRecord) error
}

// faultRun is one run of contenders through one fault scenario.
type faultRun struct {
	recipe recipe
	path   string
	hist   *history
	hooks  hooks
	hold   time.Duration // how long a contender holds each grant, unless lost
	rounds int           // grants per contender
}

// run makes contender c take the lock (or lead) rounds times, holding each
// grant for r.hold or until it is lost, then releasing it. Failed
// acquisitions are retried, on a new session if the old one ended. It
// records every grant and problem in r.hist and never fails the test.
func (r *faultRun) run(ctx context.Context, c *contender) {
	for n := 0; n < r.rounds; {
		if ctx.Err() != nil {
			r.hist.problem("contender %d: gave up after %d grants: %v", c.id, n, ctx.Err())
			return
		}
		if c.conn == nil || c.conn.Err() != nil {
			if err := c.dial(ctx); err != nil {
				r.hist.problem("%v", err)
				return
			}
		}
		if r.hooks.before != nil {
			if err := r.hooks.before(ctx, c, n); err != nil {
				r.hist.problem("contender %d: before grant %d: %v", c.id, n, err)
			}
		}
		asked := time.Now()
		g, err := r.recipe.acquire(ctx, c.conn, r.path, c.id, n)
		if err != nil {
			// A fault may fail an acquisition (a lost connection, an
			// expired session): wait until the session is connected or
			// over, then try again.
			conn := c.conn
			_ = zktest.WaitUntil(ctx, func() bool { return conn.State() == zk.StateConnected || conn.Err() != nil })
			continue
		}
		rec := r.hist.grant(c.id, g.Token(), g.Node(), g.shared(), asked, time.Now())
		n++
		watched := make(chan struct{})
		go func() {
			defer close(watched)
			select {
			case <-g.Lost():
				r.hist.lost(rec, time.Now(), g.Err())
			case <-ctx.Done():
			}
		}()
		if r.hooks.onGrant != nil {
			if err := r.hooks.onGrant(ctx, c, n-1, g, rec); err != nil {
				r.hist.problem("contender %d: on grant %d: %v", c.id, n-1, err)
			}
		}
		timer := time.NewTimer(r.hold)
		select {
		case <-g.Lost():
		case <-timer.C:
		case <-ctx.Done():
		}
		timer.Stop()
		r.hist.releasing(rec, time.Now())
		r.release(ctx, c, g)
		<-watched
	}
}

// release releases g, retrying until it is done: released, reported lost,
// or the session is over (its nodes went with it).
func (r *faultRun) release(ctx context.Context, c *contender, g grant) {
	conn := c.conn
	for {
		err := g.release(ctx)
		switch {
		case err == nil, errors.Is(err, r.recipe.errLost), conn.Err() != nil:
			return
		case ctx.Err() != nil:
			r.hist.problem("contender %d: release %s: %v", c.id, g.Node(), err)
			return
		}
		_ = zktest.WaitUntil(ctx, func() bool { return conn.State() == zk.StateConnected || conn.Err() != nil })
	}
}
