package integration

import (
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/coordkit/coordkit/recipes/election"
	"github.com/coordkit/coordkit/zk"
	"github.com/coordkit/coordkit/zk/zktest"
)

// latchHandover bounds how long the next candidate takes to lead once the
// leader before it has gone: it watches the leader's node, so it takes
// over within a few round trips.
const latchHandover = 2 * time.Second

// latchStart starts a CuratorLatch (testdata/interop/CuratorLatch.java), a
// participant with id in Curator's LeaderLatch on path at addr.
type latchStart func(t *testing.T, addr, path, id string) *peerProc

// prepareCuratorLatch compiles the Curator peers (compileCurator) and
// returns how to start CuratorLatch.
func prepareCuratorLatch(t *testing.T) latchStart {
	t.Helper()
	classpath := compileCurator(t)
	return func(t *testing.T, addr, path, id string) *peerProc {
		t.Helper()
		return startPeer(t, "curator-"+id, nil, javaBin, "-cp", classpath,
			"-XX:TieredStopAtLevel=1", "-Dorg.slf4j.simpleLogger.defaultLogLevel=warn",
			"CuratorLatch", addr, path, id)
	}
}

// TestInteropElection: election.Election candidates and Curator's
// LeaderLatch participants on the same path take part in one election, on
// each backend, in both directions: the lowest "-latch-" sequence number
// leads and the other waits until it goes. (a) While Curator's latch
// leads, Campaign waits, with its node queued behind the latch's; Leader
// reports the latch's id; once the latch closes, Campaign returns at once.
// (b) While an Election leads, the latch stays quiet and its getLeader
// reports our value; once we Resign, the latch leads at once. No candidate
// node is left behind.
func TestInteropElection(t *testing.T) {
	t.Parallel()
	start := prepareCuratorLatch(t)
	servers.Each(t, func(t *testing.T, srv *zktest.Server) {
		t.Run("curator-first", func(t *testing.T) { testInteropLatchFirst(t, srv, start) })
		t.Run("coordkit-first", func(t *testing.T) { testInteropElectionFirst(t, srv, start) })
	})
}

// testInteropLatchFirst is (a): Curator's latch leads, then an Election.
func testInteropLatchFirst(t *testing.T, srv *zktest.Server, start latchStart) {
	c := dial(t, []string{srv.Addr()})
	elPath := uniquePath(t) + "/election"
	e, err := election.New(c, elPath)
	require.NoError(t, err)

	latch := start(t, srv.Addr(), elPath, "curator-a")
	latch.expect(t, "ready")
	ev := latch.expect(t, "leader")
	kids := mustChildren(t, c, elPath)
	require.Len(t, kids, 1, "the latch's node")
	latchNode := kids[0]
	assert.Equal(t, elPath+"/"+latchNode, ev.Path, "the latch's own path")
	requireLatchName(t, latchNode)
	data, latchStat, err := c.Get(ctxFor(t, opTimeout), elPath+"/"+latchNode)
	require.NoError(t, err)
	assert.Equal(t, "curator-a", string(data), "the latch stores its id as its node's data")
	leader, err := e.Leader(ctxFor(t, opTimeout))
	require.NoError(t, err, "Leader while the latch leads")
	assert.Equal(t, "curator-a", string(leader), "Leader while the latch leads")

	type result struct {
		l   *election.Leadership
		err error
	}
	got := make(chan result, 1)
	go func() {
		l, err := e.Campaign(ctxFor(t, opTimeout), []byte("coordkit-a"))
		got <- result{l, err}
	}()
	ourNode := requireQueuedBehind(t, c, elPath, latchNode)
	select {
	case r := <-got:
		require.FailNow(t, "Campaign did not wait", "Campaign returned (%v) while the latch led with %s", r.err, latchNode)
	case <-time.After(quietTimeout):
	}
	leader, err = e.Leader(ctxFor(t, opTimeout))
	require.NoError(t, err, "Leader while our candidate waits")
	assert.Equal(t, "curator-a", string(leader), "Leader while our candidate waits")
	latch.send(t, "who")
	assert.Equal(t, "curator-a", latch.expect(t, "who").ID, "the latch's getLeader while it leads")

	latch.send(t, "close")
	latch.expect(t, "closed")
	var r result
	select {
	case r = <-got:
	case <-time.After(latchHandover):
		require.FailNow(t, "Campaign still waiting", "the latch closed %v ago; children %q",
			latchHandover, mustChildren(t, c, elPath))
	}
	require.NoError(t, r.err, "Campaign after the latch closed")
	l := r.l
	t.Logf("the latch's node %s, then ours %s", latchNode, l.Node())
	assert.Equal(t, elPath+"/"+ourNode, l.Node(), "the node we campaigned with")
	assert.Greater(t, l.Term(), latchStat.Czxid, "our term follows the latch's")
	select {
	case <-l.Lost():
		require.FailNow(t, "leadership lost", "Lost closed at once: %v", l.Err())
	default:
	}
	require.NoError(t, l.Err())
	latch.closeStdin(t)
	latch.requireExit(t)

	leader, err = e.Leader(ctxFor(t, opTimeout))
	require.NoError(t, err, "Leader once we lead")
	assert.Equal(t, "coordkit-a", string(leader), "Leader once we lead")
	require.NoError(t, l.Resign(ctxFor(t, opTimeout)))
	assert.Empty(t, lockNodesLeft(t, c, elPath), "candidate nodes left behind")
}

// testInteropElectionFirst is (b): an Election leads, then Curator's latch.
func testInteropElectionFirst(t *testing.T, srv *zktest.Server, start latchStart) {
	c := dial(t, []string{srv.Addr()})
	elPath := uniquePath(t) + "/election"
	e, err := election.New(c, elPath)
	require.NoError(t, err)
	l, err := e.Campaign(ctxFor(t, opTimeout), []byte("coordkit-b"))
	require.NoError(t, err)
	ourNode := strings.TrimPrefix(l.Node(), elPath+"/")
	requireLatchName(t, ourNode)

	latch := start(t, srv.Addr(), elPath, "curator-b")
	latch.expect(t, "ready")
	latchNode := requireQueuedBehind(t, c, elPath, ourNode)
	latch.quiet(t, quietTimeout)
	latch.send(t, "who")
	assert.Equal(t, "coordkit-b", latch.expect(t, "who").ID, "the latch's getLeader while we lead")
	require.NoError(t, l.Err(), "our leadership")

	resigned := time.Now()
	require.NoError(t, l.Resign(ctxFor(t, opTimeout)))
	var line string
	ok := false
	select {
	case line, ok = <-latch.lines:
		require.True(t, ok, "the latch ended after we resigned; stderr:\n%s", latch.stderr.tail(40))
	case <-time.After(latchHandover):
	}
	if !ok {
		data, st, err := c.Get(ctxFor(t, opTimeout), elPath+"/"+latchNode)
		require.FailNow(t, "the latch did not take over",
			"%v after we resigned %s: children %q; the latch's node %s: data %q, version %d, get error %v",
			latchHandover, ourNode, mustChildren(t, c, elPath), latchNode, data, st.Version, err)
	}
	t.Logf("the latch led %v after we resigned", time.Since(resigned))
	require.Contains(t, line, `"event": "leader"`, "the latch's next line")
	assert.Contains(t, line, elPath+"/"+latchNode, "the latch leads with its node")
	leader, err := e.Leader(ctxFor(t, opTimeout))
	require.NoError(t, err, "Leader once the latch leads")
	assert.Equal(t, "curator-b", string(leader), "Leader once the latch leads")

	latch.send(t, "close")
	latch.expect(t, "closed")
	latch.closeStdin(t)
	latch.requireExit(t)
	waitNoCandidates(t, c, elPath)
}

// requireQueuedBehind waits until the election at path has a second
// candidate node besides first, and returns its name, checking that it is
// a LeaderLatch node queued after first.
func requireQueuedBehind(t *testing.T, c *zk.Conn, path, first string) string {
	t.Helper()
	kids := waitChildren(t, c, path, 2, eventTimeout)
	require.Contains(t, kids, first)
	second := kids[0]
	if second == first {
		second = kids[1]
	}
	requireLatchName(t, second)
	assert.Greater(t, latchSeq(second), latchSeq(first), "node %s queues after %s", second, first)
	return second
}

// requireLatchName checks that name is a LeaderLatch node name,
// "_c_<uuid>-latch-<seq>".
func requireLatchName(t *testing.T, name string) {
	t.Helper()
	prefix, seq, ok := strings.Cut(name, "-latch-")
	require.True(t, ok, "%s has no -latch- marker", name)
	require.True(t, strings.HasPrefix(prefix, "_c_") && len(prefix) == len("_c_")+36, "%s: protected prefix", name)
	require.Len(t, seq, 10, "%s: sequence number", name)
}

// latchSeq returns the sequence number of a LeaderLatch node, as its ten
// digits (which order as numbers until the counter wraps).
func latchSeq(name string) string {
	return name[strings.LastIndex(name, "-latch-")+len("-latch-"):]
}

// waitNoCandidates waits until the election at path has no candidate node
// left: the latch deletes its node in the background once closed, and its
// session's end would delete it too.
func waitNoCandidates(t *testing.T, c *zk.Conn, path string) {
	t.Helper()
	ctx := ctxFor(t, eventTimeout)
	err := zktest.WaitUntil(ctx, func() bool { return len(lockNodesLeft(t, c, path)) == 0 })
	assert.NoError(t, err, "candidate nodes left behind in %s: %q", path, lockNodesLeft(t, c, path))
}
