package election

import (
	"context"
	"errors"
	"fmt"

	"github.com/coordkit/coordkit/recipes/internal/contend"
	"github.com/coordkit/coordkit/zk"
)

// Leadership is one term of leadership won by Campaign: the candidate leads
// from Campaign's return until Resign, or until Lost is closed. Its methods
// are safe for concurrent use.
type Leadership struct {
	e       *Election
	contest *contend.Contest
	node    contend.Node
	value   []byte
	hold    *contend.Hold
}

// Lost returns a channel that is closed when the leadership may be gone:
// the session expired or was closed, the leader's node was deleted (by
// another process, or an administrator), or the connection stayed
// suspended longer than the grace (WithSuspendGrace; at once by default),
// so that the server may expire the session and elect another leader. It
// is also closed by Resign. Err then says why.
//
// A leader should stop acting as leader as soon as Lost is closed, then
// call Resign to delete its node if it is still there.
func (l *Leadership) Lost() <-chan struct{} { return l.hold.Lost() }

// Err returns nil while the leadership lasts; after a loss, an error
// wrapping ErrLost and the cause (see Lost); after Resign without a loss,
// ErrNotLeader.
func (l *Leadership) Err() error { return l.hold.Err() }

// Term returns the leadership's term, a fencing token: the zxid that
// created the leader's node. Leaders are elected in the order their nodes
// were created and zxids grow with every write, so a later leader on the
// same path always has a larger term — also after the election's directory
// was deleted and created again, and after its sequence counter wrapped. A
// store that remembers the largest term it has seen and rejects smaller
// ones cannot be written to by a leader that was replaced.
func (l *Leadership) Term() int64 { return l.node.Stat.Czxid }

// Value returns the value the leader campaigned with.
func (l *Leadership) Value() []byte { return append([]byte(nil), l.value...) }

// Node returns the path of the leader's node, "<path>/_c_<uuid>-latch-<seq>".
func (l *Leadership) Node() string { return l.node.Path }

// Fence returns an operation that makes a zk.Conn.Multi fail (with
// zk.ErrNoNode) unless the leader's node still exists: a write guarded by
// it is applied only while this candidate is the leader. The node's name is
// unique to this term.
func (l *Leadership) Fence() zk.Op { return zk.CheckOp(l.node.Path, zk.AnyVersion) }

// Resign gives up the leadership: it deletes the leader's node, so that the
// next candidate, which watches it, takes over at once, and closes Lost.
// It blocks until the server answers or ctx ends; a request whose reply was
// lost is sent again. A process shutting down gracefully should resign
// rather than let its session's end remove the node.
//
// The delete is one transaction that also writes the node's name as the
// election directory's data: observers that see the node go read it there
// and tell that the leader resigned (ReasonResigned) rather than vanished
// (ReasonDeleted). The node itself is not touched before its deletion, so
// that a Curator LeaderLatch waiting for it, which acts only on the
// deletion event, takes over too. Without the right to write the
// directory's data (an ACL), Resign deletes the node alone. It never
// deletes another candidate's node: the name is unique to this term and
// the delete carries the version the node was created with.
//
// If the leadership was lost before Resign, or its node turns out to be
// gone, Resign still deletes the node if it exists (a suspension leaves it
// in place) and returns an error wrapping ErrLost and the cause. If the
// delete could not be confirmed (ctx ended, or another error), Resign
// returns that error and the leadership stays as it was: Resign may be
// called again. A second Resign after a resignation fails with
// ErrNotLeader.
func (l *Leadership) Resign(ctx context.Context) error {
	if err := l.hold.Release(ctx, l.remove, func() { l.e.forget(l) }); err != nil {
		return l.e.fail("resign", err)
	}
	return nil
}

// remove deletes the leader's node with a transaction that marks the
// resignation in the directory's data (see Resign). If the node's version
// moved on (someone else wrote its data), or the directory may not be
// written, it falls back to the contest's Remove, which deletes the node
// alone, checking first that it is still the same node if its version
// moved on. *deleted is as for a contend.Remover.
func (l *Leadership) remove(ctx context.Context, deleted *bool) error {
	n := l.node
	for attempt := 0; ; attempt++ {
		_, err := l.e.conn.Multi(ctx,
			zk.DeleteOp(n.Path, n.Stat.Version),
			zk.SetOp(l.e.path, resignMark(n.Name), zk.AnyVersion),
		)
		switch {
		case err == nil:
			return l.sweep(ctx)
		case errors.Is(err, zk.ErrNoNode):
			if *deleted {
				return l.sweep(ctx)
			}
			return fmt.Errorf("%w: %s", ErrNodeDeleted, n.Path)
		case errors.Is(err, zk.ErrBadVersion), errors.Is(err, zk.ErrNoAuth):
			return l.contest.Remove(ctx, n, deleted)
		case errors.Is(err, zk.ErrConnectionLoss) && !contend.SessionOver(err):
			*deleted = true // it may have been applied
		case zk.IsRetryable(err) && ctx.Err() == nil:
		default:
			return err
		}
		if err := contend.Pause(ctx, l.e.conn, attempt); err != nil {
			return err
		}
	}
}

// resignMark is the election directory's data once the leader whose node
// is name resigned.
func resignMark(name string) []byte { return []byte(name) }

// sweep deletes, once the node is gone, the duplicates a lost create may
// have left when the node was found again after one (Node.Recovered).
func (l *Leadership) sweep(ctx context.Context) error {
	if !l.node.Recovered {
		return nil
	}
	deleted := true // Remove then finds the node gone and sweeps its prefix
	return l.contest.Remove(ctx, l.node, &deleted)
}
