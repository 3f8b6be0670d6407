package zk

import "sync"

// fifo is an unbounded queue, oldest first: a slice read from a moving
// head, compacted once the consumed half dominates. It is not safe for
// concurrent use; its owner's mutex guards it.
type fifo[T any] struct {
	items []T
	head  int
}

func (q *fifo[T]) len() int { return len(q.items) - q.head }

func (q *fifo[T]) push(v T) { q.items = append(q.items, v) }

// pop returns the oldest item, or the zero value if the queue is empty.
func (q *fifo[T]) pop() T {
	var zero T
	if q.head == len(q.items) {
		return zero
	}
	v := q.items[q.head]
	q.items[q.head] = zero
	q.head++
	if q.head == len(q.items) {
		q.items, q.head = q.items[:0], 0
	} else if q.head >= 64 && q.head*2 >= len(q.items) {
		n := copy(q.items, q.items[q.head:])
		clear(q.items[n:])
		q.items, q.head = q.items[:n], 0
	}
	return v
}

// drain empties the queue and returns what it held; the caller owns the
// returned slice.
func (q *fifo[T]) drain() []T {
	out := q.items[q.head:]
	q.items, q.head = nil, 0
	return out
}

// pump is an unbounded FIFO feeding a channel from its own goroutine, so
// that the producer (the reader or the session goroutine) never blocks on a
// slow consumer and nothing is dropped.
type pump[T any] struct {
	out chan T

	mu      sync.Mutex // guards the fields below
	items   fifo[T]
	closed  bool // no more pushes: deliver the rest, then close out
	discard bool // close out now, dropping the rest
	wake    chan struct{}
	onExit  func()
}

// newPump returns a pump whose channel has a one-slot buffer: the item the
// pump is delivering waits there, so the last event queued before the pump
// is stopped (by Close) is still there for a receiver that took every
// earlier one.
func newPump[T any]() *pump[T] {
	return &pump[T]{out: make(chan T, 1), wake: make(chan struct{}, 1)}
}

func (p *pump[T]) signal() {
	select {
	case p.wake <- struct{}{}:
	default:
	}
}

// push queues v; it never blocks. Pushes after close are ignored.
func (p *pump[T]) push(v T) {
	p.mu.Lock()
	if p.closed || p.discard {
		p.mu.Unlock()
		return
	}
	p.items.push(v)
	p.mu.Unlock()
	p.signal()
}

// close makes the pump close its channel after delivering what is queued.
func (p *pump[T]) close() {
	p.mu.Lock()
	p.closed = true
	p.mu.Unlock()
	p.signal()
}

// stop makes the pump close its channel at once, dropping what is queued.
func (p *pump[T]) stop() {
	p.mu.Lock()
	p.discard = true
	p.mu.Unlock()
	p.signal()
}

// next takes the next item; ok is false when the queue is empty, and end is
// true when the pump should close its channel.
func (p *pump[T]) next() (v T, ok, end bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.discard {
		p.items.drain()
		return v, false, true
	}
	if p.items.len() == 0 {
		return v, false, p.closed
	}
	return p.items.pop(), true, false
}

func (p *pump[T]) isDiscarded() bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.discard
}

// run delivers items until the pump is closed and drained, stopped, or
// either quit channel is closed (a nil one never is). On quit it leaves the
// oldest undelivered item in the channel's buffer if there is room. It
// closes out before returning.
func (p *pump[T]) run(quit, quit2 <-chan struct{}) {
	defer func() {
		close(p.out)
		if p.onExit != nil {
			p.onExit()
		}
	}()
	for {
		v, ok, end := p.next()
		if end {
			return
		}
		if !ok {
			select {
			case <-p.wake:
				continue
			case <-quit:
			case <-quit2:
			}
			if v, ok, _ = p.next(); ok {
				p.offer(v)
			}
			return
		}
		for sent := false; !sent; {
			select {
			case p.out <- v:
				sent = true
			case <-p.wake:
				if p.isDiscarded() {
					return
				}
			case <-quit:
				p.offer(v)
				return
			case <-quit2:
				p.offer(v)
				return
			}
		}
	}
}

// offer puts v in the channel's buffer if there is room, without waiting.
func (p *pump[T]) offer(v T) {
	select {
	case p.out <- v:
	default:
	}
}

// pumpGroup runs the pumps of one Conn (StateEvents subscribers and
// persistent watches), so that Close can stop them and wait for them.
type pumpGroup struct {
	quit chan struct{} // closed by stop

	mu      sync.Mutex // guards the fields below
	stopped bool
	wg      sync.WaitGroup
}

func newPumpGroup() *pumpGroup { return &pumpGroup{quit: make(chan struct{})} }

// start runs p on its own goroutine until it ends, ctxDone is closed, or
// the group is stopped. After stop, p's channel is closed at once.
func start[T any](g *pumpGroup, p *pump[T], ctxDone <-chan struct{}) {
	g.mu.Lock()
	if g.stopped {
		g.mu.Unlock()
		p.stop()
		p.run(nil, nil) // returns at once, closing p.out
		return
	}
	g.wg.Add(1)
	g.mu.Unlock()
	go func() {
		defer g.wg.Done()
		p.run(ctxDone, g.quit)
	}()
}

// stop ends every pump, dropping what they have not delivered, and waits
// for their goroutines. It is idempotent.
func (g *pumpGroup) stop() {
	g.mu.Lock()
	if !g.stopped {
		g.stopped = true
		close(g.quit)
	}
	g.mu.Unlock()
	g.wg.Wait()
}
