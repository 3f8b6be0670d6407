package integration

import (
	"errors"
	"fmt"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/coordkit/coordkit/zk"
	"github.com/coordkit/coordkit/zk/zktest"
)

// Session timeouts zkCli.sh asks for. A one-command zkCli exits without
// closing its session, which then lives until it expires: the one that
// leaves an ephemeral node asks for a short one.
const (
	zkCliSessionTimeout      = 10 * time.Second
	zkCliShortSessionTimeout = 2 * time.Second
)

// zkCliTimeout bounds one run of zkCli (a healthy one takes about a
// second).
const zkCliTimeout = time.Minute

// zkCliEnv makes zkCli print times in UTC and start its JVM quickly.
var zkCliEnv = []string{
	"TZ=UTC",
	"JVMFLAGS=-Xmx64m -XX:TieredStopAtLevel=1 -XX:+UseSerialGC",
}

// javaDate is how zkCli (java.util.Date.toString) prints a time in UTC.
const javaDate = "Mon Jan 02 15:04:05 MST 2006"

// TestPeersZkCli: Debian's zkCli.sh, one command per run (each run its own
// session), creates (plain, sequential, ephemeral), gets, lists, sets,
// stats and deletes; errors come out as zkCli prints them; an ephemeral
// node of a zkCli that exited goes when its session expires. Then one
// interactive zkCli session, driven line by line, gets the events of its
// data, child and persistent recursive watches as our client makes
// changes, reads with getEphemerals, getAllChildrenNumber, sync and
// whoami, and its ephemeral node goes the moment it quits (closeSession).
func TestPeersZkCli(t *testing.T) {
	t.Parallel()
	requireZkCli(t)
	servers.Each(t, testPeersZkCli)
}

func testPeersZkCli(t *testing.T, srv *zktest.Server) {
	c := dial(t, []string{srv.Addr()})
	base := uniquePath(t)
	eph := base + "-eph"
	cli := func(args ...string) zkCliResult { return runZkCli(t, srv.Addr(), zkCliSessionTimeout, args...) }

	assert.Equal(t, zkCliResult{Err: []string{"Created " + eph}},
		runZkCli(t, srv.Addr(), zkCliShortSessionTimeout, "create", "-e", eph, "e"))
	assert.Equal(t, zkCliResult{Err: []string{"Created " + base}}, cli("create", base, "data"))
	assert.Equal(t, zkCliResult{Err: []string{"Created " + base + "/seq-0000000000"}}, cli("create", "-s", base+"/seq-", "one"))
	assert.Equal(t, zkCliResult{Err: []string{"Node already exists: " + base}, Code: 1}, cli("create", base, "again"))
	assert.Equal(t, zkCliResult{Out: []string{"data"}}, cli("get", base))
	assert.Equal(t, zkCliResult{}, cli("set", base, "d2"))
	data, st, err := c.Get(ctxFor(t, opTimeout), base)
	require.NoError(t, err)
	assert.Equal(t, "d2", string(data), "zkCli's set")
	assert.Equal(t, zk.Stat{Version: 1, Cversion: 1, DataLength: 2, NumChildren: 1},
		zk.Stat{Version: st.Version, Cversion: st.Cversion, DataLength: st.DataLength, NumChildren: st.NumChildren},
		"after zkCli's create, create -s of a child and set")
	assert.Equal(t, zkCliResult{Out: append([]string{"d2"}, zkCliStat(st)...)}, cli("get", "-s", base))
	assert.Equal(t, zkCliResult{Out: []string{"[seq-0000000000]"}}, cli("ls", base))
	assert.Equal(t, zkCliResult{Err: []string{"Node not empty: " + base}, Code: 1}, cli("delete", base))
	assert.Equal(t, zkCliResult{}, cli("delete", base+"/seq-0000000000"))
	assert.Equal(t, zkCliResult{}, cli("delete", base))
	assert.Equal(t, zkCliResult{Err: []string{"Node does not exist: " + base}, Code: 1}, cli("get", base))
	requireNoNode(t, c, base)

	// The ephemeral node of the first zkCli, whose session was left to
	// expire.
	ctx := ctxFor(t, eventTimeout+zkCliShortSessionTimeout)
	err = zktest.WaitUntil(ctx, func() bool {
		_, ok, err := c.Exists(ctx, eph)
		return err == nil && !ok
	})
	require.NoError(t, err, "the ephemeral node of an exited zkCli is still there")

	t.Run("session", func(t *testing.T) { testZkCliSession(t, srv, c) })
}

// testZkCliSession drives one interactive zkCli session.
func testZkCliSession(t *testing.T, srv *zktest.Server, c *zk.Conn) {
	w := uniquePath(t)
	mustCreate(t, c, w, []byte("w0"))
	p := startPeer(t, "zkCli", zkCliEnv, zkCli, "-timeout", fmt.Sprint(zkCliSessionTimeout.Milliseconds()), "-server", srv.Addr())

	p.send(t, "get -w "+w)
	assert.Equal(t, "w0", nextCLILine(t, p))
	_, err := c.Set(ctxFor(t, opTimeout), w, []byte("w1"), -1)
	require.NoError(t, err)
	assert.Equal(t, "WatchedEvent state:SyncConnected type:NodeDataChanged path:"+w, nextCLILine(t, p))

	p.send(t, "ls -w "+w)
	assert.Equal(t, "[]", nextCLILine(t, p))
	mustCreate(t, c, w+"/c", nil)
	assert.Equal(t, "WatchedEvent state:SyncConnected type:NodeChildrenChanged path:"+w, nextCLILine(t, p))

	p.send(t, "create -e "+w+"/eph x")
	p.send(t, "get "+w+"/eph")
	assert.Equal(t, "x", nextCLILine(t, p))
	_, st, err := c.Get(ctxFor(t, opTimeout), w+"/eph")
	require.NoError(t, err)
	assert.NotZero(t, st.EphemeralOwner, "zkCli's ephemeral node")

	// The other reads zkCli has.
	p.send(t, "getEphemerals "+w)
	assert.Equal(t, "["+w+"/eph]", nextCLILine(t, p))
	p.send(t, "getAllChildrenNumber "+w)
	assert.Equal(t, "2", nextCLILine(t, p))
	p.send(t, "sync "+w)
	assert.Equal(t, "Sync is OK", nextCLILine(t, p))
	p.send(t, "whoami")
	assert.Equal(t, "Auth scheme: User", nextCLILine(t, p))
	assert.Equal(t, "ip: 127.0.0.1", nextCLILine(t, p))

	// A persistent recursive watch (addWatch's default mode) sees every
	// change below w until the session ends. The get after addWatch shows
	// that addWatch is done.
	p.send(t, "addWatch "+w)
	p.send(t, "get "+w)
	assert.Equal(t, "w1", nextCLILine(t, p))
	ctx := ctxFor(t, opTimeout)
	_, err = c.Create(ctx, w+"/r", []byte("1"), zk.ModePersistent)
	require.NoError(t, err)
	_, err = c.Set(ctx, w+"/r", []byte("2"), -1)
	require.NoError(t, err)
	_, err = c.Create(ctx, w+"/r/s", nil, zk.ModePersistent)
	require.NoError(t, err)
	require.NoError(t, c.Delete(ctx, w+"/r/s", -1))
	for _, ev := range []string{"NodeCreated path:" + w + "/r", "NodeDataChanged path:" + w + "/r",
		"NodeCreated path:" + w + "/r/s", "NodeDeleted path:" + w + "/r/s"} {
		assert.Equal(t, "WatchedEvent state:SyncConnected type:"+ev, nextCLILine(t, p))
	}

	p.send(t, "quit")
	out, err := p.rest(t, peerExitTimeout)
	require.NoError(t, err, "zkCli quit; stderr:\n%s", p.stderr.tail(20))
	var rest []string
	for _, line := range out {
		if !zkCLINoise(line) {
			rest = append(rest, line)
		}
	}
	// Closing the session deletes its ephemeral node, which the session's
	// own recursive watch reports before the session ends.
	assert.Equal(t, []string{
		"WatchedEvent state:SyncConnected type:NodeDeleted path:" + w + "/eph",
		"WatchedEvent state:Closed type:None path:null",
	}, rest, "zkCli's last words")
	assert.Equal(t, []string{"Created " + w + "/eph"}, zkCLIStderr(p.stderr.String()))
	requireNoNode(t, c, w+"/eph") // closeSession deleted it at once
}

// zkCliResult is what a one-command zkCli run printed, less its noise
// (the SLF4J warnings, the connection and its event), and its exit code.
type zkCliResult struct {
	Out  []string // stdout
	Err  []string // stderr
	Code int
}

// runZkCli runs zkCli.sh against addr with one command, in a session of
// the given timeout.
func runZkCli(t *testing.T, addr string, sessionTimeout time.Duration, args ...string) zkCliResult {
	t.Helper()
	argv := append([]string{zkCli, "-timeout", fmt.Sprint(sessionTimeout.Milliseconds()), "-server", addr}, args...)
	p := startPeer(t, "zkCli "+strings.Join(args, " "), zkCliEnv, argv...)
	p.closeStdin(t)
	out, err := p.rest(t, zkCliTimeout)
	var r zkCliResult
	for _, line := range out {
		if !zkCLINoise(line) {
			r.Out = append(r.Out, line)
		}
	}
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		r.Code = ee.ExitCode()
	} else {
		require.NoError(t, err, "zkCli %v", args)
	}
	r.Err = zkCLIStderr(p.stderr.String())
	p.reported = true // r holds its stderr
	return r
}

// nextCLILine returns the next line of an interactive zkCli that is not
// noise.
func nextCLILine(t *testing.T, p *peerProc) string {
	t.Helper()
	for {
		if line := p.next(t, peerEventTimeout); !zkCLINoise(line) {
			return line
		}
	}
}

// zkCLINoise reports whether a zkCli stdout line is noise: blank, the
// banner, the connection and its event, the header of each event.
func zkCLINoise(line string) bool {
	return line == "" || line == "WATCHER::" || line == "Welcome to ZooKeeper!" ||
		line == "JLine support is disabled" || strings.HasPrefix(line, "Connecting to ") ||
		line == "WatchedEvent state:SyncConnected type:None path:null"
}

// zkCLIStderr returns zkCli's stderr lines less SLF4J's warnings.
func zkCLIStderr(s string) []string {
	var lines []string
	for _, l := range strings.Split(strings.TrimRight(s, "\n"), "\n") {
		if l != "" && !strings.HasPrefix(l, "SLF4J:") {
			lines = append(lines, l)
		}
	}
	return lines
}

// zkCliStat is how zkCli prints st (in UTC).
func zkCliStat(st zk.Stat) []string {
	return []string{
		fmt.Sprintf("cZxid = 0x%x", st.Czxid),
		"ctime = " + time.UnixMilli(st.Ctime).UTC().Format(javaDate),
		fmt.Sprintf("mZxid = 0x%x", st.Mzxid),
		"mtime = " + time.UnixMilli(st.Mtime).UTC().Format(javaDate),
		fmt.Sprintf("pZxid = 0x%x", st.Pzxid),
		fmt.Sprintf("cversion = %d", st.Cversion),
		fmt.Sprintf("dataVersion = %d", st.Version),
		fmt.Sprintf("aclVersion = %d", st.Aversion),
		fmt.Sprintf("ephemeralOwner = 0x%x", st.EphemeralOwner),
		fmt.Sprintf("dataLength = %d", st.DataLength),
		fmt.Sprintf("numChildren = %d", st.NumChildren),
	}
}
