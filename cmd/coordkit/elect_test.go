package main

import (
	"context"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/coordkit/coordkit/zk"
	"github.com/coordkit/coordkit/zk/zktest"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// inProcessCLI is coordkit run by run in a goroutine, until its context is
// cancelled (as SIGINT does).
type inProcessCLI struct {
	stdout, stderr *lineWriter
	cancel         context.CancelFunc
	code           chan int
}

func startCLI(t *testing.T, servers string, args ...string) *inProcessCLI {
	t.Helper()
	ctx, cancel := context.WithCancel(t.Context())
	c := &inProcessCLI{stdout: newLineWriter(), stderr: newLineWriter(), cancel: cancel, code: make(chan int, 1)}
	go func() {
		c.code <- run(ctx, args, strings.NewReader(""), c.stdout, c.stderr, func(string) string { return servers })
	}()
	t.Cleanup(cancel)
	return c
}

// wait returns the exit status, which must come within lineTimeout.
func (c *inProcessCLI) wait(t *testing.T) int {
	t.Helper()
	select {
	case code := <-c.code:
		return code
	case <-time.After(lineTimeout):
		t.Fatal("coordkit did not exit")
		return -1
	}
}

// leaderTerm parses a "leader TERM VALUE" line and checks its value.
func leaderTerm(t *testing.T, line, value string) int64 {
	t.Helper()
	f := strings.SplitN(line, " ", 3)
	require.Len(t, f, 3, line)
	require.Equal(t, "leader", f[0], line)
	assert.Equal(t, value, f[2], line)
	term, err := strconv.ParseInt(f[1], 10, 64)
	require.NoError(t, err, line)
	return term
}

// nextLine returns the next line from ch, within lineTimeout.
func nextLine(t *testing.T, ch <-chan string) string {
	t.Helper()
	select {
	case l, ok := <-ch:
		require.True(t, ok, "output ended")
		return l
	case <-time.After(lineTimeout):
		t.Fatalf("no line within %v", lineTimeout)
		return ""
	}
}

// TestElectInProcess campaigns with two candidates while a listener
// follows: the second takes over when the first is interrupted.
func TestElectInProcess(t *testing.T) {
	t.Parallel()
	ns := newNamespace(t)
	listen := startCLI(t, ns.servers, "elect", "--listen", "/e")
	expectLines(t, listen.stdout.lines, "none")

	a := startCLI(t, ns.servers, "elect", "/e", "host-a:1")
	expectLines(t, a.stderr.lines, "coordkit: campaigning in /e; interrupt to stop")
	termA := leaderTerm(t, nextLine(t, a.stdout.lines), "host-a:1")
	assert.Equal(t, termA, leaderTerm(t, nextLine(t, listen.stdout.lines), "host-a:1"))

	b := startCLI(t, ns.servers, "elect", "/e", "host b")
	expectLines(t, b.stderr.lines, "coordkit: campaigning in /e; interrupt to stop")
	candidates := func() int { return len(lockNodes(t, ns.conn, "/e")) }
	zktest.Eventually(t, func() bool { return candidates() == 2 }, lineTimeout, "the second candidate's node")
	assert.Empty(t, b.stdout.lines, "b is not leader while a is")

	a.cancel()
	assert.Equal(t, exitOK, a.wait(t))
	termB := leaderTerm(t, nextLine(t, b.stdout.lines), "host b")
	assert.Greater(t, termB, termA)
	assert.Equal(t, termB, leaderTerm(t, nextLine(t, listen.stdout.lines), "host b"))

	b.cancel()
	assert.Equal(t, exitOK, b.wait(t))
	expectLines(t, listen.stdout.lines, "none")
	assert.Equal(t, 0, candidates())

	listen.cancel()
	assert.Equal(t, exitOK, listen.wait(t))
	assert.Empty(t, listen.stderr.lines)
	assert.Empty(t, a.stderr.lines)
	assert.Empty(t, b.stderr.lines)
}

// TestElectInterruptedCampaign: a candidate interrupted before it leads
// exits 0 and leaves no node.
func TestElectInterruptedCampaign(t *testing.T) {
	t.Parallel()
	ns := newNamespace(t)
	a := startCLI(t, ns.servers, "elect", "/e", "a")
	leaderTerm(t, nextLine(t, a.stdout.lines), "a")
	b := startCLI(t, ns.servers, "elect", "/e", "b")
	zktest.Eventually(t, func() bool { return len(lockNodes(t, ns.conn, "/e")) == 2 }, lineTimeout, "the second candidate's node")
	b.cancel()
	assert.Equal(t, exitOK, b.wait(t))
	assert.Empty(t, b.stdout.lines)
	assert.Len(t, lockNodes(t, ns.conn, "/e"), 1)
	a.cancel()
	assert.Equal(t, exitOK, a.wait(t))
}

// TestElectLost deletes the leader's node: elect says why and exits 3.
func TestElectLost(t *testing.T) {
	t.Parallel()
	ns := newNamespace(t)
	a := startCLI(t, ns.servers, "elect", "/e", "a")
	leaderTerm(t, nextLine(t, a.stdout.lines), "a")
	nodes := lockNodes(t, ns.conn, "/e")
	require.Len(t, nodes, 1)
	require.NoError(t, ns.conn.Delete(t.Context(), "/e/"+nodes[0], zk.AnyVersion))
	assert.Equal(t, exitLost, a.wait(t))
	expectLines(t, a.stderr.lines, "coordkit: campaigning in /e; interrupt to stop",
		"coordkit: elect /e: leadership lost (its node was deleted)")
}

func TestElectUsage(t *testing.T) {
	const synopsis = "usage: coordkit elect [--listen] PATH [VALUE]\nRun \"coordkit help elect\" for details.\n"
	tests := []struct {
		name string
		args []string
		msg  string
	}{
		{"no value", []string{"elect", "/e"}, "coordkit: elect: missing VALUE"},
		{"listen with value", []string{"elect", "--listen", "/e", "v"}, "coordkit: elect: --listen takes no VALUE"},
		{"no path", []string{"elect"}, "coordkit: elect: missing PATH"},
		{"extra", []string{"elect", "/e", "v", "w"}, `coordkit: elect: unexpected argument "w"`},
		{"bad path", []string{"elect", "e", "v"}, `coordkit: elect: invalid path "e": path must start with /`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, stdout, stderr := runCLI(t, t.Context(), "127.0.0.1:1", "", tt.args...)
			assert.Equal(t, exitUsage, code)
			assert.Empty(t, stdout)
			assert.Equal(t, tt.msg+"\n"+synopsis, stderr)
		})
	}
}

func TestShowValue(t *testing.T) {
	tests := []struct{ in, want string }{
		{"host-a:8080", "host-a:8080"},
		{"with space", "with space"},
		{"", `""`},
		{`"q"`, `"\"q\""`},
		{"a\nb", `"a\nb"`},
		{"\xff", `"\xff"`},
		{"héllo", "héllo"},
	}
	for _, tt := range tests {
		assert.Equal(t, tt.want, showValue([]byte(tt.in)), "%q", tt.in)
	}
}

// TestElectBinary: SIGTERM or SIGINT to the leading coordkit binary
// resigns, exits 0, and the waiting candidate takes over.
func TestElectBinary(t *testing.T) {
	t.Parallel()
	for _, sig := range []syscall.Signal{syscall.SIGINT, syscall.SIGTERM} {
		t.Run(sig.String(), func(t *testing.T) {
			t.Parallel()
			ns := newNamespace(t)
			start := func(value string) (*exec.Cmd, <-chan string, <-chan string) {
				cmd := exec.Command(coordkitBin(t), "--servers", ns.servers, "elect", "/e", value)
				stdout, err := cmd.StdoutPipe()
				require.NoError(t, err)
				stderr, err := cmd.StderrPipe()
				require.NoError(t, err)
				require.NoError(t, cmd.Start())
				t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
				return cmd, readLines(stdout), readLines(stderr)
			}
			a, aOut, aErr := start("a")
			termA := leaderTerm(t, nextLine(t, aOut), "a")
			b, bOut, bErr := start("b")
			zktest.Eventually(t, func() bool { return len(lockNodes(t, ns.conn, "/e")) == 2 }, lineTimeout, "the second candidate's node")

			require.NoError(t, a.Process.Signal(sig))
			assert.Equal(t, exitOK, waitExit(t, a, aOut, aErr))
			assert.Greater(t, leaderTerm(t, nextLine(t, bOut), "b"), termA)
			require.NoError(t, b.Process.Signal(sig))
			assert.Equal(t, exitOK, waitExit(t, b, bOut, bErr))
			assert.Empty(t, lockNodes(t, ns.conn, "/e"))
		})
	}
}
