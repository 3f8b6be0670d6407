package main

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// runCLI runs coordkit in-process with args, stdin and $COORDKIT_SERVERS.
func runCLI(t *testing.T, ctx context.Context, servers, stdin string, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errb bytes.Buffer
	getenv := func(k string) string {
		if k == envServers {
			return servers
		}
		return ""
	}
	code = run(ctx, args, strings.NewReader(stdin), &out, &errb, getenv)
	return code, out.String(), errb.String()
}

func TestParseArgs(t *testing.T) {
	tests := []struct {
		name    string
		args    []string
		pos     []string
		version int
		rec     bool
		ttl     time.Duration
	}{
		{name: "flags first", args: []string{"--version", "3", "/x", "d"}, pos: []string{"/x", "d"}, version: 3},
		{name: "flags last", args: []string{"/x", "d", "--version", "3"}, pos: []string{"/x", "d"}, version: 3},
		{name: "flags between", args: []string{"/x", "-version=3", "d"}, pos: []string{"/x", "d"}, version: 3},
		{name: "single dash", args: []string{"/x", "-version", "3", "-recursive"}, pos: []string{"/x"}, version: 3, rec: true},
		{name: "equals form", args: []string{"--ttl=1m", "/x", "--recursive=true"}, pos: []string{"/x"}, ttl: time.Minute, rec: true, version: -1},
		{name: "negative value", args: []string{"/x", "--version", "-1"}, pos: []string{"/x"}, version: -1},
		{name: "dash is positional", args: []string{"/x", "-", "--version", "2"}, pos: []string{"/x", "-"}, version: 2},
		{name: "double dash ends flags", args: []string{"--recursive", "--", "/x", "--version", "-3"}, pos: []string{"/x", "--version", "-3"}, rec: true, version: -1},
		{name: "nothing", args: nil, pos: nil, version: -1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fs := newFlagSet("test")
			version := fs.Int("version", -1, "")
			rec := fs.Bool("recursive", false, "")
			ttl := fs.Duration("ttl", 0, "")
			pos, err := parseArgs(fs, tt.args)
			require.NoError(t, err)
			assert.Equal(t, tt.pos, pos)
			assert.Equal(t, tt.version, *version)
			assert.Equal(t, tt.rec, *rec)
			assert.Equal(t, tt.ttl, *ttl)
		})
	}
}

func TestParseArgsErrors(t *testing.T) {
	tests := []struct {
		name string
		args []string
		help bool
		msg  string
	}{
		{name: "unknown flag", args: []string{"/x", "--nope"}, msg: "flag provided but not defined: -nope"},
		{name: "missing value", args: []string{"/x", "--version"}, msg: "flag needs an argument: -version"},
		{name: "bad value", args: []string{"--version", "three", "/x"}, msg: `invalid value "three" for flag -version`},
		{name: "bool with value", args: []string{"--recursive=maybe", "/x"}, msg: `invalid boolean value "maybe" for -recursive`},
		{name: "three dashes", args: []string{"---version=1"}, msg: "bad flag syntax: ---version=1"},
		{name: "help", args: []string{"/x", "--help"}, help: true},
		{name: "h", args: []string{"-h"}, help: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fs := newFlagSet("test")
			fs.Int("version", -1, "")
			fs.Bool("recursive", false, "")
			_, err := parseArgs(fs, tt.args)
			require.Error(t, err)
			if tt.help {
				assert.ErrorIs(t, err, flag.ErrHelp)
				return
			}
			var ue *usageError
			require.True(t, errors.As(err, &ue), "%T %v", err, err)
			assert.Contains(t, ue.msg, tt.msg)
		})
	}
}

// TestUsageErrors runs command lines that must fail with status 2 before
// any connection is made (the servers given do not exist).
func TestUsageErrors(t *testing.T) {
	tests := []struct {
		name string
		args []string
		msg  string // first line of stderr
	}{
		{"no verb", nil, "coordkit: missing verb"},
		{"unknown verb", []string{"frobnicate"}, `coordkit: unknown verb "frobnicate"`},
		{"unknown global flag", []string{"--nope", "get", "/x"}, "coordkit: flag provided but not defined: -nope"},
		{"missing path", []string{"get"}, "coordkit: get: missing PATH"},
		{"missing data", []string{"set", "/x"}, "coordkit: set: missing DATA"},
		{"extra argument", []string{"ls", "/x", "/y"}, `coordkit: ls: unexpected argument "/y"`},
		{"relative path", []string{"get", "x"}, `coordkit: get: invalid path "x": path must start with /`},
		{"trailing slash", []string{"stat", "/x/"}, `coordkit: stat: invalid path "/x/": path must not end with /`},
		{"unknown verb flag", []string{"get", "/x", "--recursive"}, "coordkit: get: flag provided but not defined: -recursive"},
		{"bad version", []string{"set", "/x", "d", "--version", "x"}, `coordkit: set: invalid value "x" for flag -version`},
		{"version out of range", []string{"set", "/x", "d", "--version", "-2"}, "coordkit: set: --version -2 is out of range"},
		{"container sequential", []string{"create", "--container", "--sequential", "/x"}, "coordkit: create: --container and --sequential cannot be combined"},
		{"container ephemeral", []string{"create", "/x", "--container", "--ephemeral"}, "coordkit: create: --container and --ephemeral cannot be combined"},
		{"container ttl", []string{"create", "/x", "--container", "--ttl", "1s"}, "coordkit: create: --container and --ttl cannot be combined"},
		{"ttl ephemeral", []string{"create", "/x", "--ttl=1s", "--ephemeral"}, "coordkit: create: --ephemeral and --ttl cannot be combined"},
		{"negative ttl", []string{"create", "/x", "--ttl=-1s"}, "coordkit: create: --ttl must be positive"},
		{"tiny ttl", []string{"create", "/x", "--ttl=1us"}, "coordkit: create: --ttl 1µs is below"},
		{"rm root", []string{"rm", "--recursive", "/"}, "coordkit: rm: the root node / cannot be removed"},
		{"zero timeout", []string{"--timeout", "0", "get", "/x"}, "coordkit: get: --timeout must be positive"},
		{"timeout after verb", []string{"get", "/x", "--timeout=-1s"}, "coordkit: get: --timeout must be positive"},
		{"empty servers", []string{"get", "/x", "--servers="}, `coordkit: get: --servers "" names no server`},
		{"no host", []string{"--servers", ",/app", "get", "/x"}, `coordkit: get: --servers ",/app" names no server`},
		{"bad chroot", []string{"--servers", "h:1/app/", "get", "/x"}, `coordkit: get: --servers "h:1/app/": chroot: invalid path "/app/": path must not end with /`},
		{"bad address", []string{"--servers", "h]:1,h", "get", "/x"}, `coordkit: get: --servers "h]:1,h": bad address "h]:1"`},
		{"help of unknown verb", []string{"help", "nope"}, `coordkit: unknown verb "nope"`},
		{"help of two verbs", []string{"help", "get", "set"}, "coordkit: help takes one verb"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, stdout, stderr := runCLI(t, t.Context(), "127.0.0.1:1", "", tt.args...)
			assert.Equal(t, exitUsage, code)
			assert.Empty(t, stdout)
			lines := strings.Split(stderr, "\n")
			assert.True(t, strings.HasPrefix(lines[0], tt.msg), "stderr %q, want prefix %q", stderr, tt.msg)
			require.Greater(t, len(lines), 1)
			assert.True(t, strings.HasPrefix(lines[1], "usage: coordkit "), "no usage line: %q", stderr)
		})
	}
}

func TestReadData(t *testing.T) {
	e := &env{stdin: strings.NewReader("from\x00stdin\n")}
	data, err := readData(t.Context(), e, "-")
	require.NoError(t, err)
	assert.Equal(t, []byte("from\x00stdin\n"), data)

	data, err = readData(t.Context(), e, "literal")
	require.NoError(t, err)
	assert.Equal(t, []byte("literal"), data)

	// An interrupt ends a read from a standard input that never ends.
	r, w := io.Pipe()
	defer w.Close()
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	_, err = readData(ctx, &env{stdin: r}, "-")
	assert.ErrorIs(t, err, context.Canceled)
	assert.Equal(t, "interrupted (read standard input)", describe(err, "set", time.Second))
}

func TestGlobals(t *testing.T) {
	g := newGlobals(func(string) string { return "" })
	assert.Equal(t, defaultServers, g.servers)
	assert.Equal(t, defaultTimeout, g.timeout)

	g = newGlobals(func(k string) string { return map[string]string{envServers: " zk1:2181,zk2:2181/app "}[k] })
	assert.Equal(t, "zk1:2181,zk2:2181/app", g.servers)

	// A flag after the verb overrides one before it, which overrides the
	// environment.
	fs := newFlagSet("coordkit")
	g.register(fs)
	require.NoError(t, fs.Parse([]string{"--servers", "a:1", "--timeout", "3s"}))
	vfs := newFlagSet("get")
	g.register(vfs)
	_, err := parseArgs(vfs, []string{"/x", "--servers=b:2"})
	require.NoError(t, err)
	assert.Equal(t, "b:2", g.servers)
	assert.Equal(t, 3*time.Second, g.timeout)
}
