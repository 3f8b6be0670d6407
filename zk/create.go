package zk

import (
	"context"
	"fmt"
	"time"

	"github.com/coordkit/coordkit/internal/wire"
)

// CreateResult is the result of Create2: the path created (with its
// sequence suffix, relative to the chroot) and the new node's Stat.
type CreateResult struct {
	Path string
	Stat Stat
}

// createArgs is a validated create.
type createArgs struct {
	op    wire.OpCode
	path  string // server path
	flags int32
	acl   []ACL
	ttl   int64 // ms, for op 21
}

var errEmptyACL = fmt.Errorf("%w: empty ACL list", ErrInvalidArgument)

// checkCreate validates a create's path, mode, ACL and TTL and picks its
// opcode: containers use createContainer (19), TTL modes createTTL (21),
// and a bare flag is never sent with a mismatched opcode.
func (c *Conn) checkCreate(path string, mode CreateMode, opts []CreateOption, withStat bool) (createArgs, error) {
	var o createOpts
	for _, opt := range opts {
		if opt != nil {
			opt(&o)
		}
	}
	if mode < ModePersistent || mode > ModePersistentSequentialTTL {
		return createArgs{}, fmt.Errorf("%w: create mode %d", ErrInvalidArgument, int32(mode))
	}
	if rule := checkPath(path, mode.IsSequential()); rule != "" {
		return createArgs{}, &pathError{path: path, rule: rule}
	}
	a := createArgs{op: mode.opcode(withStat), flags: int32(mode), acl: o.acl}
	if a.acl == nil {
		a.acl = OpenACL
	} else if len(a.acl) == 0 {
		return createArgs{}, errEmptyACL
	}
	if mode.IsTTL() {
		ms := o.ttl.Milliseconds()
		if o.ttl < time.Millisecond || ms > wire.MaxTTL {
			return createArgs{}, fmt.Errorf("%w: TTL %v outside [1ms, 2^40-1 ms]", ErrInvalidArgument, o.ttl)
		}
		a.ttl = ms
	} else if o.ttl != 0 {
		return createArgs{}, fmt.Errorf("%w: TTL given for %v mode", ErrInvalidArgument, mode)
	}
	if mode.IsSequential() && path == "/" && c.chroot != "" {
		a.path = string(c.chroot) + "/"
	} else {
		a.path = c.chroot.add(path)
	}
	return a, nil
}

// encodeCreate writes a CreateRequest or CreateTTLRequest body.
func (a *createArgs) encode(e *wire.Encoder, data []byte) {
	e.String(a.path)
	e.Buffer(data)
	encodeACL(e, a.acl)
	e.Int32(a.flags)
	if a.op == wire.OpCreateTTL {
		e.Int64(a.ttl)
	}
}

func prepCreate[T any](c *Conn, name, path string, data []byte, mode CreateMode, opts []CreateOption, withStat bool, dec decodeFunc) *Future[T] {
	a, err := c.checkCreate(path, mode, opts, withStat)
	f := newFuture[T](c, a.op, name, path, dec)
	if err != nil {
		return f.failed(err)
	}
	p, e, start := c.startFrame(a.op)
	a.encode(&e, data)
	if err := c.endFrame(&f.k, p, &e, start); err != nil {
		return f.failed(err)
	}
	return f
}

// CreateAsync is the asynchronous form of Create. It blocks only while the
// in-flight window is full, bounded by ctx; if ctx ends before the request
// is written it fails with ErrNotSent.
func (c *Conn) CreateAsync(ctx context.Context, path string, data []byte, mode CreateMode, opts ...CreateOption) *Future[string] {
	return send(ctx, c, prepCreate[string](c, "create", path, data, mode, opts, false, decodeCreate))
}

// Create creates a node with data and returns the path created (which
// carries the sequence suffix for sequential modes). Containers use
// createContainer, TTL modes createTTL (they need WithTTL, and the server
// must enable TTL nodes). It blocks until the reply or ctx ends.
//
// Errors (*Error): ErrNodeExists, ErrNoNode (no parent), ErrNoAuth,
// ErrNoChildrenForEphemerals, ErrInvalidACL, ErrUnimplemented (TTL
// disabled) — none happened; ErrInvalidPath, ErrInvalidArgument,
// ErrRequestTooLarge, ErrNotSent — not sent; ErrConnectionLoss or ctx's
// error — the node may have been created (a sequential one under a name
// you do not know).
func (c *Conn) Create(ctx context.Context, path string, data []byte, mode CreateMode, opts ...CreateOption) (string, error) {
	return c.CreateAsync(ctx, path, data, mode, opts...).Wait(ctx)
}

// Create2Async is the asynchronous form of Create2.
// It returns at once unless the in-flight window is full, in which case it
// waits for room, bounded by ctx; a request not written when ctx ends
// fails with an error wrapping ErrNotSent and ctx.Err().
func (c *Conn) Create2Async(ctx context.Context, path string, data []byte, mode CreateMode, opts ...CreateOption) *Future[CreateResult] {
	return send(ctx, c, prepCreate[CreateResult](c, "create", path, data, mode, opts, true, decodeCreate2))
}

// Create2 is Create that also returns the new node's Stat (create2).
// Blocking, ctx and errors are as for Create.
func (c *Conn) Create2(ctx context.Context, path string, data []byte, mode CreateMode, opts ...CreateOption) (string, Stat, error) {
	r, err := c.Create2Async(ctx, path, data, mode, opts...).Wait(ctx)
	return r.Path, r.Stat, err
}

func decodeCreate(c *Conn, k *call, code wire.ErrCode, d *wire.Decoder) error {
	if code != wire.ErrOK {
		k.err = k.opErr(Code(code))
		return nil
	}
	out := k.out.(*string)
	*out = c.chroot.strip(d.String())
	if k.op != wire.OpCreate {
		var s Stat
		decodeStat(d, &s)
	}
	return nil
}

func decodeCreate2(c *Conn, k *call, code wire.ErrCode, d *wire.Decoder) error {
	if code != wire.ErrOK {
		k.err = k.opErr(Code(code))
		return nil
	}
	out := k.out.(*CreateResult)
	out.Path = c.chroot.strip(d.String())
	decodeStat(d, &out.Stat)
	return nil
}
