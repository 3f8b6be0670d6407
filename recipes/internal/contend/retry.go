package contend

import (
	"context"
	"errors"
	"time"

	"github.com/coordkit/coordkit/zk"
)

// Bounds of the pause between attempts of a retry loop.
const (
	pauseMin = 10 * time.Millisecond
	pauseMax = 500 * time.Millisecond
)

// pauseFor returns the pause before attempt n+1: pauseMin doubling up to
// pauseMax.
func pauseFor(attempt int) time.Duration {
	d := pauseMin << min(attempt, 6)
	return min(d, pauseMax)
}

// Pause waits before the retry that follows attempt (counted from 0) of a
// retry loop: 10ms, doubling with each attempt up to 500ms, bounded by ctx
// and the session's end. It returns nil after the
// pause, ctx.Err() if ctx ends first, or conn.Err() if the session ends
// first.
func Pause(ctx context.Context, conn *zk.Conn, attempt int) error {
	t := time.NewTimer(pauseFor(attempt))
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	case <-conn.Done():
		return conn.Err()
	}
}

// SessionOver reports whether err says the session has ended (expired,
// closed, or a credential was rejected).
func SessionOver(err error) bool {
	return errors.Is(err, zk.ErrSessionExpired) || errors.Is(err, zk.ErrClosed) ||
		errors.Is(err, zk.ErrAuthFailed)
}

// ReadRetryable reports whether a read that failed with err may be sent
// again: it was lost or not sent, and the session lives on. Reads change
// nothing, so a lost one is as safe to repeat as one never sent. It says
// nothing of writes, whose lost requests may have been applied.
func ReadRetryable(err error) bool {
	return (zk.IsRetryable(err) || errors.Is(err, zk.ErrConnectionLoss)) && !SessionOver(err)
}

// cleanupContext returns the context of a detached cleanup: it outlives
// ctx's cancellation but keeps its values, bounded by d.
func cleanupContext(ctx context.Context, d time.Duration) (context.Context, context.CancelFunc) {
	return context.WithTimeout(context.WithoutCancel(ctx), d)
}
