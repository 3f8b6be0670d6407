package lock

import (
	"context"
	"fmt"
	"sync"

	"github.com/coordkit/coordkit/recipes/internal/contend"
	"github.com/coordkit/coordkit/zk"
)

// locker makes and releases the holds of one kind of contender on a lock
// path: a Mutex, or one side of an RWMutex (the sides share the contest).
type locker struct {
	conn    *zk.Conn
	path    string
	policy  contend.Policy
	contest *contend.Contest
	name    string       // the node name before its sequence suffix: "lock-", "__READ__", ...
	rule    contend.Rule // whom a contender waits for

	mu   sync.Mutex // guards last
	last *Hold      // the latest hold granted and not released
}

// newContest returns the contest of lock nodes in dir, configured by cfg.
func newContest(conn *zk.Conn, dir string, cfg config) *contend.Contest {
	c := cfg.Contest(conn, dir, contend.LockMarkers)
	return &c
}

// lock joins the contest and waits until the rule lets the node proceed;
// see Mutex.Lock. op names the operation in errors.
func (l *locker) lock(ctx context.Context, op string) (*Hold, error) {
	node, children, err := l.contest.Join(ctx, l.name)
	if err != nil {
		return nil, l.fail(op, err)
	}
	if err := l.contest.Wait(ctx, node, children, l.rule); err != nil {
		return nil, l.fail(op, l.contest.Leave(ctx, node, err))
	}
	return l.grant(node), nil
}

// tryLock joins the contest and proceeds if the rule lets the node
// proceed at once, or leaves it and fails with ErrLocked; see
// Mutex.TryLock.
func (l *locker) tryLock(ctx context.Context, op string) (*Hold, error) {
	node, children, err := l.contest.Join(ctx, l.name)
	if err != nil {
		return nil, l.fail(op, err)
	}
	if children == nil {
		if children, err = l.contest.Children(ctx); err != nil {
			return nil, l.fail(op, l.contest.Leave(ctx, node, err))
		}
	}
	blocker, err := l.contest.Blocker(node, children, l.rule)
	if err == nil && blocker != "" {
		err = ErrLocked
	}
	if err != nil {
		return nil, l.fail(op, l.contest.Leave(ctx, node, err))
	}
	return l.grant(node), nil
}

// unlock releases the latest hold granted and not yet released.
func (l *locker) unlock(ctx context.Context, op string) error {
	l.mu.Lock()
	h := l.last
	l.mu.Unlock()
	if h == nil {
		return l.fail(op, ErrNotHeld)
	}
	return h.release(ctx, op)
}

// grant makes the hold of node, which the contest granted, and makes it
// the latest.
func (l *locker) grant(node contend.Node) *Hold {
	h := l.hold(node)
	l.mu.Lock()
	l.last = h
	l.mu.Unlock()
	return h
}

// hold makes the hold of node, which the contest granted, and starts
// monitoring it.
func (l *locker) hold(node contend.Node) *Hold {
	return &Hold{l: l, node: node, hold: contend.NewHold(l.conn, node.Path, l.policy, ErrNotHeld, ErrLost)}
}

// forget drops h as the latest hold, once released.
func (l *locker) forget(h *Hold) {
	l.mu.Lock()
	if l.last == h {
		l.last = nil
	}
	l.mu.Unlock()
}

// fail names the operation and the lock in err.
func (l *locker) fail(op string, err error) error {
	return fmt.Errorf("%s %s: %w", op, l.path, err)
}
