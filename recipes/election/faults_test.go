package election_test

import (
	"context"
	"path"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/coordkit/coordkit/internal/wire"
	"github.com/coordkit/coordkit/recipes/election"
	"github.com/coordkit/coordkit/recipes/internal/recipetest"
	"github.com/coordkit/coordkit/zk"
	"github.com/coordkit/coordkit/zk/zktest"
)

// TestDroppedRepliesLeaveNoOrphan uses the embedded server's hook to drop
// the reply of the candidate's create, and then that of its resignation,
// each after the server applied it: the candidate finds its node again,
// leads, and resigns without leaving a node behind.
func TestDroppedRepliesLeaveNoOrphan(t *testing.T) {
	srv := zktest.Run(t)
	ctx := recipetest.Context(t, recipetest.OpTimeout)
	c := recipetest.Dial(t, srv.Addr())
	obs := recipetest.Dial(t, srv.Addr())
	p := recipetest.UniquePath(t)
	dropped := recipetest.DropFirstReplies(srv, p+"/_c_", wire.OpCreate2, wire.OpMulti)
	events := newElection(t, obs, p).Observe(ctx)
	require.False(t, nextEvent(t, events, "the initial state").HasLeader())

	l := campaignNow(t, newElection(t, c, p), "v")
	require.True(t, dropped.Dropped(wire.OpCreate2), "the create's reply was dropped")
	assert.Equal(t, []string{path.Base(l.Node())}, recipetest.Children(t, obs, p), "one node, the one the lost create made")
	ev := nextEvent(t, events, "the leader")
	assert.Equal(t, l.Node(), ev.Node)

	require.NoError(t, l.Resign(ctx))
	require.True(t, dropped.Dropped(wire.OpMulti), "the resignation's reply was dropped")
	// The dropped reply broke the connection while Resign ran; the
	// suspension (and the node's deletion) came after the resignation
	// began, so they are no loss: the leadership ended by resigning.
	recipetest.RequireLost(t, l, "after Resign")
	require.ErrorIs(t, l.Err(), election.ErrNotLeader)
	assert.NotErrorIs(t, l.Err(), election.ErrLost)
	assert.Empty(t, recipetest.Children(t, obs, p), "no orphan node")
	ev = nextEvent(t, events, "no leader after the resignation")
	assert.False(t, ev.HasLeader())
	assert.Equal(t, election.ReasonResigned, ev.Reason)
	assert.GreaterOrEqual(t, c.Stats().Reconnects, uint64(2))
}

// electionRecipe is an Election, for the scenarios every recipe must pass.
var electionRecipe = recipetest.Recipe{
	Take: func(t *testing.T, c *zk.Conn, p string) (recipetest.Grant, func(context.Context) error) {
		l := campaignNow(t, newElection(t, c, p), "candidate")
		return l, l.Resign
	},
	ErrLost:        election.ErrLost,
	ErrSuspended:   election.ErrSuspended,
	ErrNodeDeleted: election.ErrNodeDeleted,
}

func TestLostOnSuspension(t *testing.T) {
	servers.Each(t, func(t *testing.T, srv *zktest.Server) {
		recipetest.LostOnSuspension(t, srv, electionRecipe)
	})
}

func TestLostOnUnwatchedSuspension(t *testing.T) {
	servers.Each(t, func(t *testing.T, srv *zktest.Server) {
		recipetest.LostOnUnwatchedSuspension(t, srv, electionRecipe)
	})
}

// TestForeignChildren checks that children other than latch nodes take no
// part in the election.
func TestForeignChildren(t *testing.T) {
	servers.Each(t, func(t *testing.T, srv *zktest.Server) {
		ctx := recipetest.Context(t, recipetest.OpTimeout)
		c := recipetest.Dial(t, srv.Addr())
		p := recipetest.UniquePath(t)
		_, err := c.Create(ctx, path.Dir(p), nil, zk.ModePersistent)
		if err != nil {
			require.ErrorIs(t, err, zk.ErrNodeExists)
		}
		_, err = c.Create(ctx, p, nil, zk.ModePersistent)
		require.NoError(t, err)
		for _, name := range []string{"config", "x-latch-", "x-latch-12", "_c_0b9c-lock-"} {
			mode := zk.ModePersistent
			if strings.HasSuffix(name, "-lock-") {
				mode = zk.ModeEphemeralSequential
			}
			_, err := c.Create(ctx, p+"/"+name, nil, mode)
			require.NoError(t, err)
		}
		e := newElection(t, c, p)
		_, err = e.Leader(ctx)
		require.ErrorIs(t, err, election.ErrNoLeader, "unrelated children do not lead")
		l := campaignNow(t, e, "only")
		got, err := e.Leader(ctx)
		require.NoError(t, err)
		assert.Equal(t, "only", string(got))
		require.NoError(t, l.Resign(ctx))
		assert.Len(t, recipetest.Children(t, c, p), 4, "only the candidate's node went")
	})
}
