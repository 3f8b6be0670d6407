package zk

import (
	"context"
	"fmt"

	"github.com/coordkit/coordkit/internal/wire"
)

// DeleteAsync is the asynchronous form of Delete.
// It returns at once unless the in-flight window is full, in which case it
// waits for room, bounded by ctx; a request not written when ctx ends
// fails with an error wrapping ErrNotSent and ctx.Err().
func (c *Conn) DeleteAsync(ctx context.Context, path string, version int32) *Future[struct{}] {
	return send(ctx, c, c.prepDelete(path, version))
}

func (c *Conn) prepDelete(path string, version int32) *Future[struct{}] {
	f := newFuture[struct{}](c, wire.OpDelete, "delete", path, decodeNothing)
	if rule := checkPath(path, false); rule != "" {
		return f.failed(&pathError{path: path, rule: rule})
	}
	p, e, start := c.startFrame(wire.OpDelete)
	e.String(c.chroot.add(path))
	e.Int32(version)
	if err := c.endFrame(&f.k, p, &e, start); err != nil {
		return f.failed(err)
	}
	return f
}

// Delete deletes the node if its version matches (AnyVersion matches all).
// Errors: ErrNoNode, ErrBadVersion, ErrNotEmpty, ErrNoAuth (none happened).
// It blocks until the reply arrives or ctx ends. If it fails with
// ErrConnectionLoss, or ctx ends after the request was written, the write
// may have happened.
func (c *Conn) Delete(ctx context.Context, path string, version int32) error {
	_, err := c.DeleteAsync(ctx, path, version).Wait(ctx)
	return err
}

// SetAsync is the asynchronous form of Set.
// It returns at once unless the in-flight window is full, in which case it
// waits for room, bounded by ctx; a request not written when ctx ends
// fails with an error wrapping ErrNotSent and ctx.Err().
func (c *Conn) SetAsync(ctx context.Context, path string, data []byte, version int32) *Future[Stat] {
	return send(ctx, c, c.prepSet(path, data, version))
}

func (c *Conn) prepSet(path string, data []byte, version int32) *Future[Stat] {
	f := newFuture[Stat](c, wire.OpSetData, "set", path, decodeStatReply)
	if rule := checkPath(path, false); rule != "" {
		return f.failed(&pathError{path: path, rule: rule})
	}
	p, e, start := c.startFrame(wire.OpSetData)
	e.String(c.chroot.add(path))
	e.Buffer(data)
	e.Int32(version)
	if err := c.endFrame(&f.k, p, &e, start); err != nil {
		return f.failed(err)
	}
	return f
}

// Set replaces the node's data if its version matches (AnyVersion matches
// all) and returns the new Stat. Errors: ErrNoNode, ErrBadVersion,
// ErrNoAuth (none happened).
// It blocks until the reply arrives or ctx ends. If it fails with
// ErrConnectionLoss, or ctx ends after the request was written, the write
// may have happened.
func (c *Conn) Set(ctx context.Context, path string, data []byte, version int32) (Stat, error) {
	return c.SetAsync(ctx, path, data, version).Wait(ctx)
}

func decodeStatReply(_ *Conn, k *call, code wire.ErrCode, d *wire.Decoder) error {
	if code != wire.ErrOK {
		k.err = k.opErr(Code(code))
		return nil
	}
	decodeStat(d, k.out.(*Stat))
	return nil
}

// SetACLAsync is the asynchronous form of SetACL.
// It returns at once unless the in-flight window is full, in which case it
// waits for room, bounded by ctx; a request not written when ctx ends
// fails with an error wrapping ErrNotSent and ctx.Err().
func (c *Conn) SetACLAsync(ctx context.Context, path string, acl []ACL, version int32) *Future[Stat] {
	return send(ctx, c, c.prepSetACL(path, acl, version))
}

func (c *Conn) prepSetACL(path string, acl []ACL, version int32) *Future[Stat] {
	f := newFuture[Stat](c, wire.OpSetACL, "setACL", path, decodeStatReply)
	if rule := checkPath(path, false); rule != "" {
		return f.failed(&pathError{path: path, rule: rule})
	}
	if len(acl) == 0 {
		return f.failed(errEmptyACL)
	}
	p, e, start := c.startFrame(wire.OpSetACL)
	e.String(c.chroot.add(path))
	encodeACL(&e, acl)
	e.Int32(version)
	if err := c.endFrame(&f.k, p, &e, start); err != nil {
		return f.failed(err)
	}
	return f
}

// SetACL replaces the node's ACL if its ACL version (Stat.Aversion) matches
// and returns the new Stat. Errors: ErrNoNode, ErrBadVersion, ErrNoAuth,
// ErrInvalidACL (none happened).
// It blocks until the reply arrives or ctx ends. If it fails with
// ErrConnectionLoss, or ctx ends after the request was written, the write
// may have happened.
func (c *Conn) SetACL(ctx context.Context, path string, acl []ACL, version int32) (Stat, error) {
	return c.SetACLAsync(ctx, path, acl, version).Wait(ctx)
}

// AddAuthAsync is the asynchronous form of AddAuth.
// It returns at once unless the in-flight window is full, in which case it
// waits for room, bounded by ctx; a request not written when ctx ends
// fails with an error wrapping ErrNotSent and ctx.Err().
func (c *Conn) AddAuthAsync(ctx context.Context, scheme string, auth []byte) *Future[struct{}] {
	f := newFuture[struct{}](c, wire.OpAuth, "auth", scheme, decodeNothing)
	if scheme == "" {
		return f.failed(fmt.Errorf("%w: empty auth scheme", ErrInvalidArgument))
	}
	cr := credential{scheme: scheme, auth: append([]byte(nil), auth...)}
	p, e, start := c.startFrame(wire.OpAuth)
	e.Int32(0)
	e.String(cr.scheme)
	e.Buffer(cr.auth)
	if err := c.endFrame(&f.k, p, &e, start); err != nil {
		return f.failed(err)
	}
	c.mu.Lock()
	c.auth = append(c.auth, cr)
	c.mu.Unlock()
	return send(ctx, c, f)
}

// AddAuth adds a credential to the session (for example scheme "digest"
// with "user:password"). It is remembered and re-sent first on every
// reconnection. A credential the server rejects ends the session: AddAuth
// returns ErrAuthFailed and the Conn's Err wraps it. It blocks until the
// server answers or ctx ends.
func (c *Conn) AddAuth(ctx context.Context, scheme string, auth []byte) error {
	_, err := c.AddAuthAsync(ctx, scheme, auth).Wait(ctx)
	return err
}
