package main

import (
	"fmt"
	"sync"
	"testing"

	"github.com/coordkit/coordkit/zk"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestLs(t *testing.T) {
	t.Parallel()
	ns := newNamespace(t)
	ctx := t.Context()
	_, err := ns.conn.Create(ctx, "/d", nil, zk.ModePersistent)
	require.NoError(t, err)
	for _, c := range []string{"b", "a10", "a9", "C", "z"} {
		_, err = ns.conn.Create(ctx, "/d/"+c, nil, zk.ModePersistent)
		require.NoError(t, err)
	}
	assert.Equal(t, "C\na10\na9\nb\nz\n", ns.must(t, "ls", "/d"))
	assert.Equal(t, "", ns.must(t, "ls", "/d/z"))
	assert.Equal(t, "d\n", ns.must(t, "ls", "/"))

	code, _, stderr := ns.cli(t, "", "ls", "/nope")
	assert.Equal(t, exitError, code)
	assert.Equal(t, "coordkit: ls /nope: node does not exist\n", stderr)
}

func TestRm(t *testing.T) {
	t.Parallel()
	ns := newNamespace(t)
	ctx := t.Context()
	for _, p := range []string{"/leaf", "/tree", "/tree/a", "/tree/a/x", "/tree/a/y", "/tree/b"} {
		_, err := ns.conn.Create(ctx, p, nil, zk.ModePersistent)
		require.NoError(t, err)
	}
	assert.Empty(t, ns.must(t, "rm", "/leaf"))

	code, _, stderr := ns.cli(t, "", "rm", "/tree")
	assert.Equal(t, exitError, code)
	assert.Equal(t, "coordkit: rm /tree: node has children\n", stderr)

	assert.Empty(t, ns.must(t, "rm", "/tree", "--recursive"))
	children, _, err := ns.conn.Children(ctx, "/")
	require.NoError(t, err)
	assert.Empty(t, children)

	for _, args := range [][]string{{"rm", "/nope"}, {"rm", "-recursive", "/nope"}} {
		code, _, stderr = ns.cli(t, "", args...)
		assert.Equal(t, exitError, code)
		assert.Equal(t, "coordkit: rm /nope: node does not exist\n", stderr)
	}
}

// TestRmRecursiveRace deletes a tree while another client deletes parts of
// it: nodes that vanish under coordkit are not errors.
func TestRmRecursiveRace(t *testing.T) {
	t.Parallel()
	ns := newNamespace(t)
	ctx := t.Context()
	const n = 150
	var paths []string
	_, err := ns.conn.Create(ctx, "/big", nil, zk.ModePersistent)
	require.NoError(t, err)
	for i := range n {
		p := fmt.Sprintf("/big/%03d", i)
		paths = append(paths, p)
		_, err = ns.conn.Create(ctx, p, nil, zk.ModePersistent)
		require.NoError(t, err)
		_, err = ns.conn.Create(ctx, p+"/leaf", nil, zk.ModePersistent)
		require.NoError(t, err)
	}

	var wg sync.WaitGroup
	wg.Add(1)
	go func() { // the other client deletes from the end
		defer wg.Done()
		for i := n - 1; i >= 0; i-- {
			_ = ns.conn.Delete(ctx, paths[i]+"/leaf", zk.AnyVersion)
			_ = ns.conn.Delete(ctx, paths[i], zk.AnyVersion)
		}
	}()
	code, stdout, stderr := ns.cli(t, "", "rm", "--recursive", "/big")
	wg.Wait()
	assert.Equal(t, exitOK, code, stderr)
	assert.Empty(t, stdout)
	_, ok, err := ns.conn.Exists(ctx, "/big")
	require.NoError(t, err)
	assert.False(t, ok)
}
