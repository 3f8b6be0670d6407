package main

import (
	"bufio"
	"encoding/json"
	"os/exec"
	"strings"
	"testing"

	"github.com/coordkit/coordkit/zk"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The peer is Debian's kazoo (python3-kazoo), run by the system Python.
const (
	python      = "/usr/bin/python3"
	kazooScript = "testdata/kazoo_peer.py"
)

// kzNode is a node as testdata/kazoo_peer.py reports it.
type kzNode struct {
	Path      string   `json:"path"`
	Exists    bool     `json:"exists"`
	Data      []byte   `json:"data"` // base64 in JSON
	Stat      kzStat   `json:"stat"`
	Children  []string `json:"children"`
	SessionID int64    `json:"session_id"`
}

// kzStat is kazoo's ZnodeStat.
type kzStat struct {
	Czxid          int64 `json:"czxid"`
	Mzxid          int64 `json:"mzxid"`
	Ctime          int64 `json:"ctime"`
	Mtime          int64 `json:"mtime"`
	Version        int32 `json:"version"`
	Cversion       int32 `json:"cversion"`
	Aversion       int32 `json:"aversion"`
	EphemeralOwner int64 `json:"ephemeralOwner"`
	DataLength     int32 `json:"dataLength"`
	NumChildren    int32 `json:"numChildren"`
	Pzxid          int64 `json:"pzxid"`
}

func (s kzStat) zk() zk.Stat { return zk.Stat(s) }

// requireKazoo fails the test, with what to do, if kazoo cannot be imported.
func requireKazoo(t *testing.T) {
	t.Helper()
	out, err := exec.Command(python, "-c", "import kazoo.client").CombinedOutput()
	if err != nil {
		t.Fatalf("this test needs kazoo for %s (Debian package python3-kazoo; "+
			"scripts/install-zookeeper.sh installs it): %v\n%s", python, err, out)
	}
}

// kazoo runs the peer script with servers and args and decodes its output.
func kazoo(t *testing.T, servers string, out any, args ...string) {
	t.Helper()
	cmd := exec.CommandContext(t.Context(), python, append([]string{kazooScript, servers}, args...)...)
	var stderr strings.Builder
	cmd.Stderr = &stderr
	b, err := cmd.Output()
	require.NoError(t, err, "kazoo_peer.py %v: %s", args, stderr.String())
	require.NoError(t, json.Unmarshal(b, out), "kazoo_peer.py %v printed %q", args, b)
}

func kazooRead(t *testing.T, servers string, paths ...string) []kzNode {
	t.Helper()
	var nodes []kzNode
	kazoo(t, servers, &nodes, append([]string{"read"}, paths...)...)
	require.Len(t, nodes, len(paths))
	return nodes
}

// forEachBackend runs test as a parallel subtest on each backend, in a
// namespace of its own there.
func forEachBackend(t *testing.T, test func(t *testing.T, ns *namespace)) {
	for _, b := range backends {
		t.Run(b.name, func(t *testing.T) {
			t.Parallel()
			test(t, newNamespaceOn(t, b.addr(t)))
		})
	}
}

// TestKazooReadsCLI: what coordkit writes, kazoo reads back the same.
func TestKazooReadsCLI(t *testing.T) {
	t.Parallel()
	requireKazoo(t)
	forEachBackend(t, testKazooReadsCLI)
}

func testKazooReadsCLI(t *testing.T, ns *namespace) {
	ns.must(t, "create", "/a", "alpha")
	ns.must(t, "create", "/a/x")
	ns.must(t, "create", "/a/y", "why")
	ns.must(t, "set", "/a", "alpha2")
	ns.must(t, "set", "/a", "alpha3", "--version", "1")
	seq := strings.TrimPrefix(strings.TrimSpace(ns.must(t, "create", "--sequential", "/a/s-")), "/a/")
	cliStat := parseStat(t, ns.must(t, "stat", "/a"))

	nodes := kazooRead(t, ns.servers, "/a", "/a/x", "/a/y")
	a, x, y := nodes[0], nodes[1], nodes[2]
	require.True(t, a.Exists)
	assert.Equal(t, "alpha3", string(a.Data))
	assert.Equal(t, int32(2), a.Stat.Version)
	assert.Equal(t, []string{seq, "x", "y"}, a.Children)
	assert.Equal(t, cliStat, a.Stat.zk(), "coordkit's stat and kazoo's ZnodeStat")
	assert.Empty(t, x.Data)
	assert.Equal(t, "why", string(y.Data))
	assert.Zero(t, y.Stat.EphemeralOwner)

	ns.must(t, "rm", "--recursive", "/a")
	assert.False(t, kazooRead(t, ns.servers, "/a")[0].Exists)
}

// TestCLIReadsKazoo: what kazoo writes, coordkit reads back the same,
// stat numbers included.
func TestCLIReadsKazoo(t *testing.T) {
	t.Parallel()
	requireKazoo(t)
	forEachBackend(t, testCLIReadsKazoo)
}

func testCLIReadsKazoo(t *testing.T, ns *namespace) {
	var one, two kzNode
	kazoo(t, ns.servers, &one, "create", "/k/one", "1")
	kazoo(t, ns.servers, &one, "set", "/k/one", "uno")
	kazoo(t, ns.servers, &two, "create", "/k/two", "2")

	assert.Equal(t, "uno", ns.must(t, "get", "/k/one"))
	assert.Equal(t, "2", ns.must(t, "get", "/k/two"))
	assert.Equal(t, "one\ntwo\n", ns.must(t, "ls", "/k"))
	assert.Equal(t, one.Stat.zk(), parseStat(t, ns.must(t, "stat", "/k/one")))
	assert.Equal(t, int32(1), one.Stat.Version)
	k := kazooRead(t, ns.servers, "/k")[0]
	assert.Equal(t, k.Stat.zk(), parseStat(t, ns.must(t, "stat", "/k")))
	assert.Equal(t, int32(2), k.Stat.NumChildren)

	// An ephemeral node of a kazoo session: coordkit shows its owner, and
	// sees it go with the session.
	cmd := exec.CommandContext(t.Context(), python, kazooScript, ns.servers, "hold", "/k/eph")
	stdin, err := cmd.StdinPipe()
	require.NoError(t, err)
	stdout, err := cmd.StdoutPipe()
	require.NoError(t, err)
	var stderr strings.Builder
	cmd.Stderr = &stderr
	require.NoError(t, cmd.Start())
	sc := bufio.NewScanner(stdout)
	require.True(t, sc.Scan(), "kazoo hold printed nothing: %s", stderr.String())
	var eph kzNode
	require.NoError(t, json.Unmarshal(sc.Bytes(), &eph))
	require.NotZero(t, eph.SessionID)

	st := parseStat(t, ns.must(t, "stat", "/k/eph"))
	assert.Equal(t, eph.SessionID, st.EphemeralOwner)
	assert.Equal(t, eph.Stat.zk(), st)
	assert.Equal(t, "held", ns.must(t, "get", "/k/eph"))

	require.NoError(t, stdin.Close()) // kazoo closes its session and exits
	require.NoError(t, cmd.Wait(), stderr.String())
	code, _, errOut := ns.cli(t, "", "get", "/k/eph")
	assert.Equal(t, exitError, code)
	assert.Equal(t, "coordkit: get /k/eph: node does not exist\n", errOut)
}
