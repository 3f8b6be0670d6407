package lock_test

import (
	"context"
	"path"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/coordkit/coordkit/internal/wire"
	"github.com/coordkit/coordkit/recipes/internal/recipetest"
	"github.com/coordkit/coordkit/zk"
	"github.com/coordkit/coordkit/zk/zktest"
)

// TestDroppedCreateReplyEveryKind drops the reply of the create of a
// Mutex's node, of an RWMutex's reader and writer nodes and of a
// Semaphore's lease node, after the server applied it: each finds its node
// again by its protected name and leaves no second one.
func TestDroppedCreateReplyEveryKind(t *testing.T) {
	srv := zktest.Run(t)
	for _, tc := range []struct {
		name string
		dir  func(p string) string // where the dropped create happens
		take func(t *testing.T, c *zk.Conn, p string) (node string, release func(context.Context) error)
	}{
		{"mutex", func(p string) string { return p }, func(t *testing.T, c *zk.Conn, p string) (string, func(context.Context) error) {
			h := lockNow(t, newMutex(t, c, p))
			return h.Node(), h.Unlock
		}},
		{"reader", func(p string) string { return p }, func(t *testing.T, c *zk.Conn, p string) (string, func(context.Context) error) {
			h, err := newRWMutex(t, c, p).RLock(recipetest.Context(t, recipetest.OpTimeout))
			require.NoError(t, err)
			return h.Node(), h.Unlock
		}},
		{"writer", func(p string) string { return p }, func(t *testing.T, c *zk.Conn, p string) (string, func(context.Context) error) {
			h, err := newRWMutex(t, c, p).Lock(recipetest.Context(t, recipetest.OpTimeout))
			require.NoError(t, err)
			return h.Node(), h.Unlock
		}},
		{"lease", func(p string) string { return p + "/leases" }, func(t *testing.T, c *zk.Conn, p string) (string, func(context.Context) error) {
			l, err := newSemaphore(t, c, p, 1).Acquire(recipetest.Context(t, recipetest.OpTimeout))
			require.NoError(t, err)
			return l.Node(), l.Release
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ctx := recipetest.Context(t, recipetest.OpTimeout)
			c := recipetest.Dial(t, srv.Addr())
			p := recipetest.UniquePath(t)
			dir := tc.dir(p)
			dropped := recipetest.DropFirstReplies(srv, dir+"/_c_", wire.OpCreate2)
			defer srv.SetHook(nil)
			node, release := tc.take(t, c, p)
			require.True(t, dropped.Dropped(wire.OpCreate2), "the create's reply was dropped")
			assert.Equal(t, []string{path.Base(node)}, recipetest.Children(t, c, dir), "one node, the one the lost create made")
			assert.GreaterOrEqual(t, c.Stats().Reconnects, uint64(1))
			require.NoError(t, release(ctx))
			assert.Empty(t, recipetest.Children(t, c, dir))
		})
	}
}
