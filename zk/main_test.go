package zk_test

import (
	"fmt"
	"os"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/coordkit/coordkit/zk/zktest"
)

// servers are the servers shared by the tests of this package, one per
// backend (the embedded server and a real Apache ZooKeeper), each started
// by the first test that uses it. Tests that run on them run once per
// backend (servers.Each).
var servers zktest.Servers

func TestMain(m *testing.M) {
	code := m.Run()
	servers.Close()
	if code == 0 {
		if err := checkLeaks(5 * time.Second); err != nil {
			fmt.Fprintln(os.Stderr, err)
			code = 1
		}
	}
	os.Exit(code)
}

// checkLeaks polls until no goroutine started by package zk, or by a
// closed embedded server, is left, or fails after timeout with their stacks.
func checkLeaks(timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	for wait := time.Millisecond; ; wait = min(2*wait, 100*time.Millisecond) {
		leaked := append(zkGoroutines(), serverGoroutines()...)
		if len(leaked) == 0 {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("leaked %d goroutines:\n\n%s", len(leaked), strings.Join(leaked, "\n\n"))
		}
		time.Sleep(wait)
	}
}

// zkGoroutines returns the stacks of goroutines running code of package zk
// (not its tests).
func zkGoroutines() []string {
	var out []string
	for _, g := range goroutines() {
		if strings.Contains(g, "coordkit/coordkit/zk.") && !strings.Contains(g, "zk_test.") &&
			!strings.Contains(g, "testing.tRunner") {
			out = append(out, g)
		}
	}
	return out
}

// serverGoroutines returns the stacks of goroutines running code of the
// embedded server (package zkserver and its internal packages).
func serverGoroutines() []string {
	var out []string
	for _, g := range goroutines() {
		if strings.Contains(g, "coordkit/coordkit/zkserver") {
			out = append(out, g)
		}
	}
	return out
}

// goroutines returns the stack of every goroutine.
func goroutines() []string {
	buf := make([]byte, 1<<20)
	for {
		n := runtime.Stack(buf, true)
		if n < len(buf) {
			buf = buf[:n]
			break
		}
		buf = make([]byte, 2*len(buf))
	}
	return strings.Split(string(buf), "\n\n")
}
