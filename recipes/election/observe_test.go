package election_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/coordkit/coordkit/recipes/election"
	"github.com/coordkit/coordkit/recipes/internal/recipetest"
	"github.com/coordkit/coordkit/zk"
	"github.com/coordkit/coordkit/zk/zktest"
)

func TestReasonString(t *testing.T) {
	for r, want := range map[election.Reason]string{
		election.ReasonNone: "none", election.ReasonResigned: "resigned",
		election.ReasonDeleted: "deleted", election.ReasonUnknown: "unknown",
		election.Reason(9): "Reason(9)",
	} {
		assert.Equal(t, want, r.String())
	}
}

// TestObserve follows an election through every kind of change: a first
// leader, a resignation, a deleted node, an expired session, an empty
// election and a new leader.
func TestObserve(t *testing.T) {
	servers.Each(t, func(t *testing.T, srv *zktest.Server) {
		ctx := recipetest.Context(t, recipetest.OpTimeout)
		p := recipetest.UniquePath(t)
		admin := recipetest.Dial(t, srv.Addr())
		ca, cb, cc := recipetest.Dial(t, srv.Addr()), recipetest.Dial(t, srv.Addr()), recipetest.Dial(t, srv.Addr())
		ea, eb, ec := newElection(t, ca, p), newElection(t, cb, p), newElection(t, cc, p)
		octx, stop := context.WithCancel(ctx)
		defer stop()
		events := newElection(t, admin, p).Observe(octx)

		ev := nextEvent(t, events, "the initial state")
		assert.False(t, ev.HasLeader(), "no leader before any campaign: %+v", ev)
		assert.Equal(t, election.ReasonNone, ev.Reason)
		require.NoError(t, ev.Err)

		la := campaignNow(t, ea, "a")
		ev = nextEvent(t, events, "the first leader")
		assert.Equal(t, election.LeaderEvent{Value: []byte("a"), Node: la.Node(), Term: la.Term()}, ev)

		doneB := campaignAsync(ctx, eb, "b")
		recipetest.WaitChildren(t, admin, p, 2)
		doneC := campaignAsync(ctx, ec, "c")
		recipetest.WaitChildren(t, admin, p, 3)

		require.NoError(t, la.Resign(ctx))
		rb := recipetest.Receive(t, doneB, "b after a resigned")
		require.NoError(t, rb.Err)
		ev = nextEvent(t, events, "b after a resigned")
		assert.Equal(t, election.LeaderEvent{Value: []byte("b"), Node: rb.Value.Node(), Term: rb.Value.Term(), Reason: election.ReasonResigned}, ev)

		require.NoError(t, admin.Delete(ctx, rb.Value.Node(), zk.AnyVersion))
		rc := recipetest.Receive(t, doneC, "c after b's node was deleted")
		require.NoError(t, rc.Err)
		ev = nextEvent(t, events, "c after b's node was deleted")
		assert.Equal(t, election.LeaderEvent{Value: []byte("c"), Node: rc.Value.Node(), Term: rc.Value.Term(), Reason: election.ReasonDeleted}, ev)
		recipetest.RequireLost(t, rb.Value, "b, whose node was deleted")

		require.NoError(t, zktest.ExpireSession(ctx, srv.Addr(), cc.SessionID(), cc.SessionPassword()))
		ev = nextEvent(t, events, "no leader after c's session expired")
		assert.Equal(t, election.LeaderEvent{Reason: election.ReasonDeleted}, ev)
		recipetest.RequireLost(t, rc.Value, "c, whose session expired")

		ld := campaignNow(t, ea, "d")
		ev = nextEvent(t, events, "a new leader after none")
		assert.Equal(t, election.LeaderEvent{Value: []byte("d"), Node: ld.Node(), Term: ld.Term()}, ev)
		assert.Greater(t, ld.Term(), rc.Value.Term())

		require.NoError(t, ld.Resign(ctx))
		ev = nextEvent(t, events, "no leader after d resigned")
		assert.Equal(t, election.LeaderEvent{Reason: election.ReasonResigned}, ev)

		stop()
		for range events { // drained until closed
		}
		_ = rb.Value.Resign(ctx)
		assert.Empty(t, recipetest.Children(t, admin, p), "no orphan nodes")
	})
}

// TestObserveEndsWithSession checks that an observation whose session ends
// says so in a last event before its channel closes.
func TestObserveEndsWithSession(t *testing.T) {
	servers.Each(t, func(t *testing.T, srv *zktest.Server) {
		ctx := recipetest.Context(t, recipetest.OpTimeout)
		c := recipetest.Dial(t, srv.Addr())
		p := recipetest.UniquePath(t)
		l := campaignNow(t, newElection(t, c, p), "x")
		events := newElection(t, c, p).Observe(ctx)
		ev := nextEvent(t, events, "the leader")
		assert.Equal(t, "x", string(ev.Value))

		require.NoError(t, c.Close())
		ev = nextEvent(t, events, "the end of the session")
		require.ErrorIs(t, ev.Err, zk.ErrClosed)
		assert.False(t, ev.HasLeader())
		_, open := <-events
		assert.False(t, open, "the channel is closed after the last event")
		recipetest.RequireLost(t, l, "the leader, whose session was closed")
	})
}
