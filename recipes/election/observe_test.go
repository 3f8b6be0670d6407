package election_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/coordkit/coordkit/recipes/election"
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
		ctx := ctxFor(t, opTimeout)
		p := uniquePath(t)
		admin := dial(t, srv.Addr())
		ca, cb, cc := dial(t, srv.Addr()), dial(t, srv.Addr()), dial(t, srv.Addr())
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
		waitChildren(t, admin, p, 2)
		doneC := campaignAsync(ctx, ec, "c")
		waitChildren(t, admin, p, 3)

		require.NoError(t, la.Resign(ctx))
		rb := awaitCampaign(t, doneB, "b after a resigned")
		require.NoError(t, rb.err)
		ev = nextEvent(t, events, "b after a resigned")
		assert.Equal(t, election.LeaderEvent{Value: []byte("b"), Node: rb.l.Node(), Term: rb.l.Term(), Reason: election.ReasonResigned}, ev)

		require.NoError(t, admin.Delete(ctx, rb.l.Node(), zk.AnyVersion))
		rc := awaitCampaign(t, doneC, "c after b's node was deleted")
		require.NoError(t, rc.err)
		ev = nextEvent(t, events, "c after b's node was deleted")
		assert.Equal(t, election.LeaderEvent{Value: []byte("c"), Node: rc.l.Node(), Term: rc.l.Term(), Reason: election.ReasonDeleted}, ev)
		requireLost(t, rb.l, "b, whose node was deleted")

		require.NoError(t, zktest.ExpireSession(ctx, srv.Addr(), cc.SessionID(), cc.SessionPassword()))
		ev = nextEvent(t, events, "no leader after c's session expired")
		assert.Equal(t, election.LeaderEvent{Reason: election.ReasonDeleted}, ev)
		requireLost(t, rc.l, "c, whose session expired")

		ld := campaignNow(t, ea, "d")
		ev = nextEvent(t, events, "a new leader after none")
		assert.Equal(t, election.LeaderEvent{Value: []byte("d"), Node: ld.Node(), Term: ld.Term()}, ev)
		assert.Greater(t, ld.Term(), rc.l.Term())

		require.NoError(t, ld.Resign(ctx))
		ev = nextEvent(t, events, "no leader after d resigned")
		assert.Equal(t, election.LeaderEvent{Reason: election.ReasonResigned}, ev)

		stop()
		for range events { // drained until closed
		}
		_ = rb.l.Resign(ctx)
		assert.Empty(t, children(t, admin, p), "no orphan nodes")
	})
}

// TestObserveEndsWithSession checks that an observation whose session ends
// says so in a last event before its channel closes.
func TestObserveEndsWithSession(t *testing.T) {
	servers.Each(t, func(t *testing.T, srv *zktest.Server) {
		ctx := ctxFor(t, opTimeout)
		c := dial(t, srv.Addr())
		p := uniquePath(t)
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
		requireLost(t, l, "the leader, whose session was closed")
	})
}
