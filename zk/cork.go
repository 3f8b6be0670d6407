package zk

import (
	"sync/atomic"
	"time"
)

// Corking. When many requests await replies the server has a backlog, and
// making it wait a fraction of the time it needs to work through that
// backlog costs no throughput. The writer then holds new requests back for
// a moment, and the reader waits a moment before its next read, so that
// one system call carries several requests or replies: on loopback, system
// calls and the wake-ups they cause are most of a request's cost to the
// client. With a fast server, or few requests in flight, nothing waits.
const (
	corkMinPending = 16                    // below this, never wait
	corkMaxDelay   = time.Millisecond      // never wait longer
	corkMinDelay   = 20 * time.Microsecond // waits shorter than this are not worth a timer
)

// replyRate estimates the server's time per reply from the reader's point
// of view: the time a read waited for data divided by the replies it
// brought, measured only for reads that followed no pause of ours, so that
// corking does not feed its own estimate. The estimate falls quickly and
// rises slowly.
type replyRate struct {
	perOp atomic.Int64 // ns; 0 until measured

	// Used by the reader goroutine only.
	waitStart time.Time // when the reader last ran out of buffered data
	paused    bool      // it paused before the read that follows
	frames    int       // replies decoded since the read began
}

// endBatch is called when the reader has decoded every buffered reply
// and is about to read again; it returns how long to pause first.
func (r *replyRate) endBatch(l *link) time.Duration {
	now := time.Now()
	if !r.waitStart.IsZero() && !r.paused && r.frames > 0 {
		// The previous batch's wait measured the server.
		r.sample(now.Sub(r.waitStart) / time.Duration(r.frames))
	}
	r.frames = 0
	d := l.backlogPause()
	r.paused = d >= corkMinDelay
	if !r.paused {
		d = 0
	}
	r.waitStart = now.Add(d)
	return d
}

func (r *replyRate) sample(s time.Duration) {
	est := time.Duration(r.perOp.Load())
	switch {
	case est == 0:
		est = s
	case s < est:
		est -= (est - s) / 2
	default:
		est += (s - est) / 16
	}
	r.perOp.Store(int64(max(est, 1)))
}

// backlogPause returns a quarter of the time the server needs for the
// replies still due, bounded, or 0 if the backlog is shallow.
func (l *link) backlogPause() time.Duration {
	perOp := time.Duration(l.rate.perOp.Load())
	if perOp == 0 {
		return 0
	}
	c := l.c
	c.mu.Lock()
	pending := l.pending.len()
	c.mu.Unlock()
	if pending < corkMinPending {
		return 0
	}
	return min(time.Duration(pending)*perOp/4, corkMaxDelay)
}

// writePause returns how long the writer should hold queued requests back.
func (l *link) writePause() time.Duration {
	d := l.backlogPause()
	if d < corkMinDelay {
		return 0
	}
	c := l.c
	c.mu.Lock()
	queued, pending := len(l.wq), l.pending.len()
	c.mu.Unlock()
	if queued >= pending/4 {
		return 0 // enough for one write already
	}
	return d
}
