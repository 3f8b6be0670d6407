package main

import (
	"bytes"
	"context"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// serverTimeout bounds a server's start (up to its address line) and stop.
const serverTimeout = 30 * time.Second

// addrLine is the line server prints on standard output.
var addrLine = regexp.MustCompile(`^127\.0\.0\.1:[1-9][0-9]*$`)

// syncBuffer is a bytes.Buffer safe for concurrent use.
type syncBuffer struct {
	mu  sync.Mutex // guards buf
	buf bytes.Buffer
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

func TestServerUsage(t *testing.T) {
	const synopsis = "usage: coordkit server [--data DIR] [--listen ADDR] [--memory] [--tick DUR]\n" +
		"Run \"coordkit help server\" for details.\n"
	tests := []struct {
		name string
		args []string
		msg  string // the first line of standard error
	}{
		{"data and memory", []string{"server", "--data", "d", "--memory"}, "coordkit: server: --data and --memory cannot be combined"},
		{"zero tick", []string{"server", "--tick", "0"}, "coordkit: server: --tick must be positive, not 0s"},
		{"negative tick", []string{"server", "--tick=-1s"}, "coordkit: server: --tick must be positive, not -1s"},
		{"tick not a duration", []string{"server", "--tick", "often"}, `coordkit: server: invalid value "often" for flag -tick: parse error`},
		{"listen without port", []string{"server", "--listen", "localhost"}, `coordkit: server: --listen "localhost": want host:port`},
		{"unknown flag", []string{"server", "--port", "1"}, "coordkit: server: flag provided but not defined: -port"},
		{"argument", []string{"server", "/x"}, `coordkit: server: unexpected argument "/x"`},
		{"timeout after the verb", []string{"server", "--timeout", "1s"}, "coordkit: server: --timeout does not apply to server: it connects to no server"},
		{"servers before the verb", []string{"--servers", "h:1", "server"}, "coordkit: server: --servers does not apply to server: it connects to no server"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, stdout, stderr := runCLI(t, t.Context(), "", "", tt.args...)
			assert.Equal(t, exitUsage, code)
			assert.Empty(t, stdout)
			assert.Equal(t, tt.msg+"\n"+synopsis, stderr)
		})
	}
}

// inProcessServer is "coordkit server" run by run in a goroutine.
type inProcessServer struct {
	addr   string
	stderr *syncBuffer
	stdout *lineWriter
	cancel context.CancelFunc // the SIGINT/SIGTERM of the verb
	code   chan int
}

// startInProcess runs "coordkit server ARGS..." in-process with
// $COORDKIT_SERVERS set to nonsense (server must not care) and waits for
// its address line. t.Cleanup stops it if the test has not.
func startInProcess(t *testing.T, args ...string) *inProcessServer {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	s := &inProcessServer{stderr: &syncBuffer{}, stdout: newLineWriter(), cancel: cancel, code: make(chan int, 1)}
	getenv := func(k string) string {
		if k == envServers {
			return ",,not a connect string"
		}
		return ""
	}
	go func() {
		s.code <- run(ctx, append([]string{"server"}, args...), strings.NewReader(""), s.stdout, s.stderr, getenv)
	}()
	t.Cleanup(func() {
		cancel()
		select {
		case <-s.code:
		case <-time.After(serverTimeout):
			t.Errorf("coordkit server did not stop within %v", serverTimeout)
		}
	})
	timer := time.NewTimer(serverTimeout)
	defer timer.Stop()
	select {
	case s.addr = <-s.stdout.lines:
	case code := <-s.code:
		s.code <- code
		t.Fatalf("coordkit server exited with status %d before listening; stderr:\n%s", code, s.stderr)
	case <-timer.C:
		t.Fatalf("coordkit server printed no address within %v; stderr:\n%s", serverTimeout, s.stderr)
	}
	require.Regexp(t, addrLine, s.addr)
	return s
}

// stop interrupts the server and returns its exit status.
func (s *inProcessServer) stop(t *testing.T) int {
	t.Helper()
	s.cancel()
	select {
	case code := <-s.code:
		s.code <- code // for the cleanup
		return code
	case <-time.After(serverTimeout):
		t.Fatalf("coordkit server did not stop within %v", serverTimeout)
		return -1
	}
}

// mustCLI runs coordkit in-process against servers and requires success;
// it returns stdout.
func mustCLI(t *testing.T, servers string, args ...string) string {
	t.Helper()
	code, stdout, stderr := runCLI(t, t.Context(), servers, "", args...)
	require.Equal(t, exitOK, code, "coordkit %v: stderr %q", args, stderr)
	return stdout
}

// requireLogged checks that the server's standard error has a log line
// with msg and each of the attributes (as slog's text handler writes them).
func requireLogged(t *testing.T, stderr, msg string, attrs ...string) {
	t.Helper()
	for _, line := range strings.Split(stderr, "\n") {
		if !strings.Contains(line, " msg="+msg) && !strings.Contains(line, ` msg="`+msg+`"`) {
			continue
		}
		ok := true
		for _, a := range attrs {
			ok = ok && strings.Contains(line, " "+a)
		}
		if ok {
			return
		}
	}
	t.Fatalf("no log line msg=%q with %q in:\n%s", msg, attrs, stderr)
}

// TestServerInProcess runs the verb in-process, with ctx standing in for
// the signals: it serves the other verbs, stops with status 0 when ctx
// ends, and keeps the nodes across a restart with --data only.
func TestServerInProcess(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		args    func(dir string) []string
		durable bool
		data    string // the data attribute of the "listening" line
	}{
		{"data", func(dir string) []string { return []string{"--data", dir} }, true, "DIR"},
		{"memory", func(string) []string { return []string{"--memory"} }, false, "memory"},
		{"default", func(string) []string { return nil }, false, "memory"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			dir := filepath.Join(t.TempDir(), "not", "yet")
			args := append([]string{"--listen", "127.0.0.1:0", "--tick", "100ms"}, tt.args(dir)...)
			srv := startInProcess(t, args...)

			assert.Equal(t, "/app\n", mustCLI(t, srv.addr, "create", "/app", "hello"))
			assert.Equal(t, "/app/x\n", mustCLI(t, srv.addr, "create", "/app/x"))
			assert.Equal(t, "hello", mustCLI(t, srv.addr, "get", "/app"))
			assert.Equal(t, "app\nzookeeper\n", mustCLI(t, srv.addr, "ls", "/"))
			mustCLI(t, srv.addr, "rm", "/app/x")
			assert.Equal(t, "", mustCLI(t, srv.addr, "ls", "/app"))

			require.Equal(t, exitOK, srv.stop(t), "stderr:\n%s", srv.stderr)
			assert.Empty(t, srv.stdout.lines, "nothing but the address on standard output")
			data := tt.data
			if data == "DIR" {
				data = "data=" + dir
				assert.DirExists(t, dir, "--data creates the directory")
			} else {
				data = "data=" + data
				assert.NoDirExists(t, dir)
			}
			logs := srv.stderr.String()
			requireLogged(t, logs, "starting", data, "tick=100ms")
			assert.Contains(t, logs, " server="+srv.addr+"\n", "a line with the address")
			requireLogged(t, logs, "shutting down", `reason="context canceled"`)
			requireLogged(t, logs, "stopped", "took=")

			again := startInProcess(t, args...)
			code, stdout, stderr := runCLI(t, t.Context(), again.addr, "", "get", "/app")
			if tt.durable {
				assert.Equal(t, exitOK, code, stderr)
				assert.Equal(t, "hello", stdout)
				assert.Equal(t, "", mustCLI(t, again.addr, "ls", "/app"))
			} else {
				assert.Equal(t, exitError, code)
				assert.Equal(t, "coordkit: get /app: node does not exist\n", stderr)
			}
			require.Equal(t, exitOK, again.stop(t), "stderr:\n%s", again.stderr)
		})
	}
}

// TestServerListenFails: an address in use is an operation error, status 1.
func TestServerListenFails(t *testing.T) {
	t.Parallel()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	defer ln.Close()
	addr := ln.Addr().String()
	code, stdout, stderr := runCLI(t, t.Context(), "", "", "server", "--listen", addr, "--data", t.TempDir())
	assert.Equal(t, exitError, code)
	assert.Empty(t, stdout)
	assert.Equal(t, "coordkit: server: listen tcp "+addr+": bind: address already in use\n", stderr)
}

// TestServerDataInUse: a second server on a data directory in use fails
// with status 1 instead of sharing or waiting for it.
func TestServerDataInUse(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	first := startInProcess(t, "--listen", "127.0.0.1:0", "--data", dir)

	code := make(chan int, 1)
	var stdout, stderr string
	go func() {
		var c int
		c, stdout, stderr = runCLI(t, context.WithoutCancel(t.Context()), "", "", "server", "--listen", "127.0.0.1:0", "--data", dir)
		code <- c
	}()
	select {
	case c := <-code:
		assert.Equal(t, exitError, c)
		assert.Empty(t, stdout)
		lines := strings.Split(strings.TrimSuffix(stderr, "\n"), "\n")
		last := lines[len(lines)-1]
		assert.True(t, strings.HasPrefix(last, "coordkit: server: "), stderr)
		assert.Contains(t, last, dir)
	case <-time.After(serverTimeout):
		t.Fatalf("a second server on %s neither failed nor served within %v", dir, serverTimeout)
	}
	assert.Equal(t, exitOK, first.stop(t))
}

// binaryServer is the coordkit binary running "server".
type binaryServer struct {
	cmd    *exec.Cmd
	addr   string
	stdout <-chan string // the lines after the address
	stderr *syncBuffer
}

// startBinary starts "coordkit server ARGS..." and waits for its address
// line. t.Cleanup kills it if the test has not stopped it.
func startBinary(t *testing.T, args ...string) *binaryServer {
	t.Helper()
	s := &binaryServer{cmd: exec.Command(coordkitBin(t), append([]string{"server"}, args...)...), stderr: &syncBuffer{}}
	s.cmd.Stderr = s.stderr
	out, err := s.cmd.StdoutPipe()
	require.NoError(t, err)
	require.NoError(t, s.cmd.Start())
	t.Cleanup(func() {
		if s.cmd.ProcessState == nil {
			_ = s.cmd.Process.Kill()
			_ = s.cmd.Wait()
		}
	})
	lines := readLines(out)
	s.stdout = lines
	select {
	case l, ok := <-lines:
		require.True(t, ok, "coordkit server exited before listening; stderr:\n%s", s.stderr)
		s.addr = l
	case <-time.After(serverTimeout):
		t.Fatalf("coordkit server printed no address within %v; stderr:\n%s", serverTimeout, s.stderr)
	}
	require.Regexp(t, addrLine, s.addr)
	return s
}

// signal sends sig to the server and returns its exit status.
func (s *binaryServer) signal(t *testing.T, sig syscall.Signal) int {
	t.Helper()
	require.NoError(t, s.cmd.Process.Signal(sig))
	var rest []string
	for l := range s.stdout { // until EOF: the process has exited
		rest = append(rest, l)
	}
	assert.Empty(t, rest, "nothing but the address on standard output")
	err := s.cmd.Wait()
	if err != nil {
		var ee *exec.ExitError
		require.ErrorAs(t, err, &ee)
	}
	return s.cmd.ProcessState.ExitCode()
}

// TestServerBinary runs the built binary: the other verbs use it, a signal
// stops it with status 0, and a restart on the same data directory has
// the nodes.
func TestServerBinary(t *testing.T) {
	t.Parallel()
	for _, sig := range []syscall.Signal{syscall.SIGTERM, syscall.SIGINT} {
		t.Run(sig.String(), func(t *testing.T) {
			t.Parallel()
			dir := filepath.Join(t.TempDir(), "data")
			srv := startBinary(t, "--listen", "127.0.0.1:0", "--data", dir)

			code, stdout, stderr := execCLI(t, srv.addr, "", "create", "/keep", "kept")
			require.Equal(t, exitOK, code, stderr)
			assert.Equal(t, "/keep\n", stdout)
			code, stdout, stderr = execCLI(t, srv.addr, "", "create", "/gone")
			require.Equal(t, exitOK, code, stderr)
			assert.Equal(t, "/gone\n", stdout)
			code, stdout, stderr = execCLI(t, srv.addr, "", "get", "/keep")
			require.Equal(t, exitOK, code, stderr)
			assert.Equal(t, "kept", stdout)
			code, stdout, stderr = execCLI(t, srv.addr, "", "ls", "/")
			require.Equal(t, exitOK, code, stderr)
			assert.Equal(t, "gone\nkeep\nzookeeper\n", stdout)
			code, _, stderr = execCLI(t, srv.addr, "", "rm", "/gone")
			require.Equal(t, exitOK, code, stderr)

			require.Equal(t, exitOK, srv.signal(t, sig), "stderr:\n%s", srv.stderr)
			logs := srv.stderr.String()
			requireLogged(t, logs, "starting", "data="+dir, "tick=2s")
			assert.Contains(t, logs, " server="+srv.addr+"\n", "a line with the address")
			requireLogged(t, logs, "shutting down", "reason=")
			requireLogged(t, logs, "stopped")

			again := startBinary(t, "--listen", "127.0.0.1:0", "--data", dir)
			code, stdout, stderr = execCLI(t, again.addr, "", "ls", "/")
			require.Equal(t, exitOK, code, stderr)
			assert.Equal(t, "keep\nzookeeper\n", stdout)
			code, stdout, stderr = execCLI(t, again.addr, "", "get", "/keep")
			require.Equal(t, exitOK, code, stderr)
			assert.Equal(t, "kept", stdout)
			require.Equal(t, exitOK, again.signal(t, syscall.SIGTERM), "stderr:\n%s", again.stderr)
		})
	}
}

// TestServerBinaryUsage: bad flags exit with status 2 before any server
// starts, and nothing is created.
func TestServerBinaryUsage(t *testing.T) {
	t.Parallel()
	dir := filepath.Join(t.TempDir(), "data")
	code, stdout, stderr := execCLI(t, "", "", "server", "--data", dir, "--memory")
	assert.Equal(t, exitUsage, code)
	assert.Empty(t, stdout)
	assert.True(t, strings.HasPrefix(stderr, "coordkit: server: --data and --memory cannot be combined\n"), stderr)
	_, err := os.Stat(dir)
	assert.ErrorIs(t, err, os.ErrNotExist)
}

// TestServerDataNotDir: --data naming a file is an operation error.
func TestServerDataNotDir(t *testing.T) {
	t.Parallel()
	file := filepath.Join(t.TempDir(), "file")
	require.NoError(t, os.WriteFile(file, []byte("x"), 0o600))
	code, stdout, stderr := runCLI(t, t.Context(), "", "", "server", "--listen", "127.0.0.1:0", "--data", file)
	assert.Equal(t, exitError, code)
	assert.Empty(t, stdout)
	assert.Equal(t, "coordkit: server: mkdir "+file+": not a directory\n", stderr)
}
