package store

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// killChildEnv, when set, makes TestKillDurability the child: it names the
// data file to write.
const killChildEnv = "COORDKIT_STORE_KILL_CHILD"

// killBatch is batch z of the kill test: it adds a node, overwrites
// /last, deletes the previous node every third zxid, and puts or deletes
// one of seven sessions.
func killBatch(z int64) Batch {
	b := Batch{Zxid: z, Nodes: []KV{
		{Key: fmt.Sprintf("/n/%08d", z), Value: []byte("v" + strconv.FormatInt(z, 10))},
		{Key: "/last", Value: []byte(strconv.FormatInt(z, 10))},
	}}
	if z%3 == 0 {
		b.Nodes = append(b.Nodes, KV{Key: fmt.Sprintf("/n/%08d", z-1)})
	}
	session := KV{Key: fmt.Sprintf("%016x", z%7)}
	if z%5 != 0 {
		session.Value = []byte(strconv.FormatInt(z, 10))
	}
	b.Sessions = []KV{session}
	return b
}

// TestKillDurability runs a child that appends batches in a loop and
// prints each zxid once Wait says it is durable, kills it with SIGKILL
// after a few hundred, and checks that the file holds every batch up to
// its stored zxid, which is at least the last one printed.
func TestKillDurability(t *testing.T) {
	if path := os.Getenv(killChildEnv); path != "" {
		killChild(path)
		return
	}
	path := filepath.Join(t.TempDir(), "kill.db")
	cmd := exec.Command(os.Args[0], "-test.run=^TestKillDurability$", "-test.count=1")
	cmd.Env = append(os.Environ(), killChildEnv+"="+path)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	stdout, err := cmd.StdoutPipe()
	require.NoError(t, err)
	require.NoError(t, cmd.Start())

	// The reader hands the parent the zxids printed until stop, then keeps
	// reading to the end and reports the highest zxid the child printed.
	const want = 300
	told := make(chan int64)
	stop := make(chan struct{})
	last := make(chan int64, 1)
	go func() {
		var highest int64
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			z, ok := strings.CutPrefix(sc.Text(), "durable ")
			if !ok {
				continue
			}
			n, err := strconv.ParseInt(z, 10, 64)
			if err != nil {
				continue
			}
			highest = max(highest, n)
			select {
			case told <- n:
			case <-stop:
			}
		}
		last <- highest
	}()
	killed := false
	defer func() {
		if !killed { // a failed require below: do not leave the child running
			close(stop)
			_ = cmd.Process.Kill()
			<-last
			_ = cmd.Wait()
		}
	}()
	timeout := time.After(2 * time.Minute)
	for n := int64(1); n <= want; n++ {
		select {
		case z := <-told:
			require.Equal(t, n, z)
		case <-timeout:
			require.FailNow(t, "the child stopped reporting", "after %d zxids; stderr:\n%s", n-1, stderr.String())
		}
		if n == want/2 {
			_, err := Open(path, WithLockTimeout(100*time.Millisecond))
			assert.ErrorIs(t, err, ErrLocked, "a live process holds the file")
		}
	}
	killed = true
	close(stop)
	killErr := cmd.Process.Kill() // SIGKILL, to the child's pid only
	printed := <-last             // stdout ends when the child is gone
	waitErr := cmd.Wait()
	require.NoError(t, killErr, "SIGKILL the child (pid %d)", cmd.Process.Pid)
	require.Error(t, waitErr)
	status, ok := cmd.ProcessState.Sys().(syscall.WaitStatus)
	require.True(t, ok)
	require.True(t, status.Signaled() && status.Signal() == syscall.SIGKILL,
		"the child died of SIGKILL, not %v; stderr:\n%s", waitErr, stderr.String())

	s := openAt(t, path)
	got, err := s.Load()
	require.NoError(t, err)
	require.GreaterOrEqual(t, got.Zxid, printed, "every zxid the child called durable is stored")
	wantState := newModel()
	for z := int64(1); z <= got.Zxid; z++ {
		wantState.apply(killBatch(z))
	}
	assert.Equal(t, wantState.state(), got, "the file holds exactly batches 1..%d", got.Zxid)
	t.Logf("child printed %d durable zxids; the file holds %d", printed, got.Zxid)
}

// killChild is the child process of TestKillDurability: it never returns.
func killChild(path string) {
	s, err := Open(path)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	ctx := context.Background()
	go func() {
		for z := int64(1); ; z++ {
			if z > 256 { // stay a bounded distance ahead of the disk
				if err := s.Wait(ctx, z-256); err != nil {
					return
				}
			}
			s.Append(killBatch(z))
		}
	}()
	for z := int64(1); ; z++ {
		if err := s.Wait(ctx, z); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(2)
		}
		fmt.Printf("durable %d\n", z)
	}
}
