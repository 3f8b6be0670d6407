package zktest

import (
	"bytes"
	"context"
	"runtime"
	"strings"
	"time"
)

// LeakedGoroutines waits, for at most timeout, until no goroutine runs code
// whose stack names one of the given package prefixes (for example
// "github.com/coordkit/coordkit/zk." or ".../zkserver"), and returns the
// stacks of those still running then, "" if none. The calling goroutine is
// not counted. A TestMain calls it after every test and Close to catch
// goroutines a client, a server or a recipe left behind.
func LeakedGoroutines(timeout time.Duration, prefixes ...string) string {
	var found string
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	_ = WaitUntil(ctx, func() bool {
		buf := make([]byte, 1<<20)
		for {
			n := runtime.Stack(buf, true)
			if n < len(buf) {
				buf = buf[:n]
				break
			}
			buf = make([]byte, 2*len(buf))
		}
		var leaked []string
		for _, g := range bytes.Split(buf, []byte("\n\n")) {
			if bytes.Contains(g, []byte("zktest.LeakedGoroutines")) {
				continue
			}
			for _, p := range prefixes {
				if bytes.Contains(g, []byte(p)) {
					leaked = append(leaked, string(g))
					break
				}
			}
		}
		found = strings.Join(leaked, "\n\n")
		return len(leaked) == 0
	})
	return found
}
