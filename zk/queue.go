package zk

import "sync"

// pump is an unbounded FIFO feeding a channel from its own goroutine, so
// that the producer (the reader or the session goroutine) never blocks on a
// slow consumer and nothing is dropped.
type pump[T any] struct {
	out chan T

	mu      sync.Mutex // guards the fields below
	items   []T
	head    int
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
	p.items = append(p.items, v)
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
		p.items, p.head = nil, 0
		return v, false, true
	}
	if p.head == len(p.items) {
		return v, false, p.closed
	}
	var zero T
	v = p.items[p.head]
	p.items[p.head] = zero
	p.head++
	if p.head == len(p.items) {
		p.items, p.head = p.items[:0], 0
	} else if p.head >= 64 && p.head*2 >= len(p.items) {
		n := copy(p.items, p.items[p.head:])
		clear(p.items[n:])
		p.items, p.head = p.items[:n], 0
	}
	return v, true, false
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
