package zk

import (
	"errors"
	"fmt"
	"time"

	"github.com/cenkalti/backoff/v4"

	"github.com/coordkit/coordkit/internal/wire"
)

// start launches the link's reader and writer.
func (l *link) start() {
	l.c.wg.Add(2)
	go l.readLoop()
	go l.writeLoop()
}

// activate makes l the session's connection: it starts its goroutines and
// queues, in this order, every credential (xid −4), the watch
// re-registrations (setWatches/setWatches2 with the last zxid seen), and the
// requests that were waiting for a connection. It returns the auth calls.
// c.cur is never a failed link: fail clears it, and activate does not set
// it once l has failed.
func (c *Conn) activate(l *link) []*call {
	l.start()
	c.mu.Lock()
	defer c.mu.Unlock()
	if l.failed {
		// It died at once; the session goroutine will see l.dead and
		// reconnect. Nothing was queued on it.
		return nil
	}
	var auths []*call
	for _, cr := range c.auth {
		k := c.authCall(cr)
		k.state = stQueued
		l.wq = append(l.wq, k)
		auths = append(auths, k)
	}
	for _, k := range c.watches.setWatchesCalls(c, c.lastZxid.Load()) {
		k.state = stQueued
		l.wq = append(l.wq, k)
	}
	for _, k := range c.waiting {
		k.state = stQueued
		l.wq = append(l.wq, k)
	}
	clear(c.waiting)
	c.waiting = c.waiting[:0]
	// The state says connected before any request can be answered on l:
	// a caller whose reply came over l never reads a stale state (the
	// event that announces it follows, from setState).
	if l.readOnly {
		c.state.Store(int32(StateReadOnly))
	} else {
		c.state.Store(int32(StateConnected))
	}
	c.cur = l
	c.server = l.addr
	l.wakeWriter()
	return auths
}

// authCall builds the auth packet for cr. Called with c.mu held.
func (c *Conn) authCall(cr credential) *call {
	f := newFuture[struct{}](c, wire.OpAuth, "auth", "", decodeNothing)
	e := wire.NewEncoder(*c.getFrame())
	start := e.BeginFrame()
	e.Int32(wire.XidAuth)
	e.Int32(int32(wire.OpAuth))
	e.Int32(0)
	e.String(cr.scheme)
	e.Buffer(cr.auth)
	e.EndFrame(start)
	b := e.Bytes()
	f.k.frame = &b
	return &f.k
}

// run is the session goroutine: it owns the state machine. It waits for the
// current connection to fail or for Close, re-attaches the session to the
// next server with bounded exponential backoff, and ends the session on
// expiry, rejected credentials or Close. While connected read-only it runs
// a probe (readonly.go) and, when a read-write server answers, drops the
// read-only connection and tries that server first.
func (c *Conn) run(l *link) {
	defer c.wg.Done()
	bo := backoff.NewExponentialBackOff()
	bo.InitialInterval = c.cfg.backoffInitial
	bo.MaxInterval = c.cfg.backoffMax
	bo.MaxElapsedTime = 0
	bo.Reset()
	for {
		// While read-only, look for a read-write server meanwhile.
		var probe *roProbe
		if l.readOnly {
			probe = c.startROProbe(l.addr)
		}
		rw := ""
		select {
		case <-l.dead:
		case rw = <-probe.foundCh():
		case <-c.closeCtx.Done():
			probe.stop()
			c.closeSession(l)
			c.end(ErrClosed, StateClosed, EventClosed)
			return
		}
		probe.stop()
		if rw != "" {
			l.fail(fmt.Errorf("%w at %s", errReadWriteFound, rw))
		}
		if c.authFail.Load() {
			c.end(ErrAuthFailed, StateAuthFailed, EventAuthFailed)
			return
		}
		c.setState(StateDisconnected, StateEvent{Type: EventDisconnected, Server: l.addr, Err: l.err})

		// Re-attach to the next server, after a short jittered pause (so
		// that the clients of a failed server do not all reconnect at once)
		// that grows, bounded, while attempts fail.
		bo.Reset()
		if i := c.indexOf(rw); i >= 0 {
			// Try the read-write server first, at once.
			c.serverIx = (i + len(c.servers) - 1) % len(c.servers)
		}
		for l = nil; l == nil; rw = "" {
			if rw == "" {
				t := time.NewTimer(bo.NextBackOff())
				select {
				case <-t.C:
				case <-c.closeCtx.Done():
					t.Stop()
				}
			}
			if c.closeCtx.Err() != nil {
				c.end(ErrClosed, StateClosed, EventClosed)
				return
			}
			c.serverIx = (c.serverIx + 1) % len(c.servers)
			addr := c.servers[c.serverIx]
			nl, err := c.connect(c.closeCtx, addr)
			switch {
			case err == nil:
				l = nl
			case errors.Is(err, errExpired):
				c.end(ErrSessionExpired, StateExpired, EventExpired)
				return
			default:
				c.log.Info("zk: connect failed", "server", addr, "session_id", c.sessionID.Load(), "err", err)
			}
		}
		c.stats.reconnects.Add(1)
		c.activate(l)
		if l.readOnly {
			c.setState(StateReadOnly, StateEvent{Type: EventReadOnly, Server: l.addr})
		} else {
			c.setState(StateConnected, StateEvent{Type: EventReconnected, Server: l.addr})
		}
	}
}

// closeSession queues closeSession behind everything already queued and
// waits, bounded, for its reply. New requests fail with ErrClosed from now
// on.
func (c *Conn) closeSession(l *link) {
	c.mu.Lock()
	c.endErr = ErrClosed
	if l.failed || c.cur != l {
		c.mu.Unlock()
		return
	}
	f := newFuture[struct{}](c, wire.OpCloseSession, "closeSession", "", decodeNothing)
	e := wire.NewEncoder(*c.getFrame())
	start := e.BeginFrame()
	e.Int32(0)
	e.Int32(int32(wire.OpCloseSession))
	e.EndFrame(start)
	b := e.Bytes()
	f.k.frame = &b
	f.k.state = stQueued
	l.wq = append(l.wq, &f.k)
	c.mu.Unlock()
	l.wakeWriter()

	t := time.NewTimer(c.cfg.closeTimeout)
	defer t.Stop()
	select {
	case <-f.k.done:
		if f.k.err != nil {
			c.log.Info("zk: closeSession failed", "session_id", c.sessionID.Load(), "err", f.k.err)
		}
	case <-t.C:
		c.log.Info("zk: closeSession unanswered", "session_id", c.sessionID.Load(), "timeout", c.cfg.closeTimeout)
	}
}

// end finishes the session for reason: the current connection is closed,
// every request still waiting fails, every watcher is told, and Done is
// closed. Called once, from the session goroutine.
func (c *Conn) end(reason error, s State, t StateEventType) {
	c.mu.Lock()
	c.endErr = reason
	waiting := c.waiting
	c.waiting = nil
	l := c.cur
	c.cur = nil
	c.server = ""
	for _, k := range waiting {
		k.state = stDone
	}
	c.mu.Unlock()
	if l != nil {
		l.fail(reason)
	}
	for _, k := range waiting {
		k.complete(k.opErr(reason))
	}
	c.watches.end(reason)
	c.setState(s, StateEvent{Type: t, Err: reason})
	close(c.done)
}
