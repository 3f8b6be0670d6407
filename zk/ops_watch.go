package zk

import (
	"context"
	"fmt"

	"github.com/coordkit/coordkit/internal/wire"
)

// AddWatchAsync is the asynchronous form of AddWatch.
// It returns at once unless the in-flight window is full, in which case it
// waits for room, bounded by ctx; a request not written when ctx ends
// fails with an error wrapping ErrNotSent and ctx.Err().
func (c *Conn) AddWatchAsync(ctx context.Context, path string, mode AddWatchMode) *Future[*Watch] {
	f := newFuture[*Watch](c, wire.OpAddWatch, "addWatch", path, decodeAddWatch)
	if mode != AddWatchPersistent && mode != AddWatchPersistentRecursive {
		return f.failed(fmt.Errorf("%w: add watch mode %d", ErrInvalidArgument, int32(mode)))
	}
	if rule := checkPath(path, false); rule != "" {
		return f.failed(&pathError{path: path, rule: rule})
	}
	p, e, start := c.startFrame(wire.OpAddWatch)
	e.String(c.chroot.add(path))
	e.Int32(int32(mode))
	if err := c.endFrame(&f.k, p, &e, start); err != nil {
		return f.failed(err)
	}
	f.k.arg = mode
	return send(ctx, c, f)
}

// AddWatch sets a persistent watch on path (which need not exist): every
// matching event is delivered, in server order, on the returned Watch's
// Events channel until Remove or the session's end. It blocks until the
// server confirms or ctx ends; if ctx ends after the request was written
// the watch may be set on the server without a Watch to receive it (it is
// dropped at the next reconnection).
func (c *Conn) AddWatch(ctx context.Context, path string, mode AddWatchMode) (*Watch, error) {
	return c.AddWatchAsync(ctx, path, mode).Wait(ctx)
}

func decodeAddWatch(c *Conn, k *call, code wire.ErrCode, _ *wire.Decoder) error {
	if code != wire.ErrOK {
		k.err = k.opErr(Code(code))
		return nil
	}
	// The reply body is ErrorResponse{0}; nothing in it matters.
	*k.out.(**Watch) = c.watches.addPersistent(c, k.path, k.arg.(AddWatchMode))
	return nil
}

func (c *Conn) removeWatchesAsync(ctx context.Context, path string, t WatcherType, local bool) *Future[struct{}] {
	f := newFuture[struct{}](c, wire.OpRemoveWatches, "removeWatches", path, decodeRemoveWatches)
	if t != WatcherChildren && t != WatcherData && t != WatcherAny {
		return f.failed(fmt.Errorf("%w: watcher type %d", ErrInvalidArgument, int32(t)))
	}
	if rule := checkPath(path, false); rule != "" {
		return f.failed(&pathError{path: path, rule: rule})
	}
	p, e, start := c.startFrame(wire.OpRemoveWatches)
	e.String(c.chroot.add(path))
	e.Int32(int32(t))
	if err := c.endFrame(&f.k, p, &e, start); err != nil {
		return f.failed(err)
	}
	if local {
		f.k.arg = t
	}
	return send(ctx, c, f)
}

// RemoveWatchesAsync is the asynchronous form of RemoveWatches.
// It returns at once unless the in-flight window is full, in which case it
// waits for room, bounded by ctx; a request not written when ctx ends
// fails with an error wrapping ErrNotSent and ctx.Err().
func (c *Conn) RemoveWatchesAsync(ctx context.Context, path string, t WatcherType) *Future[struct{}] {
	return c.removeWatchesAsync(ctx, path, t, true)
}

// RemoveWatches removes this session's watches of type t on path, on the
// server and locally: WatcherData removes data and exist watches,
// WatcherChildren child watches, WatcherAny those and the persistent ones.
// Each removed one-shot channel receives EventDataWatchRemoved or
// EventChildWatchRemoved and is closed; each removed Watch receives
// EventPersistentWatchRemoved and its channel is closed. It blocks until
// the reply or ctx ends. Errors: ErrNoWatcher (the server had none; nothing
// is removed locally).
func (c *Conn) RemoveWatches(ctx context.Context, path string, t WatcherType) error {
	_, err := c.RemoveWatchesAsync(ctx, path, t).Wait(ctx)
	return err
}

func decodeRemoveWatches(c *Conn, k *call, code wire.ErrCode, _ *wire.Decoder) error {
	if code != wire.ErrOK {
		k.err = k.opErr(Code(code))
		return nil
	}
	if t, ok := k.arg.(WatcherType); ok {
		c.watches.removeLocal(k.path, t)
	}
	return nil
}
