package lock

import (
	"context"
	"errors"
	"fmt"

	"github.com/coordkit/coordkit/recipes/internal/contend"
	"github.com/coordkit/coordkit/zk"
)

// Hold is one grant of a Mutex, or of either side of an RWMutex: the lock
// is held through it from Lock or TryLock (RLock or TryRLock) until Unlock,
// or until Lost is closed. Its methods are safe for
// concurrent use.
type Hold struct {
	l    *locker
	node contend.Node
	hold *contend.Hold
}

// Lost returns a channel that is closed when the hold may be gone: the
// session expired or was closed, the lock node was deleted (by another
// process, or an administrator), or the connection stayed suspended longer
// than the grace (WithSuspendGrace; at once by default). It is also closed
// by Unlock. Err then says why.
//
// The node's deletion is watched from the first call to Lost or Err (or
// Multi) on, which sends one request to set the watch: a hold that nobody
// asks about costs no request beyond Lock's and Unlock's. A deletion
// before that first call is noticed by it one round trip later; a deletion
// after it, as soon as the watch fires. The session's end and suspensions
// are noticed at once either way.
//
// A holder should stop acting on the lock's behalf as soon as Lost is
// closed, then call Unlock to delete its node if it is still there.
func (h *Hold) Lost() <-chan struct{} { return h.hold.Lost() }

// Err returns nil while the hold lasts; after a loss, an error wrapping
// ErrLost and the cause (see Lost); after Unlock without a loss,
// ErrNotHeld. Its first call starts watching the node's deletion (see
// Lost) without waiting: a node deleted before that call is reported by a
// later one, once the server has answered.
func (h *Hold) Err() error {
	h.hold.Arm()
	return h.hold.Err()
}

// Token returns the hold's fencing token: the zxid that created its lock
// node. ZooKeeper's zxids grow with every write, and the lock is granted
// in the order its nodes were created, so a later grant on the same path
// always has a larger token — also after the lock's directory was deleted
// and created again, and after its sequence counter wrapped. A store that
// remembers the largest token it has seen and rejects smaller ones cannot be
// written to by a holder that lost the lock to a later one.
func (h *Hold) Token() int64 { return h.node.Stat.Czxid }

// Node returns the path of the hold's lock node:
// "<path>/_c_<uuid>-lock-<seq>" for a Mutex, "<path>/_c_<uuid>-__READ__<seq>"
// or "<path>/_c_<uuid>-__WRIT__<seq>" for an RWMutex.
func (h *Hold) Node() string { return h.node.Path }

// Fence returns an operation that makes a zk.Conn.Multi fail (with
// zk.ErrNoNode) unless the hold's lock node still exists. The node's name
// is unique to this hold, so its existence proves that the lock is still
// held by this session.
func (h *Hold) Fence() zk.Op { return zk.CheckOp(h.node.Path, zk.AnyVersion) }

// Multi applies ops atomically on the condition that the lock is still
// held (Fence): a fenced write. It returns one result per op in ops. If
// the hold is already known to be lost or released it sends nothing and
// returns its Err. If the lock node is gone the transaction applies
// nothing and the error wraps ErrLost and zk.ErrNoNode; if one of ops
// fails, the error is a *zk.MultiError whose Index and Results refer to
// ops. ctx and zk.ErrConnectionLoss are as for zk.Conn.Multi: a lost
// transaction may or may not have been applied.
func (h *Hold) Multi(ctx context.Context, ops ...zk.Op) ([]zk.OpResult, error) {
	if err := h.Err(); err != nil {
		return nil, fmt.Errorf("fenced multi %s: %w", h.node.Path, err)
	}
	all := make([]zk.Op, 0, len(ops)+1)
	all = append(all, h.Fence())
	all = append(all, ops...)
	res, err := h.l.conn.Multi(ctx, all...)
	if err != nil {
		var me *zk.MultiError
		if !errors.As(err, &me) {
			return nil, err
		}
		if me.Index == 0 {
			return nil, fmt.Errorf("fenced multi %s: %w: %w", h.node.Path, ErrLost, err)
		}
		shifted := *me
		shifted.Index--
		if len(shifted.Results) > 0 {
			shifted.Results = shifted.Results[1:]
		}
		return shifted.Results, &shifted
	}
	if len(res) > 0 {
		res = res[1:]
	}
	return res, nil
}

// Unlock releases the hold: it deletes the lock node, which the next
// contender is waiting for, and closes Lost. It blocks until the server
// answers or ctx ends; a delete whose reply was lost is sent again.
//
// It never deletes another holder's node: the node's name is unique to this
// hold, and the delete carries the version it was created with (a node
// whose version moved on is deleted only once its creation zxid proves it
// is the same).
//
// If the hold was lost before Unlock, or its node turns out to be gone,
// Unlock still deletes the node if it exists (a suspension leaves it in
// place) and returns an error wrapping ErrLost and the cause. If the delete
// could not be confirmed (ctx ended, or another error), Unlock returns that
// error and the hold stays as it was: Unlock may be called again. A second
// Unlock after a release fails with ErrNotHeld.
func (h *Hold) Unlock(ctx context.Context) error { return h.release(ctx, "unlock") }

// release is Unlock; op names the operation in errors.
func (h *Hold) release(ctx context.Context, op string) error {
	remove := func(ctx context.Context, deleted *bool) error {
		return h.l.contest.Remove(ctx, h.node, deleted)
	}
	if err := h.hold.Release(ctx, remove, func() { h.l.forget(h) }); err != nil {
		return h.l.fail(op, err)
	}
	return nil
}
