package recipetest

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/coordkit/coordkit/zk"
)

// Holding is what every grant of a recipe has: a lock's Hold, a Lease, a
// Leadership.
type Holding interface {
	Lost() <-chan struct{}
	Err() error
}

// RequireLost waits until h's Lost channel is closed, failing the test
// after EventTimeout.
func RequireLost(t testing.TB, h Holding, what string) {
	t.Helper()
	select {
	case <-h.Lost():
	case <-time.After(EventTimeout):
		require.FailNow(t, "not lost", "%s: Lost still open after %v", what, EventTimeout)
	}
}

// RequireHeld checks that h's Lost channel is still open.
func RequireHeld(t testing.TB, h Holding, what string) {
	t.Helper()
	select {
	case <-h.Lost():
		require.FailNow(t, "lost", "%s: %v", what, h.Err())
	default:
	}
}

// WaitState waits for the next state event of type typ on ch, skipping
// events of other types, and fails the test after EventTimeout.
func WaitState(t testing.TB, ch <-chan zk.StateEvent, typ zk.StateEventType) zk.StateEvent {
	t.Helper()
	timer := time.NewTimer(EventTimeout)
	defer timer.Stop()
	for {
		select {
		case ev, ok := <-ch:
			require.True(t, ok, "state events ended waiting for %v", typ)
			if ev.Type == typ {
				return ev
			}
		case <-timer.C:
			require.FailNow(t, "no state event", "no %v within %v", typ, EventTimeout)
		}
	}
}

// Result is what a call run by Go returned.
type Result[T any] struct {
	Value T
	Err   error
}

// Go runs fn(ctx) in a goroutine (a Lock, an Acquire, a Campaign) and
// returns where its result arrives. The channel has room for the result,
// so the goroutine ends even if nobody receives it.
func Go[T any](ctx context.Context, fn func(context.Context) (T, error)) <-chan Result[T] {
	ch := make(chan Result[T], 1)
	go func() {
		v, err := fn(ctx)
		ch <- Result[T]{v, err}
	}()
	return ch
}

// Receive waits for the result of a call run by Go, failing the test if it
// does not return within EventTimeout.
func Receive[T any](t testing.TB, ch <-chan Result[T], what string) Result[T] {
	t.Helper()
	select {
	case r := <-ch:
		return r
	case <-time.After(EventTimeout):
		require.FailNow(t, "did not return", "%s: no result within %v", what, EventTimeout)
		return Result[T]{}
	}
}

// Granted waits for the result of a call run by Go that must succeed, and
// returns its value.
func Granted[T any](t testing.TB, ch <-chan Result[T], what string) T {
	t.Helper()
	r := Receive(t, ch, what)
	require.NoError(t, r.Err, what)
	return r.Value
}

// RequirePending checks that the call run by Go has not returned.
func RequirePending[T any](t testing.TB, ch <-chan Result[T], what string) {
	t.Helper()
	select {
	case r := <-ch:
		require.FailNow(t, "returned too early", "%s: returned %v", what, r.Err)
	default:
	}
}
