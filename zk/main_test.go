package zk_test

import (
	"context"
	"fmt"
	"os"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/coordkit/coordkit/zk/zktest"
)

// server is the standalone ZooKeeper shared by the tests of this package.
var server *zktest.ZooKeeper

func TestMain(m *testing.M) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	srv, err := zktest.Start(ctx)
	cancel()
	if err != nil {
		fmt.Fprintln(os.Stderr, "zk tests: cannot start ZooKeeper:", err)
		os.Exit(1)
	}
	server = srv
	code := m.Run()
	srv.Close()
	if code == 0 {
		if err := checkLeaks(5 * time.Second); err != nil {
			fmt.Fprintln(os.Stderr, err)
			code = 1
		}
	}
	os.Exit(code)
}

// checkLeaks polls until no goroutine started by package zk is left, or
// fails after timeout with their stacks.
func checkLeaks(timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	for wait := time.Millisecond; ; wait = min(2*wait, 100*time.Millisecond) {
		leaked := zkGoroutines()
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
	buf := make([]byte, 1<<20)
	for {
		n := runtime.Stack(buf, true)
		if n < len(buf) {
			buf = buf[:n]
			break
		}
		buf = make([]byte, 2*len(buf))
	}
	var out []string
	for _, g := range strings.Split(string(buf), "\n\n") {
		if strings.Contains(g, "coordkit/coordkit/zk.") && !strings.Contains(g, "zk_test.") &&
			!strings.Contains(g, "testing.tRunner") {
			out = append(out, g)
		}
	}
	return out
}
