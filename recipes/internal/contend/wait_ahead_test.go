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
// itself waiting; none otherwise. When that one is the lowest, its
// deletion alone makes the blocker final.
func TestBlockerAhead(t *testing.T) {
	name := nodeName
	h, w, x := name("h", "lock-", 1), name("w", "lock-", 2), name("x", "lock-", 3)
	for _, tc := range []struct {
		name           string
		children       []string
		rule           Rule
		wantAhead      string
		wantAheadFinal bool
	}{
		{"second in line: the blocker holds", []string{h, name("me", "lock-", 2)}, Predecessor, "", false},
		{"third in line: the holder", []string{h, w, name("me", "lock-", 3)}, Predecessor, h, true},
		{"fourth in line: the one before the blocker", []string{h, w, x, name("me", "lock-", 4)}, Predecessor, w, false},
		{"reader right behind a waiting writer", []string{h, name("w", MarkerWrite, 2), name("me", MarkerRead, 3)}, Shared, h, true},
		{"reader behind a holding reader and two writers",
			[]string{name("r", MarkerRead, 1), w, name("w2", MarkerWrite, 3), name("me", MarkerRead, 4)}, Shared, w, false},
		{"writer behind a waiting writer and two readers: the readers share the hold",
			[]string{name("r", MarkerRead, 1), name("r2", MarkerRead, 2), name("w", MarkerWrite, 3), name("me", MarkerWrite, 4)}, Predecessor, name("r2", MarkerRead, 2), false},
		{"reader behind a writer and readers: the blocker is not its predecessor",
			[]string{h, name("w", MarkerWrite, 2), name("r", MarkerRead, 3), name("me", MarkerRead, 4)}, Shared, "", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := blockerOfLast(t, tc.children, tc.rule)
			assert.Equal(t, tc.wantAhead, got.ahead)
			assert.Equal(t, tc.wantAheadFinal, got.aheadFinal)
		})
	}
}

// TestWaitReadsAheadOfTheHandover follows the requests of a waiting
// contender through the embedded server's hook. It watches its blocker
// and the one before, both in one round trip. Third in line, the one
// before is the holder: when it goes, the blocker holds, with no read of
// the children. Fourth in line, it reads the children once when the one
// before its blocker goes. Either way the blocker's deletion then grants
// it at once, without another read.
func TestWaitReadsAheadOfTheHandover(t *testing.T) {
	for _, tc := range []struct {
		name  string
		ahead int   // contenders before the blocker
		reads int32 // reads of the children before the hand-over
	}{
		{"third in line", 1, 0},
		{"fourth in line", 2, 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			testWaitReadsAheadOfTheHandover(t, tc.ahead, tc.reads)
		})
	}
}

func testWaitReadsAheadOfTheHandover(t *testing.T, before int, wantReads int32) {
	srv := zktest.Run(t)
	ctx := recipetest.Context(t, recipetest.OpTimeout)
	c := &Contest{Conn: recipetest.Dial(t, srv.Addr()), Dir: recipetest.UniquePath(t), Markers: LockMarkers}
	other := &Contest{Conn: recipetest.Dial(t, srv.Addr()), Dir: c.Dir, Markers: LockMarkers}
	var others []Node
	for range before + 1 {
		n, _, err := other.Join(ctx, "lock-")
		require.NoError(t, err)
		others = append(others, n)
	}
	me, children, err := c.Join(ctx, "lock-")
	require.NoError(t, err)

	// The first watch's reply is held back: the second watch reaches the
	// server meanwhile only if both went out together.
	const held = 300 * time.Millisecond
	var reads, watches atomic.Int32
	var firstWatch, secondWatch atomic.Int64
	sid := c.Conn.SessionID()
	srv.SetHook(func(r zkserver.Request) zkserver.Action {
		if r.Session != sid {
			return zkserver.Action{}
		}
		switch r.Op {
		case int32(wire.OpGetChildren2):
			reads.Add(1)
		case int32(wire.OpGetData):
			switch watches.Add(1) {
			case 1:
				firstWatch.Store(time.Now().UnixNano())
				return zkserver.Action{Delay: held}
			case 2:
				secondWatch.Store(time.Now().UnixNano())
			}
		}
		return zkserver.Action{}
	})
	done := make(chan error, 1)
	go func() { done <- c.Wait(ctx, me, children, Predecessor) }()
	require.Eventually(t, func() bool { return watches.Load() == 2 }, recipetest.OpTimeout, time.Millisecond,
		"watches on the blocker and on the one before it")
	assert.Less(t, time.Duration(secondWatch.Load()-firstWatch.Load()), held/2,
		"the second watch waited for the first one's reply")

	blocker := others[before]
	for _, n := range others[:before] {
		require.NoError(t, other.Conn.Delete(ctx, n.Path, zk.AnyVersion))
	}
	require.Eventually(t, func() bool { return reads.Load() == wantReads }, recipetest.OpTimeout, time.Millisecond,
		"reads of the children once the blocker holds")
	select {
	case err := <-done:
		require.FailNow(t, "granted while the blocker holds", "Wait returned %v", err)
	case <-time.After(200 * time.Millisecond):
	}
	assert.Equal(t, wantReads, reads.Load(), "reads of the children once the blocker holds")
	assert.Equal(t, int32(2), watches.Load(), "the blocker's watch is kept, not set again")

	require.NoError(t, other.Conn.Delete(ctx, blocker.Path, zk.AnyVersion))
	select {
	case err := <-done:
		require.NoError(t, err)
	case <-ctx.Done():
		require.FailNow(t, "not granted after the blocker went")
	}
	assert.Equal(t, wantReads, reads.Load(), "no read of the children on the hand-over")
	require.NoError(t, c.Leave(ctx, me, nil))
}
