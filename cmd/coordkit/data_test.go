package main

import (
	"testing"

	"github.com/coordkit/coordkit/zk"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestGet(t *testing.T) {
	t.Parallel()
	ns := newNamespace(t)
	ctx := t.Context()
	raw := "\x00\x01binary\r\n\xff no newline"
	_, err := ns.conn.Create(ctx, "/raw", []byte(raw), zk.ModePersistent)
	require.NoError(t, err)
	_, err = ns.conn.Create(ctx, "/nil", nil, zk.ModePersistent)
	require.NoError(t, err)

	assert.Equal(t, raw, ns.must(t, "get", "/raw"))
	assert.Equal(t, "", ns.must(t, "get", "/nil"))

	code, stdout, stderr := ns.cli(t, "", "get", "/nope")
	assert.Equal(t, exitError, code)
	assert.Empty(t, stdout)
	assert.Equal(t, "coordkit: get /nope: node does not exist\n", stderr)
}

func TestSet(t *testing.T) {
	t.Parallel()
	ns := newNamespace(t)
	ctx := t.Context()
	_, err := ns.conn.Create(ctx, "/x", []byte("v0"), zk.ModePersistent)
	require.NoError(t, err)

	assert.Empty(t, ns.must(t, "set", "/x", "v1"))
	assert.Empty(t, ns.must(t, "set", "/x", "v2", "--version", "1"))
	assert.Empty(t, ns.must(t, "set", "--version=2", "/x", "v3"))
	data, st, err := ns.conn.Get(ctx, "/x")
	require.NoError(t, err)
	assert.Equal(t, "v3", string(data))
	assert.Equal(t, int32(3), st.Version)

	code, _, stderr := ns.cli(t, "", "set", "/x", "stale", "--version", "1")
	assert.Equal(t, exitError, code)
	assert.Equal(t, "coordkit: set /x: bad version\n", stderr)

	code, _, stderr = ns.cli(t, "from stdin\n", "set", "/x", "-", "--version", "-1")
	require.Equal(t, exitOK, code, stderr)
	data, _, err = ns.conn.Get(ctx, "/x")
	require.NoError(t, err)
	assert.Equal(t, "from stdin\n", string(data))

	// Data after "--" may look like a flag.
	assert.Empty(t, ns.must(t, "set", "--", "/x", "--version"))
	data, _, err = ns.conn.Get(ctx, "/x")
	require.NoError(t, err)
	assert.Equal(t, "--version", string(data))

	assert.Empty(t, ns.must(t, "set", "/x", ""))
	data, _, err = ns.conn.Get(ctx, "/x")
	require.NoError(t, err)
	assert.Empty(t, data)

	code, _, stderr = ns.cli(t, "", "set", "/nope", "x")
	assert.Equal(t, exitError, code)
	assert.Equal(t, "coordkit: set /nope: node does not exist\n", stderr)
}
