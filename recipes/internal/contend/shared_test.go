package contend

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/coordkit/coordkit/recipes/internal/recipetest"
	"github.com/coordkit/coordkit/zk/zktest"
)

func TestShared(t *testing.T) {
	ordered := Order([]string{
		"_c_a-__READ__0000000001",
		"_c_b-__WRIT__0000000002",
		"k__rlock__0000000003",
		"_c_c-__READ__0000000004",
		"k__lock__0000000005",
		"_c_d-lock-0000000006",
		"_c_e-__READ__0000000007",
	}, LockMarkers)
	require.Len(t, ordered, 7)
	for _, tc := range []struct {
		name string
		own  int
		want int
	}{
		{"first reader proceeds", 0, -1},
		{"reader behind a writer waits for it", 2, 1},
		{"reader waits for the last writer before it, not the first", 3, 1},
		{"kazoo's exclusive lock is a writer", 4, 1},
		{"a mutex node is a writer", 6, 5},
	} {
		t.Run(tc.name, func(t *testing.T) {
			assert.Equal(t, tc.want, Shared(ordered, tc.own))
		})
	}
	assert.Equal(t, 4, Shared(ordered[:6], 5), "a mutex node waiting behind kazoo's lock")
}

func TestWithin(t *testing.T) {
	servers.Each(t, func(t *testing.T, srv *zktest.Server) {
		ctx := recipetest.Context(t, recipetest.OpTimeout)
		c := newContest(t, srv)
		c.Markers = []string{"-lease-"}
		node, children, err := c.Join(ctx, "lease-")
		require.NoError(t, err)
		ok, err := c.Within(node, children, 1)
		require.NoError(t, err)
		assert.True(t, ok)
		ok, err = c.Within(node, append(children, "config"), 1)
		require.NoError(t, err)
		assert.False(t, ok, "every child counts")
		_, err = c.Within(node, []string{"other"}, 5)
		assert.ErrorIs(t, err, ErrNodeDeleted)
		require.NoError(t, c.WaitWithin(ctx, node, nil, 1, nil, nil))
		require.NoError(t, c.Leave(ctx, node, nil))
		assert.Empty(t, kids(t, c))
	})
}
