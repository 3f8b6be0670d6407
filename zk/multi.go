package zk

import (
	"context"
	"errors"
	"fmt"
	"strconv"

	"github.com/coordkit/coordkit/internal/wire"
)

// Op is one operation of a Multi transaction: CreateOp, DeleteOp, SetOp or
// CheckOp. The interface is sealed.
type Op interface {
	encodeOp(c *Conn, e *wire.Encoder) error
	info() (name, path string)
}

type createOp struct {
	path string
	data []byte
	mode CreateMode
	opts []CreateOption
}

// CreateOp creates a node inside a Multi (see Create for modes and
// options). Its OpResult carries the path created; a Stat only for
// container and TTL modes (the server sends none for the others).
func CreateOp(path string, data []byte, mode CreateMode, opts ...CreateOption) Op {
	return &createOp{path: path, data: data, mode: mode, opts: opts}
}

func (o *createOp) info() (string, string) { return "create", o.path }

func (o *createOp) encodeOp(c *Conn, e *wire.Encoder) error {
	a, err := c.checkCreate(o.path, o.mode, o.opts, false)
	if err != nil {
		return err
	}
	encodeMultiHeader(e, a.op)
	a.encode(e, o.data)
	return nil
}

type versionOp struct {
	op      wire.OpCode
	path    string
	data    []byte
	version int32
}

// DeleteOp deletes a node inside a Multi if its version matches.
func DeleteOp(path string, version int32) Op {
	return &versionOp{op: wire.OpDelete, path: path, version: version}
}

// SetOp sets a node's data inside a Multi if its version matches; its
// OpResult carries the new Stat.
func SetOp(path string, data []byte, version int32) Op {
	return &versionOp{op: wire.OpSetData, path: path, data: data, version: version}
}

// CheckOp makes a Multi fail unless the node's version matches (AnyVersion:
// unless the node exists). It exists only inside Multi: ZooKeeper 3.8
// mishandles a bare check.
func CheckOp(path string, version int32) Op {
	return &versionOp{op: wire.OpCheck, path: path, version: version}
}

func (o *versionOp) info() (string, string) {
	switch o.op {
	case wire.OpDelete:
		return "delete", o.path
	case wire.OpSetData:
		return "set", o.path
	}
	return "check", o.path
}

func (o *versionOp) encodeOp(c *Conn, e *wire.Encoder) error {
	if rule := checkPath(o.path, false); rule != "" {
		return &pathError{path: o.path, rule: rule}
	}
	encodeMultiHeader(e, o.op)
	e.String(c.chroot.add(o.path))
	if o.op == wire.OpSetData {
		e.Buffer(o.data)
	}
	e.Int32(o.version)
	return nil
}

func encodeMultiHeader(e *wire.Encoder, op wire.OpCode) {
	e.Int32(int32(op))
	e.Bool(false)
	e.Int32(-1)
}

func encodeMultiEnd(e *wire.Encoder) {
	e.Int32(-1)
	e.Bool(true)
	e.Int32(-1)
}

// OpResult is the result of one Multi operation. Path is the path created
// (create ops, with any sequence suffix) or the op's path; Stat is set for
// SetOp and for container/TTL creates. In a failed Multi nothing was
// applied: the op that failed has its code in Err, the ops after it have
// ErrRuntimeInconsistency, the ops before it a nil Err.
type OpResult struct {
	Path string
	Stat *Stat
	Err  error
}

// ReadOp is one read of a MultiRead: GetOp or ChildrenOp. The interface is
// sealed.
type ReadOp interface {
	encodeRead(c *Conn, e *wire.Encoder) error
	readPath() string
}

type readOp struct {
	op   wire.OpCode
	path string
}

// GetOp reads a node's data and Stat inside a MultiRead.
func GetOp(path string) ReadOp { return &readOp{op: wire.OpGetData, path: path} }

// ChildrenOp lists a node's children inside a MultiRead (no Stat).
func ChildrenOp(path string) ReadOp { return &readOp{op: wire.OpGetChildren, path: path} }

func (o *readOp) readPath() string { return o.path }

func (o *readOp) encodeRead(c *Conn, e *wire.Encoder) error {
	if rule := checkPath(o.path, false); rule != "" {
		return &pathError{path: o.path, rule: rule}
	}
	encodeMultiHeader(e, o.op)
	e.String(c.chroot.add(o.path))
	e.Bool(false)
	return nil
}

// ReadResult is the result of one MultiRead operation; Err is set (a Code
// such as ErrNoNode) if that read failed, independently of the others.
type ReadResult struct {
	Data     []byte
	Stat     *Stat
	Children []string
	Err      error
}

type multiArg struct {
	ops   []Op
	reads []ReadOp
}

func prepMulti(c *Conn, ops []Op) *Future[[]OpResult] {
	f := newFuture[[]OpResult](c, wire.OpMulti, "multi", "", decodeMulti)
	p, e, start := c.startFrame(wire.OpMulti)
	for i, op := range ops {
		if op == nil {
			c.putFrame(p)
			return f.failed(fmt.Errorf("%w: op %d is nil", ErrInvalidArgument, i))
		}
		if err := op.encodeOp(c, &e); err != nil {
			c.putFrame(p)
			name, path := op.info()
			return f.failed(fmt.Errorf("op %d (%s %s): %w", i, name, path, err))
		}
	}
	encodeMultiEnd(&e)
	if err := c.endFrame(&f.k, p, &e, start); err != nil {
		return f.failed(err)
	}
	f.k.arg = &multiArg{ops: ops}
	return f
}

// MultiAsync is the asynchronous form of Multi. An empty Multi completes at
// once without contacting the server.
func (c *Conn) MultiAsync(ctx context.Context, ops ...Op) *Future[[]OpResult] {
	if len(ops) == 0 {
		f := newFuture[[]OpResult](c, wire.OpMulti, "multi", "", decodeMulti)
		f.val = []OpResult{}
		f.k.state = stDone
		f.k.answered = true
		f.k.complete(nil)
		return f
	}
	return send(ctx, c, prepMulti(c, ops))
}

// Multi applies ops atomically: all of them or none. It blocks until the
// reply or ctx ends. If an op fails, the error is a *MultiError that wraps
// the first failing op's code (errors.Is(err, ErrBadVersion) works) and the
// results are returned too; nothing was applied. Invalid ops are refused
// before sending (ErrInvalidPath, ErrInvalidArgument); ErrConnectionLoss
// means the transaction may or may not have been applied.
func (c *Conn) Multi(ctx context.Context, ops ...Op) ([]OpResult, error) {
	return c.MultiAsync(ctx, ops...).Wait(ctx)
}

func decodeMulti(c *Conn, k *call, code wire.ErrCode, d *wire.Decoder) error {
	if code != wire.ErrOK {
		k.err = k.opErr(Code(code))
		return nil
	}
	ops := k.arg.(*multiArg).ops
	var r wire.MultiResponse
	r.Decode(d)
	if d.Err() != nil {
		return nil
	}
	if len(r.Results) != len(ops) {
		return errors.New("multi reply has " + strconv.Itoa(len(r.Results)) + " results for " + strconv.Itoa(len(ops)) + " ops")
	}
	out := make([]OpResult, len(ops))
	first := -1
	for i, res := range r.Results {
		_, path := ops[i].info()
		out[i].Path = path
		switch res.Op {
		case wire.OpCreate:
			out[i].Path = c.chroot.strip(res.Path)
		case wire.OpCreate2:
			out[i].Path = c.chroot.strip(res.Path)
			s := statFromWire(&res.Stat)
			out[i].Stat = &s
		case wire.OpSetData:
			s := statFromWire(&res.Stat)
			out[i].Stat = &s
		case wire.OpError:
			if res.Err != wire.ErrOK {
				out[i].Err = Code(res.Err)
				if first < 0 && res.Err != wire.ErrRuntimeInconsistency {
					first = i
				}
			}
		}
	}
	*k.out.(*[]OpResult) = out
	if first < 0 {
		for i := range out {
			if out[i].Err != nil {
				first = i
				break
			}
		}
	}
	if first >= 0 {
		name, path := ops[first].info()
		k.err = &MultiError{Index: first, Op: name, Path: path, Err: out[first].Err, Results: out}
	}
	return nil
}

// MultiReadAsync is the asynchronous form of MultiRead.
// It returns at once unless the in-flight window is full, in which case it
// waits for room, bounded by ctx; a request not written when ctx ends
// fails with an error wrapping ErrNotSent and ctx.Err().
func (c *Conn) MultiReadAsync(ctx context.Context, ops ...ReadOp) *Future[[]ReadResult] {
	if len(ops) == 0 {
		f := newFuture[[]ReadResult](c, wire.OpMultiRead, "multiRead", "", decodeMultiRead)
		f.val = []ReadResult{}
		f.k.state = stDone
		f.k.answered = true
		f.k.complete(nil)
		return f
	}
	return send(ctx, c, c.prepMultiRead(ops))
}

func (c *Conn) prepMultiRead(ops []ReadOp) *Future[[]ReadResult] {
	f := newFuture[[]ReadResult](c, wire.OpMultiRead, "multiRead", "", decodeMultiRead)
	p, e, start := c.startFrame(wire.OpMultiRead)
	for i, op := range ops {
		if op == nil {
			c.putFrame(p)
			return f.failed(fmt.Errorf("%w: read op %d is nil", ErrInvalidArgument, i))
		}
		if err := op.encodeRead(c, &e); err != nil {
			c.putFrame(p)
			return f.failed(fmt.Errorf("read op %d: %w", i, err))
		}
	}
	encodeMultiEnd(&e)
	if err := c.endFrame(&f.k, p, &e, start); err != nil {
		return f.failed(err)
	}
	f.k.arg = &multiArg{reads: ops}
	return f
}

// MultiRead performs several reads in one round trip. The reads are
// independent (not a snapshot): each ReadResult has its own Err, and
// MultiRead's error is nil unless the request as a whole failed. It blocks
// until the reply or ctx ends.
// It blocks until the reply arrives or ctx ends. Reads change nothing, so a
// read that failed with ErrConnectionLoss or ErrNotSent may be retried.
func (c *Conn) MultiRead(ctx context.Context, ops ...ReadOp) ([]ReadResult, error) {
	return c.MultiReadAsync(ctx, ops...).Wait(ctx)
}

func decodeMultiRead(_ *Conn, k *call, code wire.ErrCode, d *wire.Decoder) error {
	if code != wire.ErrOK {
		k.err = k.opErr(Code(code))
		return nil
	}
	reads := k.arg.(*multiArg).reads
	var r wire.MultiResponse
	r.Decode(d)
	if d.Err() != nil {
		return nil
	}
	if len(r.Results) != len(reads) {
		return errors.New("multiRead reply has " + strconv.Itoa(len(r.Results)) + " results for " + strconv.Itoa(len(reads)) + " reads")
	}
	out := make([]ReadResult, len(reads))
	for i, res := range r.Results {
		switch res.Op {
		case wire.OpGetData:
			s := statFromWire(&res.Stat)
			out[i].Data, out[i].Stat = res.Data, &s
		case wire.OpGetChildren:
			out[i].Children = res.Children
			if out[i].Children == nil {
				out[i].Children = []string{}
			}
		case wire.OpError:
			name := "get"
			if r, ok := reads[i].(*readOp); ok && r.op == wire.OpGetChildren {
				name = "children"
			}
			out[i].Err = &Error{Op: name, Path: reads[i].readPath(), Err: Code(res.Err)}
		}
	}
	*k.out.(*[]ReadResult) = out
	return nil
}
