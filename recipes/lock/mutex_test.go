package lock_test

import (
	"context"
	"errors"
	"path"
	"regexp"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/coordkit/coordkit/recipes/internal/recipetest"
	"github.com/coordkit/coordkit/recipes/lock"
	"github.com/coordkit/coordkit/zk"
	"github.com/coordkit/coordkit/zk/zktest"
)

// lockNodeName is the layout of a lock node: Curator's protected
// InterProcessMutex name.
var lockNodeName = regexp.MustCompile(`^_c_[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}-lock-[0-9]{10}$`)

// badOptions are options every constructor of the package rejects.
var badOptions = []recipetest.BadOption[lock.Option]{
	{Name: "negative grace", Option: lock.WithSuspendGrace(-time.Second)},
	{Name: "empty ACL", Option: lock.WithACL(nil)},
	{Name: "zero cleanup", Option: lock.WithCleanupTimeout(0)},
	{Name: "negative cleanup", Option: lock.WithCleanupTimeout(-1)},
}

func TestNewValidates(t *testing.T) {
	recipetest.RequireNewValidates(t, lock.New, badOptions,
		lock.WithSuspendGrace(time.Second), lock.WithCleanupTimeout(time.Second),
		lock.WithACL(zk.OpenACL), lock.WithData([]byte("x")), lock.WithIgnoreSuspension())
}

func TestLockUnlock(t *testing.T) {
	servers.Each(t, func(t *testing.T, srv *zktest.Server) {
		ctx := recipetest.Context(t, recipetest.OpTimeout)
		c := recipetest.Dial(t, srv.Addr())
		p := recipetest.UniquePath(t)
		m := newMutex(t, c, p, lock.WithData([]byte("me")))

		h := lockNow(t, m)
		kids := recipetest.Children(t, c, p)
		require.Len(t, kids, 1)
		assert.Equal(t, p+"/"+kids[0], h.Node())
		assert.Regexp(t, lockNodeName, kids[0])
		data, st, err := c.Get(ctx, h.Node())
		require.NoError(t, err)
		assert.Equal(t, "me", string(data))
		assert.Equal(t, st.Czxid, h.Token(), "the token is the node's czxid")
		assert.Equal(t, c.SessionID(), st.EphemeralOwner, "the node is ephemeral, of the session")
		recipetest.RequireHeld(t, h, "after Lock")

		require.NoError(t, h.Unlock(ctx))
		assert.Empty(t, recipetest.Children(t, c, p), "Unlock deletes the node")
		recipetest.RequireLost(t, h, "Lost closes on Unlock")
		assert.ErrorIs(t, h.Err(), lock.ErrNotHeld)
		assert.ErrorIs(t, h.Unlock(ctx), lock.ErrNotHeld, "a second Unlock")
		assert.ErrorIs(t, m.Unlock(ctx), lock.ErrNotHeld, "the Mutex holds nothing")

		// Mutex.Unlock releases the latest hold.
		h2 := lockNow(t, m)
		assert.Greater(t, h2.Token(), h.Token())
		require.NoError(t, m.Unlock(ctx))
		assert.ErrorIs(t, h2.Err(), lock.ErrNotHeld)
		assert.Empty(t, recipetest.Children(t, c, p))
	})
}

func TestTryLock(t *testing.T) {
	servers.Each(t, func(t *testing.T, srv *zktest.Server) {
		ctx := recipetest.Context(t, recipetest.OpTimeout)
		c1, c2 := recipetest.Dial(t, srv.Addr()), recipetest.Dial(t, srv.Addr())
		p := recipetest.UniquePath(t)
		m1, m2 := newMutex(t, c1, p), newMutex(t, c2, p)

		h1, err := m1.TryLock(ctx)
		require.NoError(t, err, "free")
		_, err = m2.TryLock(ctx)
		require.ErrorIs(t, err, lock.ErrLocked, "busy")
		assert.Equal(t, []string{base(h1.Node())}, recipetest.Children(t, c1, p), "a busy TryLock leaves no node")
		_, err = m1.TryLock(ctx)
		require.ErrorIs(t, err, lock.ErrLocked, "not reentrant")

		require.NoError(t, h1.Unlock(ctx))
		h2, err := m2.TryLock(ctx)
		require.NoError(t, err, "free again")
		assert.Greater(t, h2.Token(), h1.Token())
		require.NoError(t, h2.Unlock(ctx))
		assert.Empty(t, recipetest.Children(t, c1, p))
	})
}

// TestLockCancelRemovesNode checks that a wait for a held lock removes its
// node when its ctx is cancelled, and sends nothing when its ctx ended
// before it began; a deadline ends a wait the same way. The waits of a
// Mutex and of an RWMutex's readers and writers are one locker's: one
// table.
func TestLockCancelRemovesNode(t *testing.T) {
	type lockFunc = func(context.Context) (*lock.Hold, error)
	servers.Each(t, func(t *testing.T, srv *zktest.Server) {
		for _, tc := range []struct {
			name string
			// hold and wait make a Mutex or an RWMutex on p through c: the
			// holder's Lock and the waiter's.
			hold, wait func(t *testing.T, c *zk.Conn, p string) lockFunc
		}{
			{"mutex",
				func(t *testing.T, c *zk.Conn, p string) lockFunc { return newMutex(t, c, p).Lock },
				func(t *testing.T, c *zk.Conn, p string) lockFunc { return newMutex(t, c, p).Lock }},
			{"rwmutex reader",
				func(t *testing.T, c *zk.Conn, p string) lockFunc { return newRWMutex(t, c, p).Lock },
				func(t *testing.T, c *zk.Conn, p string) lockFunc { return newRWMutex(t, c, p).RLock }},
			{"rwmutex writer",
				func(t *testing.T, c *zk.Conn, p string) lockFunc { return newRWMutex(t, c, p).Lock },
				func(t *testing.T, c *zk.Conn, p string) lockFunc { return newRWMutex(t, c, p).Lock }},
		} {
			t.Run(tc.name, func(t *testing.T) {
				ctx := recipetest.Context(t, recipetest.OpTimeout)
				c1, c2 := recipetest.Dial(t, srv.Addr()), recipetest.Dial(t, srv.Addr())
				p := recipetest.UniquePath(t)
				h, err := tc.hold(t, c1, p)(ctx)
				require.NoError(t, err)
				require.NoError(t, h.Err())
				wait := tc.wait(t, c2, p)

				wctx, cancel := context.WithCancel(ctx)
				done := recipetest.Go(wctx, wait)
				recipetest.WaitChildren(t, c1, p, 2)
				cancel()
				r := recipetest.Receive(t, done, "the wait after its ctx was cancelled")
				require.ErrorIs(t, r.Err, context.Canceled)
				assert.Equal(t, []string{base(h.Node())}, recipetest.Children(t, c1, p), "the waiter's node is gone when it returns")

				// A ctx that ended before the wait sends nothing.
				_, err = wait(wctx)
				require.ErrorIs(t, err, context.Canceled)
				assert.Len(t, recipetest.Children(t, c1, p), 1)

				// A deadline ends a wait the same way.
				dctx, dcancel := context.WithTimeout(ctx, 200*time.Millisecond)
				defer dcancel()
				_, err = wait(dctx)
				require.ErrorIs(t, err, context.DeadlineExceeded)
				assert.Len(t, recipetest.Children(t, c1, p), 1)

				require.NoError(t, h.Unlock(ctx))
				assert.Empty(t, recipetest.Children(t, c1, p))
			})
		}
	})
}

func TestForeignChildren(t *testing.T) {
	servers.Each(t, func(t *testing.T, srv *zktest.Server) {
		ctx := recipetest.Context(t, recipetest.OpTimeout)
		c := recipetest.Dial(t, srv.Addr())
		p := recipetest.UniquePath(t)
		m := newMutex(t, c, p)
		h := lockNow(t, m) // creates the directory
		require.NoError(t, h.Unlock(ctx))
		_, err := c.Create(ctx, p, nil, zk.ModePersistent) // keep it: the container may go once empty
		if !errors.Is(err, zk.ErrNodeExists) {
			require.NoError(t, err)
		}

		// Children without a lock marker and sequence take no part.
		for _, name := range []string{"config", "x-lock-", "x-lock-12", "y__lock__abcdefghij"} {
			_, err := c.Create(ctx, p+"/"+name, nil, zk.ModePersistent)
			require.NoError(t, err)
		}
		h, err = m.TryLock(ctx)
		require.NoError(t, err, "unrelated children do not block")
		require.NoError(t, h.Unlock(ctx))

		// A kazoo lock node (and a kazoo read lock, a Curator writer)
		// created first excludes the Mutex.
		for _, prefix := range []string{"0123abcd__lock__", "4567ef__rlock__", "_c_0b9c-__WRIT__"} {
			foreign, err := c.Create(ctx, p+"/"+prefix, nil, zk.ModeEphemeralSequential)
			require.NoError(t, err)
			_, err = m.TryLock(ctx)
			require.ErrorIs(t, err, lock.ErrLocked, "behind %s", foreign)
			require.NoError(t, c.Delete(ctx, foreign, zk.AnyVersion))
		}
		h, err = m.TryLock(ctx)
		require.NoError(t, err)
		require.NoError(t, h.Unlock(ctx))
	})
}

func TestTokenIncreasesAcrossRecreatedDirectory(t *testing.T) {
	servers.Each(t, func(t *testing.T, srv *zktest.Server) {
		ctx := recipetest.Context(t, recipetest.OpTimeout)
		c := recipetest.Dial(t, srv.Addr())
		p := recipetest.UniquePath(t)
		m := newMutex(t, c, p)
		var last int64
		for i := range 3 {
			h := lockNow(t, m)
			assert.Greater(t, h.Token(), last, "grant %d", i)
			last = h.Token()
			require.NoError(t, h.Unlock(ctx))
			// Delete the directory (unless the server reaped the
			// container already): the next Lock creates it again, and
			// its sequence counter starts over.
			if err := c.Delete(ctx, p, zk.AnyVersion); err != nil {
				require.ErrorIs(t, err, zk.ErrNoNode)
			}
		}
	})
}

// TestUncontendedRoundTrips checks through a proxy that delays every chunk
// of bytes that an uncontended Lock takes one round trip (its create and
// its read of the directory are pipelined), and Unlock another.
func TestUncontendedRoundTrips(t *testing.T) {
	servers.Each(t, func(t *testing.T, srv *zktest.Server) {
		const delay = 150 * time.Millisecond // each way: a round trip is 2×delay
		ctx := recipetest.Context(t, recipetest.OpTimeout)
		px := zktest.NewProxy(t, srv.Addr())
		c := recipetest.Dial(t, px.Addr())
		p := recipetest.UniquePath(t)
		_, err := c.Create(ctx, path.Dir(p), nil, zk.ModePersistent)
		if !errors.Is(err, zk.ErrNodeExists) {
			require.NoError(t, err)
		}
		_, err = c.Create(ctx, p, nil, zk.ModePersistent)
		require.NoError(t, err)
		m := newMutex(t, c, p)

		px.Delay(delay)
		start := time.Now()
		h := lockNow(t, m)
		locked := time.Since(start)
		require.NoError(t, h.Unlock(ctx))
		unlocked := time.Since(start) - locked
		px.Delay(0)
		t.Logf("lock %v, unlock %v, round trip %v", locked, unlocked, 2*delay)

		assert.Less(t, locked, 3*delay, "Lock took %v: more than one round trip", locked)
		assert.Less(t, unlocked, 3*delay, "Unlock took %v: more than one round trip", unlocked)
	})
}
