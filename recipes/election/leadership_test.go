package election_test

import (
	"path"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/coordkit/coordkit/recipes/election"
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
				ctx := ctxFor(t, opTimeout)
				c := dial(t, srv.Addr())
				other := dial(t, srv.Addr())
				p := uniquePath(t)
				l := campaignNow(t, newElection(t, c, p, tc.opts...), "doomed")
				done := campaignAsync(ctx, newElection(t, other, p), "next")
				waitChildren(t, other, p, 2)

				require.NoError(t, zktest.ExpireSession(ctx, srv.Addr(), c.SessionID(), c.SessionPassword()))
				requireLost(t, l, "after the session expired")
				require.ErrorIs(t, l.Err(), election.ErrLost)
				if tc.cause != nil {
					require.ErrorIs(t, l.Err(), tc.cause)
				}
				r := awaitCampaign(t, done, "the next candidate after the expiry")
				require.NoError(t, r.err)
				assert.Greater(t, r.l.Term(), l.Term())

				err := l.Resign(ctx)
				require.ErrorIs(t, err, election.ErrLost, "Resign reports the loss")
				assert.Equal(t, []string{path.Base(r.l.Node())}, children(t, other, p), "the next leader's node stays")
				requireLeading(t, r.l, "the next leader")
				require.NoError(t, r.l.Resign(ctx))
				assert.Empty(t, children(t, other, p))
			})
		}
	})
}

func TestLostOnNodeDeletion(t *testing.T) {
	servers.Each(t, func(t *testing.T, srv *zktest.Server) {
		ctx := ctxFor(t, opTimeout)
		c := dial(t, srv.Addr())
		admin := dial(t, srv.Addr())
		p := uniquePath(t)
		l := campaignNow(t, newElection(t, c, p), "deposed")

		require.NoError(t, admin.Delete(ctx, l.Node(), zk.AnyVersion))
		requireLost(t, l, "after its node was deleted")
		require.ErrorIs(t, l.Err(), election.ErrLost)
		require.ErrorIs(t, l.Err(), election.ErrNodeDeleted)

		// Another candidate leads; the first one's Resign must not touch
		// its node.
		l2 := campaignNow(t, newElection(t, admin, p), "usurper")
		err := l.Resign(ctx)
		require.ErrorIs(t, err, election.ErrLost)
		require.ErrorIs(t, err, election.ErrNodeDeleted)
		assert.Equal(t, []string{path.Base(l2.Node())}, children(t, c, p))
		requireLeading(t, l2, "the next leader")
		require.NoError(t, l2.Resign(ctx))
		assert.Empty(t, children(t, c, p))
	})
}

// TestResignAfterDataChange checks that a leader whose node's data was
// rewritten by someone else still resigns (deleting its own node only).
func TestResignAfterDataChange(t *testing.T) {
	servers.Each(t, func(t *testing.T, srv *zktest.Server) {
		ctx := ctxFor(t, opTimeout)
		c := dial(t, srv.Addr())
		p := uniquePath(t)
		l := campaignNow(t, newElection(t, c, p), "v1")
		_, err := c.Set(ctx, l.Node(), []byte("v2"), zk.AnyVersion)
		require.NoError(t, err)
		requireLeading(t, l, "a data change is no loss")
		require.NoError(t, l.Resign(ctx))
		assert.Empty(t, children(t, c, p))
	})
}
