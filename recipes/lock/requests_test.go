package lock_test

import (
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/coordkit/coordkit/internal/wire"
	"github.com/coordkit/coordkit/recipes/internal/recipetest"
	"github.com/coordkit/coordkit/recipes/lock"
	"github.com/coordkit/coordkit/zk"
	"github.com/coordkit/coordkit/zk/zktest"
	"github.com/coordkit/coordkit/zkserver"
)

// requestLog records, through the embedded server's hook, the requests
// made on a lock path and its nodes, and signals each one of a chosen
// opcode.
type requestLog struct {
	p      string
	signal int32
	seen   chan zkserver.Request // receives the requests of opcode signal

	mu  sync.Mutex // guards ops
	ops []wire.OpCode
}

// logRequests starts recording the requests on p; those of opcode signal
// are also sent to the log's seen channel, if it has room.
func logRequests(srv *zkserver.Server, p string, signal wire.OpCode) *requestLog {
	l := &requestLog{p: p, signal: int32(signal), seen: make(chan zkserver.Request, 16)}
	srv.SetHook(func(r zkserver.Request) zkserver.Action {
		if r.Path != l.p && !strings.HasPrefix(r.Path, l.p+"/") {
			return zkserver.Action{}
		}
		l.mu.Lock()
		l.ops = append(l.ops, wire.OpCode(r.Op))
		l.mu.Unlock()
		if r.Op == l.signal {
			select {
			case l.seen <- r:
			default:
			}
		}
		return zkserver.Action{}
	})
	return l
}

// take returns the requests recorded since the last call.
func (l *requestLog) take() []wire.OpCode {
	l.mu.Lock()
	defer l.mu.Unlock()
	ops := l.ops
	l.ops = nil
	return ops
}

// count returns how many of ops are op.
func count(ops []wire.OpCode, op wire.OpCode) int {
	n := 0
	for _, o := range ops {
		if o == op {
			n++
		}
	}
	return n
}

// TestUncontendedRequests: an uncontended Lock and Unlock whose hold
// nobody asks about send three requests — the create and the children
// read, pipelined, and the delete. Asking (Lost, Err) sets the watch on
// the node: one request more.
func TestUncontendedRequests(t *testing.T) {
	srv := zktest.Run(t)
	ctx := recipetest.Context(t, recipetest.OpTimeout)
	c := recipetest.Dial(t, srv.Addr())
	p := recipetest.UniquePath(t)
	m := newMutex(t, c, p)
	require.NoError(t, lockNow(t, m).Unlock(ctx), "warm-up: creates the directory")

	log := logRequests(srv, p, wire.OpExists)
	for i := range 3 {
		h, err := m.Lock(ctx)
		require.NoError(t, err)
		require.NoError(t, h.Unlock(ctx))
		assert.Equal(t, []wire.OpCode{wire.OpCreate2, wire.OpGetChildren2, wire.OpDelete}, log.take(), "cycle %d", i)
	}

	h, err := m.Lock(ctx)
	require.NoError(t, err)
	recipetest.RequireHeld(t, h, "asked")
	select {
	case r := <-log.seen:
		assert.Equal(t, h.Node(), r.Path, "the watch is on the hold's node")
	case <-ctx.Done():
		require.FailNow(t, "no exists request after Lost was called")
	}
	require.NoError(t, h.Err())
	require.NoError(t, h.Unlock(ctx))
	assert.Equal(t, []wire.OpCode{wire.OpCreate2, wire.OpGetChildren2, wire.OpExists, wire.OpDelete}, log.take(),
		"one exists, however often the hold is asked")
}

// TestLostOnNodeDeletionWhileWatched: a holder waiting on Lost learns of
// its node's deletion by another session through the watch that its call
// to Lost set.
func TestLostOnNodeDeletionWhileWatched(t *testing.T) {
	srv := zktest.Run(t)
	ctx := recipetest.Context(t, recipetest.OpTimeout)
	c := recipetest.Dial(t, srv.Addr())
	admin := recipetest.Dial(t, srv.Addr())
	p := recipetest.UniquePath(t)
	log := logRequests(srv, p, wire.OpExists)
	h, err := newMutex(t, c, p).Lock(ctx)
	require.NoError(t, err)

	lost := make(chan struct{})
	go func() {
		<-h.Lost()
		close(lost)
	}()
	select {
	case <-log.seen: // the server handles requests one at a time: the watch is set before the delete below
	case <-ctx.Done():
		require.FailNow(t, "no exists request after Lost was called")
	}
	require.NoError(t, admin.Delete(ctx, h.Node(), zk.AnyVersion))
	select {
	case <-lost:
	case <-ctx.Done():
		require.FailNow(t, "Lost still open after the node was deleted")
	}
	require.ErrorIs(t, h.Err(), lock.ErrLost)
	require.ErrorIs(t, h.Err(), lock.ErrNodeDeleted)
	err = h.Unlock(ctx)
	require.ErrorIs(t, err, lock.ErrLost)
	require.ErrorIs(t, err, lock.ErrNodeDeleted)
}

// TestLostOnNodeDeletionBeforeAsked: a node deleted before anyone asked
// about its hold is noticed by the first call to Lost.
func TestLostOnNodeDeletionBeforeAsked(t *testing.T) {
	servers.Each(t, func(t *testing.T, srv *zktest.Server) {
		ctx := recipetest.Context(t, recipetest.OpTimeout)
		c := recipetest.Dial(t, srv.Addr())
		admin := recipetest.Dial(t, srv.Addr())
		p := recipetest.UniquePath(t)
		h, err := newMutex(t, c, p).Lock(ctx)
		require.NoError(t, err)
		require.NoError(t, admin.Delete(ctx, h.Node(), zk.AnyVersion))
		recipetest.RequireLost(t, h, "after its node was deleted, asked afterwards")
		require.ErrorIs(t, h.Err(), lock.ErrNodeDeleted)
		require.ErrorIs(t, h.Unlock(ctx), lock.ErrLost)
	})
}

// TestHandoffRequests: a contender waiting for the holder is granted by the
// holder's deletion alone, without reading the children again.
func TestHandoffRequests(t *testing.T) {
	srv := zktest.Run(t)
	ctx := recipetest.Context(t, recipetest.OpTimeout)
	p := recipetest.UniquePath(t)
	m1 := newMutex(t, recipetest.Dial(t, srv.Addr()), p)
	m2 := newMutex(t, recipetest.Dial(t, srv.Addr()), p)
	h1 := lockNow(t, m1)

	log := logRequests(srv, p, wire.OpGetData)
	got := recipetest.Go(ctx, m2.Lock)
	select {
	case r := <-log.seen:
		require.Equal(t, h1.Node(), r.Path, "the contender watches the holder")
	case <-ctx.Done():
		require.FailNow(t, "the contender does not watch")
	}
	recipetest.RequirePending(t, got, "the contender while held")
	require.NoError(t, h1.Unlock(ctx))
	h2 := recipetest.Granted(t, got, "the contender after Unlock")
	ops := log.take()
	assert.Equal(t, 1, count(ops, wire.OpGetChildren2), "only the read pipelined with the create: %v", ops)
	require.NoError(t, h2.Unlock(ctx))
}
