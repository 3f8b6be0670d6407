package contend

import (
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/coordkit/coordkit/recipes/internal/recipetest"
	"github.com/coordkit/coordkit/zk"
	"github.com/coordkit/coordkit/zk/zktest"
)

// nodeName is the name of contender p's node, of marker and sequence
// number seq.
func nodeName(p, marker string, seq int) string { return fmt.Sprintf("_c_%s-%s%010d", p, marker, seq) }

// blockerOfLast returns what blocker finds for the last of children, the
// node of contender "me" in the directory /d, by rule.
func blockerOfLast(t *testing.T, children []string, rule Rule) wait {
	t.Helper()
	c := &Contest{Dir: "/d", Markers: LockMarkers}
	own := children[len(children)-1]
	w, err := c.blocker(Node{Path: "/d/" + own, Name: own, Prefix: "_c_me-"}, children, rule)
	require.NoError(t, err)
	return w
}

// TestBlockerFinal checks when a blocker's deletion alone grants a
// contender, so that Wait may skip reading the children again: only when
// the blocker is the lowest contender and no other one before the
// contender would block it.
func TestBlockerFinal(t *testing.T) {
	name := nodeName
	for _, tc := range []struct {
		name      string
		children  []string
		rule      Rule
		wantBlock int // index in children
		wantFinal bool
	}{
		{"mutex second in line", []string{name("h", "lock-", 1), name("me", "lock-", 2)}, Predecessor, 0, true},
		{"mutex behind a waiting contender", []string{name("h", "lock-", 1), name("w", "lock-", 2), name("me", "lock-", 3)}, Predecessor, 1, false},
		{"unrelated children do not count", []string{"config", name("h", "lock-", 1), name("me", "lock-", 2)}, Predecessor, 1, true},
		{"writer behind the reader that holds", []string{name("r", MarkerRead, 1), name("me", MarkerWrite, 2)}, Predecessor, 0, true},
		{"writer behind two readers", []string{name("r", MarkerRead, 1), name("s", MarkerRead, 2), name("me", MarkerWrite, 3)}, Predecessor, 1, false},
		{"reader behind the writer that holds, past readers", []string{name("w", MarkerWrite, 1), name("r", MarkerRead, 2), name("me", MarkerRead, 3)}, Shared, 0, true},
		{"reader behind a waiting writer", []string{name("r", MarkerRead, 1), name("w", MarkerWrite, 2), name("me", MarkerRead, 3)}, Shared, 1, false},
		{"reader behind two writers", []string{name("w", MarkerWrite, 1), name("x", MarkerWrite, 2), name("me", MarkerRead, 3)}, Shared, 1, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			w := blockerOfLast(t, tc.children, tc.rule)
			assert.Equal(t, tc.children[tc.wantBlock], w.blocker)
			assert.Equal(t, tc.wantFinal, w.final)
		})
	}
}

// TestWaitBehindWaitingBlocker: a contender waits for a blocker that was
// itself waiting for the holder. That blocker's deletion must not grant
// the contender while the holder still holds: Wait reads the children
// again and waits for the holder, and proceeds once the holder goes.
func TestWaitBehindWaitingBlocker(t *testing.T) {
	servers.Each(t, func(t *testing.T, srv *zktest.Server) {
		for _, tc := range []struct {
			name  string
			kinds [3]string // holder, waiting blocker, contender
			rule  Rule
		}{
			{"mutex", [3]string{"lock-", "lock-", "lock-"}, Predecessor},
			{"reader behind a waiting writer", [3]string{MarkerWrite, MarkerWrite, MarkerRead}, Shared},
		} {
			t.Run(tc.name, func(t *testing.T) {
				ctx := recipetest.Context(t, recipetest.OpTimeout)
				c := newContest(t, srv)
				var nodes [3]Node
				for i, kind := range tc.kinds {
					n, _, err := c.Join(ctx, kind)
					require.NoError(t, err)
					nodes[i] = n
				}
				holder, waiting, me := nodes[0], nodes[1], nodes[2]
				children, err := c.Children(ctx)
				require.NoError(t, err)
				blocker, err := c.Blocker(me, children, tc.rule)
				require.NoError(t, err)
				require.Equal(t, waiting.Name, blocker, "the contender waits for the waiting blocker")

				done := make(chan error, 1)
				go func() { done <- c.Wait(ctx, me, children, tc.rule) }()
				// Wait may see the blocker's deletion through its watch, or
				// find it gone when setting the watch: neither is a grant.
				require.NoError(t, c.Conn.Delete(ctx, waiting.Path, zk.AnyVersion))
				select {
				case err := <-done:
					require.FailNow(t, "granted while the holder holds", "Wait returned %v", err)
				case <-time.After(500 * time.Millisecond):
				}
				require.NoError(t, c.Conn.Delete(ctx, holder.Path, zk.AnyVersion))
				select {
				case err := <-done:
					require.NoError(t, err)
				case <-ctx.Done():
					require.FailNow(t, "not granted after the holder went")
				}
				require.NoError(t, c.Leave(ctx, me, nil))
				assert.Empty(t, kids(t, c))
			})
		}
	})
}
