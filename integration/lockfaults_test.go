package integration

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"path"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/coordkit/coordkit/zk"
	"github.com/coordkit/coordkit/zk/zktest"
)

// Sizes of a fault run: by default a few contenders, a few grants each, so
// that the faults meet contenders waiting and make test stays short; the
// flags make larger runs (-faults.contenders 8 -faults.rounds 25
// -faults.repeat 5).
var (
	faultContenders = flag.Int("faults.contenders", 4, "TestLockFaults, TestElectionFaults, TestRWMutexFaults, TestSemaphoreFaults: contenders per run")
	faultRounds     = flag.Int("faults.rounds", 4, "TestLockFaults, TestElectionFaults, TestRWMutexFaults, TestSemaphoreFaults: grants each contender takes per run")
	faultRepeat     = flag.Int("faults.repeat", 1, "TestLockFaults, TestElectionFaults, TestRWMutexFaults, TestSemaphoreFaults: runs of every fault scenario")
)

const (
	faultHold = 30 * time.Millisecond
	// faultRunTimeout bounds a run of the default size; larger runs get
	// proportionally more.
	faultRunTimeout = 90 * time.Second
)

// TestLockFaults runs contenders for a lock.Mutex on the 3-member ensemble
// through each fault, checking the grant history: tokens strictly
// increase, no two holders overlap (a holder whose hold was lost counts
// until it learnt so), every contender gets every grant it asks for, and
// no lock node remains.
func TestLockFaults(t *testing.T) { testFaults(t, mutexRecipe) }

// TestElectionFaults is TestLockFaults for candidates of an
// election.Election: at most one leader at any time, terms increasing.
func TestElectionFaults(t *testing.T) { testFaults(t, electionRecipe) }

// TestRWMutexFaults is TestLockFaults for readers and writers of a
// lock.RWMutex: readers may hold together, a writer holds alone, and
// tokens increase across every writer.
func TestRWMutexFaults(t *testing.T) { testFaults(t, rwMutexRecipe) }

// TestSemaphoreFaults is TestLockFaults for the leases of a
// lock.Semaphore: at most its limit held at once.
func TestSemaphoreFaults(t *testing.T) { testFaults(t, semaphoreRecipe) }

func testFaults(t *testing.T, r recipe) {
	e := ensemble(t)
	timed := 0 // hand-overs timed, over every scenario
	for _, sc := range faultScenarios {
		for range *faultRepeat {
			t.Run(sc.name, func(t *testing.T) { timed += runFaultScenario(t, e, r, sc) })
		}
	}
	if r.handover > 0 {
		assert.Positive(t, timed, "graceful hand-overs timed outside the faults")
	}
}

// faultScenario injects one fault through hooks on the victim contender.
type faultScenario struct {
	name  string
	hooks func(f *faultEnv) hooks
}

// faultEnv is what a scenario's hooks work with.
type faultEnv struct {
	e      *zktest.Ensemble
	obs    *zk.Conn // a session of its own, on every member
	recipe recipe
	path   string
	hist   *history
	victim int // the contender the fault hits

	bg       sync.WaitGroup // background work of the fault, awaited before the checks
	injected atomic.Bool    // the fault happened
}

// hits reports whether contender c's n-th grant (or acquisition) carries
// the fault: the victim's first, so that the others still have grants to
// take and are waiting when it strikes.
func (f *faultEnv) hits(c *contender, n int) bool { return c.id == f.victim && n == 0 }

// waitLost waits (bounded) until g's holder learns the hold is lost, and
// checks that it was reported as lost.
func (f *faultEnv) waitLost(ctx context.Context, g grant) error {
	ctx, cancel := context.WithTimeout(ctx, eventTimeout)
	defer cancel()
	select {
	case <-g.Lost():
	case <-ctx.Done():
		return fmt.Errorf("hold %s not lost: %w", g.Node(), ctx.Err())
	}
	if err := g.Err(); !errors.Is(err, f.recipe.errLost) {
		return fmt.Errorf("hold %s: Err %v after the fault, want %v", g.Node(), err, f.recipe.errLost)
	}
	return nil
}

// synced makes the observer's next reads see every write the ensemble's
// leader applied before now: the observer may be on a follower that lags.
func (f *faultEnv) synced(ctx context.Context) error {
	_, err := f.obs.Sync(ctx, f.path)
	return err
}

// gone reports whether node no longer exists, as the leader sees it.
func (f *faultEnv) gone(ctx context.Context, node string) bool {
	if f.synced(ctx) != nil {
		return false
	}
	_, ok, err := f.obs.Exists(ctx, node)
	return err == nil && !ok
}

// owned returns the lock's child nodes that session sid owns.
func (f *faultEnv) owned(ctx context.Context, sid int64) ([]string, error) {
	if err := f.synced(ctx); err != nil {
		return nil, err
	}
	var mine []string
	for _, dir := range f.recipe.nodeDirs(f.path) {
		kids, _, err := f.obs.Children(ctx, dir)
		if err != nil {
			return nil, err
		}
		for _, k := range kids {
			st, ok, err := f.obs.Exists(ctx, path.Join(dir, k))
			if err != nil {
				return nil, err
			}
			if ok && st.EphemeralOwner == sid {
				mine = append(mine, path.Join(dir, k))
			}
		}
	}
	return mine, nil
}

var faultScenarios = []faultScenario{
	{name: "KillLeader", hooks: killLeader},
	{name: "Blackhole", hooks: blackhole},
	{name: "ExpireSession", hooks: expireSession},
	{name: "DropCreateReply", hooks: dropCreateReply},
}

// rejoinSettle is how long after a restarted member is back in the quorum
// the ensemble may still be slow from its rejoining.
const rejoinSettle = time.Second

// killLeader kills -9 the ZooKeeper leader while the victim holds, and
// restarts it in the background while the contenders go on. Every member
// drops its clients when the leader goes, so the victim's hold is lost
// (suspended) while its session and node live on until it unlocks.
func killLeader(f *faultEnv) hooks {
	return hooks{onGrant: func(ctx context.Context, c *contender, n int, g grant, rec *grantRecord) error {
		if !f.hits(c, n) {
			return nil
		}
		leader, err := f.e.Leader(ctx)
		if err != nil {
			return err
		}
		f.hist.faulted(rec, fmt.Sprintf("kill leader (member %d)", leader), false)
		f.e.Member(leader).Kill()
		f.injected.Store(true)
		f.bg.Add(1)
		go func() {
			defer f.bg.Done()
			rctx, cancel := context.WithTimeout(ctx, startTimeout)
			defer cancel()
			if err := f.e.Member(leader).Restart(rctx); err != nil {
				f.hist.problem("restart member %d: %v", leader, err)
			}
			if err := f.e.WaitQuorum(rctx); err != nil {
				f.hist.problem("quorum after the restart of member %d: %v", leader, err)
			}
			// The member says it follows before it has caught up with the
			// leader, which may hold commits back meanwhile.
			f.hist.faultSpan(time.Now().Add(rejoinSettle))
		}()
		return f.waitLost(ctx, g)
	}}
}

// blackhole partitions the victim while it holds (all of its proxies
// forward nothing) until the server has expired its session, then lets it
// reconnect and learn of the expiry. The holder must step down (Lost)
// before the server expires the session and grants the lock to another.
func blackhole(f *faultEnv) hooks {
	return hooks{onGrant: func(ctx context.Context, c *contender, n int, g grant, rec *grantRecord) error {
		if !f.hits(c, n) {
			return nil
		}
		f.hist.faulted(rec, "blackhole", false)
		c.each((*zktest.Proxy).Blackhole)
		f.injected.Store(true)
		// The server expires the session and deletes its node; then the
		// holder may reconnect and learn of the expiry, if it has not
		// stepped down already.
		err := zktest.WaitUntil(ctx, func() bool { return f.gone(ctx, g.Node()) })
		c.each((*zktest.Proxy).Pass)
		f.hist.faultSpan(time.Now())
		if err != nil {
			return fmt.Errorf("the session of hold %s did not expire: %w", g.Node(), err)
		}
		if err := f.waitLost(ctx, g); err != nil {
			return err
		}
		if err := g.Err(); !errors.Is(err, f.recipe.errSuspended) {
			return fmt.Errorf("hold %s lost with %v, want a suspension first", g.Node(), err)
		}
		return nil
	}}
}

// expireSession expires the victim's session on the server while it
// holds, through the member it is connected to: that member closes the
// victim's connection when the session is re-attached, just before the
// session is closed, so the victim learns of it about as the server deletes
// its node; the history allows it forcedSlack.
func expireSession(f *faultEnv) hooks {
	return hooks{onGrant: func(ctx context.Context, c *contender, n int, g grant, rec *grantRecord) error {
		if !f.hits(c, n) {
			return nil
		}
		f.hist.faulted(rec, "expire session", true)
		member := f.e.Servers()[0]
		for _, p := range c.proxies {
			if p.Addr() == c.conn.Server() {
				member = p.Target()
			}
		}
		err := zktest.ExpireSession(ctx, member, c.conn.SessionID(), c.conn.SessionPassword())
		if err != nil {
			return err
		}
		f.injected.Store(true)
		return f.waitLost(ctx, g)
	}}
}

// dropCreateReply drops every reply to the victim from just before its
// first acquisition until the server has applied its create, then resets
// its connection: the create happened but its reply was lost. The victim
// must find its node again and hold exactly one.
func dropCreateReply(f *faultEnv) hooks {
	var sid int64
	return hooks{
		before: func(ctx context.Context, c *contender, n int) error {
			if !f.hits(c, n) {
				return nil
			}
			sid = c.conn.SessionID()
			c.each((*zktest.Proxy).DropReplies)
			f.hist.faultSpan(time.Now())
			f.bg.Add(1)
			go func() {
				defer f.bg.Done()
				defer c.each((*zktest.Proxy).Pass)
				err := zktest.WaitUntil(ctx, func() bool {
					mine, err := f.owned(ctx, sid)
					return err == nil && len(mine) > 0
				})
				if err != nil {
					f.hist.problem("contender %d: its create was not applied: %v", c.id, err)
					return
				}
				f.injected.Store(true)
				c.each((*zktest.Proxy).Reset)
				f.hist.faultSpan(time.Now())
			}()
			return nil
		},
		onGrant: func(ctx context.Context, c *contender, n int, g grant, rec *grantRecord) error {
			if !f.hits(c, n) {
				return nil
			}
			f.hist.faulted(rec, "dropped create reply", false)
			if c.conn.SessionID() != sid {
				return fmt.Errorf("the session changed during the dropped create (0x%x, then 0x%x)", sid, c.conn.SessionID())
			}
			var mine []string
			err := retry(ctx, func(ctx context.Context) error {
				var err error
				mine, err = f.owned(ctx, sid)
				return err
			})
			if err != nil {
				return err
			}
			if len(mine) != 1 || mine[0] != g.Node() {
				return fmt.Errorf("nodes of the session after the dropped create reply: %v, want only %s", mine, g.Node())
			}
			return nil
		},
	}
}

// runFaultScenario runs the contenders of recipe r through one fault and
// checks the history. It returns how many hand-overs it timed (see
// recipe.handover).
func runFaultScenario(t *testing.T, e *zktest.Ensemble, r recipe, sc faultScenario) int {
	for i := range e.Size() {
		restoreMember(t, e, i)
	}
	start := time.Now()
	contenders, rounds := *faultContenders, *faultRounds
	ctx := ctxFor(t, faultRunTimeout*time.Duration(max(1, contenders*rounds/16)))
	f := &faultEnv{
		e:      e,
		obs:    dial(t, e.Servers()),
		recipe: r,
		path:   uniquePath(t),
		hist:   &history{},
	}
	// The directory exists beforehand, so that the first creates under it
	// are the contenders' own (the reply dropped is that of the create).
	mustCreate(t, f.obs, f.path, nil)
	for _, dir := range r.nodeDirs(f.path) {
		if dir != f.path {
			mustCreate(t, f.obs, dir, nil)
		}
	}
	run := &faultRun{recipe: r, path: f.path, hist: f.hist, hooks: sc.hooks(f), hold: faultHold, rounds: rounds}

	var wg sync.WaitGroup
	for id := range contenders {
		c := newContender(t, e, id)
		wg.Add(1)
		go func() {
			defer wg.Done()
			run.run(ctx, c)
		}()
	}
	wg.Wait()
	f.bg.Wait()
	t.Logf("%s %s: %d grants in %v:\n%s", r.name, sc.name, contenders*rounds, time.Since(start).Round(time.Millisecond), f.hist)

	assert.True(t, f.injected.Load(), "the fault was injected")
	bad, maxHeld := f.hist.check(contenders, rounds, r.limit)
	if len(bad) > 0 {
		assert.Empty(t, bad, "history:\n%s", f.hist)
	}
	var hs []time.Duration
	if r.handover > 0 {
		// A run short enough may have none outside the fault.
		hs = f.hist.handovers()
		if len(hs) > 0 {
			slowest := slices.Max(hs)
			t.Logf("%d graceful hand-overs outside the fault, the slowest %v", len(hs), slowest)
			assert.Less(t, slowest, r.handover, "a graceful hand-over outside the fault; history:\n%s", f.hist)
		}
	}
	if r.limit > 1 {
		// Contenders that always wait for a lease fill every one of them.
		assert.Equal(t, r.limit, maxHeld, "grants held at once at most; history:\n%s", f.hist)
	}
	for _, dir := range r.nodeDirs(f.path) {
		var kids []string
		require.NoError(t, retry(ctx, func(ctx context.Context) error {
			if err := f.synced(ctx); err != nil {
				return err
			}
			var err error
			kids, _, err = f.obs.Children(ctx, dir)
			return err
		}))
		assert.Empty(t, kids, "no orphan node remains under %s", dir)
	}
	require.NoError(t, e.WaitQuorum(ctxFor(t, startTimeout)))
	return len(hs)
}
