package main

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/coordkit/coordkit/zk"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestWriteStat(t *testing.T) {
	st := zk.Stat{
		Czxid: 0x100000002, Mzxid: 0x1a, Ctime: 1714555800125, Mtime: 1714555800000,
		Version: 3, Cversion: -1, Aversion: 0, EphemeralOwner: -0x100000000000000, // 0xff00000000000000, a TTL node
		DataLength: 1048576, NumChildren: 2, Pzxid: 0,
	}
	var b strings.Builder
	require.NoError(t, writeStat(&b, st))
	assert.Equal(t, `czxid: 0x100000002
mzxid: 0x1a
ctime: 2024-05-01T09:30:00.125Z
mtime: 2024-05-01T09:30:00.000Z
version: 3
cversion: -1
aversion: 0
ephemeralOwner: 0xff00000000000000
dataLength: 1048576
numChildren: 2
pzxid: 0x0
`, b.String())
}

func TestStat(t *testing.T) {
	t.Parallel()
	ns := newNamespace(t)
	ctx := t.Context()
	_, err := ns.conn.Create(ctx, "/n", []byte("12345"), zk.ModePersistent)
	require.NoError(t, err)
	_, err = ns.conn.Set(ctx, "/n", []byte("1234567"), zk.AnyVersion)
	require.NoError(t, err)
	for _, c := range []string{"a", "b"} {
		_, err = ns.conn.Create(ctx, "/n/"+c, nil, zk.ModePersistent)
		require.NoError(t, err)
	}
	_, err = ns.conn.Create(ctx, "/n/eph", nil, zk.ModeEphemeral)
	require.NoError(t, err)

	st, ok, err := ns.conn.Exists(ctx, "/n")
	require.NoError(t, err)
	require.True(t, ok)
	got := parseStat(t, ns.must(t, "stat", "/n"))
	assert.Equal(t, st, got)
	assert.Equal(t, int32(1), got.Version)
	assert.Equal(t, int32(7), got.DataLength)
	assert.Equal(t, int32(3), got.NumChildren)

	eph := parseStat(t, ns.must(t, "stat", "/n/eph"))
	assert.Equal(t, ns.conn.SessionID(), eph.EphemeralOwner)

	code, _, stderr := ns.cli(t, "", "stat", "/nope")
	assert.Equal(t, exitError, code)
	assert.Equal(t, "coordkit: stat /nope: node does not exist\n", stderr)
}

// parseStat reads the output of "coordkit stat" back, checking its shape:
// eleven "name: value" lines in the documented order and formats.
func parseStat(t *testing.T, out string) zk.Stat {
	t.Helper()
	names := []string{"czxid", "mzxid", "ctime", "mtime", "version", "cversion",
		"aversion", "ephemeralOwner", "dataLength", "numChildren", "pzxid"}
	lines := strings.Split(strings.TrimSuffix(out, "\n"), "\n")
	require.Len(t, lines, len(names), "stat output %q", out)
	v := map[string]string{}
	for i, l := range lines {
		name, value, ok := strings.Cut(l, ": ")
		require.True(t, ok, "line %q", l)
		require.Equal(t, names[i], name)
		v[name] = value
	}
	hexv := func(name string) int64 {
		var u uint64
		require.Regexp(t, `^0x[0-9a-f]+$`, v[name], name)
		_, err := fmt.Sscanf(v[name], "0x%x", &u)
		require.NoError(t, err, name)
		return int64(u)
	}
	ms := func(name string) int64 {
		require.Regexp(t, `^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$`, v[name], name)
		tm, err := time.Parse(time.RFC3339Nano, v[name])
		require.NoError(t, err, name)
		return tm.UnixMilli()
	}
	dec := func(name string) int32 {
		var n int32
		_, err := fmt.Sscan(v[name], &n)
		require.NoError(t, err, name)
		return n
	}
	return zk.Stat{
		Czxid: hexv("czxid"), Mzxid: hexv("mzxid"), Ctime: ms("ctime"), Mtime: ms("mtime"),
		Version: dec("version"), Cversion: dec("cversion"), Aversion: dec("aversion"),
		EphemeralOwner: hexv("ephemeralOwner"), DataLength: dec("dataLength"),
		NumChildren: dec("numChildren"), Pzxid: hexv("pzxid"),
	}
}
