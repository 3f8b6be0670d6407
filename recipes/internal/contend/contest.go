package contend

import (
	"context"
	"errors"
	"fmt"
	"path"
	"strings"
	"time"

	"github.com/coordkit/coordkit/zk"
)

// ErrNodeDeleted means a contender's own node no longer exists: someone
// deleted it, or its session ended.
var ErrNodeDeleted = errors.New("contender node deleted")

// errNotOurs means a node at a contender's path is not the one it created.
var errNotOurs = errors.New("node was replaced by another")

// Contest is one recipe's view of a contest directory. Its fields are set
// once, before use; its methods are safe for concurrent use.
type Contest struct {
	Conn *zk.Conn
	// Dir is the directory the contenders' nodes are created in. When it
	// is missing, Join creates it as a container (deleted by the server
	// once empty), and its missing ancestors as persistent nodes.
	Dir string
	// Markers are those of the children that take part (Order).
	Markers []string
	// ACL of created nodes and directories; nil means zk.OpenACL.
	ACL []zk.ACL
	// Data is stored in each contender node.
	Data []byte
	// Cleanup bounds a detached cleanup (Leave, and Join when its ctx
	// ends while a create is outstanding); 0 means the negotiated session
	// timeout, at least a second.
	Cleanup time.Duration
}

// Node is a contender node this process created.
type Node struct {
	Path   string  // full path
	Name   string  // last component
	Prefix string  // the protected prefix, "_c_<uuid>-", unique to the attempt
	Stat   zk.Stat // as created; Stat.Czxid orders grants
	// Recovered is true when the node was found by its prefix after a
	// create whose reply was lost: a duplicate may then appear later, from
	// an earlier attempt that the server applied late.
	Recovered bool
}

// acl returns the ACL of created nodes.
func (c *Contest) acl() []zk.ACL {
	if c.ACL == nil {
		return zk.OpenACL
	}
	return c.ACL
}

// CleanupTimeout returns the bound of a detached cleanup.
func (c *Contest) CleanupTimeout() time.Duration {
	if c.Cleanup > 0 {
		return c.Cleanup
	}
	return max(c.Conn.SessionTimeout(), time.Second)
}

// child returns the path of the directory's child name.
func (c *Contest) child(name string) string {
	return path.Join(c.Dir, name)
}

// Join creates this attempt's node, "<Dir>/_c_<uuid>-<name><seq>", an
// ephemeral sequential node, pipelined with a read of the directory's
// children (one round trip). It returns the node and the children, or nil
// children when that read did not succeed (Wait reads them again).
//
// A create that was not sent is sent again; after one whose reply was lost
// (zk.ErrConnectionLoss), Join syncs and looks for a child with the
// attempt's prefix: it keeps it if there is one and creates again
// otherwise. If the directory is missing, Join creates it and tries again.
//
// If ctx ends while a create is outstanding, Join waits for its outcome
// and removes the node, bounded by c.Cleanup and detached from ctx, before
// it returns an error wrapping ctx.Err().
func (c *Contest) Join(ctx context.Context, name string) (Node, []string, error) {
	prefix, err := NewPrefix()
	if err != nil {
		return Node{}, nil, err
	}
	base := c.child(prefix + name)
	for attempt := 0; ; attempt++ {
		cf := c.Conn.Create2Async(ctx, base, c.Data, zk.ModeEphemeralSequential, zk.WithACL(c.acl()))
		kf := c.Conn.ChildrenAsync(ctx, c.Dir)
		select {
		case <-cf.Done():
		case <-ctx.Done():
			return Node{}, nil, c.abandon(ctx, cf, prefix)
		}
		res, err := cf.Result()
		switch cf.Outcome() {
		case zk.Answered:
			if err == nil {
				node := Node{Path: res.Path, Name: path.Base(res.Path), Prefix: prefix, Stat: res.Stat}
				return node, awaitChildren(ctx, kf), nil
			}
			if !errors.Is(err, zk.ErrNoNode) {
				return Node{}, nil, err
			}
			if err := c.ensure(ctx, c.Dir, zk.ModeContainer); err != nil {
				return Node{}, nil, err
			}
		case zk.Lost:
			node, kids, found, err := c.find(ctx, prefix)
			if err != nil {
				if ctx.Err() == nil {
					return Node{}, nil, err
				}
				return Node{}, nil, c.withCleanup(ctx.Err(), c.sweepDetached(ctx, prefix))
			}
			if found {
				return node, kids, nil
			}
		default: // zk.NotSent
			if !zk.IsRetryable(err) || ctx.Err() != nil {
				return Node{}, nil, err
			}
			if err := Pause(ctx, c.Conn, attempt); err != nil {
				return Node{}, nil, err
			}
		}
	}
}

// awaitChildren returns the children read by kf, or nil if the read failed
// or ctx ended first.
func awaitChildren(ctx context.Context, kf *zk.Future[zk.ChildrenResult]) []string {
	select {
	case <-kf.Done():
	case <-ctx.Done():
		return nil
	}
	r, err := kf.Result()
	if err != nil {
		return nil
	}
	if r.Children == nil {
		return []string{}
	}
	return r.Children
}

// abandon handles a create outstanding when ctx ended: it waits for the
// create's outcome and removes the node if it may exist, bounded by the
// cleanup timeout and detached from ctx. It returns ctx's error, with the
// cleanup's failure if any.
func (c *Contest) abandon(ctx context.Context, cf *zk.Future[zk.CreateResult], prefix string) error {
	cause := ctx.Err()
	cctx, cancel := cleanupContext(ctx, c.CleanupTimeout())
	defer cancel()
	select {
	case <-cf.Done():
	case <-cctx.Done():
		return c.withCleanup(cause, fmt.Errorf("the create's outcome is unknown: %w", cctx.Err()))
	}
	res, err := cf.Result()
	switch cf.Outcome() {
	case zk.Answered:
		if err != nil {
			return cause
		}
		var deleted bool
		err := c.Remove(cctx, Node{Path: res.Path, Name: path.Base(res.Path), Prefix: prefix, Stat: res.Stat}, &deleted)
		if errors.Is(err, ErrNodeDeleted) {
			err = nil
		}
		return c.withCleanup(cause, err)
	case zk.Lost:
		return c.withCleanup(cause, c.sweep(cctx, prefix))
	}
	return cause
}

// withCleanup returns cause, mentioning cleanupErr if it is not nil.
func (c *Contest) withCleanup(cause, cleanupErr error) error {
	if cleanupErr == nil {
		return cause
	}
	return fmt.Errorf("%w (and removing the contender node under %s failed: %w)", cause, c.Dir, cleanupErr)
}

// find looks for the attempt's node by its prefix after a lost create: it
// syncs the server with the leader, reads the children, and returns the
// first node carrying prefix, with the children read. found is false if
// there is none: the create did not happen (or not yet: a node it makes
// later is deleted by Wait as a duplicate).
func (c *Contest) find(ctx context.Context, prefix string) (node Node, kids []string, found bool, err error) {
	for attempt := 0; ; attempt++ {
		c.Conn.SyncAsync(ctx, c.Dir) // orders the read below after the leader's state
		kids, _, err := c.Conn.Children(ctx, c.Dir)
		switch {
		case err == nil:
		case errors.Is(err, zk.ErrNoNode):
			return Node{}, nil, false, nil
		case ReadRetryable(err) && ctx.Err() == nil:
			if err := Pause(ctx, c.Conn, attempt); err != nil {
				return Node{}, nil, false, err
			}
			continue
		default:
			return Node{}, nil, false, err
		}
		var mine []string
		for _, k := range kids {
			if strings.HasPrefix(k, prefix) {
				mine = append(mine, k)
			}
		}
		if len(mine) == 0 {
			return Node{}, kids, false, nil
		}
		name := mine[0]
		if ordered := Order(mine, c.Markers); len(ordered) > 0 {
			name = ordered[0].Name
		}
		st, ok, err := c.exists(ctx, c.child(name))
		if err != nil {
			return Node{}, nil, false, err
		}
		if !ok {
			continue
		}
		return Node{Path: c.child(name), Name: name, Prefix: prefix, Stat: st, Recovered: true}, kids, true, nil
	}
}

// exists reads a node's Stat, retrying reads that were lost or not sent.
func (c *Contest) exists(ctx context.Context, p string) (zk.Stat, bool, error) {
	for attempt := 0; ; attempt++ {
		st, ok, err := c.Conn.Exists(ctx, p)
		if err == nil || !ReadRetryable(err) || ctx.Err() != nil {
			return st, ok, err
		}
		if err := Pause(ctx, c.Conn, attempt); err != nil {
			return zk.Stat{}, false, err
		}
	}
}

// Children reads the directory's children, retrying reads that were lost
// or not sent. A missing directory has none (an empty, non-nil slice).
func (c *Contest) Children(ctx context.Context) ([]string, error) {
	for attempt := 0; ; attempt++ {
		kids, _, err := c.Conn.Children(ctx, c.Dir)
		switch {
		case err == nil:
			if kids == nil {
				kids = []string{}
			}
			return kids, nil
		case errors.Is(err, zk.ErrNoNode):
			return []string{}, nil
		case !ReadRetryable(err) || ctx.Err() != nil:
			return nil, err
		}
		if err := Pause(ctx, c.Conn, attempt); err != nil {
			return nil, err
		}
	}
}

// ensure creates the node p with mode unless it exists, creating its
// missing ancestors as persistent nodes first.
func (c *Contest) ensure(ctx context.Context, p string, mode zk.CreateMode) error {
	if p == "/" {
		return nil
	}
	for attempt := 0; ; attempt++ {
		_, err := c.Conn.Create(ctx, p, nil, mode, zk.WithACL(c.acl()))
		switch {
		case err == nil, errors.Is(err, zk.ErrNodeExists):
			return nil
		case errors.Is(err, zk.ErrNoNode):
			if err := c.ensure(ctx, path.Dir(p), zk.ModePersistent); err != nil {
				return err
			}
			continue
		case (zk.IsRetryable(err) || errors.Is(err, zk.ErrConnectionLoss)) && !SessionOver(err) && ctx.Err() == nil:
			// A lost create of a fixed path is safe to repeat: the
			// repetition finds it (ErrNodeExists).
		default:
			return err
		}
		if err := Pause(ctx, c.Conn, attempt); err != nil {
			return err
		}
	}
}
