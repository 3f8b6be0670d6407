package election_test

import (
	"path"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/coordkit/coordkit/recipes/election"
	"github.com/coordkit/coordkit/recipes/internal/recipetest"
	"github.com/coordkit/coordkit/zk"
	"github.com/coordkit/coordkit/zk/zktest"
)

// TestResignOnlyDeletes checks what a candidate waiting for the leader
// sees of a resignation: the deletion of the leader's node as the first
// event of its watch, with no data change before it, which would use up
// the one-shot watch of a Curator LeaderLatch waiting for the node. The
// resignation is marked in the directory's data instead.
func TestResignOnlyDeletes(t *testing.T) {
	servers.Each(t, func(t *testing.T, srv *zktest.Server) {
		ctx := recipetest.Context(t, recipetest.OpTimeout)
		c, watcher := recipetest.Dial(t, srv.Addr()), recipetest.Dial(t, srv.Addr())
		p := recipetest.UniquePath(t)
		l := campaignNow(t, newElection(t, c, p), "v")
		_, _, watch, err := watcher.GetW(ctx, l.Node())
		require.NoError(t, err)

		require.NoError(t, l.Resign(ctx))
		var ev zk.Event
		select {
		case ev = <-watch:
		case <-ctx.Done():
			require.FailNow(t, "no event on the leader's node")
		}
		assert.Equal(t, zk.EventNodeDeleted, ev.Type, "the first event on the resigned node")
		data, _, err := watcher.Get(ctx, p)
		require.NoError(t, err)
		assert.Equal(t, path.Base(l.Node()), string(data), "the directory names the resigned node")
	})
}

// TestResignWithoutWriteOnDirectory checks that a leader that may not
// write the directory's data still resigns, deleting its node alone, and
// that observers then report the node deleted.
func TestResignWithoutWriteOnDirectory(t *testing.T) {
	servers.Each(t, func(t *testing.T, srv *zktest.Server) {
		ctx := recipetest.Context(t, recipetest.OpTimeout)
		c := recipetest.Dial(t, srv.Addr())
		p := recipetest.UniquePath(t)
		_, err := c.Create(ctx, p, nil, zk.ModePersistent,
			zk.WithACL(zk.WorldACL(zk.PermRead|zk.PermCreate|zk.PermDelete|zk.PermAdmin)))
		require.NoError(t, err)
		e := newElection(t, c, p)
		events := e.Observe(ctx)
		assert.False(t, nextEvent(t, events, "no leader yet").HasLeader())

		l := campaignNow(t, e, "v")
		assert.Equal(t, l.Node(), nextEvent(t, events, "the leader").Node)
		require.NoError(t, l.Resign(ctx))
		ev := nextEvent(t, events, "no leader after the resignation")
		assert.Equal(t, election.LeaderEvent{Reason: election.ReasonDeleted}, ev)
		assert.Empty(t, recipetest.Children(t, c, p))
		data, _, err := c.Get(ctx, p)
		require.NoError(t, err)
		assert.Empty(t, data, "the directory's data is as it was")
	})
}
