package store

import (
	"context"
	"sync"
	"sync/atomic"
)

// progress is how far a store got: the durable zxid, readable without a
// lock, and whether the store failed or closed. Every change wakes the
// goroutines in wait.
type progress struct {
	durable atomic.Int64 // written only with mu held

	mu     sync.Mutex    // guards the fields below
	err    error         // the failure that stopped the store
	closed bool          // Close has finished
	wake   chan struct{} // closed on the next change; nil while nobody waits
}

// advance raises the durable zxid to zxid, unless the store already failed
// or closed.
func (p *progress) advance(zxid int64) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.err != nil || p.closed || zxid <= p.durable.Load() {
		return
	}
	p.durable.Store(zxid)
	p.broadcastLocked()
}

// fail records the first failure; nothing becomes durable after it.
func (p *progress) fail(err error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.err == nil {
		p.err = err
		p.broadcastLocked()
	}
}

// close ends every wait that is not satisfied yet.
func (p *progress) close() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.closed = true
	p.broadcastLocked()
}

// failure returns the recorded failure, if any.
func (p *progress) failure() error {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.err
}

func (p *progress) broadcastLocked() {
	if p.wake != nil {
		close(p.wake)
		p.wake = nil
	}
}

// wait blocks until zxid is durable (nil), the store failed (its error) or
// closed (ErrClosed), or ctx ends (ctx.Err()). It starts no goroutine.
func (p *progress) wait(ctx context.Context, zxid int64) error {
	if p.durable.Load() >= zxid {
		return nil
	}
	for {
		p.mu.Lock()
		switch {
		case p.durable.Load() >= zxid:
			p.mu.Unlock()
			return nil
		case p.err != nil:
			err := p.err
			p.mu.Unlock()
			return err
		case p.closed:
			p.mu.Unlock()
			return ErrClosed
		}
		if p.wake == nil {
			p.wake = make(chan struct{})
		}
		wake := p.wake
		p.mu.Unlock()
		select {
		case <-wake:
		case <-ctx.Done():
			if p.durable.Load() >= zxid {
				return nil
			}
			return ctx.Err()
		}
	}
}
