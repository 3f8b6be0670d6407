package lock_test

import (
	"context"
	"errors"
	"regexp"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/coordkit/coordkit/recipes/lock"
	"github.com/coordkit/coordkit/zk"
	"github.com/coordkit/coordkit/zk/zktest"
)

// lockNodeName is the layout of a lock node: Curator's protected
// InterProcessMutex name.
var lockNodeName = regexp.MustCompile(`^_c_[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}-lock-[0-9]{10}$`)

func TestNewValidates(t *testing.T) {
	// A Conn that never dialed is enough: New does not contact the server.
	c := &zk.Conn{}
	for _, tc := range []struct {
		name string
		conn *zk.Conn
		path string
		opts []lock.Option
	}{
		{"nil conn", nil, "/l", nil},
		{"relative path", c, "l", nil},
		{"trailing slash", c, "/l/", nil},
		{"negative grace", c, "/l", []lock.Option{lock.WithSuspendGrace(-time.Second)}},
		{"empty ACL", c, "/l", []lock.Option{lock.WithACL(nil)}},
		{"zero cleanup", c, "/l", []lock.Option{lock.WithCleanupTimeout(0)}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m, err := lock.New(tc.conn, tc.path, tc.opts...)
			assert.Error(t, err)
			assert.Nil(t, m)
		})
	}
	m, err := lock.New(c, "/l", lock.WithSuspendGrace(time.Second), lock.WithCleanupTimeout(time.Second),
		lock.WithACL(zk.OpenACL), lock.WithData([]byte("x")), lock.WithIgnoreSuspension())
	require.NoError(t, err)
	assert.Equal(t, "/l", m.Path())
}

func TestLockUnlock(t *testing.T) {
	servers.Each(t, func(t *testing.T, srv *zktest.Server) {
		ctx := ctxFor(t, opTimeout)
		c := dial(t, srv.Addr())
		p := uniquePath(t)
		m := newMutex(t, c, p, lock.WithData([]byte("me")))

		h := lockNow(t, m)
		kids := children(t, c, p)
		require.Len(t, kids, 1)
		assert.Equal(t, p+"/"+kids[0], h.Node())
		assert.Regexp(t, lockNodeName, kids[0])
		data, st, err := c.Get(ctx, h.Node())
		require.NoError(t, err)
		assert.Equal(t, "me", string(data))
		assert.Equal(t, st.Czxid, h.Token(), "the token is the node's czxid")
		assert.Equal(t, c.SessionID(), st.EphemeralOwner, "the node is ephemeral, of the session")
		requireHeld(t, h, "after Lock")

		require.NoError(t, h.Unlock(ctx))
		assert.Empty(t, children(t, c, p), "Unlock deletes the node")
		requireLost(t, h, "Lost closes on Unlock")
		assert.ErrorIs(t, h.Err(), lock.ErrNotHeld)
		assert.ErrorIs(t, h.Unlock(ctx), lock.ErrNotHeld, "a second Unlock")
		assert.ErrorIs(t, m.Unlock(ctx), lock.ErrNotHeld, "the Mutex holds nothing")

		// Mutex.Unlock releases the latest hold.
		h2 := lockNow(t, m)
		assert.Greater(t, h2.Token(), h.Token())
		require.NoError(t, m.Unlock(ctx))
		assert.ErrorIs(t, h2.Err(), lock.ErrNotHeld)
		assert.Empty(t, children(t, c, p))
	})
}

func TestTryLock(t *testing.T) {
	servers.Each(t, func(t *testing.T, srv *zktest.Server) {
		ctx := ctxFor(t, opTimeout)
		c1, c2 := dial(t, srv.Addr()), dial(t, srv.Addr())
		p := uniquePath(t)
		m1, m2 := newMutex(t, c1, p), newMutex(t, c2, p)

		h1, err := m1.TryLock(ctx)
		require.NoError(t, err, "free")
		_, err = m2.TryLock(ctx)
		require.ErrorIs(t, err, lock.ErrLocked, "busy")
		assert.Equal(t, []string{base(h1.Node())}, children(t, c1, p), "a busy TryLock leaves no node")
		_, err = m1.TryLock(ctx)
		require.ErrorIs(t, err, lock.ErrLocked, "not reentrant")

		require.NoError(t, h1.Unlock(ctx))
		h2, err := m2.TryLock(ctx)
		require.NoError(t, err, "free again")
		assert.Greater(t, h2.Token(), h1.Token())
		require.NoError(t, h2.Unlock(ctx))
		assert.Empty(t, children(t, c1, p))
	})
}

func TestLockCancelRemovesNode(t *testing.T) {
	servers.Each(t, func(t *testing.T, srv *zktest.Server) {
		ctx := ctxFor(t, opTimeout)
		c1, c2 := dial(t, srv.Addr()), dial(t, srv.Addr())
		p := uniquePath(t)
		h := lockNow(t, newMutex(t, c1, p))
		m2 := newMutex(t, c2, p)

		wctx, cancel := context.WithCancel(ctx)
		done := make(chan error, 1)
		go func() {
			_, err := m2.Lock(wctx)
			done <- err
		}()
		waitChildren(t, c1, p, 2)
		cancel()
		select {
		case err := <-done:
			require.ErrorIs(t, err, context.Canceled)
		case <-time.After(eventTimeout):
			require.FailNow(t, "Lock did not return after its ctx was cancelled")
		}
		assert.Equal(t, []string{base(h.Node())}, children(t, c1, p), "the waiter's node is gone when Lock returns")

		// A ctx that ended before Lock sends nothing.
		_, err := m2.Lock(wctx)
		require.ErrorIs(t, err, context.Canceled)
		assert.Len(t, children(t, c1, p), 1)

		// A deadline ends a wait the same way.
		dctx, dcancel := context.WithTimeout(ctx, 200*time.Millisecond)
		defer dcancel()
		_, err = m2.Lock(dctx)
		require.ErrorIs(t, err, context.DeadlineExceeded)
		assert.Len(t, children(t, c1, p), 1)

		require.NoError(t, h.Unlock(ctx))
		assert.Empty(t, children(t, c1, p))
	})
}

func TestForeignChildren(t *testing.T) {
	servers.Each(t, func(t *testing.T, srv *zktest.Server) {
		ctx := ctxFor(t, opTimeout)
		c := dial(t, srv.Addr())
		p := uniquePath(t)
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
		ctx := ctxFor(t, opTimeout)
		c := dial(t, srv.Addr())
		p := uniquePath(t)
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
		ctx := ctxFor(t, opTimeout)
		px := zktest.NewProxy(t, srv.Addr())
		c := dial(t, px.Addr())
		p := uniquePath(t)
		_, err := c.Create(ctx, "/locktest", nil, zk.ModePersistent)
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
