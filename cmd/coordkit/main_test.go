package main

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/coordkit/coordkit/zk"
	"github.com/coordkit/coordkit/zk/zktest"
	"github.com/coordkit/coordkit/zkserver"
	"github.com/stretchr/testify/require"
)

// Tests run against the embedded server (zkserver), one of their own, by
// default. The kazoo cross-checks run against Apache ZooKeeper too: its
// server and the coordkit binary are shared by the package's tests, made on
// first use (so that the tests without them need none) and removed by
// TestMain.
var (
	sharedOnce sync.Once
	sharedZK   *zktest.ZooKeeper
	sharedErr  error

	binOnce sync.Once
	binDir  string
	binPath string
	binErr  error
)

func TestMain(m *testing.M) {
	code := m.Run()
	if sharedZK != nil {
		sharedZK.Close()
	}
	if binDir != "" {
		_ = os.RemoveAll(binDir)
	}
	if code == 0 {
		if err := checkLeaks(5 * time.Second); err != nil {
			fmt.Fprintln(os.Stderr, err)
			code = 1
		}
	}
	os.Exit(code)
}

// embedded starts an embedded server for t with zktest's defaults (on
// 127.0.0.1:0, in memory, tick 200ms, containers checked every second) and
// opts; t.Cleanup closes it.
func embedded(t *testing.T, opts ...zkserver.Option) *zkserver.Server {
	t.Helper()
	return zktest.Run(t, opts...)
}

// zkAddr returns the address of the shared Apache ZooKeeper server,
// starting it on first use. It fails the test if the server cannot start.
func zkAddr(t *testing.T) string {
	t.Helper()
	sharedOnce.Do(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
		defer cancel()
		sharedZK, sharedErr = zktest.Start(ctx)
	})
	if sharedErr != nil {
		t.Fatalf("cannot start ZooKeeper (run scripts/install-zookeeper.sh): %v", sharedErr)
	}
	return sharedZK.Addr()
}

// coordkitBin returns the path of the coordkit binary, building it into a
// temporary directory on first use.
func coordkitBin(t *testing.T) string {
	t.Helper()
	binOnce.Do(func() {
		binDir, binErr = os.MkdirTemp("", "coordkit-bin-")
		if binErr != nil {
			return
		}
		binPath = filepath.Join(binDir, "coordkit")
		out, err := exec.Command("go", "build", "-o", binPath, ".").CombinedOutput()
		if err != nil {
			binErr = fmt.Errorf("go build: %v\n%s", err, out)
		}
	})
	if binErr != nil {
		t.Fatalf("cannot build coordkit: %v", binErr)
	}
	return binPath
}

// namespace is a test's own subtree of the shared server: servers is the
// connect string with the subtree as chroot, for coordkit and for kazoo, and
// conn a session chrooted to it, for checking what coordkit did.
type namespace struct {
	addr    string // the server, without chroot
	root    string // the chroot, "/TestName_sub"
	servers string // addr + root
	conn    *zk.Conn
}

var unsafeName = regexp.MustCompile(`[^A-Za-z0-9_.-]+`)

// newNamespace makes a fresh subtree for t on an embedded server of its own.
func newNamespace(t *testing.T) *namespace {
	t.Helper()
	return newNamespaceOn(t, embedded(t).Addr())
}

// backends are the servers the cross-checks with peers run against: each
// returns the address of a server for t.
var backends = []struct {
	name string
	addr func(t *testing.T) string
}{
	{"embedded", func(t *testing.T) string { return embedded(t).Addr() }},
	{"zookeeper", zkAddr},
}

// newNamespaceOn makes a fresh subtree for t on the server at addr.
func newNamespaceOn(t *testing.T, addr string) *namespace {
	t.Helper()
	ns := &namespace{addr: addr, root: "/" + unsafeName.ReplaceAllString(t.Name(), "_")}
	ns.servers = addr + ns.root
	ctx, cancel := context.WithTimeout(t.Context(), 20*time.Second)
	defer cancel()
	top := dial(t, addr)
	if err := removeTree(ctx, top, ns.root); err != nil {
		t.Fatalf("clear %s: %v", ns.root, err)
	}
	_, err := top.Create(ctx, ns.root, nil, zk.ModePersistent)
	require.NoError(t, err)
	ns.conn = dial(t, ns.servers)
	return ns
}

// dial opens a session for the test; t.Cleanup closes it.
func dial(t *testing.T, servers string) *zk.Conn {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 20*time.Second)
	defer cancel()
	conn, err := zk.Dial(ctx, []string{servers})
	require.NoError(t, err, "dial %s", servers)
	t.Cleanup(func() { _ = conn.Close() })
	return conn
}

// cli runs coordkit in-process against the namespace.
func (ns *namespace) cli(t *testing.T, stdin string, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	return runCLI(t, t.Context(), ns.servers, stdin, args...)
}

// must runs coordkit in-process and requires success; it returns stdout.
func (ns *namespace) must(t *testing.T, args ...string) string {
	t.Helper()
	code, stdout, stderr := ns.cli(t, "", args...)
	require.Equal(t, exitOK, code, "coordkit %v: stderr %q", args, stderr)
	require.Empty(t, stderr, "coordkit %v", args)
	return stdout
}

// checkLeaks waits up to timeout for the goroutines of packages zk and
// zkserver to end: every Conn a verb or a test opened, and every server,
// must have been closed.
func checkLeaks(timeout time.Duration) error {
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	var leaked []string
	err := zktest.WaitUntil(ctx, func() bool {
		buf := make([]byte, 1<<20)
		buf = buf[:runtime.Stack(buf, true)]
		leaked = leaked[:0]
		for _, g := range strings.Split(string(buf), "\n\n") {
			ours := strings.Contains(g, "coordkit/zk.") || strings.Contains(g, "coordkit/zkserver")
			if ours && !strings.Contains(g, "coordkit/zk/zktest.") {
				leaked = append(leaked, g)
			}
		}
		return len(leaked) == 0
	})
	if err != nil {
		return fmt.Errorf("%d goroutines of packages zk and zkserver leaked, the first:\n%s", len(leaked), leaked[0])
	}
	return nil
}
