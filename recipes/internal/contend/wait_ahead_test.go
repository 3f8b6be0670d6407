package contend

import (
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/coordkit/coordkit/internal/wire"
	"github.com/coordkit/coordkit/recipes/internal/recipetest"
	"github.com/coordkit/coordkit/zk"
	"github.com/coordkit/coordkit/zk/zktest"
	"github.com/coordkit/coordkit/zkserver"
)

// TestBlockerAhead checks which contender a waiting one also watches so
// that the hand-over to it needs no read of the children: the one just
// before its blocker, when the blocker is its immediate predecessor and is
// itself waiting; none otherwise.
func TestBlockerAhead(t *testing.T) {
	name := nodeName
	h, w, x := name("h", "lock-", 1), name("w", "lock-", 2), name("x", "lock-", 3)
	for _, tc := range []struct {
		name      string
		children  []string
		rule      Rule
		wantAhead string
	}{
		{"second in line: the blocker holds", []string{h, name("me", "lock-", 2)}, Predecessor, ""},
		{"third in line: the holder", []string{h, w, name("me", "lock-", 3)}, Predecessor, h},
		{"fourth in line: the one before the blocker", []string{h, w, x, name("me", "lock-", 4)}, Predecessor, w},
		{"reader right behind a waiting writer", []string{h, name("w", MarkerWrite, 2), name("me", MarkerRead, 3)}, Shared, h},
		{"reader behind a writer and readers: the blocker is not its predecessor",
			[]string{h, name("w", MarkerWrite, 2), name("r", MarkerRead, 3), name("me", MarkerRead, 4)}, Shared, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			assert.Equal(t, tc.wantAhead, blockerOfLast(t, tc.children, tc.rule).ahead)
		})
	}
}

// TestWaitReadsAheadOfTheHandover follows the requests of a contender
// third in line, through the embedded server's hook: it watches its
// blocker and the holder; when the holder goes it reads the children once
// (its blocker now holds) and keeps waiting; when the blocker goes it
// proceeds at once, without another read.
func TestWaitReadsAheadOfTheHandover(t *testing.T) {
	srv := zktest.Run(t)
	ctx := recipetest.Context(t, recipetest.OpTimeout)
	c := &Contest{Conn: recipetest.Dial(t, srv.Addr()), Dir: recipetest.UniquePath(t), Markers: LockMarkers}
	other := &Contest{Conn: recipetest.Dial(t, srv.Addr()), Dir: c.Dir, Markers: LockMarkers}
	holder, _, err := other.Join(ctx, "lock-")
	require.NoError(t, err)
	blocker, _, err := other.Join(ctx, "lock-")
	require.NoError(t, err)
	me, children, err := c.Join(ctx, "lock-")
	require.NoError(t, err)

	var reads, watches atomic.Int32
	sid := c.Conn.SessionID()
	srv.SetHook(func(r zkserver.Request) zkserver.Action {
		if r.Session == sid {
			switch r.Op {
			case int32(wire.OpGetChildren2):
				reads.Add(1)
			case int32(wire.OpGetData):
				watches.Add(1)
			}
		}
		return zkserver.Action{}
	})
	done := make(chan error, 1)
	go func() { done <- c.Wait(ctx, me, children, Predecessor) }()
	require.Eventually(t, func() bool { return watches.Load() == 2 }, recipetest.OpTimeout, time.Millisecond,
		"watches on the blocker and on the holder")

	require.NoError(t, other.Conn.Delete(ctx, holder.Path, zk.AnyVersion))
	require.Eventually(t, func() bool { return reads.Load() == 1 }, recipetest.OpTimeout, time.Millisecond,
		"one read of the children once the holder went")
	select {
	case err := <-done:
		require.FailNow(t, "granted while the blocker holds", "Wait returned %v", err)
	case <-time.After(200 * time.Millisecond):
	}
	assert.Equal(t, int32(2), watches.Load(), "the blocker's watch is kept, not set again")

	require.NoError(t, other.Conn.Delete(ctx, blocker.Path, zk.AnyVersion))
	select {
	case err := <-done:
		require.NoError(t, err)
	case <-ctx.Done():
		require.FailNow(t, "not granted after the blocker went")
	}
	assert.Equal(t, int32(1), reads.Load(), "no read of the children on the hand-over")
	require.NoError(t, c.Leave(ctx, me, nil))
}
