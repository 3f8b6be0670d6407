package election

import (
	"context"
	"errors"
	"path"
	"slices"
	"strconv"

	"github.com/coordkit/coordkit/recipes/internal/contend"
	"github.com/coordkit/coordkit/zk"
)

// Reason says why a leader stopped leading, as an observer saw it.
type Reason int

// Reasons.
const (
	// ReasonNone: no leader stopped — the event is the first of its
	// Observe, or there was no leader before it.
	ReasonNone Reason = iota
	// ReasonResigned: the previous leader resigned (Resign): its node
	// was deleted in a transaction that wrote its name as the election
	// directory's data.
	ReasonResigned
	// ReasonDeleted: the previous leader's node was deleted without a
	// resignation: its session ended (it expired, or was closed without
	// Resign) or another process deleted the node. A resignation that
	// happened while the observer's connection was down is reported so
	// too, the server then telling only that the node is gone.
	ReasonDeleted
	// ReasonUnknown: the previous leader's node went while the observer
	// was not watching it (between two reads), or another leader resigned
	// before the observer could read the directory's data.
	ReasonUnknown
)

var reasonNames = [...]string{"none", "resigned", "deleted", "unknown"}

// String returns the reason's name: "none", "resigned", "deleted" or
// "unknown".
func (r Reason) String() string {
	if r >= 0 && int(r) < len(reasonNames) {
		return reasonNames[r]
	}
	return "Reason(" + strconv.Itoa(int(r)) + ")"
}

// LeaderEvent is one change of leader seen by Observe.
type LeaderEvent struct {
	// Value is the new leader's value (see Campaign); nil when there is
	// no leader.
	Value []byte
	// Node is the path of the new leader's node; "" when there is no
	// leader.
	Node string
	// Term is the new leader's term (Leadership.Term); 0 when there is no
	// leader.
	Term int64
	// Reason says why the previous leader stopped; ReasonNone in the first
	// event, and when there was no leader before.
	Reason Reason
	// Err is set in the last event of an observation that ended because
	// the session ended or a read failed; the event then says nothing
	// about the leader, and the channel is closed after it.
	Err error
}

// HasLeader reports whether the event names a leader.
func (ev LeaderEvent) HasLeader() bool { return ev.Node != "" }

// Observe follows the election's leader: the returned channel receives the
// current leader (or its absence) at once, then an event each time the
// leader changes, saying who leads now and why the previous one stopped.
// It is unbuffered: the observer waits for the receiver, and reads the
// election anew after each event it delivers.
//
// An observer watches the leader's node only (and the directory while
// there is no leader), with one-shot watches. A change costs two round
// trips: the children, along with the directory's data, which says
// whether the previous leader resigned (see Resign); then the new leader's
// node. A candidate that leads and goes between two reads (while the
// previous event waits for its receiver, or within one round trip) is not
// reported: events tell changes of the leader as the observer reads it,
// never two leaders at once, and the terms of successive events increase.
//
// The channel is closed when ctx ends; when the session ends or a read
// fails otherwise, a last event carries the error (Err) before it is
// closed. Observe runs one goroutine until then; the receiver should drain
// the channel or cancel ctx.
func (e *Election) Observe(ctx context.Context) <-chan LeaderEvent {
	ch := make(chan LeaderEvent)
	go e.observe(ctx, ch)
	return ch
}

// observe is Observe's goroutine.
func (e *Election) observe(ctx context.Context, ch chan<- LeaderEvent) {
	defer close(ch)
	var (
		reported bool         // an event was delivered
		current  string       // the name of the leader last reported; "" for none
		last     zk.EventType // the last watch event on current's node
		dir      dirState     // the directory, read before current's node
	)
	emit := func(ev LeaderEvent) bool {
		select {
		case ch <- ev:
			reported = true
			return true
		case <-ctx.Done():
			return false
		}
	}
	end := func(err error) {
		if ctx.Err() == nil {
			emit(LeaderEvent{Err: e.fail("observe", err)})
		}
	}
	for attempt := 0; ; {
		var after *zk.Future[zk.GetResult] // the directory's data once current went
		if current != "" && last == zk.EventNodeDeleted {
			after = e.conn.GetAsync(ctx, e.path) // along with the children
		}
		kids, err := e.contest.Children(ctx)
		if err != nil {
			end(err)
			return
		}
		reason := ReasonNone
		var read dirState // the directory, if read before the children this round
		if current != "" && !slices.Contains(kids, current) {
			if after == nil {
				after = e.conn.GetAsync(ctx, e.path)
			}
			r, err := after.Wait(ctx)
			reason = dir.reason(current, last, r, err)
			read = readDir(r, err)
		}
		ordered := contend.Order(kids, markers)
		if len(ordered) == 0 {
			if !reported || current != "" {
				if !emit(LeaderEvent{Reason: reason}) {
					return
				}
				current, last = "", 0
			}
			watch, err := e.watchDir(ctx)
			switch {
			case err == nil:
			case contend.ReadRetryable(err) && ctx.Err() == nil:
				if err := contend.Pause(ctx, e.conn, attempt); err != nil {
					end(err)
					return
				}
				attempt++
				continue
			default:
				end(err)
				return
			}
			attempt = 0
			if watch == nil { // the directory has children again
				continue
			}
			if !e.await(ctx, watch, end) {
				return
			}
			continue
		}

		leader := ordered[0].Name
		p := path.Join(e.path, leader)
		// The directory as it was before the leader's node is read: the
		// read made with the children if there was one (only the leader
		// writes the directory, as it resigns, and then its node is gone),
		// or one along with the node.
		var before *zk.Future[zk.GetResult]
		if !read.ok {
			before = e.conn.GetAsync(ctx, e.path)
		}
		lr, err := e.conn.GetWAsync(ctx, p).Wait(ctx)
		data, st, watch := lr.Data, lr.Stat, lr.Watch
		switch {
		case err != nil:
		case before != nil:
			dir = readDir(before.Wait(ctx))
		default:
			dir = read
		}
		switch {
		case err == nil:
		case errors.Is(err, zk.ErrNoNode):
			if leader == current && last == 0 {
				last = zk.EventNodeDeleted
			}
			continue
		case contend.ReadRetryable(err) && ctx.Err() == nil:
			if err := contend.Pause(ctx, e.conn, attempt); err != nil {
				end(err)
				return
			}
			attempt++
			continue
		default:
			end(err)
			return
		}
		attempt = 0
		if leader != current || !reported {
			if !emit(LeaderEvent{Value: data, Node: p, Term: st.Czxid, Reason: reason}) {
				return
			}
			current = leader
		}
		last = 0
		select {
		case ev := <-watch:
			if ev.Type == zk.EventNotWatching {
				end(ev.Err)
				return
			}
			last = ev.Type
		case <-ctx.Done():
			return
		case <-e.conn.Done():
			end(e.conn.Err())
			return
		}
	}
}

// watchDir sets a one-shot watch on the election's directory while it has
// no candidates: a child watch if it exists, or a watch for its creation.
// It returns a nil channel if the directory turns out to have children.
func (e *Election) watchDir(ctx context.Context) (<-chan zk.Event, error) {
	kids, _, watch, err := e.conn.ChildrenW(ctx, e.path)
	switch {
	case err == nil:
		if len(contend.Order(kids, markers)) > 0 {
			return nil, nil // the watch fires once later, unread: harmless
		}
		return watch, nil
	case !errors.Is(err, zk.ErrNoNode):
		return nil, err
	}
	_, ok, watch, err := e.conn.ExistsW(ctx, e.path)
	switch {
	case err != nil:
		return nil, err
	case ok:
		return nil, nil // created meanwhile: read it again
	}
	return watch, nil
}

// await waits for a directory watch to fire. It reports false (after end,
// unless ctx ended) when the observation is over.
func (e *Election) await(ctx context.Context, watch <-chan zk.Event, end func(error)) bool {
	select {
	case ev := <-watch:
		if ev.Type == zk.EventNotWatching {
			end(ev.Err)
			return false
		}
		return true
	case <-ctx.Done():
		return false
	case <-e.conn.Done():
		end(e.conn.Err())
		return false
	}
}

// dirState is the election directory as an observer read it before the
// leader's node: a later resignation changes its version.
type dirState struct {
	stat zk.Stat
	ok   bool // read; false if the read failed
}

// readDir is the dirState a read of the directory returned.
func readDir(r zk.GetResult, err error) dirState { return dirState{stat: r.Stat, ok: err == nil} }

// reason tells why the leader whose node is name went, from the
// directory's data read after that (r, err) and what the observer saw
// before: last, the last watch event on the node, and d, the directory as
// read before the node. The directory naming the node says it
// resigned. A deletion seen with the directory unchanged since is a node
// that vanished; anything else is unknown (the deletion was not seen, or
// another resignation wrote the directory since).
func (d dirState) reason(name string, last zk.EventType, r zk.GetResult, err error) Reason {
	switch {
	case err != nil:
		return ReasonUnknown
	case string(r.Data) == string(resignMark(name)):
		return ReasonResigned
	case last == zk.EventNodeDeleted && d.ok && r.Stat.Czxid == d.stat.Czxid && r.Stat.Version == d.stat.Version:
		return ReasonDeleted
	}
	return ReasonUnknown
}
