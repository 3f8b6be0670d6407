package main

import (
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/coordkit/coordkit/zk/zktest"
	"github.com/coordkit/coordkit/zkserver"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestCreate(t *testing.T) {
	t.Parallel()
	ns := newNamespace(t)
	ctx := t.Context()

	assert.Equal(t, "/plain\n", ns.must(t, "create", "/plain", "hello"))
	data, st, err := ns.conn.Get(ctx, "/plain")
	require.NoError(t, err)
	assert.Equal(t, "hello", string(data))
	assert.Zero(t, st.EphemeralOwner)

	assert.Equal(t, "/empty\n", ns.must(t, "create", "/empty"))
	data, _, err = ns.conn.Get(ctx, "/empty")
	require.NoError(t, err)
	assert.Empty(t, data)

	// "-" reads standard input, all of it, bytes as they are.
	code, stdout, stderr := ns.cli(t, "line 1\nline 2\x00\n", "create", "/stdin", "-")
	require.Equal(t, exitOK, code, stderr)
	assert.Equal(t, "/stdin\n", stdout)
	data, _, err = ns.conn.Get(ctx, "/stdin")
	require.NoError(t, err)
	assert.Equal(t, "line 1\nline 2\x00\n", string(data))

	// Flags after the positionals.
	seq := regexp.MustCompile(`^/plain/s-(\d{10})\n$`)
	out := ns.must(t, "create", "/plain/s-", "x", "--sequential")
	require.Regexp(t, seq, out)
	out2 := ns.must(t, "create", "-sequential", "/plain/s-")
	require.Regexp(t, seq, out2)
	assert.Less(t, seq.FindStringSubmatch(out)[1], seq.FindStringSubmatch(out2)[1])

	code, _, stderr = ns.cli(t, "", "create", "/plain", "again")
	assert.Equal(t, exitError, code)
	assert.Equal(t, "coordkit: create /plain: node already exists\n", stderr)

	code, _, stderr = ns.cli(t, "", "create", "/missing/child")
	assert.Equal(t, exitError, code)
	assert.Equal(t, "coordkit: create /missing/child: node does not exist\n", stderr)
}

func TestCreateModes(t *testing.T) {
	t.Parallel()
	ns := newNamespace(t)
	ctx := t.Context()

	// An ephemeral node is gone once coordkit has exited (closed its
	// session), ephemeral-sequential ones too.
	assert.Equal(t, "/eph\n", ns.must(t, "create", "--ephemeral", "/eph", "x"))
	out := ns.must(t, "create", "--ephemeral", "--sequential", "/eph-")
	assert.Regexp(t, `^/eph-\d{10}\n$`, out)
	for _, p := range []string{"/eph", strings.TrimSpace(out)} {
		_, ok, err := ns.conn.Exists(ctx, p)
		require.NoError(t, err)
		assert.False(t, ok, "%s outlived coordkit", p)
	}

	// A container is deleted by the server once its last child is gone.
	assert.Equal(t, "/box\n", ns.must(t, "create", "/box", "--container"))
	ns.must(t, "create", "/box/item")
	ns.must(t, "rm", "/box/item")
	zktest.Eventually(t, func() bool {
		_, ok, err := ns.conn.Exists(ctx, "/box")
		return err == nil && !ok
	}, 30*time.Second, "empty container /box deleted by the server")

	// TTL nodes (the harness enables extended types), sequential too.
	assert.Equal(t, "/ttl\n", ns.must(t, "create", "--ttl", "1h", "/ttl"))
	out = ns.must(t, "create", "--ttl=1h", "--sequential", "/ttl-")
	assert.Regexp(t, `^/ttl-\d{10}\n$`, out)
	for _, p := range []string{"/ttl", strings.TrimSpace(out)} {
		_, ok, err := ns.conn.Exists(ctx, p)
		require.NoError(t, err)
		assert.True(t, ok, p)
	}
	// A short TTL expires once the node has had no child and no change.
	ns.must(t, "create", "--ttl=100ms", "/brief")
	zktest.Eventually(t, func() bool {
		_, ok, err := ns.conn.Exists(ctx, "/brief")
		return err == nil && !ok
	}, 30*time.Second, "TTL node /brief deleted by the server")
}

// TestCreateTTLDisabled: a server without extended types refuses TTL
// nodes, and coordkit says what the server needs.
func TestCreateTTLDisabled(t *testing.T) {
	t.Parallel()
	srv := embedded(t, zkserver.WithTTL(false))
	code, _, stderr := runCLI(t, t.Context(), srv.Addr(), "", "create", "--ttl=1m", "/ttl")
	assert.Equal(t, exitError, code)
	assert.Equal(t, "coordkit: create /ttl: unimplemented: TTL nodes need a server run with "+
		"-Dzookeeper.extendedTypesEnabled=true\n", stderr)
}
