package election_test

import (
	"path"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/coordkit/coordkit/internal/wire"
	"github.com/coordkit/coordkit/recipes/election"
	"github.com/coordkit/coordkit/zk"
	"github.com/coordkit/coordkit/zk/zktest"
	"github.com/coordkit/coordkit/zkserver"
)

// suspendTimeout is the session timeout of tests that suspend a
// connection: long enough that a reconnection right after the client
// declared the connection dead (after two thirds of it) finds the session
// alive on a busy machine.
const suspendTimeout = 9 * time.Second

// TestDroppedRepliesLeaveNoOrphan uses the embedded server's hook to drop
// the reply of the candidate's create, and then that of its resignation,
// each after the server applied it: the candidate finds its node again,
// leads, and resigns without leaving a node behind.
func TestDroppedRepliesLeaveNoOrphan(t *testing.T) {
	srv := zktest.Run(t)
	ctx := ctxFor(t, opTimeout)
	c := dial(t, srv.Addr())
	obs := dial(t, srv.Addr())
	p := uniquePath(t)
	var createDropped, resignDropped atomic.Bool
	srv.SetHook(func(r zkserver.Request) zkserver.Action {
		mine := strings.HasPrefix(r.Path, p+"/_c_")
		drop := mine && r.Op == int32(wire.OpCreate2) && createDropped.CompareAndSwap(false, true) ||
			mine && r.Op == int32(wire.OpMulti) && resignDropped.CompareAndSwap(false, true)
		return zkserver.Action{DropReply: drop}
	})
	events := newElection(t, obs, p).Observe(ctx)
	require.False(t, nextEvent(t, events, "the initial state").HasLeader())

	l := campaignNow(t, newElection(t, c, p), "v")
	require.True(t, createDropped.Load(), "the create's reply was dropped")
	assert.Equal(t, []string{path.Base(l.Node())}, children(t, obs, p), "one node, the one the lost create made")
	ev := nextEvent(t, events, "the leader")
	assert.Equal(t, l.Node(), ev.Node)

	require.NoError(t, l.Resign(ctx))
	require.True(t, resignDropped.Load(), "the resignation's reply was dropped")
	// The dropped reply broke the connection while Resign ran; the
	// suspension (and the node's deletion) came after the resignation
	// began, so they are no loss: the leadership ended by resigning.
	requireLost(t, l, "after Resign")
	require.ErrorIs(t, l.Err(), election.ErrNotLeader)
	assert.NotErrorIs(t, l.Err(), election.ErrLost)
	assert.Empty(t, children(t, obs, p), "no orphan node")
	ev = nextEvent(t, events, "no leader after the resignation")
	assert.False(t, ev.HasLeader())
	assert.Equal(t, election.ReasonResigned, ev.Reason)
	assert.GreaterOrEqual(t, c.Stats().Reconnects, uint64(2))
}

func TestLostOnSuspension(t *testing.T) {
	servers.Each(t, func(t *testing.T, srv *zktest.Server) {
		ctx := ctxFor(t, opTimeout)
		px := zktest.NewProxy(t, srv.Addr())
		c := dial(t, px.Addr(), zk.WithSessionTimeout(suspendTimeout), zk.WithConnectTimeout(time.Second))
		obs := dial(t, srv.Addr())
		p := uniquePath(t)
		l := campaignNow(t, newElection(t, c, p), "partitioned")
		states := c.StateEvents(t.Context())

		// A partition: the client declares the connection dead after two
		// thirds of the session timeout, and the leader steps down then,
		// while the server still keeps the session and its node.
		start := time.Now()
		px.Blackhole()
		requireLost(t, l, "while the connection is black-holed")
		lostAfter := time.Since(start)
		require.ErrorIs(t, l.Err(), election.ErrLost)
		require.ErrorIs(t, l.Err(), election.ErrSuspended)
		_, ok, err := obs.Exists(ctx, l.Node())
		require.NoError(t, err)
		assert.True(t, ok, "the server had not expired the session when the leader stepped down (after %v)", lostAfter)
		assert.Less(t, lostAfter, c.SessionTimeout(), "lost before the session timeout")

		// The connection comes back in time: Resign deletes the node the
		// lost leadership left behind and reports the loss.
		px.Pass()
		for ev := range states {
			if ev.Type == zk.EventReconnected {
				break
			}
		}
		require.ErrorIs(t, l.Resign(ctx), election.ErrLost)
		assert.Empty(t, children(t, obs, p), "Resign removed the node of the lost leadership")
	})
}

// TestForeignChildren checks that children other than latch nodes take no
// part in the election.
func TestForeignChildren(t *testing.T) {
	servers.Each(t, func(t *testing.T, srv *zktest.Server) {
		ctx := ctxFor(t, opTimeout)
		c := dial(t, srv.Addr())
		p := uniquePath(t)
		_, err := c.Create(ctx, path.Dir(p), nil, zk.ModePersistent)
		if err != nil {
			require.ErrorIs(t, err, zk.ErrNodeExists)
		}
		_, err = c.Create(ctx, p, nil, zk.ModePersistent)
		require.NoError(t, err)
		for _, name := range []string{"config", "x-latch-", "x-latch-12", "_c_0b9c-lock-"} {
			mode := zk.ModePersistent
			if strings.HasSuffix(name, "-lock-") {
				mode = zk.ModeEphemeralSequential
			}
			_, err := c.Create(ctx, p+"/"+name, nil, mode)
			require.NoError(t, err)
		}
		e := newElection(t, c, p)
		_, err = e.Leader(ctx)
		require.ErrorIs(t, err, election.ErrNoLeader, "unrelated children do not lead")
		l := campaignNow(t, e, "only")
		got, err := e.Leader(ctx)
		require.NoError(t, err)
		assert.Equal(t, "only", string(got))
		require.NoError(t, l.Resign(ctx))
		assert.Len(t, children(t, c, p), 4, "only the candidate's node went")
	})
}
