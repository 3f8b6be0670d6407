package lock_test

import (
	"os"
	"path"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/coordkit/coordkit/recipes/internal/recipetest"
	"github.com/coordkit/coordkit/recipes/lock"
	"github.com/coordkit/coordkit/zk"
	"github.com/coordkit/coordkit/zk/zktest"
)

// servers are the standalone servers shared by the package's tests, one per
// backend (the embedded server and a real Apache ZooKeeper), each started by
// the first test that uses it and closed by TestMain.
var servers zktest.Servers

func TestMain(m *testing.M) {
	os.Exit(recipetest.Main(m, &servers,
		"github.com/coordkit/coordkit/recipes/lock.",
		"github.com/coordkit/coordkit/recipes/internal/",
	))
}

// newMutex returns a Mutex on p through c.
func newMutex(t *testing.T, c *zk.Conn, p string, opts ...lock.Option) *lock.Mutex {
	t.Helper()
	m, err := lock.New(c, p, opts...)
	require.NoError(t, err)
	return m
}

// lockNow takes m, failing the test if it cannot within recipetest.OpTimeout.
func lockNow(t *testing.T, m *lock.Mutex) *lock.Hold {
	t.Helper()
	h, err := m.Lock(recipetest.Context(t, recipetest.OpTimeout))
	require.NoError(t, err, "lock %s", m.Path())
	require.NoError(t, h.Err())
	return h
}

// base returns the last component of p.
func base(p string) string { return path.Base(p) }
