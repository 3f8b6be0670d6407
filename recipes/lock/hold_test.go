package lock_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/coordkit/coordkit/internal/wire"
	"github.com/coordkit/coordkit/recipes/internal/recipetest"
	"github.com/coordkit/coordkit/recipes/lock"
	"github.com/coordkit/coordkit/zk"
	"github.com/coordkit/coordkit/zk/zktest"
)

func TestLostCreateFindsOwnNode(t *testing.T) {
	servers.Each(t, func(t *testing.T, srv *zktest.Server) {
		ctx := recipetest.Context(t, recipetest.OpTimeout)
		px := zktest.NewProxy(t, srv.Addr())
		c := recipetest.Dial(t, px.Addr(), zk.WithConnectTimeout(time.Second))
		obs := recipetest.Dial(t, srv.Addr())
		p := recipetest.UniquePath(t)
		m := newMutex(t, c, p)
		h := lockNow(t, m) // creates the directory
		require.NoError(t, h.Unlock(ctx))
		if _, err := obs.Create(ctx, p, nil, zk.ModePersistent); err != nil {
			require.ErrorIs(t, err, zk.ErrNodeExists)
		}

		// The create and the children read reach the server; their replies
		// do not come back. Then the connection breaks: the create's
		// outcome is unknown to the client.
		px.DropReplies()
		done := recipetest.Go(ctx, m.Lock)
		created := recipetest.WaitChildren(t, obs, p, 1)
		px.Reset()
		px.Pass()

		h = recipetest.Granted(t, done, "Lock after the connection came back")
		assert.Equal(t, p+"/"+created[0], h.Node(), "Lock kept the node the lost create made")
		assert.Equal(t, created, recipetest.Children(t, obs, p), "no second node")
		assert.GreaterOrEqual(t, c.Stats().Reconnects, uint64(1))
		st, ok, err := obs.Exists(ctx, h.Node())
		require.NoError(t, err)
		require.True(t, ok)
		assert.Equal(t, st.Czxid, h.Token())

		require.NoError(t, h.Unlock(ctx))
		assert.Empty(t, recipetest.Children(t, obs, p))
	})
}

// TestDroppedUnlockReply uses the embedded server's hook to drop the reply
// of the Unlock's delete, after the server applied it: Unlock sends it
// again and succeeds, and the suspension the dropped reply caused while
// Unlock ran is no loss.
func TestDroppedUnlockReply(t *testing.T) {
	srv := zktest.Run(t)
	ctx := recipetest.Context(t, recipetest.OpTimeout)
	c := recipetest.Dial(t, srv.Addr())
	p := recipetest.UniquePath(t)
	dropped := recipetest.DropFirstReplies(srv, p+"/_c_", wire.OpDelete)
	h := lockNow(t, newMutex(t, c, p))
	require.NoError(t, h.Unlock(ctx))
	require.True(t, dropped.Dropped(wire.OpDelete), "the delete's reply was dropped")
	recipetest.RequireLost(t, h, "after Unlock")
	require.ErrorIs(t, h.Err(), lock.ErrNotHeld)
	assert.NotErrorIs(t, h.Err(), lock.ErrLost)
	assert.Empty(t, recipetest.Children(t, c, p))
	assert.GreaterOrEqual(t, c.Stats().Reconnects, uint64(1))
}

func TestLostOnSessionExpiry(t *testing.T) {
	servers.Each(t, func(t *testing.T, srv *zktest.Server) {
		for _, tc := range []struct {
			name string
			opts []lock.Option
			// cause is what Err wraps besides ErrLost.
			cause error
		}{
			// The expiry drops the connection first: the default policy
			// gives up the hold at once.
			{"default", nil, nil},
			{"ignoring suspension", []lock.Option{lock.WithIgnoreSuspension()}, zk.ErrSessionExpired},
		} {
			t.Run(tc.name, func(t *testing.T) {
				ctx := recipetest.Context(t, recipetest.OpTimeout)
				c := recipetest.Dial(t, srv.Addr())
				other := recipetest.Dial(t, srv.Addr())
				p := recipetest.UniquePath(t)
				h := lockNow(t, newMutex(t, c, p, tc.opts...))

				require.NoError(t, zktest.ExpireSession(ctx, srv.Addr(), c.SessionID(), c.SessionPassword()))
				recipetest.RequireLost(t, h, "after the session expired")
				require.ErrorIs(t, h.Err(), lock.ErrLost)
				if tc.cause != nil {
					require.ErrorIs(t, h.Err(), tc.cause)
				}
				h2 := lockNow(t, newMutex(t, other, p))

				err := h.Unlock(ctx)
				require.ErrorIs(t, err, lock.ErrLost, "Unlock reports the loss")
				assert.Equal(t, []string{base(h2.Node())}, recipetest.Children(t, other, p), "the next holder's node stays")
				require.NoError(t, h2.Unlock(ctx))
			})
		}
	})
}

// mutexRecipe is a Mutex, for the scenarios every recipe must pass.
var mutexRecipe = recipetest.Recipe{
	Take: func(t *testing.T, c *zk.Conn, p string) (recipetest.Grant, func(context.Context) error) {
		h := lockNow(t, newMutex(t, c, p))
		return h, h.Unlock
	},
	ErrLost:        lock.ErrLost,
	ErrSuspended:   lock.ErrSuspended,
	ErrNodeDeleted: lock.ErrNodeDeleted,
}

func TestLostOnNodeDeletion(t *testing.T) {
	servers.Each(t, func(t *testing.T, srv *zktest.Server) {
		recipetest.LostOnNodeDeletion(t, srv, mutexRecipe)
	})
}

func TestLostOnSuspension(t *testing.T) {
	servers.Each(t, func(t *testing.T, srv *zktest.Server) {
		recipetest.LostOnSuspension(t, srv, mutexRecipe)
	})
}

// TestLostOnUnwatchedSuspension takes the lock without looking at the hold
// (Lock alone, no Err or Lost), so that nothing watches it before Unlock.
func TestLostOnUnwatchedSuspension(t *testing.T) {
	unwatched := mutexRecipe
	unwatched.Take = func(t *testing.T, c *zk.Conn, p string) (recipetest.Grant, func(context.Context) error) {
		h, err := newMutex(t, c, p).Lock(recipetest.Context(t, recipetest.OpTimeout))
		require.NoError(t, err)
		return h, h.Unlock
	}
	servers.Each(t, func(t *testing.T, srv *zktest.Server) {
		recipetest.LostOnUnwatchedSuspension(t, srv, unwatched)
	})
}

func TestSuspensionPolicies(t *testing.T) {
	servers.Each(t, func(t *testing.T, srv *zktest.Server) {
		t.Run("grace rides out a reset", func(t *testing.T) {
			ctx := recipetest.Context(t, recipetest.OpTimeout)
			px := zktest.NewProxy(t, srv.Addr())
			c := recipetest.DialSuspendable(t, px)
			p := recipetest.UniquePath(t)
			h := lockNow(t, newMutex(t, c, p, lock.WithSuspendGrace(time.Hour))) // clamped to T/6
			states := c.StateEvents(t.Context())
			px.Reset()
			recipetest.WaitState(t, states, zk.EventDisconnected)
			recipetest.WaitState(t, states, zk.EventReconnected)
			recipetest.RequireHeld(t, h, "after a reconnection within the grace")
			_, err := h.Multi(ctx)
			require.NoError(t, err, "the fence still passes")
			require.NoError(t, h.Unlock(ctx))
		})
		t.Run("grace ends", func(t *testing.T) {
			ctx := recipetest.Context(t, recipetest.OpTimeout)
			px := zktest.NewProxy(t, srv.Addr())
			c := recipetest.DialSuspendable(t, px)
			p := recipetest.UniquePath(t)
			h := lockNow(t, newMutex(t, c, p, lock.WithSuspendGrace(time.Hour)))
			states := c.StateEvents(t.Context())
			px.Refuse() // new connections are closed at once
			px.Reset()
			recipetest.WaitState(t, states, zk.EventDisconnected)
			suspended := time.Now()
			recipetest.RequireLost(t, h, "after the grace")
			assert.GreaterOrEqual(t, time.Since(suspended), c.SessionTimeout()/6-100*time.Millisecond, "lost after the clamped grace")
			require.ErrorIs(t, h.Err(), lock.ErrSuspended)
			px.Pass()
			recipetest.WaitState(t, states, zk.EventReconnected)
			require.ErrorIs(t, h.Unlock(ctx), lock.ErrLost)
			assert.Empty(t, recipetest.Children(t, c, p))
		})
		t.Run("ignored", func(t *testing.T) {
			ctx := recipetest.Context(t, recipetest.OpTimeout)
			px := zktest.NewProxy(t, srv.Addr())
			c := recipetest.DialSuspendable(t, px)
			p := recipetest.UniquePath(t)
			h := lockNow(t, newMutex(t, c, p, lock.WithIgnoreSuspension()))
			states := c.StateEvents(t.Context())
			px.Blackhole()
			recipetest.WaitState(t, states, zk.EventDisconnected)
			recipetest.RequireHeld(t, h, "while suspended")
			px.Pass()
			recipetest.WaitState(t, states, zk.EventReconnected)
			recipetest.RequireHeld(t, h, "after the reconnection")
			require.NoError(t, h.Unlock(ctx))
		})
	})
}

func TestFencedMulti(t *testing.T) {
	servers.Each(t, func(t *testing.T, srv *zktest.Server) {
		ctx := recipetest.Context(t, recipetest.OpTimeout)
		c := recipetest.Dial(t, srv.Addr())
		p := recipetest.UniquePath(t)
		data := p + "-data"
		_, err := c.Create(ctx, data, []byte("v0"), zk.ModePersistent)
		require.NoError(t, err)
		m := newMutex(t, c, p)
		h := lockNow(t, m)

		res, err := h.Multi(ctx, zk.SetOp(data, []byte("v1"), 0))
		require.NoError(t, err)
		require.Len(t, res, 1, "one result per op")
		require.NotNil(t, res[0].Stat)
		assert.Equal(t, int32(1), res[0].Stat.Version)

		// An op of the caller's that fails is reported at its own index.
		_, err = h.Multi(ctx, zk.SetOp(data, []byte("v2"), 1), zk.SetOp(data, []byte("v3"), 7))
		require.ErrorIs(t, err, zk.ErrBadVersion)
		var me *zk.MultiError
		require.ErrorAs(t, err, &me)
		assert.Equal(t, 1, me.Index)
		assert.Len(t, me.Results, 2)

		// The fence in a hand-built transaction.
		_, err = c.Multi(ctx, h.Fence(), zk.SetOp(data, []byte("v2"), 1))
		require.NoError(t, err)

		// Once the node is gone the fence refuses the write.
		require.NoError(t, c.Delete(ctx, h.Node(), zk.AnyVersion))
		_, err = c.Multi(ctx, h.Fence(), zk.SetOp(data, []byte("stale"), zk.AnyVersion))
		require.ErrorIs(t, err, zk.ErrNoNode)
		recipetest.RequireLost(t, h, "after its node was deleted")
		_, err = h.Multi(ctx, zk.SetOp(data, []byte("stale"), zk.AnyVersion))
		require.ErrorIs(t, err, lock.ErrLost)
		got, _, err := c.Get(ctx, data)
		require.NoError(t, err)
		assert.Equal(t, "v2", string(got), "no stale write")
		require.ErrorIs(t, h.Unlock(ctx), lock.ErrLost)
		_, err = h.Multi(ctx)
		require.Error(t, err, "after Unlock")
	})
}
