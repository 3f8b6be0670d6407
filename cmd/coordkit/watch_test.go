package main

import (
	"bufio"
	"bytes"
	"context"
	"io"
	"os/exec"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/coordkit/coordkit/zk"
	"github.com/coordkit/coordkit/zk/zktest"
	"github.com/coordkit/coordkit/zkserver"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// lineTimeout bounds the wait for one line of coordkit's output.
const lineTimeout = 20 * time.Second

// lineWriter is an io.Writer, safe for concurrent use, that hands every
// complete line written to it to a channel.
type lineWriter struct {
	mu    sync.Mutex // guards part
	part  []byte
	lines chan string
}

func newLineWriter() *lineWriter { return &lineWriter{lines: make(chan string, 1000)} }

func (w *lineWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.part = append(w.part, p...)
	for {
		i := bytes.IndexByte(w.part, '\n')
		if i < 0 {
			return len(p), nil
		}
		w.lines <- string(w.part[:i])
		w.part = w.part[i+1:]
	}
}

// readLines returns a channel of the lines read from r, closed at EOF.
func readLines(r io.Reader) <-chan string {
	ch := make(chan string, 1000)
	go func() {
		defer close(ch)
		sc := bufio.NewScanner(r)
		for sc.Scan() {
			ch <- sc.Text()
		}
	}()
	return ch
}

// expectLines requires that the next lines from ch are want, in order.
func expectLines(t *testing.T, ch <-chan string, want ...string) {
	t.Helper()
	timer := time.NewTimer(lineTimeout)
	defer timer.Stop()
	for i, w := range want {
		select {
		case got, ok := <-ch:
			require.True(t, ok, "output ended before line %d %q", i, w)
			require.Equal(t, w, got, "line %d", i)
		case <-timer.C:
			t.Fatalf("no line %d (want %q) within %v", i, w, lineTimeout)
		}
	}
}

// changeTree makes the changes the watch tests expect events for.
func changeTree(t *testing.T, conn *zk.Conn) {
	t.Helper()
	ctx := t.Context()
	_, err := conn.Create(ctx, "/w", nil, zk.ModePersistent)
	require.NoError(t, err)
	_, err = conn.Set(ctx, "/w", []byte("1"), zk.AnyVersion)
	require.NoError(t, err)
	_, err = conn.Create(ctx, "/w/c", nil, zk.ModePersistent)
	require.NoError(t, err)
	_, err = conn.Set(ctx, "/w/c", []byte("2"), zk.AnyVersion)
	require.NoError(t, err)
	require.NoError(t, conn.Delete(ctx, "/w/c", zk.AnyVersion))
	require.NoError(t, conn.Delete(ctx, "/w", zk.AnyVersion))
}

func TestWatchInProcess(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		args []string
		want []string
	}{
		{
			name: "persistent",
			args: []string{"watch", "/w"},
			want: []string{"NodeCreated /w", "NodeDataChanged /w", "NodeChildrenChanged /w",
				"NodeChildrenChanged /w", "NodeDeleted /w"},
		},
		{
			name: "recursive",
			args: []string{"watch", "/w", "--recursive"},
			want: []string{"NodeCreated /w", "NodeDataChanged /w", "NodeCreated /w/c",
				"NodeDataChanged /w/c", "NodeDeleted /w/c", "NodeDeleted /w"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			ns := newNamespace(t)
			ctx, cancel := context.WithCancel(t.Context())
			defer cancel()
			stdout, stderr := newLineWriter(), newLineWriter()
			code := make(chan int, 1)
			go func() {
				code <- run(ctx, append([]string{"--timeout=10s"}, tt.args...), strings.NewReader(""),
					stdout, stderr, func(string) string { return ns.servers })
			}()
			what := "/w"
			if strings.Contains(tt.name, "recursive") {
				what = "/w and its descendants"
			}
			expectLines(t, stderr.lines, "coordkit: watching "+what+"; interrupt to stop")
			changeTree(t, ns.conn)
			expectLines(t, stdout.lines, tt.want...)

			cancel() // as SIGINT does
			select {
			case c := <-code:
				assert.Equal(t, exitOK, c)
			case <-time.After(lineTimeout):
				t.Fatal("watch did not end when its context was cancelled")
			}
			assert.Empty(t, stdout.lines, "no other output")
		})
	}
}

// startWatch runs the coordkit binary's watch verb and waits until it has
// set its watch. It returns the command and its standard output's lines.
func startWatch(t *testing.T, servers string, args ...string) (*exec.Cmd, <-chan string, <-chan string) {
	t.Helper()
	cmd := exec.Command(coordkitBin(t), append([]string{"--servers", servers, "watch"}, args...)...)
	stdout, err := cmd.StdoutPipe()
	require.NoError(t, err)
	stderr, err := cmd.StderrPipe()
	require.NoError(t, err)
	require.NoError(t, cmd.Start())
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	outLines, errLines := readLines(stdout), readLines(stderr)
	expectLines(t, errLines, "coordkit: watching "+strings.Join(args, " ")+"; interrupt to stop")
	return cmd, outLines, errLines
}

// waitExit waits for cmd after its output has been read to the end, and
// returns its exit status.
func waitExit(t *testing.T, cmd *exec.Cmd, lines ...<-chan string) int {
	t.Helper()
	for _, ch := range lines {
		for range ch { // drain to EOF, as cmd.Wait requires
		}
	}
	err := cmd.Wait()
	var ee *exec.ExitError
	if err != nil {
		require.ErrorAs(t, err, &ee)
	}
	return cmd.ProcessState.ExitCode()
}

func TestWatchBinary(t *testing.T) {
	t.Parallel()
	for _, sig := range []syscall.Signal{syscall.SIGINT, syscall.SIGTERM} {
		t.Run(sig.String(), func(t *testing.T) {
			t.Parallel()
			ns := newNamespace(t)
			cmd, out, errs := startWatch(t, ns.servers, "/w")
			changeTree(t, ns.conn)
			expectLines(t, out, "NodeCreated /w", "NodeDataChanged /w", "NodeChildrenChanged /w",
				"NodeChildrenChanged /w", "NodeDeleted /w")
			require.NoError(t, cmd.Process.Signal(sig))
			assert.Equal(t, exitOK, waitExit(t, cmd, out, errs))
		})
	}
}

// TestWatchSessionExpired cuts a watch off from its server until the
// server expires its session: when it reconnects it learns so, says so and
// exits with status 1.
func TestWatchSessionExpired(t *testing.T) {
	t.Parallel()
	srv := embedded(t, zkserver.WithSessionTimeouts(400*time.Millisecond, time.Second))
	proxy := zktest.NewProxy(t, srv.Addr())
	cmd, out, errs := startWatch(t, proxy.Addr(), "/w")

	sessions := srv.Sessions()
	require.Len(t, sessions, 1, "the watch's session")
	sid := sessions[0].ID

	proxy.Blackhole()
	zktest.Eventually(t, func() bool {
		return !slices.ContainsFunc(srv.Sessions(), func(s zkserver.Session) bool { return s.ID == sid })
	}, 30*time.Second, "session %#x expired by the server", sid)
	proxy.Pass()

	var lines []string
	for l := range errs {
		lines = append(lines, l)
	}
	assert.Equal(t, exitError, waitExit(t, cmd, out))
	require.NotEmpty(t, lines)
	assert.True(t, strings.HasPrefix(lines[0], "coordkit: disconnected from "), "stderr %q", lines)
	assert.Equal(t, "coordkit: watch /w: session expired", lines[len(lines)-1], "stderr %q", lines)
}
