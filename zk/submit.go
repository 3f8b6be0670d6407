package zk

import (
	"context"
)

// acquire takes a slot of the in-flight window for k, waiting for room
// bounded by ctx and by the session's end.
func (c *Conn) acquire(ctx context.Context, k *call) error {
	select {
	case c.window <- struct{}{}:
		k.window = true
		return nil
	default:
	}
	select {
	case c.window <- struct{}{}:
		k.window = true
		return nil
	case <-ctx.Done():
		return &notSentError{reason: ctx.Err()}
	case <-c.done:
		return c.Err()
	}
}

// submit queues the encoded call k: on the current connection, or, while
// disconnected, until the next one (bounded by ctx). It never blocks except
// for window room. On failure k is completed with the error.
func (c *Conn) submit(ctx context.Context, k *call) {
	if err := c.acquire(ctx, k); err != nil {
		k.state = stDone
		k.complete(k.opErr(err))
		return
	}
	if ctx.Done() != nil {
		k.ctx = ctx
	}
	c.mu.Lock()
	c.enqueueLocked(k)
	l := c.cur
	c.mu.Unlock()
	if l != nil {
		l.wakeWriter()
	}
}

// submitAll queues calls back to back: no other request is queued between
// them. Window slots are taken for all of them first; if there are more
// calls than the window holds they are queued in window-sized runs.
func (c *Conn) submitAll(ctx context.Context, ks []*call) {
	for len(ks) > 0 {
		n := 0
		for ; n < len(ks); n++ {
			if n > 0 && len(c.window) == cap(c.window) {
				break
			}
			if err := c.acquire(ctx, ks[n]); err != nil {
				for _, k := range ks[n:] {
					k.state = stDone
					k.complete(k.opErr(err))
				}
				ks = ks[:n]
				break
			}
		}
		run := ks[:n]
		ks = ks[n:]
		c.mu.Lock()
		for _, k := range run {
			if ctx.Done() != nil {
				k.ctx = ctx
			}
			c.enqueueLocked(k)
		}
		l := c.cur
		c.mu.Unlock()
		if l != nil {
			l.wakeWriter()
		}
	}
}

// enqueueLocked puts k on the current connection's queue, or on the waiting
// list while disconnected, or fails it if the session is over. Called with
// c.mu held; completing k under c.mu is safe (complete takes no lock).
func (c *Conn) enqueueLocked(k *call) {
	switch {
	case c.endErr != nil:
		k.state = stDone
		k.complete(k.opErr(c.endErr))
	case c.cur != nil:
		k.state = stQueued
		c.cur.wq = append(c.cur.wq, k)
	default:
		k.state = stWaiting
		c.waiting = append(c.waiting, k)
		if k.ctx != nil {
			k.stopCtx = context.AfterFunc(k.ctx, func() { c.abandon(k) })
		}
	}
}

// abandon fails k as not sent if it is still waiting for a connection when
// its ctx ends.
func (c *Conn) abandon(k *call) {
	c.mu.Lock()
	if k.state != stWaiting {
		c.mu.Unlock()
		return
	}
	k.state = stDone
	for i, w := range c.waiting {
		if w == k {
			c.waiting = append(c.waiting[:i], c.waiting[i+1:]...)
			break
		}
	}
	c.mu.Unlock()
	k.complete(k.opErr(&notSentError{reason: k.ctx.Err()}))
}
