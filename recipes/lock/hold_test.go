package lock_test

import (
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/coordkit/coordkit/internal/wire"
	"github.com/coordkit/coordkit/recipes/lock"
	"github.com/coordkit/coordkit/zk"
	"github.com/coordkit/coordkit/zk/zktest"
	"github.com/coordkit/coordkit/zkserver"
)

// suspendTimeout is the session timeout of tests that suspend a
// connection: long enough that a reconnection right after the client
// declared the connection dead (after two thirds of it) finds the session
// alive on a busy machine.
const suspendTimeout = 9 * time.Second

// dialSuspendable opens a session through px whose connections can be cut
// and restored within the session's lifetime: a connection attempt made
// while px drops everything gives up after a second, not the session
// timeout.
func dialSuspendable(t *testing.T, px *zktest.Proxy) *zk.Conn {
	return dial(t, px.Addr(), zk.WithSessionTimeout(suspendTimeout), zk.WithConnectTimeout(time.Second))
}

// lockResult is what a Lock in a goroutine returned.
type lockResult struct {
	h   *lock.Hold
	err error
}

func TestLostCreateFindsOwnNode(t *testing.T) {
	servers.Each(t, func(t *testing.T, srv *zktest.Server) {
		ctx := ctxFor(t, opTimeout)
		px := zktest.NewProxy(t, srv.Addr())
		c := dial(t, px.Addr(), zk.WithConnectTimeout(time.Second))
		obs := dial(t, srv.Addr())
		p := uniquePath(t)
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
		done := make(chan lockResult, 1)
		go func() {
			h, err := m.Lock(ctx)
			done <- lockResult{h, err}
		}()
		created := waitChildren(t, obs, p, 1)
		px.Reset()
		px.Pass()

		var r lockResult
		select {
		case r = <-done:
		case <-time.After(eventTimeout):
			require.FailNow(t, "Lock did not return after the connection came back")
		}
		require.NoError(t, r.err)
		assert.Equal(t, p+"/"+created[0], r.h.Node(), "Lock kept the node the lost create made")
		assert.Equal(t, created, children(t, obs, p), "no second node")
		assert.GreaterOrEqual(t, c.Stats().Reconnects, uint64(1))
		st, ok, err := obs.Exists(ctx, r.h.Node())
		require.NoError(t, err)
		require.True(t, ok)
		assert.Equal(t, st.Czxid, r.h.Token())

		require.NoError(t, r.h.Unlock(ctx))
		assert.Empty(t, children(t, obs, p))
	})
}

// TestDroppedCreateReply uses the embedded server's hook to drop the reply
// of exactly the create, after the server applied it.
func TestDroppedCreateReply(t *testing.T) {
	srv := zktest.Run(t)
	ctx := ctxFor(t, opTimeout)
	c := dial(t, srv.Addr())
	p := uniquePath(t)
	var dropped atomic.Bool
	srv.SetHook(func(r zkserver.Request) zkserver.Action {
		drop := r.Op == int32(wire.OpCreate2) && strings.HasPrefix(r.Path, p+"/_c_") && dropped.CompareAndSwap(false, true)
		return zkserver.Action{DropReply: drop}
	})
	h := lockNow(t, newMutex(t, c, p))
	require.True(t, dropped.Load(), "the create's reply was dropped")
	assert.Equal(t, []string{base(h.Node())}, children(t, c, p), "one node, the one the lost create made")
	assert.GreaterOrEqual(t, c.Stats().Reconnects, uint64(1))
	require.NoError(t, h.Unlock(ctx))
	assert.Empty(t, children(t, c, p))
}

// TestDroppedUnlockReply uses the embedded server's hook to drop the reply
// of the Unlock's delete, after the server applied it: Unlock sends it
// again and succeeds, and the suspension the dropped reply caused while
// Unlock ran is no loss.
func TestDroppedUnlockReply(t *testing.T) {
	srv := zktest.Run(t)
	ctx := ctxFor(t, opTimeout)
	c := dial(t, srv.Addr())
	p := uniquePath(t)
	var dropped atomic.Bool
	srv.SetHook(func(r zkserver.Request) zkserver.Action {
		drop := r.Op == int32(wire.OpDelete) && strings.HasPrefix(r.Path, p+"/_c_") && dropped.CompareAndSwap(false, true)
		return zkserver.Action{DropReply: drop}
	})
	h := lockNow(t, newMutex(t, c, p))
	require.NoError(t, h.Unlock(ctx))
	require.True(t, dropped.Load(), "the delete's reply was dropped")
	requireLost(t, h, "after Unlock")
	require.ErrorIs(t, h.Err(), lock.ErrNotHeld)
	assert.NotErrorIs(t, h.Err(), lock.ErrLost)
	assert.Empty(t, children(t, c, p))
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
				ctx := ctxFor(t, opTimeout)
				c := dial(t, srv.Addr())
				other := dial(t, srv.Addr())
				p := uniquePath(t)
				h := lockNow(t, newMutex(t, c, p, tc.opts...))

				require.NoError(t, zktest.ExpireSession(ctx, srv.Addr(), c.SessionID(), c.SessionPassword()))
				requireLost(t, h, "after the session expired")
				require.ErrorIs(t, h.Err(), lock.ErrLost)
				if tc.cause != nil {
					require.ErrorIs(t, h.Err(), tc.cause)
				}
				h2 := lockNow(t, newMutex(t, other, p))

				err := h.Unlock(ctx)
				require.ErrorIs(t, err, lock.ErrLost, "Unlock reports the loss")
				assert.Equal(t, []string{base(h2.Node())}, children(t, other, p), "the next holder's node stays")
				require.NoError(t, h2.Unlock(ctx))
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
		h := lockNow(t, newMutex(t, c, p))

		require.NoError(t, admin.Delete(ctx, h.Node(), zk.AnyVersion))
		requireLost(t, h, "after its node was deleted")
		require.ErrorIs(t, h.Err(), lock.ErrLost)
		require.ErrorIs(t, h.Err(), lock.ErrNodeDeleted)

		// Another contender takes the lock; the first one's Unlock must
		// not touch its node.
		h2 := lockNow(t, newMutex(t, admin, p))
		err := h.Unlock(ctx)
		require.ErrorIs(t, err, lock.ErrLost)
		require.ErrorIs(t, err, lock.ErrNodeDeleted)
		assert.Equal(t, []string{base(h2.Node())}, children(t, c, p))
		requireHeld(t, h2, "the next holder")
		require.NoError(t, h2.Unlock(ctx))
	})
}

func TestLostOnSuspension(t *testing.T) {
	servers.Each(t, func(t *testing.T, srv *zktest.Server) {
		ctx := ctxFor(t, opTimeout)
		px := zktest.NewProxy(t, srv.Addr())
		c := dialSuspendable(t, px)
		obs := dial(t, srv.Addr())
		p := uniquePath(t)
		h := lockNow(t, newMutex(t, c, p))
		states := c.StateEvents(t.Context())

		// A partition: the client declares the connection dead after
		// two thirds of the session timeout, and the hold is lost then,
		// while the server still keeps the session and its node.
		start := time.Now()
		px.Blackhole()
		requireLost(t, h, "while the connection is black-holed")
		lostAfter := time.Since(start)
		require.ErrorIs(t, h.Err(), lock.ErrLost)
		require.ErrorIs(t, h.Err(), lock.ErrSuspended)
		_, ok, err := obs.Exists(ctx, h.Node())
		require.NoError(t, err)
		assert.True(t, ok, "the server had not expired the session when the holder learned of the loss (after %v)", lostAfter)
		assert.Less(t, lostAfter, c.SessionTimeout(), "lost before the session timeout")

		// The connection comes back in time: the session lives on, and
		// Unlock deletes the node it left behind while reporting the loss.
		px.Pass()
		waitState(t, states, zk.EventReconnected)
		require.ErrorIs(t, h.Unlock(ctx), lock.ErrLost)
		assert.Empty(t, children(t, obs, p), "Unlock removed the node of the lost hold")
	})
}

func TestSuspensionPolicies(t *testing.T) {
	servers.Each(t, func(t *testing.T, srv *zktest.Server) {
		t.Run("grace rides out a reset", func(t *testing.T) {
			ctx := ctxFor(t, opTimeout)
			px := zktest.NewProxy(t, srv.Addr())
			c := dialSuspendable(t, px)
			p := uniquePath(t)
			h := lockNow(t, newMutex(t, c, p, lock.WithSuspendGrace(time.Hour))) // clamped to T/6
			states := c.StateEvents(t.Context())
			px.Reset()
			waitState(t, states, zk.EventDisconnected)
			waitState(t, states, zk.EventReconnected)
			requireHeld(t, h, "after a reconnection within the grace")
			_, err := h.Multi(ctx)
			require.NoError(t, err, "the fence still passes")
			require.NoError(t, h.Unlock(ctx))
		})
		t.Run("grace ends", func(t *testing.T) {
			ctx := ctxFor(t, opTimeout)
			px := zktest.NewProxy(t, srv.Addr())
			c := dialSuspendable(t, px)
			p := uniquePath(t)
			h := lockNow(t, newMutex(t, c, p, lock.WithSuspendGrace(time.Hour)))
			states := c.StateEvents(t.Context())
			px.Refuse() // new connections are closed at once
			px.Reset()
			waitState(t, states, zk.EventDisconnected)
			suspended := time.Now()
			requireLost(t, h, "after the grace")
			assert.GreaterOrEqual(t, time.Since(suspended), c.SessionTimeout()/6-100*time.Millisecond, "lost after the clamped grace")
			require.ErrorIs(t, h.Err(), lock.ErrSuspended)
			px.Pass()
			waitState(t, states, zk.EventReconnected)
			require.ErrorIs(t, h.Unlock(ctx), lock.ErrLost)
			assert.Empty(t, children(t, c, p))
		})
		t.Run("ignored", func(t *testing.T) {
			ctx := ctxFor(t, opTimeout)
			px := zktest.NewProxy(t, srv.Addr())
			c := dialSuspendable(t, px)
			p := uniquePath(t)
			h := lockNow(t, newMutex(t, c, p, lock.WithIgnoreSuspension()))
			states := c.StateEvents(t.Context())
			px.Blackhole()
			waitState(t, states, zk.EventDisconnected)
			requireHeld(t, h, "while suspended")
			px.Pass()
			waitState(t, states, zk.EventReconnected)
			requireHeld(t, h, "after the reconnection")
			require.NoError(t, h.Unlock(ctx))
		})
	})
}

func TestFencedMulti(t *testing.T) {
	servers.Each(t, func(t *testing.T, srv *zktest.Server) {
		ctx := ctxFor(t, opTimeout)
		c := dial(t, srv.Addr())
		p := uniquePath(t)
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
		requireLost(t, h, "after its node was deleted")
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
