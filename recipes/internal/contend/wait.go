package contend

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/coordkit/coordkit/zk"
)

// Blocker returns the name of the contender that node must wait for
// according to rule, or "" if node may proceed, given the directory's
// children. It fails with ErrNodeDeleted if node is not among them.
// Children carrying node's prefix other than node itself are duplicates left
// by a lost create: Blocker ignores them and deletes them in the background.
func (c *Contest) Blocker(node Node, children []string, rule Rule) (string, error) {
	w, err := c.blocker(node, children, rule)
	return w.blocker, err
}

// wait is what node waits for, as one read of the children says.
type wait struct {
	blocker string // the contender rule names; "" if node may proceed
	// final says whether the blocker's deletion alone lets node proceed:
	// the blocker is the lowest contender (it holds), and without it rule
	// would let node proceed. Contenders created later order after node
	// (sequence numbers only grow; Order handles a wrap), and those before
	// it can only go, which never makes a rule name a blocker, so the
	// blocker's deletion then grants node without another read of the
	// children.
	final bool
	// ahead, when the blocker is node's immediate predecessor and is
	// itself waiting, is the contender just before the blocker: once it
	// goes, the blocker most likely holds, and a read of the children then
	// makes the blocker's own deletion final.
	ahead string
	// aheadFinal says that ahead is the lowest contender and that without
	// it the blocker would be final: ahead's deletion then makes the
	// blocker's deletion final with no read of the children in between.
	aheadFinal bool
}

// blocker is Blocker, with the rest of what node waits for.
func (c *Contest) blocker(node Node, children []string, rule Rule) (wait, error) {
	kept := children[:0:0]
	for _, k := range children {
		if k != node.Name && strings.HasPrefix(k, node.Prefix) {
			c.Conn.DeleteAsync(context.Background(), c.child(k), zk.AnyVersion)
			continue
		}
		kept = append(kept, k)
	}
	ordered := Order(kept, c.Markers)
	own := -1
	for i, o := range ordered {
		if o.Name == node.Name {
			own = i
			break
		}
	}
	if own < 0 {
		return wait{}, fmt.Errorf("%w: %s", ErrNodeDeleted, node.Path)
	}
	b := rule(ordered, own)
	if b < 0 {
		return wait{}, nil
	}
	w := wait{blocker: ordered[b].Name, final: b == 0 && rule(ordered[1:], own-1) < 0}
	if !w.final && b > 0 && b == own-1 {
		w.ahead = ordered[b-1].Name
		if b == 1 {
			rest := ordered[1:]
			w.aheadFinal = rule(rest, own-1) == 0 && rule(rest[1:], own-2) < 0
		}
	}
	return w, nil
}

// Wait blocks until node may proceed according to rule. It starts from
// children if not nil (as read after node was created), and otherwise reads
// them. While node must wait it sets a one-shot data watch on the one
// contender rule names, and reads the children again after every wake-up:
// the blocker's deletion or change, a reconnection, a failed read.
//
// The one exception is the deletion of a blocker that was the lowest
// contender (the holder) when the children were read, and whose deletion
// alone lets node proceed (a mutex's contender second in line): that
// deletion is the grant, and Wait returns without reading the children
// again, since no contender can have come before node meanwhile. A blocker
// that was itself waiting may have left a contender before node in place,
// so its deletion is always followed by a read.
//
// So that this read is not on the way of every hand-over in a queue, a
// contender whose blocker is its immediate predecessor and is itself
// waiting also watches the contender just before the blocker (both
// watches go out in one round trip), and reads the children when that one
// goes: the blocker then holds, and its own deletion becomes the grant.
// If the one before the blocker was the lowest, its deletion alone says
// that the blocker now holds, and no read is needed. Each node is thus watched by at most two
// contenders (the one after it and the one after that), however many wait:
// a deletion wakes at most two, never a herd.
//
// It returns nil when node may proceed; ErrNodeDeleted (wrapped) if node
// disappeared; the session's error once it ended; or ctx's error. It leaves
// node in place either way: the caller removes it (Leave).
func (c *Contest) Wait(ctx context.Context, node Node, children []string, rule Rule) error {
	var blocker, ahead watched // kept across reads while they name the same node
	for attempt := 0; ; {
		if children == nil {
			kids, err := c.Children(ctx)
			if err != nil {
				return err
			}
			children = kids
		}
		w, err := c.blocker(node, children, rule)
		if err != nil {
			if cerr := c.Conn.Err(); cerr != nil {
				return cerr
			}
			return err
		}
		if w.blocker == "" {
			return nil
		}
		children = nil
		// The watches this read calls for go out together: one round trip.
		var toBlocker, toAhead *zk.Future[zk.GetResult]
		if blocker.name != w.blocker {
			toBlocker = c.watchAsync(ctx, w.blocker)
		}
		if w.ahead == "" {
			ahead = watched{}
		} else if ahead.name != w.ahead {
			toAhead = c.watchAsync(ctx, w.ahead)
		}
		if toBlocker != nil {
			r, err := toBlocker.Wait(ctx)
			switch {
			case err == nil:
				attempt = 0
				blocker = watched{w.blocker, r.Watch}
			case errors.Is(err, zk.ErrNoNode): // gone already: no watch was set
				if w.final {
					return c.Conn.Err()
				}
				continue
			case ReadRetryable(err) && ctx.Err() == nil:
				if err := Pause(ctx, c.Conn, attempt); err != nil {
					return err
				}
				attempt++
				continue
			default:
				return err
			}
		}
		if toAhead != nil {
			r, err := toAhead.Wait(ctx)
			switch {
			case err == nil:
				ahead = watched{w.ahead, r.Watch}
			case errors.Is(err, zk.ErrNoNode): // gone already: read again
				continue
			default: // only an early read is missed: wait for the blocker
				ahead = watched{}
			}
		}
		if done, err := c.await(ctx, &w, &blocker, &ahead); done {
			return err
		}
	}
}

// await waits for the next event that calls for another read of the
// children, and reports done with Wait's result if there is none to make:
// the blocker's deletion when it is final, the end of a watch or of the
// session, or ctx's end. The deletion of an ahead contender that makes the
// blocker final needs no read: await goes on waiting for the blocker.
func (c *Contest) await(ctx context.Context, w *wait, blocker, ahead *watched) (done bool, err error) {
	for {
		select {
		case ev := <-blocker.events:
			*blocker = watched{}
			// Events arrive in the server's order: if the ahead contender
			// went first, its event is in already.
			select {
			case aev := <-ahead.events:
				*ahead = watched{}
				if aev.Type == zk.EventNodeDeleted && w.aheadFinal {
					w.final = true
				}
			default:
			}
			switch {
			case ev.Type == zk.EventNotWatching:
				return true, ev.Err
			case ev.Type == zk.EventNodeDeleted && w.final:
				return true, c.Conn.Err()
			}
			return false, nil
		case ev := <-ahead.events:
			*ahead = watched{}
			switch {
			case ev.Type == zk.EventNotWatching:
				return true, ev.Err
			case ev.Type == zk.EventNodeDeleted && w.aheadFinal:
				w.final = true
				continue
			}
			return false, nil
		case <-ctx.Done():
			return true, ctx.Err()
		case <-c.Conn.Done():
			return true, c.Conn.Err()
		}
	}
}

// watched is a contender's node with the one-shot data watch set on it.
type watched struct {
	name   string
	events <-chan zk.Event // nil: none
}

// watchAsync sets a one-shot data watch on the contender name; the reply
// fails with zk.ErrNoNode, setting none, if the node is gone.
func (c *Contest) watchAsync(ctx context.Context, name string) *zk.Future[zk.GetResult] {
	return c.Conn.GetWAsync(ctx, c.child(name))
}

// Remove deletes node, which must be this process's: its path carries the
// attempt's random prefix, so no other contender's node can be at it. The
// delete carries the version node was created with; if the node's version
// moved on, Remove checks that it is still the same node (its Czxid) before
// deleting that version. A delete whose reply was lost is sent again.
//
// deleted records, across calls for the same node, whether a delete may
// already have happened: a node then found missing counts as removed.
// Otherwise a missing node is an error wrapping ErrNodeDeleted. If node was
// Recovered, Remove also deletes other children carrying its prefix.
func (c *Contest) Remove(ctx context.Context, node Node, deleted *bool) error {
	version := node.Stat.Version
	for attempt := 0; ; attempt++ {
		f := c.Conn.DeleteAsync(ctx, node.Path, version)
		var err error
		select {
		case <-f.Done():
			_, err = f.Result()
		case <-ctx.Done():
			*deleted = true // queued or written: it may still happen
			return ctx.Err()
		}
		switch {
		case err == nil:
			return c.sweepRecovered(ctx, node)
		case errors.Is(err, zk.ErrNoNode):
			if *deleted {
				return c.sweepRecovered(ctx, node)
			}
			return fmt.Errorf("%w: %s", ErrNodeDeleted, node.Path)
		case errors.Is(err, zk.ErrBadVersion):
			st, ok, err := c.exists(ctx, node.Path)
			if err != nil {
				return err
			}
			if ok && st.Czxid != node.Stat.Czxid {
				return fmt.Errorf("remove %s: %w", node.Path, errNotOurs)
			}
			version = st.Version
			continue
		case errors.Is(err, zk.ErrConnectionLoss) && !SessionOver(err):
			*deleted = true
		case zk.IsRetryable(err) && ctx.Err() == nil:
		default:
			return err
		}
		if err := Pause(ctx, c.Conn, attempt); err != nil {
			return err
		}
	}
}

// sweepRecovered deletes the duplicates of a Recovered node.
func (c *Contest) sweepRecovered(ctx context.Context, node Node) error {
	if !node.Recovered {
		return nil
	}
	return c.sweep(ctx, node.Prefix)
}

// sweep deletes every child carrying prefix.
func (c *Contest) sweep(ctx context.Context, prefix string) error {
	kids, err := c.Children(ctx)
	if err != nil {
		return err
	}
	for _, k := range kids {
		if !strings.HasPrefix(k, prefix) {
			continue
		}
		for attempt := 0; ; attempt++ {
			err := c.Conn.Delete(ctx, c.child(k), zk.AnyVersion)
			if err == nil || errors.Is(err, zk.ErrNoNode) {
				break
			}
			if !ReadRetryable(err) || ctx.Err() != nil {
				return err
			}
			if err := Pause(ctx, c.Conn, attempt); err != nil {
				return err
			}
		}
	}
	return nil
}

// sweepDetached is sweep bounded by the cleanup timeout, detached from ctx.
func (c *Contest) sweepDetached(ctx context.Context, prefix string) error {
	cctx, cancel := cleanupContext(ctx, c.CleanupTimeout())
	defer cancel()
	return c.sweep(cctx, prefix)
}

// Leave removes node after a failed or cancelled wait, bounded by the
// cleanup timeout and detached from ctx, and returns cause with the
// cleanup's failure if any. A node already gone, or a session already
// over (which took its ephemeral nodes along), needs no cleanup.
func (c *Contest) Leave(ctx context.Context, node Node, cause error) error {
	if c.Conn.Err() != nil {
		return cause
	}
	cctx, cancel := cleanupContext(ctx, c.CleanupTimeout())
	defer cancel()
	var deleted bool
	err := c.Remove(cctx, node, &deleted)
	if errors.Is(err, ErrNodeDeleted) || SessionOver(err) {
		err = nil
	}
	return c.withCleanup(cause, err)
}
