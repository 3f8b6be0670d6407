package lock_test

import (
	"context"
	"fmt"
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

// readNodeName and writeNodeName are the layouts of an RWMutex's nodes:
// Curator's protected InterProcessReadWriteLock names.
var (
	readNodeName  = regexp.MustCompile(`^_c_[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}-__READ__[0-9]{10}$`)
	writeNodeName = regexp.MustCompile(`^_c_[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}-__WRIT__[0-9]{10}$`)
)

// newRWMutex returns an RWMutex on p through c.
func newRWMutex(t *testing.T, c *zk.Conn, p string, opts ...lock.Option) *lock.RWMutex {
	t.Helper()
	m, err := lock.NewRWMutex(c, p, opts...)
	require.NoError(t, err)
	return m
}

func TestNewRWMutexValidates(t *testing.T) {
	recipetest.RequireNewValidates(t, lock.NewRWMutex, badOptions)
}

func TestRWMutexReadersShare(t *testing.T) {
	servers.Each(t, func(t *testing.T, srv *zktest.Server) {
		ctx := recipetest.Context(t, recipetest.OpTimeout)
		c1, c2 := recipetest.Dial(t, srv.Addr()), recipetest.Dial(t, srv.Addr())
		p := recipetest.UniquePath(t)
		m1, m2 := newRWMutex(t, c1, p), newRWMutex(t, c2, p)

		r1, err := m1.RLock(ctx)
		require.NoError(t, err)
		r2, err := m2.RLock(ctx)
		require.NoError(t, err, "a second reader shares")
		r3, err := m2.TryRLock(ctx)
		require.NoError(t, err, "TryRLock shares too")
		for _, h := range []*lock.Hold{r1, r2, r3} {
			recipetest.RequireHeld(t, h, "reader")
			assert.Regexp(t, readNodeName, base(h.Node()))
		}
		assert.Greater(t, r2.Token(), r1.Token())
		_, st, err := c1.Get(ctx, r1.Node())
		require.NoError(t, err)
		assert.Equal(t, st.Czxid, r1.Token())

		_, err = m1.TryLock(ctx)
		require.ErrorIs(t, err, lock.ErrLocked, "readers exclude a writer")
		assert.Len(t, recipetest.Children(t, c1, p), 3, "a busy TryLock leaves no node")

		require.NoError(t, r1.Unlock(ctx))
		require.NoError(t, m2.RUnlock(ctx), "RUnlock releases the latest read hold")
		assert.ErrorIs(t, r3.Err(), lock.ErrNotHeld)
		require.NoError(t, r2.Unlock(ctx))
		assert.ErrorIs(t, m2.RUnlock(ctx), lock.ErrNotHeld)

		w, err := m1.TryLock(ctx)
		require.NoError(t, err, "free again")
		assert.Regexp(t, writeNodeName, base(w.Node()))
		assert.Greater(t, w.Token(), r3.Token())
		require.NoError(t, m1.Unlock(ctx), "Unlock releases the latest write hold")
		assert.ErrorIs(t, w.Err(), lock.ErrNotHeld)
		assert.ErrorIs(t, m1.Unlock(ctx), lock.ErrNotHeld)
		assert.Empty(t, recipetest.Children(t, c1, p))
	})
}

func TestRWMutexWriterExcludes(t *testing.T) {
	servers.Each(t, func(t *testing.T, srv *zktest.Server) {
		ctx := recipetest.Context(t, recipetest.OpTimeout)
		c1, c2 := recipetest.Dial(t, srv.Addr()), recipetest.Dial(t, srv.Addr())
		p := recipetest.UniquePath(t)
		m1, m2 := newRWMutex(t, c1, p), newRWMutex(t, c2, p)

		w, err := m1.Lock(ctx)
		require.NoError(t, err)
		_, err = m2.TryRLock(ctx)
		require.ErrorIs(t, err, lock.ErrLocked, "a writer excludes readers")
		_, err = m2.TryLock(ctx)
		require.ErrorIs(t, err, lock.ErrLocked, "and writers")
		assert.Len(t, recipetest.Children(t, c1, p), 1)

		reader := recipetest.Go(ctx, m2.RLock)
		recipetest.WaitChildren(t, c1, p, 2)
		writer := recipetest.Go(ctx, m2.Lock)
		recipetest.WaitChildren(t, c1, p, 3)
		recipetest.RequirePending(t, reader, "reader behind a writer")
		recipetest.RequirePending(t, writer, "writer behind a writer")

		require.NoError(t, w.Unlock(ctx))
		// The reader queued first: it goes first, the writer after it.
		r := recipetest.Granted(t, reader, "reader")
		recipetest.RequirePending(t, writer, "writer behind a reader")
		require.NoError(t, r.Unlock(ctx))
		w2 := recipetest.Granted(t, writer, "writer")
		assert.Greater(t, w2.Token(), r.Token())
		require.NoError(t, w2.Unlock(ctx))
		assert.Empty(t, recipetest.Children(t, c1, p))
	})
}

// TestRWMutexFIFO: a writer queued behind readers holds up the readers
// that come after it, so a stream of readers cannot starve it.
func TestRWMutexFIFO(t *testing.T) {
	servers.Each(t, func(t *testing.T, srv *zktest.Server) {
		ctx := recipetest.Context(t, recipetest.OpTimeout)
		c1, c2, c3 := recipetest.Dial(t, srv.Addr()), recipetest.Dial(t, srv.Addr()), recipetest.Dial(t, srv.Addr())
		p := recipetest.UniquePath(t)
		m1, m2, m3 := newRWMutex(t, c1, p), newRWMutex(t, c2, p), newRWMutex(t, c3, p)

		r1, err := m1.RLock(ctx)
		require.NoError(t, err)
		writer := recipetest.Go(ctx, m2.Lock)
		recipetest.WaitChildren(t, c1, p, 2)

		_, err = m3.TryRLock(ctx)
		require.ErrorIs(t, err, lock.ErrLocked, "a reader behind a waiting writer")
		reader := recipetest.Go(ctx, m3.RLock)
		recipetest.WaitChildren(t, c1, p, 3)
		recipetest.RequirePending(t, writer, "writer behind a reader")
		recipetest.RequirePending(t, reader, "reader behind a waiting writer")

		require.NoError(t, r1.Unlock(ctx))
		w := recipetest.Granted(t, writer, "writer")
		recipetest.RequirePending(t, reader, "reader behind the holding writer")
		require.NoError(t, w.Unlock(ctx))
		r2 := recipetest.Granted(t, reader, "later reader")
		assert.Greater(t, w.Token(), r1.Token())
		assert.Greater(t, r2.Token(), w.Token())
		require.NoError(t, r2.Unlock(ctx))
		assert.Empty(t, recipetest.Children(t, c1, p))
	})
}

// TestRWMutexAndMutex: a Mutex's nodes count as writers, and a Mutex waits
// for readers and writers alike.
func TestRWMutexAndMutex(t *testing.T) {
	servers.Each(t, func(t *testing.T, srv *zktest.Server) {
		ctx := recipetest.Context(t, recipetest.OpTimeout)
		c := recipetest.Dial(t, srv.Addr())
		p := recipetest.UniquePath(t)
		rw, mu := newRWMutex(t, c, p), newMutex(t, c, p)

		h := lockNow(t, mu)
		_, err := rw.TryRLock(ctx)
		require.ErrorIs(t, err, lock.ErrLocked)
		require.NoError(t, h.Unlock(ctx))

		r, err := rw.RLock(ctx)
		require.NoError(t, err)
		_, err = mu.TryLock(ctx)
		require.ErrorIs(t, err, lock.ErrLocked)
		require.NoError(t, r.Unlock(ctx))
		assert.Empty(t, recipetest.Children(t, c, p))
	})
}

func TestRWMutexLostOnExpiry(t *testing.T) {
	servers.Each(t, func(t *testing.T, srv *zktest.Server) {
		ctx := recipetest.Context(t, recipetest.OpTimeout)
		c, other := recipetest.Dial(t, srv.Addr()), recipetest.Dial(t, srv.Addr())
		p := recipetest.UniquePath(t)
		r, err := newRWMutex(t, c, p, lock.WithIgnoreSuspension()).RLock(ctx)
		require.NoError(t, err)

		require.NoError(t, zktest.ExpireSession(ctx, srv.Addr(), c.SessionID(), c.SessionPassword()))
		recipetest.RequireLost(t, r, "after the session expired")
		require.ErrorIs(t, r.Err(), lock.ErrLost)
		require.ErrorIs(t, r.Err(), zk.ErrSessionExpired)
		w, err := newRWMutex(t, other, p).Lock(ctx)
		require.NoError(t, err, "the expired reader's node went with its session")
		require.ErrorIs(t, r.Unlock(ctx), lock.ErrLost)
		assert.Equal(t, []string{base(w.Node())}, recipetest.Children(t, other, p))
		require.NoError(t, w.Unlock(ctx))
	})
}

// readWrite is the rule of an RWMutex: a writer holds alone, a reader
// never with a writer; a writer's token exceeds every token granted before
// it, a reader's the last writer's.
type readWrite struct {
	writer    func(id int) bool // whether contender id writes
	readers   int
	writers   int
	maxToken  int64
	lastWrite int64
}

func (r *readWrite) enter(id int, token int64) (violations []string) {
	if r.writer(id) {
		if r.readers > 0 || r.writers > 0 {
			violations = append(violations, fmt.Sprintf("writer %d granted with %d readers, %d writers", id, r.readers, r.writers))
		}
		if token <= r.maxToken {
			violations = append(violations, fmt.Sprintf("writer %d got token %d after %d", id, token, r.maxToken))
		}
		r.writers++
		r.lastWrite = token
	} else {
		if r.writers > 0 {
			violations = append(violations, fmt.Sprintf("reader %d granted while a writer holds", id))
		}
		if token <= r.lastWrite {
			violations = append(violations, fmt.Sprintf("reader %d got token %d after writer's %d", id, token, r.lastWrite))
		}
		r.readers++
	}
	r.maxToken = max(r.maxToken, token)
	return violations
}

func (r *readWrite) exit(id int) []string {
	if r.writer(id) {
		r.writers--
	} else {
		r.readers--
	}
	return nil
}

func TestRWMutexManyContenders(t *testing.T) {
	servers.Each(t, func(t *testing.T, srv *zktest.Server) {
		const (
			sessions   = 3
			perSession = 4 // goroutines sharing one RWMutex; every fourth writes
			rounds     = 3
		)
		p := recipetest.UniquePath(t)
		ctx := recipetest.Context(t, 2*recipetest.OpTimeout)
		conns := make([]*zk.Conn, sessions)
		mutexes := make([]*lock.RWMutex, sessions)
		for i := range conns {
			conns[i] = recipetest.Dial(t, srv.Addr())
			mutexes[i] = newRWMutex(t, conns[i], p)
		}
		writer := func(id int) bool { return id%4 == 0 }
		newContention(&readWrite{writer: writer}).run(t, ctx, sessions*perSession, rounds, 2*time.Millisecond,
			func(ctx context.Context, id int) (grant, error) {
				m := mutexes[id%sessions]
				if writer(id) {
					return holdGrant(m.Lock(ctx))
				}
				return holdGrant(m.RLock(ctx))
			})
		assert.Empty(t, recipetest.Children(t, conns[0], p), "no orphan nodes")
	})
}
