package contend

import (
	"context"
	"errors"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/coordkit/coordkit/recipes/internal/recipetest"
	"github.com/coordkit/coordkit/zk"
	"github.com/coordkit/coordkit/zk/zktest"
)

// Errors of a recipe, as NewHold takes them.
var (
	errNotHeld = errors.New("recipe: not held")
	errLost    = errors.New("recipe: lost")
)

// joinHold joins c's contest and returns the node and its hold; t.Cleanup
// releases it.
func joinHold(t *testing.T, c *Contest) (Node, *Hold) {
	t.Helper()
	node, _, err := c.Join(recipetest.Context(t, recipetest.OpTimeout), "lock-")
	require.NoError(t, err)
	h := NewHold(c.Conn, node.Path, Policy{}, errNotHeld, errLost)
	t.Cleanup(func() {
		_ = h.Release(context.Background(), func(context.Context, *bool) error { return nil }, func() {})
	})
	return node, h
}

// remover returns the Remover of node through c.
func remover(c *Contest, node Node) Remover {
	return func(ctx context.Context, deleted *bool) error { return c.Remove(ctx, node, deleted) }
}

// TestHoldRelease checks a release without a loss: the node is deleted,
// forget runs once, Err says the hold is released, and a second Release
// fails.
func TestHoldRelease(t *testing.T) {
	servers.Each(t, func(t *testing.T, srv *zktest.Server) {
		ctx := recipetest.Context(t, recipetest.OpTimeout)
		c := newContest(t, srv)
		node, h := joinHold(t, c)
		require.NoError(t, h.Err())
		forgot := 0
		require.NoError(t, h.Release(ctx, remover(c, node), func() { forgot++ }))
		recipetest.RequireLost(t, h, "after the release")
		assert.Equal(t, errNotHeld, h.Err())
		assert.Equal(t, 1, forgot)
		assert.Empty(t, kids(t, c))

		assert.Equal(t, errNotHeld, h.Release(ctx, remover(c, node), func() { forgot++ }))
		assert.Equal(t, 1, forgot, "a second release forgets nothing")
	})
}

// TestHoldReleaseAfterDeletion checks a release of a node that another
// party deleted: the release completes, and it and Err report the loss.
func TestHoldReleaseAfterDeletion(t *testing.T) {
	servers.Each(t, func(t *testing.T, srv *zktest.Server) {
		ctx := recipetest.Context(t, recipetest.OpTimeout)
		c := newContest(t, srv)
		node, h := joinHold(t, c)
		require.NoError(t, c.Conn.Delete(ctx, node.Path, zk.AnyVersion))
		forgot := 0
		err := h.Release(ctx, remover(c, node), func() { forgot++ })
		require.ErrorIs(t, err, errLost)
		assert.ErrorIs(t, err, ErrNodeDeleted)
		recipetest.RequireLost(t, h, "after the release of a deleted node")
		assert.ErrorIs(t, h.Err(), errLost)
		assert.ErrorIs(t, h.Err(), ErrNodeDeleted)
		assert.Equal(t, 1, forgot)
	})
}

// TestHoldReleaseFails checks that a release whose delete fails returns
// the error as is and leaves the hold as it was, to be released again.
func TestHoldReleaseFails(t *testing.T) {
	servers.Each(t, func(t *testing.T, srv *zktest.Server) {
		ctx := recipetest.Context(t, recipetest.OpTimeout)
		c := newContest(t, srv)
		node, h := joinHold(t, c)
		errFailed := errors.New("delete failed")
		forgot := 0
		err := h.Release(ctx, func(context.Context, *bool) error { return errFailed }, func() { forgot++ })
		assert.Equal(t, errFailed, err)
		require.NoError(t, h.Err())
		select {
		case <-h.Lost():
			require.FailNow(t, "Lost closed by a failed release")
		default:
		}
		assert.Zero(t, forgot)

		require.NoError(t, h.Release(ctx, remover(c, node), func() { forgot++ }))
		assert.Equal(t, errNotHeld, h.Err())
		assert.Equal(t, 1, forgot)
	})
}

// TestHoldReleasePassesDeleted checks that Release keeps, from one call to
// the next, what its Remover said of an earlier delete.
func TestHoldReleasePassesDeleted(t *testing.T) {
	servers.Each(t, func(t *testing.T, srv *zktest.Server) {
		ctx := recipetest.Context(t, recipetest.OpTimeout)
		c := newContest(t, srv)
		node, h := joinHold(t, c)
		errLostReply := errors.New("reply lost")
		err := h.Release(ctx, func(_ context.Context, deleted *bool) error {
			assert.False(t, *deleted)
			*deleted = true
			return errLostReply
		}, func() {})
		require.Equal(t, errLostReply, err)

		// The node is gone, deleted as the lost reply's delete would have.
		require.NoError(t, c.Conn.Delete(ctx, node.Path, zk.AnyVersion))
		require.NoError(t, h.Release(ctx, func(ctx context.Context, deleted *bool) error {
			assert.True(t, *deleted)
			return c.Remove(ctx, node, deleted)
		}, func() {}))
		assert.Equal(t, errNotHeld, h.Err())
	})
}
