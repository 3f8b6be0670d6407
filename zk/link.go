package zk

import (
	"bufio"
	"net"
	"time"

	"github.com/coordkit/coordkit/internal/wire"
)

// link is one TCP connection carrying the session. It has a reader and a
// writer goroutine; its queues are guarded by Conn.mu.
type link struct {
	c    *Conn
	nc   net.Conn
	addr string
	br   *bufio.Reader
	rd   *deadlineReader
	dec  wire.Decoder // the reader's decoder, reused for every frame

	pingEvery   time.Duration
	readTimeout time.Duration
	readOnly    bool
	rate        replyRate

	wake chan struct{} // wakes the writer
	dead chan struct{} // closed when the link has failed

	// Guarded by c.mu.
	wq      []*call     // queued, not yet written
	pending fifo[*call] // written, awaiting replies in order
	authq   []*call     // auth packets written, awaiting xid −4 replies
	failed  bool
	err     error // why it failed
	// writing is the number of the batch inside nc.Write (0: none). Calls
	// of that batch that fail meanwhile become orphans, classified by the
	// writer once it knows how many bytes went out.
	writing uint64
	orphans []*call
}

// deadlineReader keeps the read deadline about timeout ahead of the last
// read, so that a connection on which nothing arrives for timeout is
// declared dead. It moves the deadline only when it has aged by a
// sixteenth of timeout, to keep the cost off the per-read path. A zero
// timeout leaves deadlines alone (during the handshake, which has its own).
type deadlineReader struct {
	nc      net.Conn
	timeout time.Duration
	set     time.Time // when the deadline was last moved
}

func (r *deadlineReader) Read(p []byte) (int, error) {
	if r.timeout == 0 {
		return r.nc.Read(p)
	}
	if now := time.Now(); now.Sub(r.set) > r.timeout/16 {
		if err := r.nc.SetReadDeadline(now.Add(r.timeout)); err != nil {
			return 0, err
		}
		r.set = now
	}
	return r.nc.Read(p)
}

// wakeWriter nudges the writer; it never blocks.
func (l *link) wakeWriter() {
	select {
	case l.wake <- struct{}{}:
	default:
	}
}

// fail closes the link for cause, once. Requests queued on it fail as not
// sent; requests written and unanswered fail as lost (wrapping
// ErrConnectionLoss and cause), except those the writer marked unwritten.
func (l *link) fail(cause error) {
	c := l.c
	c.mu.Lock()
	if l.failed {
		c.mu.Unlock()
		return
	}
	l.failed = true
	l.err = cause
	queued := l.wq
	l.wq = nil
	pending := l.pending.drain()
	auth := l.authq
	l.authq = nil
	for _, k := range queued {
		k.state = stDone
	}
	var lostq []*call
	for _, k := range append(pending, auth...) {
		k.state = stDone
		if l.writing != 0 && k.batch == l.writing {
			l.orphans = append(l.orphans, k)
			continue
		}
		if k.unwritten {
			queued = append(queued, k)
		} else {
			lostq = append(lostq, k)
		}
	}
	if c.cur == l {
		c.cur = nil
		c.server = ""
	}
	c.mu.Unlock()

	_ = l.nc.Close()
	close(l.dead)
	c.log.Info("zk: connection closed", "server", l.addr, "session_id", c.sessionID.Load(), "err", cause)

	notSent := &notSentError{reason: cause}
	lost := &lostError{cause: cause}
	for _, k := range queued {
		k.complete(k.opErr(notSent))
	}
	for _, k := range lostq {
		k.complete(k.opErr(lost))
	}
}
