package contend

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/coordkit/coordkit/zk"
)

// Within reports whether node is among children and children number at
// most limit: the test of a semaphore's lease, as Curator's
// InterProcessSemaphoreV2 makes it (every child of the leases directory
// counts, whatever its name, which errs on the side of fewer leases).
// Children carrying node's prefix other than node itself are duplicates
// left by a lost create: they still count, and Within deletes them in the
// background (their deletion wakes a WaitWithin). It fails with
// ErrNodeDeleted if node is not among children.
func (c *Contest) Within(node Node, children []string, limit int) (bool, error) {
	found := false
	for _, k := range children {
		switch {
		case k == node.Name:
			found = true
		case strings.HasPrefix(k, node.Prefix):
			c.Conn.DeleteAsync(context.Background(), c.child(k), zk.AnyVersion)
		}
	}
	if !found {
		return false, fmt.Errorf("%w: %s", ErrNodeDeleted, node.Path)
	}
	return len(children) <= limit, nil
}

// WaitWithin blocks until node is Within limit. It starts from children if
// not nil (as read after node was created), and otherwise reads them. While
// there are too many it sets a one-shot child watch on the directory and
// reads it again after every change. Only one contender waits so at a time
// (a semaphore's waiter holds its internal mutex), so this is no herd.
//
// It returns nil when node is within limit; ErrNodeDeleted (wrapped) if
// node disappeared; the session's error once it ended; ctx's error; or
// abortErr() once abort is closed. It leaves node in place either way: the
// caller removes it (Leave).
func (c *Contest) WaitWithin(ctx context.Context, node Node, children []string, limit int, abort <-chan struct{}, abortErr func() error) error {
	for attempt := 0; ; {
		if children != nil {
			ok, err := c.Within(node, children, limit)
			if err != nil {
				if cerr := c.Conn.Err(); cerr != nil {
					return cerr
				}
				return err
			}
			if ok {
				return nil
			}
		}
		select {
		case <-abort:
			return abortErr()
		default:
		}
		kids, _, watch, err := c.Conn.ChildrenW(ctx, c.Dir)
		switch {
		case err == nil:
			attempt = 0
		case errors.Is(err, zk.ErrNoNode):
			if cerr := c.Conn.Err(); cerr != nil {
				return cerr
			}
			return fmt.Errorf("%w: %s", ErrNodeDeleted, node.Path)
		case ReadRetryable(err) && ctx.Err() == nil:
			if err := Pause(ctx, c.Conn, attempt); err != nil {
				return err
			}
			attempt++
			children = nil
			continue
		default:
			return err
		}
		if kids == nil {
			kids = []string{}
		}
		ok, err := c.Within(node, kids, limit)
		if err != nil {
			if cerr := c.Conn.Err(); cerr != nil {
				return cerr
			}
			return err
		}
		if ok {
			return nil
		}
		children = nil
		select {
		case ev := <-watch:
			if ev.Type == zk.EventNotWatching {
				return ev.Err
			}
		case <-abort:
			return abortErr()
		case <-ctx.Done():
			return ctx.Err()
		case <-c.Conn.Done():
			return c.Conn.Err()
		}
	}
}
