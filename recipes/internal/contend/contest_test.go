package contend

import (
	"path"
	"sort"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/coordkit/coordkit/recipes/internal/recipetest"
	"github.com/coordkit/coordkit/zk"
	"github.com/coordkit/coordkit/zk/zktest"
)

// newContest returns a lock contest in a new directory of srv.
func newContest(t *testing.T, srv *zktest.Server) *Contest {
	return &Contest{
		Conn:    recipetest.Dial(t, srv.Addr()),
		Dir:     recipetest.UniquePath(t),
		Markers: LockMarkers,
	}
}

// kids returns the sorted children of c's directory.
func kids(t *testing.T, c *Contest) []string {
	t.Helper()
	k, err := c.Children(recipetest.Context(t, recipetest.OpTimeout))
	require.NoError(t, err)
	sort.Strings(k)
	return k
}

func TestJoinCreatesDirectory(t *testing.T) {
	servers.Each(t, func(t *testing.T, srv *zktest.Server) {
		ctx := recipetest.Context(t, recipetest.OpTimeout)
		c := newContest(t, srv)
		c.Dir += "/deeper/still"
		node, children, err := c.Join(ctx, "lock-")
		require.NoError(t, err)
		assert.Equal(t, []string{node.Name}, children, "the pipelined read sees the new node")
		assert.Equal(t, path.Join(c.Dir, node.Name), node.Path)
		assert.Regexp(t, "^"+node.Prefix+`lock-\d{10}$`, node.Name)
		assert.False(t, node.Recovered)
		blocker, err := c.Blocker(node, children, Predecessor)
		require.NoError(t, err)
		assert.Empty(t, blocker)
		require.NoError(t, c.Leave(ctx, node, nil))
		assert.Empty(t, kids(t, c))
	})
}

// TestDuplicatesOfOwnPrefix: a lost create that the server applied late
// leaves a second node with the contender's prefix. Wait must neither wait
// for it (it would wait for itself) nor leave it behind.
func TestDuplicatesOfOwnPrefix(t *testing.T) {
	servers.Each(t, func(t *testing.T, srv *zktest.Server) {
		ctx := recipetest.Context(t, recipetest.OpTimeout)
		c := newContest(t, srv)
		require.NoError(t, c.ensure(ctx, c.Dir, zk.ModeContainer))
		prefix, err := NewPrefix()
		require.NoError(t, err)
		// The duplicate comes first, as if an earlier attempt's create had
		// been applied before the one the contender knows.
		dup, err := c.Conn.Create(ctx, path.Join(c.Dir, prefix+"lock-"), nil, zk.ModeEphemeralSequential)
		require.NoError(t, err)
		p, st, err := c.Conn.Create2(ctx, path.Join(c.Dir, prefix+"lock-"), nil, zk.ModeEphemeralSequential)
		require.NoError(t, err)
		node := Node{Path: p, Name: path.Base(p), Prefix: prefix, Stat: st, Recovered: true}

		require.NoError(t, c.Wait(ctx, node, nil, Predecessor), "no wait for its own duplicate")
		zktest.Eventually(t, func() bool {
			_, ok, err := c.Conn.Exists(ctx, dup)
			return err == nil && !ok
		}, recipetest.OpTimeout, "the duplicate %s to be deleted", dup)
		assert.Equal(t, []string{node.Name}, kids(t, c))

		// Remove of a recovered node sweeps any duplicate left.
		_, err = c.Conn.Create(ctx, path.Join(c.Dir, prefix+"lock-"), nil, zk.ModeEphemeralSequential)
		require.NoError(t, err)
		var deleted bool
		require.NoError(t, c.Remove(ctx, node, &deleted))
		assert.Empty(t, kids(t, c))
	})
}

func TestRemoveChecksIdentity(t *testing.T) {
	servers.Each(t, func(t *testing.T, srv *zktest.Server) {
		ctx := recipetest.Context(t, recipetest.OpTimeout)
		c := newContest(t, srv)
		node, _, err := c.Join(ctx, "lock-")
		require.NoError(t, err)

		// Someone changed the node's data: it is still ours (same czxid),
		// and Remove deletes it anyway.
		_, err = c.Conn.Set(ctx, node.Path, []byte("x"), zk.AnyVersion)
		require.NoError(t, err)
		var deleted bool
		require.NoError(t, c.Remove(ctx, node, &deleted))

		// A node already gone is reported, unless a delete of ours may
		// have happened.
		err = c.Remove(ctx, node, &deleted)
		require.ErrorIs(t, err, ErrNodeDeleted)
		deleted = true
		require.NoError(t, c.Remove(ctx, node, &deleted))

		// A node at the same path but created anew is not ours.
		_, err = c.Conn.Create(ctx, node.Path, nil, zk.ModeEphemeral)
		require.NoError(t, err)
		_, err = c.Conn.Set(ctx, node.Path, []byte("y"), zk.AnyVersion)
		require.NoError(t, err)
		deleted = false
		err = c.Remove(ctx, node, &deleted)
		require.ErrorIs(t, err, errNotOurs)
		_, ok, err := c.Conn.Exists(ctx, node.Path)
		require.NoError(t, err)
		assert.True(t, ok, "the other node stays")
	})
}
