package zktest

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"
)

// Polling intervals: the first retry comes quickly, later ones back off.
const (
	pollMin = 5 * time.Millisecond
	pollMax = 100 * time.Millisecond
)

// errAborted is returned by poll when its abort channel closes first.
var errAborted = errors.New("zktest: wait aborted")

// Eventually calls cond until it returns true, polling at a short interval
// that grows from 5 ms to 100 ms, and fails the test (t.Fatalf, from the
// test's goroutine only) if it has not within timeout. msgAndArgs, if any, is
// a format string and its arguments describing what was awaited. cond runs on
// the caller's goroutine; it must not block for long.
func Eventually(t testing.TB, cond func() bool, timeout time.Duration, msgAndArgs ...any) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	if err := WaitUntil(ctx, cond); err != nil {
		t.Fatalf("zktest: condition not met within %v%s", timeout, describe(msgAndArgs))
	}
}

// WaitUntil calls cond until it returns true, polling at a short interval
// that grows from 5 ms to 100 ms. It returns nil once cond is true, or
// ctx.Err() if ctx ends first (cond is always called at least once).
func WaitUntil(ctx context.Context, cond func() bool) error {
	return poll(ctx, nil, cond)
}

// poll is WaitUntil that also gives up, with errAborted, when abort closes.
func poll(ctx context.Context, abort <-chan struct{}, cond func() bool) error {
	interval := pollMin
	t := time.NewTimer(interval)
	defer t.Stop()
	for {
		if cond() {
			return nil
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-abort:
			return errAborted
		case <-t.C:
		}
		interval = min(interval*2, pollMax)
		t.Reset(interval)
	}
}

func describe(msgAndArgs []any) string {
	if len(msgAndArgs) == 0 {
		return ""
	}
	if format, ok := msgAndArgs[0].(string); ok {
		return ": " + fmt.Sprintf(format, msgAndArgs[1:]...)
	}
	return ": " + fmt.Sprint(msgAndArgs...)
}
