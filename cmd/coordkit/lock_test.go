package main

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/coordkit/coordkit/recipes/lock"
	"github.com/coordkit/coordkit/zk"
	"github.com/coordkit/coordkit/zk/zktest"
	"github.com/coordkit/coordkit/zkserver"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// lockNodes returns the children of the lock directory path, none if it
// is gone (a container, deleted once empty).
func lockNodes(t *testing.T, conn *zk.Conn, path string) []string {
	t.Helper()
	children, _, err := conn.Children(t.Context(), path)
	if errors.Is(err, zk.ErrNoNode) {
		return nil
	}
	require.NoError(t, err)
	return children
}

func TestLockRunsCommand(t *testing.T) {
	t.Parallel()
	ns := newNamespace(t)
	code, stdout, stderr := ns.cli(t, "in\n", "lock", "/l", "--",
		"sh", "-c", `read -r line; echo "$line $COORDKIT_LOCK_PATH $COORDKIT_FENCING_TOKEN $#"; echo oops >&2; exit 7`, "sh", "a", "b")
	assert.Equal(t, 7, code)
	assert.Equal(t, "oops\n", stderr, "CMD's standard error, nothing of coordkit")
	f := strings.Fields(stdout)
	require.Len(t, f, 4, stdout)
	assert.Equal(t, []string{"in", "/l", "2"}, []string{f[0], f[1], f[3]})
	token, err := strconv.ParseInt(f[2], 10, 64)
	require.NoError(t, err)
	assert.Positive(t, token)
	assert.Empty(t, lockNodes(t, ns.conn, "/l"), "the lock is released")

	// A later holder has a larger token; status 0 is passed through too.
	code, stdout, stderr = ns.cli(t, "", "lock", "/l", "--", "sh", "-c", `echo $COORDKIT_FENCING_TOKEN`)
	require.Equal(t, exitOK, code, stderr)
	next, err := strconv.ParseInt(strings.TrimSpace(stdout), 10, 64)
	require.NoError(t, err)
	assert.Greater(t, next, token)

	// A status from a signal, as a shell reports it.
	code, _, _ = ns.cli(t, "", "lock", "/l", "--", "sh", "-c", `kill -KILL $$`)
	assert.Equal(t, 128+int(syscall.SIGKILL), code)
	assert.Empty(t, lockNodes(t, ns.conn, "/l"))
}

func TestLockCannotStart(t *testing.T) {
	t.Parallel()
	ns := newNamespace(t)
	code, _, stderr := ns.cli(t, "", "lock", "/l", "--", "coordkit-no-such-command")
	assert.Equal(t, exitNotFound, code)
	assert.True(t, strings.HasPrefix(stderr, "coordkit: lock /l: "), stderr)
	assert.Contains(t, stderr, "not found")

	code, _, stderr = ns.cli(t, "", "lock", "/l", "--", t.TempDir())
	assert.Equal(t, exitCannotRun, code, stderr)
	assert.Empty(t, lockNodes(t, ns.conn, "/l"))
}

func TestLockUsage(t *testing.T) {
	const synopsis = "usage: coordkit lock [--grace DUR] [--try] [--wait DUR] PATH CMD [ARGS...]\n" +
		"Run \"coordkit help lock\" for details.\n"
	tests := []struct {
		name string
		args []string
		msg  string
	}{
		{"no command", []string{"lock", "/l"}, "coordkit: lock: missing CMD"},
		{"no path", []string{"lock"}, "coordkit: lock: missing PATH"},
		{"try and wait", []string{"lock", "--try", "--wait", "1s", "/l", "true"}, "coordkit: lock: --try and --wait cannot be combined"},
		{"negative wait", []string{"lock", "--wait=-1s", "/l", "true"}, "coordkit: lock: --wait must be positive, not -1s"},
		{"negative grace", []string{"lock", "--grace=-1s", "/l", "true"}, "coordkit: lock: --grace must not be negative, not -1s"},
		{"bad path", []string{"lock", "l", "true"}, `coordkit: lock: invalid path "l": path must start with /`},
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

// TestLockExcludes runs commands under the same lock at once: each writes
// "enter" and "exit" lines to a file around a sleep, which never overlap.
func TestLockExcludes(t *testing.T) {
	t.Parallel()
	ns := newNamespace(t)
	file := filepath.Join(t.TempDir(), "log")
	const n = 4
	var wg sync.WaitGroup
	codes := make([]int, n)
	errs := make([]string, n)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			codes[i], _, errs[i] = ns.cli(t, "", "lock", "/l", "--", "sh", "-c",
				`echo "enter $COORDKIT_FENCING_TOKEN" >>"$1"; sleep 0.2; echo "exit $COORDKIT_FENCING_TOKEN" >>"$1"`, "sh", file)
		}()
	}
	wg.Wait()
	for i := range n {
		assert.Equal(t, exitOK, codes[i], errs[i])
	}
	data, err := os.ReadFile(file)
	require.NoError(t, err)
	lines := strings.Split(strings.TrimSpace(string(data)), "\n")
	require.Len(t, lines, 2*n, "%s", data)
	var last int64
	for i := 0; i < len(lines); i += 2 {
		enter, exit, _ := strings.Cut(lines[i], " ")
		assert.Equal(t, "enter", enter, "%s", data)
		assert.Equal(t, "exit "+exit, lines[i+1], "one holder at a time:\n%s", data)
		token, err := strconv.ParseInt(exit, 10, 64)
		require.NoError(t, err)
		assert.Greater(t, token, last, "tokens increase")
		last = token
	}
	assert.Empty(t, lockNodes(t, ns.conn, "/l"))
}

func TestLockBusy(t *testing.T) {
	t.Parallel()
	ns := newNamespace(t)
	m, err := lock.New(ns.conn, "/l")
	require.NoError(t, err)
	h, err := m.Lock(t.Context())
	require.NoError(t, err)
	marker := filepath.Join(t.TempDir(), "ran")

	tests := []struct {
		name string
		args []string
		msg  string
	}{
		{"try", []string{"--try"}, "coordkit: lock /l: held by another process\n"},
		{"wait", []string{"--wait", "300ms"}, "coordkit: lock /l: not acquired within 300ms\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			args := append(append([]string{"lock"}, tt.args...), "/l", "--", "touch", marker)
			code, stdout, stderr := ns.cli(t, "", args...)
			assert.Equal(t, exitError, code)
			assert.Empty(t, stdout)
			assert.Equal(t, tt.msg, stderr)
			assert.NoFileExists(t, marker, "CMD did not run")
		})
	}
	assert.Len(t, lockNodes(t, ns.conn, "/l"), 1, "only the holder's node is left")

	require.NoError(t, h.Unlock(t.Context()))
	code, _, stderr := ns.cli(t, "", "lock", "--try", "/l", "--", "touch", marker)
	assert.Equal(t, exitOK, code, stderr)
	assert.FileExists(t, marker)
}

// TestLockLost loses the lock while the command runs, by deleting the lock
// node or expiring the session: the command gets SIGTERM, or SIGKILL after
// the grace if it ignores SIGTERM, and coordkit exits with status 3.
func TestLockLost(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		script  string
		expire  bool // expire the session rather than delete the node
		minTime time.Duration
	}{
		{"node deleted, SIGTERM", `echo started; exec sleep 60`, false, 0},
		{"session expired, SIGTERM", `echo started; exec sleep 60`, true, 0},
		{"node deleted, SIGKILL", `trap "" TERM; echo started; while :; do sleep 0.05; done`, false, 500 * time.Millisecond},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			srv := embedded(t)
			ns := newNamespaceOn(t, srv.Addr())
			stdout, stderr := newLineWriter(), newLineWriter()
			code := make(chan int, 1)
			go func() {
				code <- run(t.Context(), []string{"lock", "--grace", "500ms", "/l", "--", "sh", "-c", tt.script},
					strings.NewReader(""), stdout, stderr, func(string) string { return ns.servers })
			}()
			expectLines(t, stdout.lines, "started")
			nodes := lockNodes(t, ns.conn, "/l")
			require.Len(t, nodes, 1)
			start := time.Now()
			if tt.expire {
				expireOwner(t, srv, ns.root+"/l/"+nodes[0])
			} else {
				require.NoError(t, ns.conn.Delete(t.Context(), "/l/"+nodes[0], zk.AnyVersion))
			}
			select {
			case c := <-code:
				assert.Equal(t, exitLost, c)
			case <-time.After(lineTimeout):
				t.Fatal("lock did not end when the lock was lost")
			}
			took := time.Since(start)
			assert.GreaterOrEqual(t, took, tt.minTime)
			assert.Less(t, took, 10*time.Second)

			var lines []string
			for len(stderr.lines) > 0 {
				lines = append(lines, <-stderr.lines)
			}
			require.Len(t, lines, 2, "stderr %q", lines)
			assert.Regexp(t, `^coordkit: lock /l: lock lost \(.+\); sending SIGTERM to sh, SIGKILL after 500ms$`, lines[0])
			assert.Regexp(t, `^coordkit: lock /l: lost the lock \(.+\) while sh ran; it was stopped$`, lines[1])
			if !tt.expire {
				assert.Contains(t, lines[1], "(its node was deleted)")
			}
			assert.Empty(t, lockNodes(t, ns.conn, "/l"))
		})
	}
}

// expireOwner expires the session that owns the ephemeral node at path
// (a path on the server, without chroot).
func expireOwner(t *testing.T, srv *zkserver.Server, path string) {
	t.Helper()
	for _, s := range srv.Sessions() {
		for _, e := range srv.Ephemerals(s.ID) {
			if e == path {
				require.NoError(t, srv.ExpireSession(s.ID))
				return
			}
		}
	}
	t.Fatalf("no session owns %s", path)
}

// TestLockBinarySignals sends SIGINT or SIGTERM to the coordkit binary
// while its command runs: the command gets the same signal, coordkit exits
// with its status and releases the lock.
func TestLockBinarySignals(t *testing.T) {
	t.Parallel()
	for _, sig := range []syscall.Signal{syscall.SIGINT, syscall.SIGTERM} {
		t.Run(sig.String(), func(t *testing.T) {
			t.Parallel()
			ns := newNamespace(t)
			cmd := exec.Command(coordkitBin(t), "--servers", ns.servers, "lock", "/l", "--", "sh", "-c",
				`trap "echo got INT; exit 5" INT; trap "echo got TERM; exit 6" TERM; echo started; while :; do sleep 0.05; done`)
			stdout, err := cmd.StdoutPipe()
			require.NoError(t, err)
			stderr, err := cmd.StderrPipe()
			require.NoError(t, err)
			require.NoError(t, cmd.Start())
			t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
			out, errs := readLines(stdout), readLines(stderr)
			expectLines(t, out, "started")

			require.NoError(t, cmd.Process.Signal(sig))
			want, status := "got TERM", 6
			if sig == syscall.SIGINT {
				want, status = "got INT", 5
			}
			expectLines(t, out, want)
			assert.Equal(t, status, waitExit(t, cmd, out, errs))
			assert.Empty(t, lockNodes(t, ns.conn, "/l"))
		})
	}
}

// TestLockBinarySecondSignal: a command that ignores the first signal is
// killed by the second at once, well before the grace.
func TestLockBinarySecondSignal(t *testing.T) {
	t.Parallel()
	ns := newNamespace(t)
	cmd := exec.Command(coordkitBin(t), "--servers", ns.servers, "lock", "--grace", "1m", "/l", "--", "sh", "-c",
		`trap "echo ignored" TERM; echo started; while :; do sleep 0.05; done`)
	stdout, err := cmd.StdoutPipe()
	require.NoError(t, err)
	require.NoError(t, cmd.Start())
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	out := readLines(stdout)
	expectLines(t, out, "started")
	require.NoError(t, cmd.Process.Signal(syscall.SIGTERM))
	expectLines(t, out, "ignored")
	start := time.Now()
	require.NoError(t, cmd.Process.Signal(syscall.SIGTERM))
	assert.Equal(t, 128+int(syscall.SIGKILL), waitExit(t, cmd, out))
	assert.Less(t, time.Since(start), 10*time.Second)
	assert.Empty(t, lockNodes(t, ns.conn, "/l"))
}

// TestLockInterruptedWaiting: interrupted while waiting, lock leaves no
// node behind and does not run the command.
func TestLockInterruptedWaiting(t *testing.T) {
	t.Parallel()
	ns := newNamespace(t)
	m, err := lock.New(ns.conn, "/l")
	require.NoError(t, err)
	h, err := m.Lock(t.Context())
	require.NoError(t, err)
	defer func() { _ = h.Unlock(context.WithoutCancel(t.Context())) }()

	ctx, cancel := context.WithCancel(t.Context())
	code := make(chan int, 1)
	var stderr syncBuffer
	go func() {
		code <- run(ctx, []string{"lock", "/l", "--", "true"}, strings.NewReader(""), &syncBuffer{}, &stderr,
			func(string) string { return ns.servers })
	}()
	zktest.Eventually(t, func() bool { return len(lockNodes(t, ns.conn, "/l")) == 2 }, lineTimeout, "the waiter's node")
	cancel()
	assert.Equal(t, exitError, <-code)
	assert.Equal(t, "coordkit: lock /l: interrupted while waiting for the lock\n", stderr.String())
	assert.Len(t, lockNodes(t, ns.conn, "/l"), 1)
}
