package integration

import (
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"
)

// history records every grant of a lock (or term of an election) made to
// the contenders of one fault scenario, with its fencing token and hold
// interval, and the problems the contenders met. check judges it.
//
// A grant's end is when its holder stopped relying on it: the moment it
// began to release (taken before Unlock or Resign is called), or the
// moment it learnt that the hold was lost (Lost closed), whichever came
// first. For a holder that was partitioned, paused or expired that is when
// it learnt of the loss, which must still precede the next grant.
type history struct {
	mu       sync.Mutex // guards the fields below
	grants   []*grantRecord
	problems []string
	notes    []string // what check saw within the slack

	// The span during which the fault could slow every contender (from
	// its injection to the end of its background work, such as a
	// restart); hand-overs within it are not timed.
	faultFrom, faultTo time.Time
}

// grantRecord is one grant: contender, token, and hold interval.
type grantRecord struct {
	contender int
	token     int64
	node      string
	shared    bool      // a read lock's grant: others that are shared may overlap it
	asked     time.Time // when Lock or Campaign was called
	acquired  time.Time // when it returned

	// Set once each, under history.mu.
	releasing time.Time // before Unlock or Resign was called
	lost      time.Time // when the holder saw Lost closed
	lostErr   error     // the hold's Err when the holder saw Lost closed
	fault     string    // the fault injected while this grant was held, if any
	forced    bool      // the fault ended the hold on the server at once (see forcedSlack)
}

// forcedSlack is how late a holder may learn of a loss the server forced on
// it at once (a session closed by fiat, as zktest.ExpireSession does),
// relative to the next grant. No client can learn of such a loss before the
// server acts: its connection is closed as the session's nodes are
// deleted, and the next contender, woken by the deletion, races the
// holder's learning of it. A loss by silence (a partition, a pause) is
// different: the server expires the session only after the session
// timeout, and the holder must step down before that, with no slack.
const forcedSlack = time.Second

// end returns when the holder stopped relying on the grant, and whether it
// ever did.
func (g *grantRecord) end() (time.Time, bool) {
	switch {
	case g.releasing.IsZero() && g.lost.IsZero():
		return time.Time{}, false
	case g.releasing.IsZero():
		return g.lost, true
	case g.lost.IsZero() || g.releasing.Before(g.lost):
		return g.releasing, true
	}
	return g.lost, true
}

// endWithSlack is end, moved forcedSlack earlier for a loss the server
// forced at once.
func (g *grantRecord) endWithSlack() (time.Time, bool) {
	end, ok := g.end()
	if ok && g.forced {
		end = end.Add(-forcedSlack)
	}
	return end, ok
}

// grant records that contender, which asked at asked, got a grant with
// token and returns its record; the caller takes the time at right after
// the grant.
func (h *history) grant(contender int, token int64, node string, shared bool, asked, at time.Time) *grantRecord {
	h.mu.Lock()
	defer h.mu.Unlock()
	g := &grantRecord{contender: contender, token: token, node: node, shared: shared, asked: asked, acquired: at}
	h.grants = append(h.grants, g)
	return g
}

// releasing records that g's holder is about to release it.
func (h *history) releasing(g *grantRecord, at time.Time) {
	h.mu.Lock()
	defer h.mu.Unlock()
	g.releasing = at
}

// lost records that g's holder saw its Lost channel closed, with the
// hold's Err then.
func (h *history) lost(g *grantRecord, at time.Time, err error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	g.lost, g.lostErr = at, err
}

// faulted records that fault was injected while g was held; forced says
// that it ended the hold on the server at once (see forcedSlack).
func (h *history) faulted(g *grantRecord, fault string, forced bool) {
	h.mu.Lock()
	defer h.mu.Unlock()
	g.fault, g.forced = fault, forced
	h.faultSpanLocked(time.Now())
}

// faultSpan widens the fault's span to take in at.
func (h *history) faultSpan(at time.Time) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.faultSpanLocked(at)
}

func (h *history) faultSpanLocked(at time.Time) {
	if h.faultFrom.IsZero() || at.Before(h.faultFrom) {
		h.faultFrom = at
	}
	if at.After(h.faultTo) {
		h.faultTo = at
	}
}

// handovers returns how long each graceful hand-over took: from a
// grant's release (not lost, no fault) to the next grant, asked for
// before that release, when neither carries the fault and the hand-over
// does not overlap the fault's span. For exclusive grants only.
func (h *history) handovers() []time.Duration {
	h.mu.Lock()
	defer h.mu.Unlock()
	gs := h.sorted()
	var out []time.Duration
	for i := 1; i < len(gs); i++ {
		prev, next := gs[i-1], gs[i]
		if prev.fault != "" || next.fault != "" || prev.releasing.IsZero() || !next.asked.Before(prev.releasing) ||
			(!prev.lost.IsZero() && !prev.lost.After(prev.releasing)) {
			continue
		}
		if !h.faultFrom.IsZero() && !next.acquired.Before(h.faultFrom) && !prev.releasing.After(h.faultTo) {
			continue
		}
		out = append(out, next.acquired.Sub(prev.releasing))
	}
	return out
}

// problem records a failure seen by a contender's or a fault's goroutine.
func (h *history) problem(format string, args ...any) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.problems = append(h.problems, fmt.Sprintf(format, args...))
}

// check returns every violation of the invariants: of any two grants
// that are not both shared (every two, for a mutex or an election), the
// one granted later has the larger token and was granted after the other
// ended (released, or its loss learnt; a loss forced on the server at once
// within forcedSlack); each of the contenders got want grants; and the
// problems the contenders recorded. Shared grants (readers, leases) may
// overlap and carry tokens in any order among themselves; with a limit
// above 0, no more than limit grants are held at once. It also returns
// the most grants it saw held at once.
func (h *history) check(contenders, want, limit int) (bad []string, maxHeld int) {
	h.mu.Lock()
	defer h.mu.Unlock()
	bad = slices.Clone(h.problems)
	gs := h.sorted()
	for j, next := range gs {
		held := 1 // next, and the earlier ones it overlaps
		for i, prev := range gs[:j] {
			if prev.shared && next.shared {
				if end, ok := prev.endWithSlack(); !ok || !end.Before(next.acquired) {
					held++
				}
				continue
			}
			if next.token <= prev.token {
				bad = append(bad, fmt.Sprintf("grant %d (contender %d) has token %d after token %d of grant %d (contender %d)",
					j, next.contender, next.token, prev.token, i, prev.contender))
			}
			end, ok := prev.endWithSlack()
			switch {
			case !ok:
				bad = append(bad, fmt.Sprintf("grant %d (contender %d) never ended, but grant %d (contender %d) followed",
					i, prev.contender, j, next.contender))
			case !end.Before(next.acquired):
				bad = append(bad, fmt.Sprintf("grants overlap: grant %d (contender %d, fault %q) ended %v after grant %d (contender %d) began",
					i, prev.contender, prev.fault, end.Sub(next.acquired), j, next.contender))
			case prev.forced && !end.Add(forcedSlack).Before(next.acquired):
				h.notes = append(h.notes, fmt.Sprintf("grant %d (contender %d, fault %q) learnt of its forced loss %v after grant %d began (slack %v)",
					i, prev.contender, prev.fault, end.Add(forcedSlack).Sub(next.acquired), j, forcedSlack))
			}
		}
		maxHeld = max(maxHeld, held)
		if limit > 0 && held > limit {
			bad = append(bad, fmt.Sprintf("grant %d (contender %d) made %d grants held at once, limit %d",
				j, next.contender, held, limit))
		}
	}
	counts := make([]int, contenders)
	for _, g := range gs {
		counts[g.contender]++
	}
	for id, n := range counts {
		if n != want {
			bad = append(bad, fmt.Sprintf("contender %d was granted %d times, want %d", id, n, want))
		}
	}
	return bad, maxHeld
}

// sorted returns the grants in the order they were made (of acquisition).
func (h *history) sorted() []*grantRecord {
	gs := slices.Clone(h.grants)
	slices.SortStableFunc(gs, func(a, b *grantRecord) int { return a.acquired.Compare(b.acquired) })
	return gs
}

// String lists the grants in order, relative to the first, for a failure.
func (h *history) String() string {
	h.mu.Lock()
	defer h.mu.Unlock()
	gs := h.sorted()
	if len(gs) == 0 {
		return "no grants"
	}
	t0 := gs[0].acquired
	rel := func(t time.Time) string {
		if t.IsZero() {
			return "-"
		}
		return t.Sub(t0).Round(time.Millisecond).String()
	}
	var b strings.Builder
	for i, g := range gs {
		kind := "exclusive"
		if g.shared {
			kind = "shared"
		}
		fmt.Fprintf(&b, "%2d contender %d %s token %#x acquired %s releasing %s lost %s",
			i, g.contender, kind, g.token, rel(g.acquired), rel(g.releasing), rel(g.lost))
		if g.fault != "" {
			fmt.Fprintf(&b, " fault %q (err %v)", g.fault, g.lostErr)
		}
		b.WriteByte('\n')
	}
	for _, n := range h.notes {
		fmt.Fprintf(&b, "note: %s\n", n)
	}
	if !h.faultFrom.IsZero() {
		fmt.Fprintf(&b, "fault span: %s to %s\n", rel(h.faultFrom), rel(h.faultTo))
	}
	return b.String()
}
