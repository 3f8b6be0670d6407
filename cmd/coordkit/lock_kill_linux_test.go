package main

import (
	"os"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/coordkit/coordkit/zk/zktest"
)

// TestLockCommandDiesWithCoordkit: when coordkit itself is killed (kill -9,
// so it cannot stop the command), the kernel kills the command too: it
// must not run on without the lock, whose session is now unattended.
func TestLockCommandDiesWithCoordkit(t *testing.T) {
	t.Parallel()
	ns := newNamespace(t)
	cmd := exec.Command(coordkitBin(t), "--servers", ns.servers, "lock", "/l", "--", "sh", "-c", `echo $$; exec sleep 60`)
	stdout, err := cmd.StdoutPipe()
	require.NoError(t, err)
	require.NoError(t, cmd.Start())
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	out := readLines(stdout)

	var pid int
	select {
	case line := <-out:
		pid, err = strconv.Atoi(strings.TrimSpace(line))
		require.NoError(t, err, "first line %q", line)
	case <-time.After(30 * time.Second):
		t.Fatal("the command did not start")
	}
	require.True(t, running(pid), "the command runs while coordkit holds the lock")

	require.NoError(t, cmd.Process.Kill())
	_ = cmd.Wait()
	zktest.Eventually(t, func() bool { return !running(pid) }, 10*time.Second,
		"the command (pid %d) still runs after coordkit was killed", pid)
}

// running reports whether pid is a live process (a zombie is not).
func running(pid int) bool {
	if syscall.Kill(pid, 0) != nil {
		return false
	}
	stat, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return false
	}
	// The state follows the command name, which is in parentheses.
	_, rest, ok := strings.Cut(string(stat), ") ")
	return ok && !strings.HasPrefix(rest, "Z")
}
