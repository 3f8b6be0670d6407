package zk

import (
	"context"
	"strconv"
	"sync"
)

// State is the state of a Conn's connection to its session.
type State int32

// States.
const (
	// StateConnecting: Dial has not established the session yet.
	StateConnecting State = iota
	// StateConnected: connected to a read-write server.
	StateConnected
	// StateDisconnected: the connection was lost and the Conn is trying to
	// re-attach the session elsewhere. The session may still live (its
	// ephemeral nodes too), but holders of locks or leadership should treat
	// their hold as suspended.
	StateDisconnected
	// StateReadOnly: connected to a read-only server (WithReadOnly).
	StateReadOnly
	// StateExpired: the server declared the session expired; final.
	StateExpired
	// StateClosed: Close ended the session; final.
	StateClosed
	// StateAuthFailed: the server rejected a credential; final.
	StateAuthFailed
)

var stateNames = [...]string{"StateConnecting", "StateConnected", "StateDisconnected",
	"StateReadOnly", "StateExpired", "StateClosed", "StateAuthFailed"}

// String returns the state's name, e.g. "StateConnected".
func (s State) String() string {
	if s >= 0 && int(s) < len(stateNames) {
		return stateNames[s]
	}
	return "State(" + strconv.Itoa(int(s)) + ")"
}

// StateEventType is the kind of a connection-state change.
type StateEventType int

// State event types.
const (
	// EventConnected: the session was established (once, by Dial).
	EventConnected StateEventType = iota
	// EventDisconnected: the connection was lost; the session is suspended.
	EventDisconnected
	// EventReconnected: the same session was re-attached, auth re-sent and
	// every watch re-registered. It also follows a move from a read-only
	// server to a read-write one (WithReadOnly); a session established by
	// a read-only server then has a new SessionID.
	EventReconnected
	// EventExpired: the session expired; final.
	EventExpired
	// EventReadOnly: connected (or reconnected) to a read-only server.
	EventReadOnly
	// EventClosed: Close ended the session; final.
	EventClosed
	// EventAuthFailed: a credential was rejected; final.
	EventAuthFailed
)

var stateEventNames = [...]string{"EventConnected", "EventDisconnected", "EventReconnected",
	"EventExpired", "EventReadOnly", "EventClosed", "EventAuthFailed"}

// String returns the type's name, e.g. "EventReconnected".
func (t StateEventType) String() string {
	if t >= 0 && int(t) < len(stateEventNames) {
		return stateEventNames[t]
	}
	return "StateEventType(" + strconv.Itoa(int(t)) + ")"
}

// final reports whether no event can follow t.
func (t StateEventType) final() bool {
	return t == EventExpired || t == EventClosed || t == EventAuthFailed
}

// StateEvent is a connection-state change.
type StateEvent struct {
	Type      StateEventType
	Server    string // the server connected to, or the one lost
	SessionID int64
	Err       error // why the connection was lost or the session ended
}

// stateHub fans state events out to subscribers, in order, each through its
// own unbounded pump.
type stateHub struct {
	mu    sync.Mutex // guards the fields below
	subs  map[*pump[StateEvent]]struct{}
	final *StateEvent
}

func (h *stateHub) emit(ev StateEvent) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.final != nil {
		return
	}
	for p := range h.subs {
		p.push(ev)
		if ev.Type.final() {
			p.close()
		}
	}
	if ev.Type.final() {
		h.final = &ev
		h.subs = nil
	}
}

func (h *stateHub) subscribe(ctx context.Context, g *pumpGroup) <-chan StateEvent {
	h.mu.Lock()
	if h.final != nil {
		h.mu.Unlock()
		ch := make(chan StateEvent, 1)
		ch <- *h.final
		close(ch)
		return ch
	}
	p := newPump[StateEvent]()
	if h.subs == nil {
		h.subs = make(map[*pump[StateEvent]]struct{})
	}
	h.subs[p] = struct{}{}
	p.onExit = func() {
		h.mu.Lock()
		delete(h.subs, p)
		h.mu.Unlock()
	}
	h.mu.Unlock()
	start(g, p, ctx.Done())
	return p.out
}

// StateEvents returns a channel of every connection-state change from now
// on, in order. Each subscriber has its own unbounded buffer: a slow
// subscriber never stalls the Conn and loses nothing. The channel is closed
// after the final event (EventClosed, EventExpired or EventAuthFailed), or
// when ctx ends or Close returns: events not yet taken are then dropped,
// except the oldest, which stays readable. Subscribing after the session
// ended yields the final event alone.
func (c *Conn) StateEvents(ctx context.Context) <-chan StateEvent {
	return c.hub.subscribe(ctx, c.pumps)
}

// setState records s and emits ev, from the session goroutine only.
func (c *Conn) setState(s State, ev StateEvent) {
	c.state.Store(int32(s))
	if ev.SessionID == 0 {
		ev.SessionID = c.sessionID.Load()
	}
	c.log.Info("zk: state", "state", s.String(), "server", ev.Server, "session_id", ev.SessionID, "err", ev.Err)
	c.hub.emit(ev)
}
