package election_test

import (
	"context"
	"fmt"
	"path"
	"regexp"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/coordkit/coordkit/recipes/election"
	"github.com/coordkit/coordkit/recipes/internal/recipetest"
	"github.com/coordkit/coordkit/zk"
	"github.com/coordkit/coordkit/zk/zktest"
)

// latchNodeName is the layout of a candidate node: Curator's protected
// LeaderLatch name.
var latchNodeName = regexp.MustCompile(`^_c_[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}-latch-[0-9]{10}$`)

func TestNewValidates(t *testing.T) {
	recipetest.RequireNewValidates(t, election.New,
		[]recipetest.BadOption[election.Option]{
			{Name: "negative grace", Option: election.WithSuspendGrace(-time.Second)},
			{Name: "empty ACL", Option: election.WithACL(nil)},
			{Name: "zero cleanup", Option: election.WithCleanupTimeout(0)},
		},
		election.WithSuspendGrace(time.Second), election.WithCleanupTimeout(time.Second),
		election.WithACL(zk.OpenACL), election.WithIgnoreSuspension())
}

func TestCampaignResign(t *testing.T) {
	servers.Each(t, func(t *testing.T, srv *zktest.Server) {
		ctx := recipetest.Context(t, recipetest.OpTimeout)
		c := recipetest.Dial(t, srv.Addr())
		p := recipetest.UniquePath(t)
		e := newElection(t, c, p)

		l := campaignNow(t, e, "alice")
		kids := recipetest.Children(t, c, p)
		require.Len(t, kids, 1)
		assert.Equal(t, p+"/"+kids[0], l.Node())
		assert.Regexp(t, latchNodeName, kids[0])
		data, st, err := c.Get(ctx, l.Node())
		require.NoError(t, err)
		assert.Equal(t, "alice", string(data), "the value is the node's data")
		assert.Equal(t, "alice", string(l.Value()))
		assert.Equal(t, st.Czxid, l.Term(), "the term is the node's czxid")
		assert.Equal(t, c.SessionID(), st.EphemeralOwner, "the node is ephemeral, of the session")
		recipetest.RequireHeld(t, l, "after Campaign")

		// A fenced write applies while leading.
		_, err = c.Multi(ctx, l.Fence(), zk.CreateOp(p+"-data", []byte("1"), zk.ModePersistent))
		require.NoError(t, err)
		require.NoError(t, c.Delete(ctx, p+"-data", zk.AnyVersion))

		require.NoError(t, l.Resign(ctx))
		assert.Empty(t, recipetest.Children(t, c, p), "Resign deletes the node")
		recipetest.RequireLost(t, l, "Lost closes on Resign")
		assert.ErrorIs(t, l.Err(), election.ErrNotLeader)
		assert.ErrorIs(t, l.Resign(ctx), election.ErrNotLeader, "a second Resign")
		assert.ErrorIs(t, e.Resign(ctx), election.ErrNotLeader, "the Election leads no more")
		_, err = c.Multi(ctx, l.Fence(), zk.CreateOp(p+"-data", []byte("2"), zk.ModePersistent))
		require.ErrorIs(t, err, zk.ErrNoNode, "a fenced write fails after Resign")

		// Election.Resign resigns the latest leadership.
		l2 := campaignNow(t, e, "alice")
		assert.Greater(t, l2.Term(), l.Term())
		require.NoError(t, e.Resign(ctx))
		assert.ErrorIs(t, l2.Err(), election.ErrNotLeader)
		assert.Empty(t, recipetest.Children(t, c, p))
	})
}

func TestLeader(t *testing.T) {
	servers.Each(t, func(t *testing.T, srv *zktest.Server) {
		ctx := recipetest.Context(t, recipetest.OpTimeout)
		c1, c2 := recipetest.Dial(t, srv.Addr()), recipetest.Dial(t, srv.Addr())
		p := recipetest.UniquePath(t)
		e1, e2 := newElection(t, c1, p), newElection(t, c2, p)

		_, err := e2.Leader(ctx)
		require.ErrorIs(t, err, election.ErrNoLeader, "no directory yet")

		l1 := campaignNow(t, e1, "one")
		got, err := e2.Leader(ctx)
		require.NoError(t, err)
		assert.Equal(t, "one", string(got))

		done := campaignAsync(ctx, e2, "two")
		recipetest.WaitChildren(t, c1, p, 2)
		got, err = e1.Leader(ctx)
		require.NoError(t, err)
		assert.Equal(t, "one", string(got), "a waiting candidate does not lead")

		require.NoError(t, l1.Resign(ctx))
		r := recipetest.Receive(t, done, "the second candidate")
		require.NoError(t, r.Err)
		got, err = e1.Leader(ctx)
		require.NoError(t, err)
		assert.Equal(t, "two", string(got))

		require.NoError(t, r.Value.Resign(ctx))
		_, err = e1.Leader(ctx)
		require.ErrorIs(t, err, election.ErrNoLeader, "after the last resigned")
		assert.Empty(t, recipetest.Children(t, c1, p))
	})
}

// TestResignHandsOverQuickly checks that after a graceful Resign the next
// candidate leads within the 200 ms, over several handovers.
func TestResignHandsOverQuickly(t *testing.T) {
	servers.Each(t, func(t *testing.T, srv *zktest.Server) {
		const n = 4
		ctx := recipetest.Context(t, recipetest.OpTimeout)
		p := recipetest.UniquePath(t)
		var es []*election.Election
		for range n {
			es = append(es, newElection(t, recipetest.Dial(t, srv.Addr()), p))
		}
		obs := recipetest.Dial(t, srv.Addr())

		l := campaignNow(t, es[0], "c0")
		for i := 1; i < n; i++ {
			done := campaignAsync(ctx, es[i], fmt.Sprintf("c%d", i))
			recipetest.WaitChildren(t, obs, p, 2) // the next candidate waits behind the leader

			start := time.Now()
			require.NoError(t, l.Resign(ctx))
			r := recipetest.Receive(t, done, fmt.Sprintf("candidate %d", i))
			took := time.Since(start)
			require.NoError(t, r.Err)
			t.Logf("handover %d: %v", i, took)
			assert.Less(t, took, handover, "handover %d took %v", i, took)
			assert.Greater(t, r.Value.Term(), l.Term())
			l = r.Value
		}
		require.NoError(t, l.Resign(ctx))
		assert.Empty(t, recipetest.Children(t, obs, p), "no orphan nodes")
	})
}

func TestCampaignCancelRemovesNode(t *testing.T) {
	servers.Each(t, func(t *testing.T, srv *zktest.Server) {
		ctx := recipetest.Context(t, recipetest.OpTimeout)
		c1, c2 := recipetest.Dial(t, srv.Addr()), recipetest.Dial(t, srv.Addr())
		p := recipetest.UniquePath(t)
		l := campaignNow(t, newElection(t, c1, p), "leader")
		e2 := newElection(t, c2, p)

		wctx, cancel := context.WithCancel(ctx)
		done := campaignAsync(wctx, e2, "waiter")
		recipetest.WaitChildren(t, c1, p, 2)
		cancel()
		r := recipetest.Receive(t, done, "after its ctx was cancelled")
		require.ErrorIs(t, r.Err, context.Canceled)
		assert.Nil(t, r.Value)
		assert.Equal(t, []string{path.Base(l.Node())}, recipetest.Children(t, c1, p), "the candidate's node is gone when Campaign returns")

		// A ctx that ended before Campaign sends nothing.
		_, err := e2.Campaign(wctx, []byte("late"))
		require.ErrorIs(t, err, context.Canceled)
		assert.Len(t, recipetest.Children(t, c1, p), 1)

		// A deadline ends a campaign the same way.
		dctx, dcancel := context.WithTimeout(ctx, 200*time.Millisecond)
		defer dcancel()
		_, err = e2.Campaign(dctx, []byte("deadline"))
		require.ErrorIs(t, err, context.DeadlineExceeded)
		assert.Len(t, recipetest.Children(t, c1, p), 1)

		require.NoError(t, l.Resign(ctx))
		assert.Empty(t, recipetest.Children(t, c1, p))
	})
}

// term is one leadership as the checker saw it.
type term struct {
	who        int
	term       int64
	start, end time.Time
}

// TestOneLeaderAtATime runs several candidates, each campaigning and
// resigning in turn, some through one session, and checks the history:
// the leaderships' intervals never overlap and their terms strictly
// increase in the order they began. An observer meanwhile sees leaders of
// that history only, in increasing terms.
func TestOneLeaderAtATime(t *testing.T) {
	servers.Each(t, func(t *testing.T, srv *zktest.Server) {
		const (
			candidates = 5
			rounds     = 4
		)
		ctx := recipetest.Context(t, 2*recipetest.OpTimeout)
		p := recipetest.UniquePath(t)
		shared := recipetest.Dial(t, srv.Addr())
		octx, stopObserving := context.WithCancel(ctx)
		defer stopObserving()
		events := newElection(t, recipetest.Dial(t, srv.Addr()), p).Observe(octx)
		observed := make(chan []election.LeaderEvent, 1)
		go func() {
			var seen []election.LeaderEvent
			for ev := range events {
				seen = append(seen, ev)
			}
			observed <- seen
		}()
		var (
			mu      sync.Mutex
			history []term
			wg      sync.WaitGroup
			errs    = make(chan error, candidates)
		)
		for i := range candidates {
			c := shared // two candidates share a session
			if i >= 2 {
				c = recipetest.Dial(t, srv.Addr())
			}
			e := newElection(t, c, p)
			wg.Add(1)
			go func() {
				defer wg.Done()
				for range rounds {
					l, err := e.Campaign(ctx, []byte(fmt.Sprint(i)))
					if err != nil {
						errs <- err
						return
					}
					start := time.Now()
					time.Sleep(2 * time.Millisecond) // lead a little
					if l.Err() != nil {
						errs <- l.Err()
						return
					}
					end := time.Now()
					mu.Lock()
					history = append(history, term{who: i, term: l.Term(), start: start, end: end})
					mu.Unlock()
					if err := l.Resign(ctx); err != nil {
						errs <- err
						return
					}
				}
			}()
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			require.NoError(t, err)
		}
		require.Len(t, history, candidates*rounds)
		slices.SortFunc(history, func(a, b term) int { return a.start.Compare(b.start) })
		for i := 1; i < len(history); i++ {
			prev, cur := history[i-1], history[i]
			assert.True(t, cur.start.After(prev.end), "leader %d (term %d) began before leader %d (term %d) ended",
				cur.who, cur.term, prev.who, prev.term)
			assert.Greater(t, cur.term, prev.term, "terms increase")
		}
		assert.Empty(t, recipetest.Children(t, shared, p), "no orphan nodes")

		stopObserving()
		seen := <-observed
		terms := make(map[int64]bool)
		for _, h := range history {
			terms[h.term] = true
		}
		var last int64
		leaders := 0
		for _, ev := range seen {
			require.NoError(t, ev.Err)
			if !ev.HasLeader() {
				continue
			}
			leaders++
			assert.True(t, terms[ev.Term], "observed term %d is in the history", ev.Term)
			assert.Greater(t, ev.Term, last, "observed terms increase")
			last = ev.Term
		}
		assert.Positive(t, leaders, "the observer saw leaders")
		t.Logf("%d leaderships, %d observed", len(history), leaders)
	})
}
