package zkserver

import (
	"sync"

	"github.com/coordkit/coordkit/internal/wire"
)

// maxOutstanding bounds the requests queued for the processor: beyond it,
// connection readers stop reading their sockets until it catches up, as
// ZooKeeper's globalOutstandingLimit (1,000) does.
const maxOutstanding = 1000

// reqKind tells what a request asks of the processor.
type reqKind uint8

const (
	reqClient  reqKind = iota // a request frame after the handshake
	reqConnect                // the ConnectRequest
	reqGone                   // the connection's reader stopped: forget it
)

// request is one frame a connection's reader decoded, on its way to the
// processor.
type request struct {
	conn *conn
	// body is the decoded request record (*wire.ConnectRequest for
	// reqConnect); nil when it did not decode (bad) or when the opcode has
	// no request record.
	body wire.Record
	recv int64 // when it was read, ns since the server started
	xid  int32
	op   wire.OpCode
	kind reqKind
	bad  bool // the body is truncated or malformed
	// dropReply: process, but send no reply (Hook DropReply).
	dropReply bool
}

// inbox is the queue from every connection's reader to the processor:
// readers append batches, the processor takes everything at once.
type inbox struct {
	mu     sync.Mutex // guards the fields below
	room   sync.Cond  // signalled when the processor took the queue
	reqs   []request
	closed bool
	wake   chan struct{} // a token when reqs became non-empty
}

func (q *inbox) init() {
	q.room.L = &q.mu
	q.wake = make(chan struct{}, 1)
}

// push appends batch, waiting while the queue is full. It reports false
// once the server is closing.
func (q *inbox) push(batch []request) bool {
	q.mu.Lock()
	for len(q.reqs) >= maxOutstanding && !q.closed {
		q.room.Wait()
	}
	if q.closed {
		q.mu.Unlock()
		return false
	}
	q.reqs = append(q.reqs, batch...)
	q.mu.Unlock()
	q.signal()
	return true
}

// gone queues the end of c, whatever the queue's length: its requests
// are all ahead of it.
func (q *inbox) gone(c *conn) {
	q.mu.Lock()
	q.reqs = append(q.reqs, request{conn: c, kind: reqGone})
	q.mu.Unlock()
	q.signal()
}

func (q *inbox) signal() {
	select {
	case q.wake <- struct{}{}:
	default:
	}
}

// take returns everything queued and leaves spare (emptied) in its place.
func (q *inbox) take(spare []request) []request {
	q.mu.Lock()
	reqs := q.reqs
	q.reqs = spare[:0]
	q.room.Broadcast()
	q.mu.Unlock()
	return reqs
}

// len returns the number of queued requests.
func (q *inbox) len() int {
	q.mu.Lock()
	defer q.mu.Unlock()
	return len(q.reqs)
}

// queuedFor counts c's queued requests.
func (q *inbox) queuedFor(c *conn) int {
	q.mu.Lock()
	defer q.mu.Unlock()
	n := 0
	for i := range q.reqs {
		if q.reqs[i].conn == c && q.reqs[i].kind != reqGone {
			n++
		}
	}
	return n
}

// shutdown wakes every reader waiting for room; later pushes fail.
func (q *inbox) shutdown() {
	q.mu.Lock()
	q.closed = true
	q.room.Broadcast()
	q.mu.Unlock()
}
