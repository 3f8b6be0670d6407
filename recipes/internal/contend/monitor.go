package contend

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/coordkit/coordkit/zk"
)

// ErrSuspended means the connection stayed suspended (disconnected, or
// connected to a read-only server) for longer than the hold's Policy allows.
// The session may live on, but the hold can no longer be trusted.
var ErrSuspended = errors.New("connection suspended for longer than is safe")

// Policy says when a suspended connection ends a hold.
//
// The zk client declares a connection dead only after two thirds of the
// negotiated session timeout T without a word from the server. By then
// the server may have heard nothing from the session for T/3 longer than
// that (the client pings after T/3 of quiet), so that in the common case of
// a network partition only about T/3 remain before it may expire the
// session and grant the lock to another; less if a watch event was the
// last thing received. The safe grace is therefore none, the default.
type Policy struct {
	// Grace is how long a suspension may last before the hold is lost.
	// It is clamped to MaxGrace of the negotiated session timeout. Zero
	// (the default) ends the hold as soon as the connection is suspended.
	Grace time.Duration
	// IgnoreSuspension keeps the hold through suspensions of any length:
	// only the session's end or the node's deletion end it. The holder
	// must then rely on fencing to stay safe.
	IgnoreSuspension bool
}

// MaxGrace returns the longest Grace allowed for the negotiated session
// timeout t: t/6, half of what a partition typically leaves (see Policy).
func MaxGrace(t time.Duration) time.Duration { return t / 6 }

// grace returns the effective grace for the negotiated timeout t.
func (p Policy) grace(t time.Duration) time.Duration {
	return max(0, min(p.Grace, MaxGrace(t)))
}

// Monitor watches a held node and closes Lost when the hold may be gone:
// when the session ends, when the node is deleted, or when the connection
// stays suspended longer than its Policy allows.
//
// The session's end and suspensions come from the client's state and cost
// no request. The node's deletion needs a watch on the node, one request
// per hold, which the monitor sends only once someone asks about the hold
// (Arm, which Lost calls): a hold released without anyone asking costs no
// request beyond its delete. Until then a deletion by another party goes
// unnoticed; the first Arm reads the node (setting the watch), so a node
// deleted before it is noticed one round trip after it.
//
// A monitor runs one goroutine from its first Arm until Stop, following the
// client's state events (and the watch). With a grace (Policy.Grace) it
// runs one from the start, as it must time each suspension. Without (the
// default, and IgnoreSuspension), nothing needs timing: any suspension
// since the hold began loses it, which the client's count of reconnections
// and its state tell whenever asked. So until the first Arm, Cause and
// SetReleasing read them instead, and a hold nobody asks about costs no
// goroutine either.
type Monitor struct {
	conn   *zk.Conn
	path   string
	policy Policy
	lazy   bool          // no grace: started by the first Arm, checked when asked
	since  uint64        // the client's reconnections when the hold began
	done   chan struct{} // closed when the goroutine has returned, or by Stop if none ran
	lost   chan struct{} // closed with cause set
	arm    chan struct{} // closed by the first Arm
	// armOnce guards close(arm) and the start of the goroutine.
	armOnce sync.Once

	mu        sync.Mutex         // guards the fields below
	cancel    context.CancelFunc // ends the goroutine; nil until it runs
	stopped   bool
	cause     error // why lost was closed
	releasing bool  // the holder is deleting the node
	pending   error // a loss seen while releasing, not yet reported
}

// Watch starts monitoring the node at path, held through conn.
func Watch(conn *zk.Conn, path string, policy Policy) *Monitor {
	m := &Monitor{
		conn:   conn,
		path:   path,
		policy: policy,
		since:  conn.Stats().Reconnects,
		done:   make(chan struct{}),
		lost:   make(chan struct{}),
		arm:    make(chan struct{}),
	}
	m.lazy = policy.IgnoreSuspension || policy.grace(conn.SessionTimeout()) == 0
	if m.lazy {
		m.check() // suspended or over already
		return m
	}
	m.start()
	return m
}

// start starts the monitor's goroutine, unless Stop came first. The state
// events are subscribed to before the goroutine reads the state: no change
// falls between.
func (m *Monitor) start() {
	m.mu.Lock()
	if m.stopped || m.cancel != nil {
		m.mu.Unlock()
		return
	}
	ctx, cancel := context.WithCancel(context.Background())
	m.cancel = cancel
	m.mu.Unlock()
	events := m.conn.StateEvents(ctx)
	if m.lazy && m.check() {
		cancel()
		close(m.done)
		return
	}
	go m.run(ctx, events)
}

// check closes Lost if the session is over or, unless suspensions are
// ignored, the connection is suspended or was since the hold began (the
// client reconnected): what the goroutine would have seen, without grace,
// had it been running. It reports whether the hold is lost.
func (m *Monitor) check() bool {
	if err := m.conn.Err(); err != nil {
		m.lose(err)
		return true
	}
	if m.policy.IgnoreSuspension {
		return false
	}
	if s := m.conn.State(); s == zk.StateDisconnected || s == zk.StateReadOnly || m.conn.Stats().Reconnects != m.since {
		m.lose(fmt.Errorf("%w (grace %v)", ErrSuspended, time.Duration(0)))
		return true
	}
	return false
}

// Lost arms the monitor (Arm) and returns a channel closed when the hold
// may be gone (or Stop ended it); Cause then says why. While the holder
// releases (SetReleasing), a loss does not close it: see SetReleasing.
func (m *Monitor) Lost() <-chan struct{} {
	m.Arm()
	return m.lost
}

// Arm makes the monitor watch the node's deletion from now on, if it does
// not already: it sends an exists request that sets a watch on the node,
// without waiting for it. A node found missing is a loss. Before the first
// Arm, only the session's end and suspensions close Lost. Arm does not
// block; calls after the first do nothing.
func (m *Monitor) Arm() {
	m.armOnce.Do(func() {
		close(m.arm)
		if m.lazy {
			m.start()
		}
	})
}

// Cause returns why Lost was closed, or nil while it is open.
func (m *Monitor) Cause() error {
	if m.lazy {
		m.check()
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.cause
}

// lose closes Lost with cause, once; while releasing, it keeps cause for
// SetReleasing(false) instead.
func (m *Monitor) lose(cause error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.releasing {
		if m.pending == nil {
			m.pending = cause
		}
		return
	}
	m.loseLocked(cause)
}

func (m *Monitor) loseLocked(cause error) {
	if m.cause == nil {
		m.cause = cause
		close(m.lost)
	}
}

// SetReleasing tells the monitor whether the holder is releasing the hold
// (deleting its node). Once a release has begun, nothing the monitor sees
// closes Lost: the node's deletion is most likely the release's own, and a
// suspension (a dropped reply breaks the connection) or the session's end
// no longer matters if the release succeeds, after which the holder calls
// Stop with its final cause. The first loss seen meanwhile is kept: if the
// release fails and releasing is turned off again, Lost closes with it at
// once.
func (m *Monitor) SetReleasing(on bool) {
	if on && m.lazy {
		m.check() // a loss before the release is one
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	m.releasing = on
	if !on && m.pending != nil {
		m.loseLocked(m.pending)
		m.pending = nil
	}
}

// Stop ends the monitoring, waits for its goroutine, and closes Lost with
// final unless it was closed already. A loss kept while releasing (see
// SetReleasing) is dropped: final replaces it.
func (m *Monitor) Stop(final error) {
	m.mu.Lock()
	first := !m.stopped
	m.stopped = true
	cancel := m.cancel
	m.mu.Unlock()
	if cancel != nil {
		cancel()
		<-m.done
	} else if first {
		close(m.done) // no goroutine ran, and none will
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	m.pending = nil
	m.loseLocked(final)
}

// nodeGone handles the node's deletion: a loss, unless the holder is
// releasing (SetReleasing).
func (m *Monitor) nodeGone() {
	m.lose(fmt.Errorf("%w: %s", ErrNodeDeleted, m.path))
}

// sessionErr returns why the session ended, from the Conn or else ev.
func (m *Monitor) sessionErr(ev zk.StateEvent) error {
	if err := m.conn.Err(); err != nil {
		return err
	}
	return ev.Err
}

// run is the monitor's goroutine; events was subscribed by Watch. It
// returns once the hold is lost (or would be, while releasing), or when
// ctx ends.
func (m *Monitor) run(ctx context.Context, events <-chan zk.StateEvent) {
	defer close(m.done)
	var (
		suspendT *time.Timer // running while suspended with a grace
		retryT   *time.Timer // running while waiting to set the watch again
		suspendC <-chan time.Time
		retryC   <-chan time.Time
		futC     <-chan struct{}
		watch    <-chan zk.Event
		fut      *zk.Future[zk.ExistsResult]
		attempt  int
		grace    time.Duration
	)
	defer func() {
		if suspendT != nil {
			suspendT.Stop()
		}
		if retryT != nil {
			retryT.Stop()
		}
	}()
	// suspend starts a suspension; it reports true if that lost the hold.
	suspend := func() bool {
		if m.policy.IgnoreSuspension || suspendC != nil {
			return false
		}
		grace = m.policy.grace(m.conn.SessionTimeout())
		if grace <= 0 {
			m.lose(fmt.Errorf("%w (grace %v)", ErrSuspended, grace))
			return true
		}
		suspendT = time.NewTimer(grace)
		suspendC = suspendT.C
		return false
	}
	resume := func() {
		if suspendT != nil {
			suspendT.Stop()
		}
		suspendT, suspendC = nil, nil
	}
	arm := func() {
		fut = m.conn.ExistsWAsync(ctx, m.path)
		futC = fut.Done()
	}

	if s := m.conn.State(); s == zk.StateDisconnected || s == zk.StateReadOnly {
		if suspend() {
			return
		}
	}
	armC := m.arm // nil once armed
	for {
		select {
		case <-ctx.Done():
			return
		case <-armC:
			armC = nil
			arm()
		case <-m.conn.Done():
			m.lose(m.conn.Err())
			return
		case ev, ok := <-events:
			if !ok {
				events = nil // ctx or the session ended: the cases above follow
				continue
			}
			switch ev.Type {
			case zk.EventDisconnected, zk.EventReadOnly:
				if suspend() {
					return
				}
			case zk.EventReconnected:
				resume()
			case zk.EventExpired, zk.EventClosed, zk.EventAuthFailed:
				m.lose(m.sessionErr(ev))
				return
			}
		case <-suspendC:
			m.lose(fmt.Errorf("%w (grace %v)", ErrSuspended, grace))
			return
		case <-futC:
			futC = nil
			res, err := fut.Result()
			switch {
			case err == nil && !res.Exists:
				m.nodeGone()
				return
			case err == nil:
				watch = res.Watch
				attempt = 0
			case SessionOver(err):
				m.lose(err)
				return
			default: // lost or not sent: set the watch again after a pause
				retryT = time.NewTimer(pauseFor(attempt))
				retryC = retryT.C
				attempt++
			}
		case <-retryC:
			retryT, retryC = nil, nil
			arm()
		case ev := <-watch:
			watch = nil
			switch ev.Type {
			case zk.EventNodeDeleted:
				m.nodeGone()
				return
			case zk.EventNotWatching:
				m.lose(ev.Err)
				return
			default: // the data changed: watch again
				arm()
			}
		}
	}
}
