package integration

// kill -9 durability of the embedded server, run as "coordkit server".

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/coordkit/coordkit/zk"
)

// Shape of the durability runs.
const (
	durableCreates    = 2000                   // creates issued per run
	durableWindow     = 64                     // creates in flight at once
	durableTick       = 200 * time.Millisecond // the server's --tick
	durableEphemerals = 5                      // ephemeral nodes of the dead session
	// ephemeralTimeout is what the dead session asks for: 20 ticks, the
	// most the server allows.
	ephemeralTimeout = 20 * durableTick
)

// TestDurabilityKill9 is the acceptance test of the embedded server's
// durability: "coordkit server --data DIR" acknowledges a write only once
// it is on disk, so kill -9 loses none, and sessions live at the kill get
// their timeout again after the restart, then expire.
func TestDurabilityKill9(t *testing.T) {
	bin := buildCoordkit(t)
	t.Run("AllAcknowledged", func(t *testing.T) { testKillAfterAll(t, bin) })
	t.Run("KillMidStream", func(t *testing.T) { testKillMidStream(t, bin) })
}

// testKillAfterAll kills the server once every create was acknowledged, with
// the ephemeral nodes of a second session in place, and restarts it on the
// same directory: every create is there with its data, and the ephemeral
// nodes are there until the session's timeout has passed, then gone.
func testKillAfterAll(t *testing.T, bin string) {
	dir := filepath.Join(t.TempDir(), "data")
	srv := startCoordkitServer(t, bin, dir)
	writer := dial(t, []string{srv.addr}, zk.WithMaxInFlight(durableWindow))
	owner := dial(t, []string{srv.addr}, zk.WithSessionTimeout(ephemeralTimeout))
	ctx := ctxFor(t, startTimeout)
	const base = "/durable"
	mustCreate(t, writer, base, nil)
	var ephemerals []string
	for i := range durableEphemerals {
		p, err := owner.Create(ctx, fmt.Sprintf("%s-eph-%d", base, i), []byte("held"), zk.ModeEphemeral)
		require.NoError(t, err)
		ephemerals = append(ephemerals, p)
	}
	ownerID, timeout := owner.SessionID(), owner.SessionTimeout()

	start := time.Now()
	run := issueCreates(ctx, writer, base, durableCreates, nil)
	elapsed := time.Since(start)
	require.Equal(t, durableCreates, run.acked, "creates acknowledged before the kill: every one (first error: %v)", run.firstErr)
	t.Logf("%d creates acknowledged in %v (%.0f/s, %d in flight)", run.acked, elapsed.Round(time.Millisecond),
		float64(run.acked)/elapsed.Seconds(), durableWindow)

	srv.kill9(t)
	// The owner of the ephemeral nodes never comes back: its Conn ends
	// while the server is down, so its session is not closed.
	require.NoError(t, owner.Close())
	_ = writer.Close()

	again := startCoordkitServer(t, bin, dir)
	restarted := time.Now() // the server recovered just before
	obs := dial(t, []string{again.addr})
	for _, p := range ephemerals {
		st, ok, err := obs.Exists(ctx, p)
		require.NoError(t, err)
		require.True(t, ok, "%s gone right after the restart: its session has %v to reconnect", p, timeout)
		assert.Equal(t, ownerID, st.EphemeralOwner, p)
	}
	present := checkCreates(t, obs, base, run)
	assert.Equal(t, durableCreates, present, "creates present after kill -9")
	t.Logf("%d of %d acknowledged creates present after kill -9 and restart", present, run.acked)

	// The session expires once its timeout has passed without it, and its
	// ephemeral nodes go; a bound that fails if they never do.
	bound := timeout + 10*time.Second
	gone := waitGone(t, obs, ephemerals, restarted, bound)
	t.Logf("ephemeral nodes of the dead session (timeout %v) gone %v after the restart", timeout, gone.Round(time.Millisecond))
	assert.GreaterOrEqual(t, gone, timeout-time.Second, "the session got its timeout after the restart")

	obs.Close()
	assert.Equal(t, 0, again.stop(t, syscall.SIGTERM), "exit status after SIGTERM")
}

// testKillMidStream kills the server while creates are in flight: every
// acknowledged one is there with its data, the others are there or not but
// never damaged, and the server starts and takes writes again.
func testKillMidStream(t *testing.T, bin string) {
	dir := filepath.Join(t.TempDir(), "data")
	srv := startCoordkitServer(t, bin, dir)
	writer := dial(t, []string{srv.addr}, zk.WithMaxInFlight(durableWindow))
	ctx := ctxFor(t, startTimeout)
	const base = "/midstream"
	mustCreate(t, writer, base, nil)

	killAt := durableCreates / 4
	run := issueCreates(ctx, writer, base, durableCreates, func(acked int) bool {
		if acked == killAt {
			srv.kill9(t)
			return true
		}
		return false
	})
	_ = writer.Close()
	require.Greater(t, run.acked, 0)
	require.Less(t, run.acked, durableCreates, "the kill landed after every create was answered")
	t.Logf("killed with %d of %d creates acknowledged (%d lost, %d not sent)", run.acked, durableCreates, run.lost, len(run.notSent))

	again := startCoordkitServer(t, bin, dir)
	obs := dial(t, []string{again.addr})
	present := checkCreates(t, obs, base, run)
	t.Logf("%d creates present after the restart (%d acknowledged)", present, run.acked)

	// The server takes writes again, with zxids after every one it had.
	st, ok, err := obs.Exists(ctx, base)
	require.NoError(t, err)
	require.True(t, ok)
	_, after, err := obs.Create2(ctx, base+"/after", nil, zk.ModePersistent)
	require.NoError(t, err)
	assert.Greater(t, after.Czxid, st.Pzxid, "zxids go on after the restart")

	obs.Close()
	assert.Equal(t, 0, again.stop(t, syscall.SIGTERM), "exit status after SIGTERM")
}

// createRun is what became of the creates of issueCreates.
type createRun struct {
	base     string
	n        int
	acked    int          // answered without error: creates 0..acked-1
	ackedSet map[int]bool // which ones
	notSent  map[int]bool // reported never written: they must not exist
	lost     int
	firstErr error
}

// durablePath and durableData are the path and data of create i.
func durablePath(base string, i int) string { return fmt.Sprintf("%s/n-%05d", base, i) }

func durableData(i int) []byte {
	return []byte(strings.Repeat(fmt.Sprintf("value %05d;", i), 10))
}

// issueCreates creates n nodes under base through c, pipelined (c's
// in-flight window bounds how many are outstanding), and records which
// were acknowledged. After each acknowledgement (in order) it calls
// onAck, if not nil, with the number so far; once onAck returns true it
// stops issuing, and what is still queued ends as not sent.
func issueCreates(ctx context.Context, c *zk.Conn, base string, n int, onAck func(acked int) bool) createRun {
	issueCtx, stop := context.WithCancel(ctx)
	defer stop()
	futs := make(chan *zk.Future[string], n)
	go func() {
		defer close(futs)
		for i := range n {
			if issueCtx.Err() != nil {
				return
			}
			futs <- c.CreateAsync(issueCtx, durablePath(base, i), durableData(i), zk.ModePersistent)
		}
	}()
	run := createRun{base: base, n: n, ackedSet: map[int]bool{}, notSent: map[int]bool{}}
	i := 0
	for f := range futs {
		_, err := f.Wait(context.WithoutCancel(ctx))
		switch {
		case err == nil:
			run.acked++
			run.ackedSet[i] = true
			if onAck != nil && onAck(run.acked) {
				stop()
			}
		case f.Outcome() == zk.NotSent:
			run.notSent[i] = true
		default:
			run.lost++
		}
		if err != nil && run.firstErr == nil {
			run.firstErr = err
		}
		i++
	}
	for ; i < n; i++ { // never issued
		run.notSent[i] = true
	}
	return run
}

// checkCreates reads back every create of run through c and returns how
// many exist. Every acknowledged one must, with its data; one reported not
// sent must not; the others may, but then whole. As one session's creates
// are applied in order, what survived is a prefix of them, and the parent's
// counts agree with its children.
func checkCreates(t *testing.T, c *zk.Conn, base string, run createRun) int {
	t.Helper()
	ctx := ctxFor(t, opTimeout)
	reqs := make([]zk.Request, run.n)
	for i := range reqs {
		reqs[i] = zk.GetRequest{Path: durablePath(base, i)}
	}
	present, missing, prefix := 0, false, true
	for i, r := range c.Batch(ctx, reqs, nil) {
		p := durablePath(base, i)
		if errors.Is(r.Err, zk.ErrNoNode) {
			assert.False(t, run.ackedSet[i], "acknowledged create %s lost", p)
			missing = true
			continue
		}
		require.NoError(t, r.Err, "get %s", p)
		present++
		prefix = prefix && !missing
		assert.False(t, run.notSent[i], "%s exists though its create was reported not sent", p)
		assert.Equal(t, string(durableData(i)), string(r.Result.(zk.GetResult).Data), "data of %s", p)
	}
	assert.True(t, prefix, "the creates that survived are not the first %d issued", present)
	children, st, err := c.Children(ctx, base)
	require.NoError(t, err)
	assert.Len(t, children, present, "children of %s", base)
	assert.Equal(t, int32(present), st.NumChildren, "numChildren of %s", base)
	assert.Equal(t, int32(present), st.Cversion, "cversion of %s", base)
	return present
}

// waitGone polls until none of paths exists and returns how long after
// start that was; it fails the test bound after start.
func waitGone(t *testing.T, c *zk.Conn, paths []string, start time.Time, bound time.Duration) time.Duration {
	t.Helper()
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	for {
		left := 0
		for _, p := range paths {
			_, ok, err := c.Exists(ctxFor(t, opTimeout), p)
			require.NoError(t, err)
			if ok {
				left++
			}
		}
		if left == 0 {
			return time.Since(start)
		}
		if time.Since(start) > bound {
			require.FailNow(t, "ephemeral nodes never went", "%d of %d still there after %v", left, len(paths), bound)
		}
		<-tick.C
	}
}

// buildCoordkit builds the coordkit command into a directory of the test.
func buildCoordkit(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "coordkit")
	out, err := exec.Command("go", "build", "-o", bin, "github.com/coordkit/coordkit/cmd/coordkit").CombinedOutput()
	require.NoError(t, err, "go build coordkit:\n%s", out)
	return bin
}

// coordkitServer is a "coordkit server" process started by the test.
type coordkitServer struct {
	cmd    *exec.Cmd
	addr   string
	stdout <-chan string // the lines after the address, closed at EOF
	stderr *lockedBuffer
}

// lockedBuffer is a bytes.Buffer safe for concurrent use.
type lockedBuffer struct {
	mu  sync.Mutex // guards buf
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// startCoordkitServer starts "coordkit server" on a free loopback port with
// its state in dir, and waits for the address it prints. If the test
// fails its log is shown; t.Cleanup kills it if the test has not stopped it.
func startCoordkitServer(t *testing.T, bin, dir string) *coordkitServer {
	t.Helper()
	s := &coordkitServer{stderr: &lockedBuffer{}}
	s.cmd = exec.Command(bin, "server", "--listen", "127.0.0.1:0", "--data", dir, "--tick", durableTick.String())
	s.cmd.Stderr = s.stderr
	out, err := s.cmd.StdoutPipe()
	require.NoError(t, err)
	require.NoError(t, s.cmd.Start())
	t.Cleanup(func() {
		if s.cmd.ProcessState == nil {
			_ = s.cmd.Process.Kill()
			_ = s.cmd.Wait()
		}
		if t.Failed() {
			t.Logf("coordkit server (pid %d) standard error:\n%s", s.cmd.Process.Pid, s.stderr)
		}
	})
	lines := make(chan string, 16)
	go func() {
		defer close(lines)
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			lines <- sc.Text()
		}
	}()
	s.stdout = lines
	timer := time.NewTimer(startTimeout)
	defer timer.Stop()
	select {
	case l, ok := <-lines:
		require.True(t, ok, "coordkit server exited before listening:\n%s", s.stderr)
		s.addr = l
	case <-timer.C:
		require.FailNow(t, "coordkit server did not start", "no address within %v:\n%s", startTimeout, s.stderr)
	}
	require.Regexp(t, `^127\.0\.0\.1:[0-9]+$`, s.addr)
	return s
}

// kill9 kills the server with SIGKILL and waits for it to be gone.
func (s *coordkitServer) kill9(t *testing.T) {
	t.Helper()
	require.NoError(t, s.cmd.Process.Signal(syscall.SIGKILL))
	for range s.stdout {
	}
	err := s.cmd.Wait()
	var ee *exec.ExitError
	require.ErrorAs(t, err, &ee)
	ws, ok := ee.Sys().(syscall.WaitStatus)
	require.True(t, ok)
	require.True(t, ws.Signaled() && ws.Signal() == syscall.SIGKILL, "coordkit server ended with %v, not by SIGKILL", err)
}

// stop sends sig and returns the exit status.
func (s *coordkitServer) stop(t *testing.T, sig syscall.Signal) int {
	t.Helper()
	require.NoError(t, s.cmd.Process.Signal(sig))
	for range s.stdout {
	}
	_ = s.cmd.Wait()
	return s.cmd.ProcessState.ExitCode()
}
