package lock_test

import (
	"context"
	"path"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/coordkit/coordkit/internal/wire"
	"github.com/coordkit/coordkit/zk"
	"github.com/coordkit/coordkit/zk/zktest"
	"github.com/coordkit/coordkit/zkserver"
)

// TestDroppedCreateReplyEveryKind drops the reply of the create of an
// RWMutex's reader and writer nodes and of a Semaphore's lease node, after
// the server applied it: each finds its node again by its protected name
// and leaves no second one.
func TestDroppedCreateReplyEveryKind(t *testing.T) {
	srv := zktest.Run(t)
	for _, tc := range []struct {
		name string
		dir  func(p string) string // where the dropped create happens
		take func(t *testing.T, c *zk.Conn, p string) (node string, release func(context.Context) error)
	}{
		{"reader", func(p string) string { return p }, func(t *testing.T, c *zk.Conn, p string) (string, func(context.Context) error) {
			h, err := newRWMutex(t, c, p).RLock(ctxFor(t, opTimeout))
			require.NoError(t, err)
			return h.Node(), h.Unlock
		}},
		{"writer", func(p string) string { return p }, func(t *testing.T, c *zk.Conn, p string) (string, func(context.Context) error) {
			h, err := newRWMutex(t, c, p).Lock(ctxFor(t, opTimeout))
			require.NoError(t, err)
			return h.Node(), h.Unlock
		}},
		{"lease", func(p string) string { return p + "/leases" }, func(t *testing.T, c *zk.Conn, p string) (string, func(context.Context) error) {
			l, err := newSemaphore(t, c, p, 1).Acquire(ctxFor(t, opTimeout))
			require.NoError(t, err)
			return l.Node(), l.Release
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ctx := ctxFor(t, opTimeout)
			c := dial(t, srv.Addr())
			p := uniquePath(t)
			dir := tc.dir(p)
			var dropped atomic.Bool
			srv.SetHook(func(r zkserver.Request) zkserver.Action {
				drop := r.Op == int32(wire.OpCreate2) && strings.HasPrefix(r.Path, dir+"/_c_") && dropped.CompareAndSwap(false, true)
				return zkserver.Action{DropReply: drop}
			})
			defer srv.SetHook(nil)
			node, release := tc.take(t, c, p)
			require.True(t, dropped.Load(), "the create's reply was dropped")
			assert.Equal(t, []string{path.Base(node)}, children(t, c, dir), "one node, the one the lost create made")
			assert.GreaterOrEqual(t, c.Stats().Reconnects, uint64(1))
			require.NoError(t, release(ctx))
			assert.Empty(t, children(t, c, dir))
		})
	}
}
