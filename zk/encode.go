package zk

import (
	"context"

	"github.com/coordkit/coordkit/internal/wire"
)

// startFrame begins a request frame for op in a pooled buffer, on the
// caller's goroutine. The xid is left 0; the writer sets it.
// The Encoder is returned by value so that it stays on the caller's stack.
func (c *Conn) startFrame(op wire.OpCode) (*[]byte, wire.Encoder, int) {
	p := c.getFrame()
	e := *wire.NewEncoder((*p)[:0])
	start := e.BeginFrame()
	e.Int32(0)
	e.Int32(int32(op))
	return p, e, start
}

// endFrame finishes the frame begun by startFrame and hands it to k, or
// refuses it if its payload exceeds the request size limit.
func (c *Conn) endFrame(k *call, p *[]byte, e *wire.Encoder, start int) error {
	n := e.EndFrame(start)
	*p = e.Bytes()
	if n > c.cfg.maxRequest {
		c.putFrame(p)
		return &tooLargeError{size: n, limit: c.cfg.maxRequest}
	}
	k.frame = p
	return nil
}

// encodeACL writes an ACL vector without converting it.
func encodeACL(e *wire.Encoder, acl []ACL) {
	e.Int32(int32(len(acl)))
	for i := range acl {
		e.Int32(int32(acl[i].Perms))
		e.String(acl[i].Scheme)
		e.String(acl[i].ID)
	}
}

// send submits a prepared future unless preparing it already failed.
func send[T any](ctx context.Context, c *Conn, f *Future[T]) *Future[T] {
	if f.k.state != stDone {
		c.submit(ctx, &f.k)
	}
	return f
}

// pathOnly prepares a request whose body is one path (getACL, sync,
// getEphemerals, getAllChildrenNumber, removeWatches add a type).
func prepPath[T any](c *Conn, op wire.OpCode, name, path string, dec decodeFunc) *Future[T] {
	f := newFuture[T](c, op, name, path, dec)
	if rule := checkPath(path, false); rule != "" {
		return f.failed(&pathError{path: path, rule: rule})
	}
	p, e, start := c.startFrame(op)
	e.String(c.chroot.add(path))
	if err := c.endFrame(&f.k, p, &e, start); err != nil {
		return f.failed(err)
	}
	return f
}

// prepPathWatch prepares exists, getData or getChildren2.
func prepPathWatch[T any](c *Conn, op wire.OpCode, name, path string, watch bool, dec decodeFunc) *Future[T] {
	f := newFuture[T](c, op, name, path, dec)
	if rule := checkPath(path, false); rule != "" {
		return f.failed(&pathError{path: path, rule: rule})
	}
	p, e, start := c.startFrame(op)
	e.String(c.chroot.add(path))
	e.Bool(watch)
	if err := c.endFrame(&f.k, p, &e, start); err != nil {
		return f.failed(err)
	}
	f.k.watch = watch
	return f
}

// prepNoBody prepares a request without a body (whoAmI).
func prepNoBody[T any](c *Conn, op wire.OpCode, name string, dec decodeFunc) *Future[T] {
	f := newFuture[T](c, op, name, "", dec)
	p, e, start := c.startFrame(op)
	if err := c.endFrame(&f.k, p, &e, start); err != nil {
		return f.failed(err)
	}
	return f
}
