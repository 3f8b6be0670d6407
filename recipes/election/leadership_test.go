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

func TestLostOnSessionExpiry(t *testing.T) {
	servers.Each(t, func(t *testing.T, srv *zktest.Server) {
		for _, tc := range []struct {
			name string
			opts []election.Option
			// cause is what Err wraps besides ErrLost.
			cause error
		}{
			// The expiry drops the connection first: the default policy
			// steps down at once.
			{"default", nil, nil},
			{"ignoring suspension", []election.Option{election.WithIgnoreSuspension()}, zk.ErrSessionExpired},
		} {
			t.Run(tc.name, func(t *testing.T) {
				ctx := recipetest.Context(t, recipetest.OpTimeout)
				c := recipetest.Dial(t, srv.Addr())
				other := recipetest.Dial(t, srv.Addr())
				p := recipetest.UniquePath(t)
				l := campaignNow(t, newElection(t, c, p, tc.opts...), "doomed")
				done := campaignAsync(ctx, newElection(t, other, p), "next")
				recipetest.WaitChildren(t, other, p, 2)

				require.NoError(t, zktest.ExpireSession(ctx, srv.Addr(), c.SessionID(), c.SessionPassword()))
				recipetest.RequireLost(t, l, "after the session expired")
				require.ErrorIs(t, l.Err(), election.ErrLost)
				if tc.cause != nil {
					require.ErrorIs(t, l.Err(), tc.cause)
				}
				r := recipetest.Receive(t, done, "the next candidate after the expiry")
				require.NoError(t, r.Err)
				assert.Greater(t, r.Value.Term(), l.Term())

				err := l.Resign(ctx)
				require.ErrorIs(t, err, election.ErrLost, "Resign reports the loss")
				assert.Equal(t, []string{path.Base(r.Value.Node())}, recipetest.Children(t, other, p), "the next leader's node stays")
				recipetest.RequireHeld(t, r.Value, "the next leader")
				require.NoError(t, r.Value.Resign(ctx))
				assert.Empty(t, recipetest.Children(t, other, p))
			})
		}
	})
}

func TestLostOnNodeDeletion(t *testing.T) {
	servers.Each(t, func(t *testing.T, srv *zktest.Server) {
		recipetest.LostOnNodeDeletion(t, srv, electionRecipe)
	})
}

// TestResignAfterDataChange checks that a leader whose node's data was
// rewritten by someone else still resigns (deleting its own node only).
func TestResignAfterDataChange(t *testing.T) {
	servers.Each(t, func(t *testing.T, srv *zktest.Server) {
		ctx := recipetest.Context(t, recipetest.OpTimeout)
		c := recipetest.Dial(t, srv.Addr())
		p := recipetest.UniquePath(t)
		l := campaignNow(t, newElection(t, c, p), "v1")
		_, err := c.Set(ctx, l.Node(), []byte("v2"), zk.AnyVersion)
		require.NoError(t, err)
		recipetest.RequireHeld(t, l, "a data change is no loss")
		require.NoError(t, l.Resign(ctx))
		assert.Empty(t, recipetest.Children(t, c, p))
	})
}
