package zkserver

import (
	"context"
	"errors"
	"net"
	"os"
	"sync"
	"sync/atomic"
	"time"
)

// Pause freezes the server as SIGSTOP freezes a ZooKeeper process:
// connection readers stop reading their sockets (a client that goes on
// writing blocks once the socket buffers are full), new connections are
// accepted but not served, nothing is processed or answered, and sessions
// neither expire nor are reaped, until Resume. The Server's own methods
// (state accessors, ExpireSession, DropConnections, Close) still work.
func (s *Server) Pause() {
	s.do(func(p *processor) {
		p.paused = true
		if !s.gate.pause() {
			return
		}
		// Wake the readers blocked in a read, so that none reads on.
		for _, c := range s.connections() {
			_ = c.nc.SetReadDeadline(pastDeadline)
		}
	})
}

// Resume undoes Pause: what was read before the pause is processed first,
// then the readers go on reading, in order; every session's timeout starts
// afresh, as if the pause had not been.
func (s *Server) Resume() {
	s.do(func(p *processor) {
		if p.paused {
			p.paused = false
			for _, sess := range p.sessions {
				p.touch(sess)
			}
			p.drain()
		}
		s.gate.resume()
	})
}

// pastDeadline is a read deadline that has passed: a read blocked on the
// socket returns at once.
var pastDeadline = time.Unix(1, 0)

// pauseGate holds connection readers while the server is paused.
type pauseGate struct {
	// epoch is odd while paused; every pause and resume adds one. Readers
	// compare it with the epoch of their last read: one atomic load is all
	// a read costs when nothing changed.
	epoch   atomic.Int64
	mu      sync.Mutex    // guards resumed; epoch changes under it
	resumed chan struct{} // closed when the current pause ends
}

// pause starts a pause; it reports false if one is already on.
func (g *pauseGate) pause() bool {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.epoch.Load()&1 == 1 {
		return false
	}
	g.resumed = make(chan struct{})
	g.epoch.Add(1)
	return true
}

// resume ends the pause, if one is on.
func (g *pauseGate) resume() {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.epoch.Load()&1 == 0 {
		return
	}
	g.epoch.Add(1)
	close(g.resumed)
}

// wait waits for the end of the pause of epoch e (at once if it is over),
// or for ctx's end.
func (g *pauseGate) wait(ctx context.Context, e int64) error {
	g.mu.Lock()
	ch := g.resumed
	on := g.epoch.Load() == e
	g.mu.Unlock()
	if !on {
		return nil
	}
	select {
	case <-ch:
		return nil
	case <-ctx.Done():
		return net.ErrClosed
	}
}

// socketReader reads a connection's socket for its reader goroutine,
// which owns it: every read waits while the server is paused.
type socketReader struct {
	c       *conn
	seen    int64         // the gate's epoch at the last read; -1 before the first
	timeout time.Duration // the read timeout, 0 for none
}

// setTimeout sets the read timeout, from now; a pause restarts it.
func (r *socketReader) setTimeout(d time.Duration) {
	r.timeout = d
	r.applyTimeout()
}

func (r *socketReader) applyTimeout() {
	var t time.Time
	if r.timeout > 0 {
		t = time.Now().Add(r.timeout)
	}
	_ = r.c.nc.SetReadDeadline(t)
}

// Read reads from the socket once the server is not paused. A Pause that
// begins during the read ends it, with nothing read, and the read waits.
func (r *socketReader) Read(p []byte) (int, error) {
	g := &r.c.s.gate
	for {
		e := g.epoch.Load()
		if e != r.seen {
			if e&1 == 1 {
				if err := g.wait(r.c.ctx, e); err != nil {
					return 0, err
				}
				continue
			}
			// The first read, or the first since a pause, which may have
			// left a passed deadline. The epoch is loaded again after
			// the deadline is set: a Pause after that load sets its
			// deadline after this one.
			r.applyTimeout()
			r.seen = e
			continue
		}
		n, err := r.c.nc.Read(p)
		now := g.epoch.Load()
		if now == e {
			return n, err
		}
		if n == 0 && errors.Is(err, os.ErrDeadlineExceeded) {
			continue // a Pause interrupted the read
		}
		// A Pause began during the read, which still returned data: the
		// deadline the Pause set does not stop a reader it woke if data
		// came before it ran. Hold what was read until the pause ends.
		if now&1 == 1 {
			if werr := g.wait(r.c.ctx, now); werr != nil {
				return n, werr
			}
		}
		return n, err
	}
}
