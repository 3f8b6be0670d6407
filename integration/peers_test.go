package integration

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/coordkit/coordkit/zk"
	"github.com/coordkit/coordkit/zk/zktest"
)

// The peers: kazoo (Debian's python3-kazoo, for Debian's own Python, which
// may not be the python3 first on PATH) and zkCli.sh from Debian's
// zookeeper package. The kazoo scripts live in testdata/peers.
const (
	peerPython = "/usr/bin/python3"
	peerDir    = "testdata/peers"
	zkCli      = "/usr/share/zookeeper/bin/zkCli.sh"
)

// Bounds for peer processes.
const (
	// peerTimeout bounds the whole life of one peer process; past it the
	// process is killed.
	peerTimeout = 3 * time.Minute
	// peerEventTimeout bounds the wait for one line from a peer.
	peerEventTimeout = 30 * time.Second
	// peerExitTimeout bounds the wait for a peer to exit once told to.
	peerExitTimeout = 30 * time.Second
)

// requireKazoo fails the test, saying what to install, unless Debian's
// Python can import kazoo's client and the recipes the peers use.
func requireKazoo(t *testing.T) {
	t.Helper()
	out, err := exec.Command(peerPython, "-c",
		"import kazoo.client, kazoo.recipe.lock, kazoo.recipe.election, kazoo.recipe.cache").CombinedOutput()
	if err != nil {
		t.Fatalf("this test needs kazoo for %s (Debian package python3-kazoo; "+
			"scripts/install-zookeeper.sh installs it): %v\n%s", peerPython, err, out)
	}
}

// requireZkCli fails the test, saying what to install, unless Debian's
// zkCli.sh and the java it runs (Debian's zkEnv.sh names /usr/bin/java)
// are there.
func requireZkCli(t *testing.T) {
	t.Helper()
	for _, f := range []string{zkCli, "/usr/bin/java"} {
		if _, err := os.Stat(f); err != nil {
			t.Fatalf("this test needs %s (Debian packages zookeeper and a JRE; "+
				"scripts/install-zookeeper.sh installs them): %v", f, err)
		}
	}
}

// peerProc is a peer program run by a test: its stdout lines arrive on
// lines, its stdin takes commands, its stderr is kept for failure reports.
// It is killed (with every process it started) when the test ends, when
// peerTimeout passes, or by kill.
type peerProc struct {
	name   string
	cmd    *exec.Cmd
	stdin  io.WriteCloser
	lines  chan string   // stdout, one line each; closed at EOF
	quit   chan struct{} // closed by cleanup: stop delivering lines
	stderr *syncBuffer
	exited chan struct{} // closed once the process was waited for
	err    error         // from Wait; set before exited closes
	// reported is set by a test that reports the peer's stderr itself:
	// a failing test's cleanup then leaves it out.
	reported bool
}

// startPeer starts argv[0] with argv[1:] as the peer called name.
func startPeer(t *testing.T, name string, env []string, argv ...string) *peerProc {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), peerTimeout)
	cmd := exec.CommandContext(ctx, argv[0], argv[1:]...)
	cmd.Env = append(os.Environ(), env...)
	cmd.SysProcAttr = peerProcAttr()
	cmd.Cancel = func() error { return killPeer(cmd.Process) }
	// zkCli.sh runs java as its child: if it holds our pipes after the
	// script is gone, stop waiting for them.
	cmd.WaitDelay = 5 * time.Second
	p := &peerProc{
		name:   name,
		cmd:    cmd,
		lines:  make(chan string),
		quit:   make(chan struct{}),
		stderr: &syncBuffer{},
		exited: make(chan struct{}),
	}
	cmd.Stderr = p.stderr
	stdout, err := p.pipes()
	if err == nil {
		err = cmd.Start()
	}
	if err != nil {
		cancel()
		require.NoError(t, err, "start peer %s: %v", name, argv)
	}
	go func() {
		defer close(p.exited)
		defer cancel()
		sc := bufio.NewScanner(stdout)
		sc.Buffer(make([]byte, 64<<10), 4<<20)
	read:
		for sc.Scan() {
			select {
			case p.lines <- sc.Text():
			case <-p.quit:
				break read
			}
		}
		close(p.lines)
		_, _ = io.Copy(io.Discard, stdout)
		p.err = cmd.Wait()
	}()
	t.Cleanup(func() {
		close(p.quit)
		select {
		case <-p.exited:
		default:
			_ = killPeer(cmd.Process)
			<-p.exited
		}
		if t.Failed() && !p.reported {
			t.Logf("peer %s (pid %d, exit %v) stderr:\n%s", name, cmd.Process.Pid, p.err, p.stderr.tail(40))
		}
	})
	return p
}

// pipes connects the peer's stdin and stdout.
func (p *peerProc) pipes() (io.ReadCloser, error) {
	var err error
	if p.stdin, err = p.cmd.StdinPipe(); err != nil {
		return nil, err
	}
	return p.cmd.StdoutPipe()
}

// startKazoo starts the kazoo script testdata/peers/script with args.
func startKazoo(t *testing.T, name, script string, args ...string) *peerProc {
	t.Helper()
	argv := append([]string{peerPython, "-B", peerDir + "/" + script}, args...)
	return startPeer(t, name, []string{"PYTHONUNBUFFERED=1"}, argv...)
}

// send writes one command line to the peer's stdin.
func (p *peerProc) send(t *testing.T, line string) {
	t.Helper()
	_, err := io.WriteString(p.stdin, line+"\n")
	require.NoError(t, err, "peer %s: write %q: %s", p.name, line, p.stderr.tail(20))
}

// closeStdin closes the peer's stdin.
func (p *peerProc) closeStdin(t *testing.T) {
	t.Helper()
	require.NoError(t, p.stdin.Close(), "peer %s: close stdin", p.name)
}

// next returns the peer's next stdout line, failing the test if none comes
// within d or the peer's stdout ends.
func (p *peerProc) next(t *testing.T, d time.Duration) string {
	t.Helper()
	timer := time.NewTimer(d)
	defer timer.Stop()
	select {
	case line, ok := <-p.lines:
		if !ok {
			<-p.exited
			require.FailNow(t, "peer ended", "peer %s ended (%v) without the line the test waits for; stderr:\n%s",
				p.name, p.err, p.stderr.tail(40))
		}
		return line
	case <-timer.C:
		require.FailNow(t, "peer silent", "peer %s printed nothing within %v; stderr:\n%s", p.name, d, p.stderr.tail(40))
		return ""
	}
}

// nextEvent returns the peer's next event (a JSON line).
func (p *peerProc) nextEvent(t *testing.T, d time.Duration) peerEvent {
	t.Helper()
	line := p.next(t, d)
	var ev peerEvent
	require.NoError(t, json.Unmarshal([]byte(line), &ev), "peer %s printed %q", p.name, line)
	require.NotEqual(t, "violation", ev.Event, "peer %s: %s", p.name, line)
	require.NotEqual(t, "fault", ev.Event, "peer %s: %s", p.name, line)
	return ev
}

// expect returns the peer's next event, which must be the event named.
func (p *peerProc) expect(t *testing.T, event string) peerEvent {
	t.Helper()
	ev := p.nextEvent(t, peerEventTimeout)
	require.Equal(t, event, ev.Event, "peer %s: %+v", p.name, ev)
	return ev
}

// rest returns the rest of the peer's stdout once the peer has exited on
// its own, and what Wait returned; it fails the test if the peer runs
// longer than d.
func (p *peerProc) rest(t *testing.T, d time.Duration) ([]string, error) {
	t.Helper()
	timer := time.NewTimer(d)
	defer timer.Stop()
	var lines []string
	for {
		select {
		case line, ok := <-p.lines:
			if !ok {
				<-p.exited
				return lines, p.err
			}
			lines = append(lines, line)
		case <-timer.C:
			require.FailNow(t, "peer did not exit", "peer %s still running after %v; stderr:\n%s", p.name, d, p.stderr.tail(40))
		}
	}
}

// wait is rest for a peer whose remaining output does not matter: it is
// logged.
func (p *peerProc) wait(t *testing.T, d time.Duration) error {
	t.Helper()
	lines, err := p.rest(t, d)
	for _, line := range lines {
		t.Logf("peer %s, before exiting: %s", p.name, line)
	}
	return err
}

// requireExit waits for the peer to exit with status 0.
func (p *peerProc) requireExit(t *testing.T) {
	t.Helper()
	require.NoError(t, p.wait(t, peerExitTimeout), "peer %s; stderr:\n%s", p.name, p.stderr.tail(40))
}

// kill kills the peer with SIGKILL and waits until it is gone.
func (p *peerProc) kill(t *testing.T) {
	t.Helper()
	if err := killPeer(p.cmd.Process); err != nil && !errors.Is(err, os.ErrProcessDone) {
		require.NoError(t, err, "kill peer %s", p.name)
	}
	select {
	case <-p.exited:
	case <-time.After(peerExitTimeout):
		require.FailNow(t, "peer survived SIGKILL", "peer %s", p.name)
	}
}

// peerEvent is one JSON line of a kazoo peer (testdata/peers/*.py); each
// event uses some of the fields.
type peerEvent struct {
	Event   string                `json:"event"`
	ID      string                `json:"id"`
	Round   int                   `json:"round"`
	Session int64                 `json:"session"`
	IDs     []string              `json:"ids"`
	Path    string                `json:"path"`
	Data    []byte                `json:"data"` // base64 in JSON
	Stat    zk.Stat               `json:"stat"` // field names match case-insensitively
	Nodes   map[string]cachedNode `json:"nodes"`
}

// cachedNode is a node as treecache.py dumps it.
type cachedNode struct {
	Data []byte  `json:"data"`
	Stat zk.Stat `json:"stat"`
}

// syncBuffer is a bytes buffer safe for a writer goroutine and readers.
type syncBuffer struct {
	mu  sync.Mutex // guards buf
	buf strings.Builder
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// tail returns the last n lines.
func (b *syncBuffer) tail(n int) string {
	lines := strings.Split(strings.TrimRight(b.String(), "\n"), "\n")
	if len(lines) > n {
		lines = append([]string{fmt.Sprintf("[%d lines before]", len(lines)-n)}, lines[len(lines)-n:]...)
	}
	return strings.Join(lines, "\n")
}

// mustChildren returns the children of path, sorted.
func mustChildren(t *testing.T, c *zk.Conn, path string) []string {
	t.Helper()
	kids, _, err := c.Children(ctxFor(t, opTimeout), path)
	require.NoError(t, err, "children of %s", path)
	slices.Sort(kids)
	return kids
}

// waitChildren waits (bounded by d) until path has n children and returns
// them, sorted.
func waitChildren(t *testing.T, c *zk.Conn, path string, n int, d time.Duration) []string {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), d)
	defer cancel()
	var kids []string
	err := zktest.WaitUntil(ctx, func() bool {
		var err error
		kids, _, err = c.Children(ctx, path)
		return err == nil && len(kids) == n
	})
	slices.Sort(kids)
	require.NoError(t, err, "%s has children %q, want %d of them", path, kids, n)
	return kids
}

// requireNoNode checks that path does not exist.
func requireNoNode(t *testing.T, c *zk.Conn, path string) {
	t.Helper()
	_, ok, err := c.Exists(ctxFor(t, opTimeout), path)
	require.NoError(t, err, "exists %s", path)
	require.False(t, ok, "%s still exists", path)
}
