package zkserver

import (
	"runtime/debug"
	"sync"
	"time"

	"github.com/coordkit/coordkit/internal/wire"
	"github.com/coordkit/coordkit/zkserver/internal/store"
	"github.com/coordkit/coordkit/zkserver/internal/tree"
	"github.com/coordkit/coordkit/zkserver/internal/watch"
)

// processor is the one goroutine that owns the data tree, the watches,
// the sessions and the zxid counter. It handles requests of every
// connection in arrival order, rounds at a time: a round takes whatever is
// queued, handles it, then hands one batch of changes to the store and
// wakes the writers of the connections it answered.
type processor struct {
	s        *Server
	tree     *tree.Tree
	watches  *watch.Manager
	sessions map[int64]*session
	conns    map[watch.ConnID]*conn // connections that sent a ConnectRequest

	last            int64      // zxid of the last transaction
	appended        int64      // zxid of the last batch given to the store
	pendingSessions []store.KV // session records changed since that batch
	nextSession     int64
	paused          bool
	storeFailed     bool // logged once
	tickMS          int64
	minTimeout      int32 // ms
	maxTimeout      int32 // ms
	lat             latency

	// The current round.
	now   time.Time // the server clock's reading
	nowMS int64
	mono  int64 // real time since the server started, ns
	dirty []*conn
	spare []request
	event []byte // an encoded event frame

	ctl     chan func()
	stopped chan struct{}
	mu      sync.Mutex // serializes queries once the goroutine has stopped
}

func newProcessor(s *Server, t *tree.Tree) *processor {
	return &processor{
		s:          s,
		tree:       t,
		watches:    watch.New(),
		sessions:   make(map[int64]*session),
		conns:      make(map[watch.ConnID]*conn),
		tickMS:     max(s.cfg.tick.Milliseconds(), 1),
		minTimeout: int32(s.cfg.minTimeout.Milliseconds()),
		maxTimeout: int32(s.cfg.maxTimeout.Milliseconds()),
		ctl:        make(chan func()),
		stopped:    make(chan struct{}),
	}
}

// run is the processing goroutine.
func (p *processor) run() {
	defer p.s.wg.Done()
	defer close(p.stopped)
	clock := p.s.clock
	tick := clock.After(p.untilTick())
	reap := clock.After(p.s.cfg.containerCheck)
	for {
		select {
		case <-p.s.quit:
			p.begin()
			p.commit()
			return
		case f := <-p.ctl:
			p.begin()
			f()
		case <-p.s.inbox.wake:
			p.begin()
			p.drain()
		case <-tick:
			p.begin()
			p.expireDue()
			tick = clock.After(p.untilTick())
		case <-reap:
			p.begin()
			p.reap()
			reap = clock.After(p.s.cfg.containerCheck)
		}
		p.commit()
	}
}

// begin starts a round: it reads the clocks once for everything in it.
func (p *processor) begin() {
	p.now = p.s.clock.Now()
	p.nowMS = p.now.UnixMilli()
	p.mono = p.s.since()
}

// drain handles every queued request, unless paused.
func (p *processor) drain() {
	if p.paused {
		return
	}
	reqs := p.s.inbox.take(p.spare)
	for i := range reqs {
		p.handle(&reqs[i])
	}
	clear(reqs)
	p.spare = reqs[:0]
}

// commit ends a round: one store batch for its transactions, then the
// writers of the connections it queued frames for are woken.
func (p *processor) commit() {
	if p.last > p.appended {
		b := store.Batch{Zxid: p.last, Sessions: p.pendingSessions}
		if ch := p.tree.Changes(); len(ch) > 0 {
			b.Nodes = make([]store.KV, len(ch))
			for i, c := range ch {
				b.Nodes[i] = store.KV{Key: c.Path, Value: c.Value}
			}
		}
		p.s.store.Append(b)
		p.appended = p.last
		p.pendingSessions = nil
		if !p.storeFailed {
			if err := p.s.store.Err(); err != nil {
				p.storeFailed = true
				p.s.log.Error("storage failed, replies stopped", "err", err)
			}
		}
	}
	for i, c := range p.dirty {
		c.dirty = false
		c.wakeWriter()
		p.dirty[i] = nil
	}
	p.dirty = p.dirty[:0]
}

// newZxid starts a transaction.
func (p *processor) newZxid() int64 {
	p.last++
	return p.last
}

// handle handles one request. A panic (a bug) is logged and closes the
// offending connection instead of the whole server.
func (p *processor) handle(r *request) {
	defer func() {
		if v := recover(); v != nil {
			p.s.panics.Add(1)
			p.s.log.Error("request handler panicked", "op", r.op.String(), "panic", v, "stack", string(debug.Stack()))
			if c := r.conn; c != nil && !c.dead {
				c.dead = true
				c.close()
			}
		}
	}()
	c := r.conn
	switch r.kind {
	case reqGone:
		p.gone(c)
		return
	case reqConnect:
		p.connect(r)
		return
	}
	if c.dead || c.session == nil {
		return
	}
	p.touch(c.session)
	if h := p.s.hook.Load(); h != nil {
		act := (*h)(Request{Session: c.session.id, Xid: r.xid, Op: int32(r.op), Path: requestPath(r.body)})
		if act.Delay > 0 {
			c.hold = time.Now().Add(act.Delay)
		}
		if act.Fail != 0 {
			xid := r.xid
			switch r.op {
			case wire.OpPing:
				xid = wire.XidPing
			case wire.OpAuth:
				xid = wire.XidAuth
			}
			p.answer(r, xid, p.last, wire.ErrCode(act.Fail), nil)
			return
		}
		if act.DropReply {
			r.dropReply = true
			p.dispatch(r)
			if !c.dead {
				c.queueClose(p.last)
			}
			return
		}
	}
	p.dispatch(r)
}

// answer queues the reply to r (no body unless code is ErrOK) and notes
// its latency.
func (p *processor) answer(r *request, xid int32, zxid int64, code wire.ErrCode, body wire.Record) {
	c := r.conn
	if c.dead {
		return
	}
	d := p.mono - r.recv
	p.lat.add(d)
	st := &c.stats
	st.lat.add(d)
	st.lastOp, st.lastXid, st.lastZxid, st.lastResp, st.lastLat = r.op, r.xid, zxid, p.mono, d
	if code != wire.ErrOK {
		body = nil
	}
	if r.dropReply {
		return
	}
	c.queueReply(wire.ReplyHeader{Xid: xid, Zxid: zxid, Err: code}, body, p.last)
}

// gone forgets a connection whose reader stopped; its session lives on.
// Its reader queues gone after the last request it read, so every request
// of the connection has been handled: no watch can be added after its
// watches are dropped here.
func (p *processor) gone(c *conn) {
	c.dead = true
	if p.conns[c.id] != c {
		return
	}
	delete(p.conns, c.id)
	p.watches.RemoveConn(c.id)
	if s := c.session; s != nil && s.conn == c {
		s.conn = nil
	}
	c.session = nil
}

// closeConn closes c at once: nothing more is sent or processed, and its
// watches go now rather than once its reader has stopped (gone), so that
// a connection that takes its session over never sees them. A dead
// connection's requests are skipped, so none can set a watch again.
func (p *processor) closeConn(c *conn) {
	c.dead = true
	c.close()
	p.watches.RemoveConn(c.id)
}

// untilTick returns the time until the next tick boundary of the clock.
func (p *processor) untilTick() time.Duration {
	now := p.s.clock.Now().UnixMilli()
	return time.Duration(p.roundToTick(now)-now) * time.Millisecond
}

// roundToTick returns the first tick boundary after t (ms), as
// ZooKeeper's ExpiryQueue rounds expiry times.
func (p *processor) roundToTick(t int64) int64 {
	return (t/p.tickMS + 1) * p.tickMS
}

// do runs f on the processing goroutine, between rounds, and waits for it.
// It reports false, without running f, once the processor has stopped.
func (s *Server) do(f func(p *processor)) bool {
	done := make(chan struct{})
	select {
	case s.proc.ctl <- func() { defer close(done); f(s.proc) }:
		<-done
		return true
	case <-s.proc.stopped:
		return false
	}
}

// query runs f on the processing goroutine, or here once it has stopped
// (its state no longer changes then).
func (s *Server) query(f func(p *processor)) {
	if s.do(f) {
		return
	}
	s.proc.mu.Lock()
	defer s.proc.mu.Unlock()
	f(s.proc)
}
