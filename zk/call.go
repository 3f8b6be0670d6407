package zk

import (
	"context"
	"errors"

	"github.com/coordkit/coordkit/internal/wire"
)

// callState says which queue holds a call; it is guarded by Conn.mu.
type callState uint8

const (
	stNew     callState = iota
	stWaiting           // in Conn.waiting: submitted while disconnected
	stQueued            // in link.wq: waiting for the writer
	stPending           // written (or being written), awaiting its reply
	stDone              // completed
)

// decodeFunc decodes a reply into k's result. It runs on the reader
// goroutine with the reply's code; it records ZooKeeper errors in k.err and
// returns an error only when the body is malformed (a protocol error).
type decodeFunc func(c *Conn, k *call, code wire.ErrCode, d *wire.Decoder) error

// call is one request on its way through the pipeline. The Future that
// embeds it is what the caller holds.
type call struct {
	op   wire.OpCode
	name string // operation name for errors ("create", "get", ...)
	path string // the caller's path, for errors

	frame *[]byte // the encoded frame (from Conn.frames); nil once copied by the writer
	xid   int32
	wend  int    // end offset of the frame in the writer's buffer
	batch uint64 // number of the write that carried it

	state     callState
	unwritten bool // the writer failed before this frame was fully written
	window    bool // holds a slot of Conn.window
	answered  bool // a reply arrived

	ctx     context.Context // bounds queueing only; nil for internal calls
	stopCtx func() bool     // cancels the ctx hook while waiting

	dec   decodeFunc
	out   any  // pointer to the Future's value
	watch bool // register a one-shot watch on success
	arg   any  // op-specific argument for the decoder

	zxid int64
	err  error
	done chan struct{}
	conn *Conn
}

// complete records err (nil for success) and releases everything the call
// holds. It must be called exactly once, by whoever took the call out of
// its last queue.
func (k *call) complete(err error) {
	if err != nil && k.err == nil {
		k.err = err
	}
	c := k.conn
	if k.frame != nil {
		c.putFrame(k.frame)
		k.frame = nil
	}
	if k.window {
		k.window = false
		<-c.window
	}
	if k.stopCtx != nil {
		k.stopCtx()
		k.stopCtx = nil
	}
	close(k.done)
}

// opErr wraps cause as this call's *Error.
func (k *call) opErr(cause error) error {
	return &Error{Op: k.name, Path: k.path, Err: cause}
}

// Outcome says what became of a request.
type Outcome int

// Outcomes.
const (
	// Answered: the server replied (with a result or a ZooKeeper error).
	Answered Outcome = iota
	// Lost: the request was written but the connection died before its
	// reply; it may or may not have happened (ErrConnectionLoss).
	Lost
	// NotSent: the request was never written (invalid, too large, its ctx
	// ended, the connection was cut while it was queued, or the session
	// ended); IsRetryable tells whether sending it again is sensible.
	NotSent
)

// String returns "answered", "lost" or "not sent".
func (o Outcome) String() string {
	switch o {
	case Answered:
		return "answered"
	case Lost:
		return "lost"
	case NotSent:
		return "not sent"
	}
	return "outcome(?)"
}

func (k *call) outcome() Outcome {
	switch {
	case k.answered:
		return Answered
	case errors.Is(k.err, ErrConnectionLoss):
		return Lost
	}
	return NotSent
}

// Future is the pending result of an asynchronous operation. It completes
// exactly once; every method is safe for concurrent use.
type Future[T any] struct {
	k   call
	val T
}

var errNotDone = errors.New("zk: future not done")

// Done returns a channel closed when the operation has completed (answered,
// lost, or not sent).
func (f *Future[T]) Done() <-chan struct{} { return f.k.done }

// Wait blocks until the operation completes or ctx ends, and returns its
// result. ctx only bounds the wait: the request itself is not cancelled, and
// if ctx ends first the error wraps ctx.Err() and the operation may still
// happen.
func (f *Future[T]) Wait(ctx context.Context) (T, error) {
	select {
	case <-f.k.done:
		return f.val, f.k.err
	default:
	}
	select {
	case <-f.k.done:
		return f.val, f.k.err
	case <-ctx.Done():
		var zero T
		return zero, f.k.opErr(ctx.Err())
	}
}

// Result returns the result of a completed operation without blocking; if
// Done is not closed yet it returns an error.
func (f *Future[T]) Result() (T, error) {
	select {
	case <-f.k.done:
		return f.val, f.k.err
	default:
		var zero T
		return zero, f.k.opErr(errNotDone)
	}
}

// Outcome reports whether the completed request was answered, lost or not
// sent; it blocks until Done is closed.
func (f *Future[T]) Outcome() Outcome {
	<-f.k.done
	return f.k.outcome()
}

// anyFuture lets Batch handle futures of every type.
type anyFuture interface {
	base() *call
	anyValue() any
}

func (f *Future[T]) base() *call   { return &f.k }
func (f *Future[T]) anyValue() any { return f.val }

// newFuture returns a Future for op with its call initialised.
func newFuture[T any](c *Conn, op wire.OpCode, name, path string, dec decodeFunc) *Future[T] {
	f := &Future[T]{}
	f.k = call{op: op, name: name, path: path, dec: dec, conn: c, done: make(chan struct{})}
	f.k.out = &f.val
	return f
}

// failed returns f completed with err before it was queued.
func (f *Future[T]) failed(err error) *Future[T] {
	f.k.state = stDone
	f.k.complete(f.k.opErr(err))
	return f
}
