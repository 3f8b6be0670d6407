package integration

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/coordkit/coordkit/recipes/lock"
	"github.com/coordkit/coordkit/zk"
	"github.com/coordkit/coordkit/zk/zktest"
)

// The interop peers: Curator's InterProcessMutex (Debian's
// libcurator-recipes-java, driven by testdata/interop/CuratorLock.java,
// compiled by the test) and kazoo's Lock (testdata/interop/kazoo_lock.py).
// Both take the lock on a path, print {"event": "acquired"}, hold it until
// a line arrives on stdin and print {"event": "released"}; an attempt that
// times out prints {"event": "timeout"} and goes on with the next timeout
// given.
const (
	interopDir = "testdata/interop"
	javaDir    = "/usr/share/java"
	javac      = "/usr/bin/javac"
	javaBin    = "/usr/bin/java"
)

// curatorJars are the jars the Curator peers need at compile and run time:
// Curator, the ZooKeeper client it drives, guava, and slf4j with its
// simple binding (warnings to stderr).
var curatorJars = []string{
	"curator-recipes.jar", "curator-framework.jar", "curator-client.jar",
	"zookeeper.jar", "zookeeper-jute.jar", "guava.jar",
	"slf4j-api.jar", "slf4j-simple.jar",
}

// quietTimeout is how long a peer that queued behind a holder must stay
// silent before the holder lets go: a peer that ignored the holder would
// print "acquired" at once.
const quietTimeout = 300 * time.Millisecond

// interopPeer is another implementation of the exclusive lock that shares
// a path with lock.Mutex.
type interopPeer struct {
	name string
	// prepare checks that the peer is installed (failing the test, naming
	// what installs it) and returns how to start it.
	prepare func(t *testing.T) peerStart
}

// peerStart starts a peer contender for the lock on path lock at addr. Its
// args are either timeouts in seconds (one attempt to acquire each) or
// "rounds", their number, the log path and the hold in milliseconds; see
// testdata/interop.
type peerStart func(t *testing.T, addr, lock string, args ...string) *peerProc

// interopPeers are the peers that must exclude lock.Mutex and be excluded
// by it in both directions.
var interopPeers = []interopPeer{
	{name: "curator", prepare: prepareCurator},
	{name: "kazoo", prepare: prepareKazoo("-lock-")},
}

// TestInteropMutex: lock.Mutex and each peer's lock exclude each other on
// the same path, on each backend, in both directions. (a) While the peer
// holds the lock, TryLock fails with ErrLocked, a Lock whose ctx ends
// gives up and takes its node away, and a Lock waits (queued behind the
// peer's node) until the peer releases. (b) While a Mutex holds it, the
// peer's timed acquire times out, and its blocking acquire waits until
// Unlock. No lock node is left behind. Then (rounds) the peer and Mutexes
// contend for the lock round after round without ever holding it at once.
func TestInteropMutex(t *testing.T) {
	t.Parallel()
	for _, p := range interopPeers {
		t.Run(p.name, func(t *testing.T) {
			t.Parallel()
			start := p.prepare(t)
			servers.Each(t, func(t *testing.T, srv *zktest.Server) {
				t.Run("both-ways", func(t *testing.T) { testInteropMutex(t, srv, p.name, start) })
				t.Run("rounds", func(t *testing.T) { testInteropRounds(t, srv, p.name, start) })
			})
		})
	}
}

func testInteropMutex(t *testing.T, srv *zktest.Server, name string, start peerStart) {
	c := dial(t, []string{srv.Addr()})
	lockPath := uniquePath(t) + "/lock"
	m, err := lock.New(c, lockPath)
	require.NoError(t, err)

	// (a) The peer holds the lock.
	holder := start(t, srv.Addr(), lockPath, "30")
	holder.expect(t, "ready")
	holder.expect(t, "acquired")
	kids := mustChildren(t, c, lockPath)
	require.Len(t, kids, 1, "the holder's node")
	peerNode := kids[0]
	stat, ok, err := c.Exists(ctxFor(t, opTimeout), lockPath+"/"+peerNode)
	require.NoError(t, err)
	require.True(t, ok)

	_, err = m.TryLock(ctxFor(t, opTimeout))
	require.ErrorIs(t, err, lock.ErrLocked, "TryLock while %s holds %s", name, peerNode)
	assert.Equal(t, []string{peerNode}, mustChildren(t, c, lockPath), "TryLock took its node away")

	short, cancel := context.WithTimeout(t.Context(), quietTimeout)
	_, err = m.Lock(short)
	cancel()
	require.ErrorIs(t, err, context.DeadlineExceeded, "Lock while %s holds %s", name, peerNode)
	assert.Equal(t, []string{peerNode}, mustChildren(t, c, lockPath), "a cancelled Lock took its node away")

	type result struct {
		hold *lock.Hold
		err  error
	}
	got := make(chan result, 1)
	go func() {
		h, err := m.Lock(ctxFor(t, opTimeout))
		got <- result{h, err}
	}()
	waitChildren(t, c, lockPath, 2, eventTimeout)
	select {
	case r := <-got:
		require.FailNow(t, "Lock did not wait", "Lock returned (%v) while %s held %s", r.err, name, peerNode)
	case <-time.After(quietTimeout):
	}
	holder.send(t, "release")
	holder.expect(t, "released")
	var r result
	select {
	case r = <-got:
	case <-time.After(eventTimeout):
		require.FailNow(t, "Lock still waiting", "%s released %s %v ago", name, peerNode, eventTimeout)
	}
	require.NoError(t, r.err, "Lock after %s released", name)
	hold := r.hold
	holder.requireExit(t)
	t.Logf("%s's lock node %s, then ours %s", name, peerNode, hold.Node())
	assert.Contains(t, hold.Node(), "-lock-")
	assert.Greater(t, hold.Token(), stat.Czxid, "the fencing token grows from the %s grant to ours", name)

	// (b) The Mutex holds the lock.
	waiter := start(t, srv.Addr(), lockPath, "1", "30")
	waiter.expect(t, "ready")
	waiter.expect(t, "timeout")
	waitChildren(t, c, lockPath, 2, eventTimeout) // its second attempt, queued
	waiter.quiet(t, quietTimeout)
	require.NoError(t, hold.Err(), "our hold")
	require.NoError(t, hold.Unlock(ctxFor(t, opTimeout)))
	waiter.expect(t, "acquired")
	_, err = m.TryLock(ctxFor(t, opTimeout))
	require.ErrorIs(t, err, lock.ErrLocked, "TryLock while %s holds the lock again", name)
	waiter.send(t, "release")
	waiter.expect(t, "released")
	waiter.requireExit(t)

	assert.Empty(t, lockNodesLeft(t, c, lockPath), "lock nodes left behind")
}

// TestInteropKazooWithoutPattern pins the documented limit of sharing a
// path with kazoo: kazoo's Lock without extra_lock_patterns=["-lock-"]
// does not see a Mutex's node ("_c_<uuid>-lock-<seq>") and takes the lock
// while the Mutex holds it. The other way round is safe: a Mutex counts
// kazoo's "__lock__" nodes, so TryLock fails while kazoo holds.
func TestInteropKazooWithoutPattern(t *testing.T) {
	t.Parallel()
	start := prepareKazoo("")(t)
	servers.Each(t, func(t *testing.T, srv *zktest.Server) {
		c := dial(t, []string{srv.Addr()})
		lockPath := uniquePath(t) + "/lock"
		m, err := lock.New(c, lockPath)
		require.NoError(t, err)
		hold, err := m.Lock(ctxFor(t, opTimeout))
		require.NoError(t, err)

		p := start(t, srv.Addr(), lockPath, "10")
		p.expect(t, "ready")
		p.expect(t, "acquired") // the unsafe case: both hold the lock
		require.NoError(t, hold.Err(), "our hold is not disturbed")
		require.NoError(t, hold.Unlock(ctxFor(t, opTimeout)))

		_, err = m.TryLock(ctxFor(t, opTimeout))
		require.ErrorIs(t, err, lock.ErrLocked, "TryLock while kazoo holds")
		p.send(t, "release")
		p.expect(t, "released")
		p.requireExit(t)
		assert.Empty(t, lockNodesLeft(t, c, lockPath), "lock nodes left behind")
	})
}

// prepareCurator compiles the Curator peers (compileCurator) and returns
// how to start CuratorLock.
func prepareCurator(t *testing.T) peerStart {
	t.Helper()
	classpath := compileCurator(t)
	return func(t *testing.T, addr, lock string, args ...string) *peerProc {
		t.Helper()
		argv := []string{javaBin, "-cp", classpath,
			"-XX:TieredStopAtLevel=1", "-Dorg.slf4j.simpleLogger.defaultLogLevel=warn",
			"CuratorLock", addr, lock}
		return startPeer(t, "curator", nil, append(argv, args...)...)
	}
}

// curatorSources are the Curator peers in testdata/interop, compiled
// together by compileCurator.
var curatorSources = []string{"CuratorPeer.java", "CuratorLock.java", "CuratorLatch.java"}

// compileCurator compiles curatorSources with one javac into a temporary
// directory of the test and returns the class path that runs them.
func compileCurator(t *testing.T) string {
	t.Helper()
	for _, f := range []string{javac, javaBin} {
		if _, err := os.Stat(f); err != nil {
			t.Fatalf("this test needs %s (a JDK, Debian package default-jdk-headless, next to what "+
				"scripts/install-zookeeper.sh installs): %v", f, err)
		}
	}
	var cp []string
	for _, jar := range curatorJars {
		f := filepath.Join(javaDir, jar)
		if _, err := os.Stat(f); err != nil {
			t.Fatalf("this test needs %s (Debian packages libcurator-recipes-java and zookeeper; "+
				"scripts/install-zookeeper.sh installs them): %v", f, err)
		}
		cp = append(cp, f)
	}
	classes := t.TempDir()
	ctx, cancel := context.WithTimeout(t.Context(), peerTimeout)
	defer cancel()
	args := []string{"-d", classes, "-cp", strings.Join(cp, ":")}
	for _, src := range curatorSources {
		args = append(args, filepath.Join(interopDir, src))
	}
	out, err := exec.CommandContext(ctx, javac, args...).CombinedOutput()
	require.NoError(t, err, "javac %s:\n%s", strings.Join(curatorSources, " "), out)
	return strings.Join(append([]string{classes}, cp...), ":")
}

// prepareKazoo returns the preparation of kazoo_lock.py with the
// comma-separated extra_lock_patterns given.
func prepareKazoo(patterns string) func(t *testing.T) peerStart {
	return func(t *testing.T) peerStart {
		t.Helper()
		requireKazoo(t)
		return func(t *testing.T, addr, lock string, args ...string) *peerProc {
			t.Helper()
			argv := []string{peerPython, "-B", filepath.Join(interopDir, "kazoo_lock.py"), addr, lock, patterns}
			return startPeer(t, "kazoo", []string{"PYTHONUNBUFFERED=1"}, append(argv, args...)...)
		}
	}
}

// lockNodesLeft returns the children of the lock directory lock; none if
// it is gone (a Mutex creates it as a container, which the server deletes
// once it has no children left).
func lockNodesLeft(t *testing.T, c *zk.Conn, lock string) []string {
	t.Helper()
	kids, _, err := c.Children(ctxFor(t, opTimeout), lock)
	if errors.Is(err, zk.ErrNoNode) {
		return nil
	}
	require.NoError(t, err, "children of %s", lock)
	return kids
}

// quiet checks that the peer prints nothing for d.
func (p *peerProc) quiet(t *testing.T, d time.Duration) {
	t.Helper()
	timer := time.NewTimer(d)
	defer timer.Stop()
	select {
	case line, ok := <-p.lines:
		if ok {
			require.FailNow(t, "peer not quiet", "peer %s printed %q", p.name, line)
		}
		<-p.exited
		require.FailNow(t, "peer ended", "peer %s ended (%v); stderr:\n%s", p.name, p.err, p.stderr.tail(40))
	case <-timer.C:
	}
}

// TestInteropKazooContainer pins a limit of sharing a path with kazoo: a
// Mutex creates the lock directory as a container, which the server
// deletes once it is empty, and kazoo's Lock makes sure of its directory
// only once per Lock object, so the next acquire of the same object fails
// with NoNodeError. (A persistent lock directory, created beforehand,
// avoids it.)
func TestInteropKazooContainer(t *testing.T) {
	t.Parallel()
	start := prepareKazoo("-lock-")(t)
	servers.Each(t, func(t *testing.T, srv *zktest.Server) {
		c := dial(t, []string{srv.Addr()})
		lockPath := uniquePath(t) + "/lock"
		m, err := lock.New(c, lockPath)
		require.NoError(t, err)
		hold, err := m.Lock(ctxFor(t, opTimeout))
		require.NoError(t, err)

		p := start(t, srv.Addr(), lockPath, "again")
		p.expect(t, "ready")
		waitChildren(t, c, lockPath, 2, eventTimeout) // kazoo queued behind us
		require.NoError(t, hold.Unlock(ctxFor(t, opTimeout)))
		p.expect(t, "released")

		ctx, cancel := context.WithTimeout(t.Context(), eventTimeout)
		defer cancel()
		require.NoError(t, zktest.WaitUntil(ctx, func() bool {
			_, ok, err := c.Exists(ctx, lockPath)
			return err == nil && !ok
		}), "the server deletes the empty container %s", lockPath)
		p.send(t, "go")
		ev := p.expect(t, "nonode")
		assert.Equal(t, 1, ev.Round)
		p.requireExit(t)
	})
}
