package recipetest

import (
	"context"
	"path"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/coordkit/coordkit/zk"
	"github.com/coordkit/coordkit/zk/zktest"
)

// BadOption is an option that a recipe's constructor must reject.
type BadOption[O any] struct {
	Name   string
	Option O
}

// RequireNewValidates checks a recipe's constructor newFn, one subtest per
// case: it rejects a nil Conn, a relative path, a path with a trailing
// slash and each of bad, returning an error and a nil recipe. Then it
// requires newFn to accept all of good together on "/recipe" and returns
// that recipe, whose Path it checks. newFn never contacts a server: it is
// given a Conn that never dialed.
func RequireNewValidates[R interface{ Path() string }, O any](t *testing.T, newFn func(*zk.Conn, string, ...O) (R, error), bad []BadOption[O], good ...O) R {
	t.Helper()
	c := &zk.Conn{}
	type invalid struct {
		name string
		conn *zk.Conn
		path string
		opts []O
	}
	cases := []invalid{
		{"nil conn", nil, "/recipe", nil},
		{"relative path", c, "recipe", nil},
		{"trailing slash", c, "/recipe/", nil},
	}
	for _, b := range bad {
		cases = append(cases, invalid{b.Name, c, "/recipe", []O{b.Option}})
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r, err := newFn(tc.conn, tc.path, tc.opts...)
			assert.Error(t, err)
			assert.Nil(t, r)
		})
	}
	r, err := newFn(c, "/recipe", good...)
	require.NoError(t, err)
	assert.Equal(t, "/recipe", r.Path())
	return r
}

// Grant is what a recipe grants: a lock's Hold, a Lease, a Leadership.
type Grant interface {
	Holding
	Node() string
}

// Recipe describes a recipe to the scenarios every recipe must pass.
type Recipe struct {
	// Take is granted on the directory p through c, failing the test if it
	// cannot be within OpTimeout, and returns the grant and its release
	// (Unlock, Release, Resign).
	Take func(t *testing.T, c *zk.Conn, p string) (Grant, func(context.Context) error)
	// The recipe's errors: a grant's Err wraps ErrLost and the cause,
	// ErrSuspended or ErrNodeDeleted.
	ErrLost, ErrSuspended, ErrNodeDeleted error
}

// LostOnSuspension checks on srv that a grant whose connection is
// partitioned is lost once the client declares the connection dead (after
// two thirds of the session timeout), while the server still keeps the
// session and its node; and that once the connection comes back in time
// its release deletes the node left behind and reports the loss.
func LostOnSuspension(t *testing.T, srv *zktest.Server, r Recipe) {
	ctx := Context(t, OpTimeout)
	s := takeSuspendable(t, srv, r)

	start := time.Now()
	s.px.Blackhole()
	RequireLost(t, s.h, "while the connection is black-holed")
	lostAfter := time.Since(start)
	require.ErrorIs(t, s.h.Err(), r.ErrLost)
	require.ErrorIs(t, s.h.Err(), r.ErrSuspended)
	_, ok, err := s.obs.Exists(ctx, s.h.Node())
	require.NoError(t, err)
	assert.True(t, ok, "the server had not expired the session when the holder learned of the loss (after %v)", lostAfter)
	assert.Less(t, lostAfter, s.c.SessionTimeout(), "lost before the session timeout")

	s.px.Pass()
	WaitState(t, s.states, zk.EventReconnected)
	require.ErrorIs(t, s.release(ctx), r.ErrLost)
	assert.Empty(t, Children(t, s.obs, s.p), "the release removed the node of the lost grant")
}

// LostOnUnwatchedSuspension checks on srv that a grant whose connection
// was suspended, even briefly, is lost although nobody looked at it
// meanwhile (no Lost, no Err): the client reconnects at once, and the
// release then reports the loss, removes the node, and Err and Lost say
// the same.
func LostOnUnwatchedSuspension(t *testing.T, srv *zktest.Server, r Recipe) {
	ctx := Context(t, OpTimeout)
	s := takeSuspendable(t, srv, r)

	s.px.Reset()
	WaitState(t, s.states, zk.EventReconnected)
	err := s.release(ctx)
	require.ErrorIs(t, err, r.ErrLost)
	require.ErrorIs(t, err, r.ErrSuspended)
	require.ErrorIs(t, s.h.Err(), r.ErrSuspended)
	RequireLost(t, s.h, "after the release reported the loss")
	assert.Empty(t, Children(t, s.obs, s.p), "the release removed the node of the lost grant")
}

// suspendable is a grant on the directory p taken through c, a
// connection that the proxy px can cut, with the state events of c from
// then on and a second connection, obs, to look at the directory.
type suspendable struct {
	px      *zktest.Proxy
	c, obs  *zk.Conn
	p       string
	h       Grant
	release func(context.Context) error
	states  <-chan zk.StateEvent
}

// takeSuspendable takes a grant of r on srv through a proxy.
func takeSuspendable(t *testing.T, srv *zktest.Server, r Recipe) suspendable {
	px := zktest.NewProxy(t, srv.Addr())
	s := suspendable{px: px, c: DialSuspendable(t, px), obs: Dial(t, srv.Addr()), p: UniquePath(t)}
	s.h, s.release = r.Take(t, s.c, s.p)
	s.states = s.c.StateEvents(t.Context())
	return s
}

// LostOnNodeDeletion checks on srv that a grant whose node another session
// deletes is lost, that the next contender is granted, and that the first
// one's release reports the loss without touching the next one's node.
func LostOnNodeDeletion(t *testing.T, srv *zktest.Server, r Recipe) {
	ctx := Context(t, OpTimeout)
	c := Dial(t, srv.Addr())
	admin := Dial(t, srv.Addr())
	p := UniquePath(t)
	h, release := r.Take(t, c, p)

	require.NoError(t, admin.Delete(ctx, h.Node(), zk.AnyVersion))
	RequireLost(t, h, "after its node was deleted")
	require.ErrorIs(t, h.Err(), r.ErrLost)
	require.ErrorIs(t, h.Err(), r.ErrNodeDeleted)

	next, releaseNext := r.Take(t, admin, p)
	err := release(ctx)
	require.ErrorIs(t, err, r.ErrLost)
	require.ErrorIs(t, err, r.ErrNodeDeleted)
	assert.Equal(t, []string{path.Base(next.Node())}, Children(t, c, p), "the next one's node stays")
	RequireHeld(t, next, "the next one")
	require.NoError(t, releaseNext(ctx))
	assert.Empty(t, Children(t, c, p))
}
