package zk

import (
	"context"

	"github.com/coordkit/coordkit/internal/wire"
)

// ExistsResult is the result of Exists and ExistsW.
type ExistsResult struct {
	Stat   Stat // zero if the node does not exist
	Exists bool
	Watch  <-chan Event // ExistsW only: set whether or not the node exists
}

// GetResult is the result of Get and GetW.
type GetResult struct {
	Data  []byte
	Stat  Stat
	Watch <-chan Event // GetW only
}

// ChildrenResult is the result of Children and ChildrenW.
type ChildrenResult struct {
	Children []string // names, not paths, in no particular order
	Stat     Stat     // of the parent
	Watch    <-chan Event
}

// ACLResult is the result of GetACL.
type ACLResult struct {
	ACL  []ACL
	Stat Stat
}

// ExistsAsync is the asynchronous form of Exists.
// It returns at once unless the in-flight window is full, in which case it
// waits for room, bounded by ctx; a request not written when ctx ends
// fails with an error wrapping ErrNotSent and ctx.Err().
func (c *Conn) ExistsAsync(ctx context.Context, path string) *Future[ExistsResult] {
	return send(ctx, c, prepPathWatch[ExistsResult](c, wire.OpExists, "exists", path, false, decodeExists))
}

// Exists reports whether the node exists and its Stat. A missing node is
// not an error (zero Stat, false, nil).
// It blocks until the reply arrives or ctx ends. Reads change nothing, so a
// read that failed with ErrConnectionLoss or ErrNotSent may be retried.
func (c *Conn) Exists(ctx context.Context, path string) (Stat, bool, error) {
	r, err := c.ExistsAsync(ctx, path).Wait(ctx)
	return r.Stat, r.Exists, err
}

// ExistsWAsync is the asynchronous form of ExistsW.
// It returns at once unless the in-flight window is full, in which case it
// waits for room, bounded by ctx; a request not written when ctx ends
// fails with an error wrapping ErrNotSent and ctx.Err().
func (c *Conn) ExistsWAsync(ctx context.Context, path string) *Future[ExistsResult] {
	return send(ctx, c, prepPathWatch[ExistsResult](c, wire.OpExists, "exists", path, true, decodeExists))
}

// ExistsW is Exists that also leaves a one-shot watch, whether or not the
// node exists: it fires NodeCreated for a missing node, NodeDataChanged or
// NodeDeleted for an existing one. The channel (buffered 1) receives exactly
// one Event and is closed; if the session ends first the Event has Type
// EventNotWatching and Err set. On error no watch is set.
// It blocks until the reply arrives or ctx ends. Reads change nothing, so a
// read that failed with ErrConnectionLoss or ErrNotSent may be retried.
func (c *Conn) ExistsW(ctx context.Context, path string) (Stat, bool, <-chan Event, error) {
	r, err := c.ExistsWAsync(ctx, path).Wait(ctx)
	return r.Stat, r.Exists, r.Watch, err
}

func decodeExists(c *Conn, k *call, code wire.ErrCode, d *wire.Decoder) error {
	out := k.out.(*ExistsResult)
	switch code {
	case wire.ErrOK:
		decodeStat(d, &out.Stat)
		out.Exists = true
		if k.watch && d.Err() == nil {
			out.Watch = c.watches.addOneShot(k.path, watchData)
		}
	case wire.ErrNoNode:
		if k.watch {
			out.Watch = c.watches.addOneShot(k.path, watchExist)
		}
	default:
		k.err = k.opErr(Code(code))
	}
	return nil
}

// GetAsync is the asynchronous form of Get.
// It returns at once unless the in-flight window is full, in which case it
// waits for room, bounded by ctx; a request not written when ctx ends
// fails with an error wrapping ErrNotSent and ctx.Err().
func (c *Conn) GetAsync(ctx context.Context, path string) *Future[GetResult] {
	return send(ctx, c, prepPathWatch[GetResult](c, wire.OpGetData, "get", path, false, decodeGet))
}

// Get returns the node's data (nil if it holds none) and Stat. Errors:
// ErrNoNode, ErrNoAuth, and the client-side ones.
// It blocks until the reply arrives or ctx ends. Reads change nothing, so a
// read that failed with ErrConnectionLoss or ErrNotSent may be retried.
func (c *Conn) Get(ctx context.Context, path string) ([]byte, Stat, error) {
	r, err := c.GetAsync(ctx, path).Wait(ctx)
	return r.Data, r.Stat, err
}

// GetWAsync is the asynchronous form of GetW.
// It returns at once unless the in-flight window is full, in which case it
// waits for room, bounded by ctx; a request not written when ctx ends
// fails with an error wrapping ErrNotSent and ctx.Err().
func (c *Conn) GetWAsync(ctx context.Context, path string) *Future[GetResult] {
	return send(ctx, c, prepPathWatch[GetResult](c, wire.OpGetData, "get", path, true, decodeGet))
}

// GetW is Get that also leaves a one-shot data watch, which fires
// NodeDataChanged or NodeDeleted (see ExistsW for the channel). On error
// (ErrNoNode included) no watch is set.
// It blocks until the reply arrives or ctx ends. Reads change nothing, so a
// read that failed with ErrConnectionLoss or ErrNotSent may be retried.
func (c *Conn) GetW(ctx context.Context, path string) ([]byte, Stat, <-chan Event, error) {
	r, err := c.GetWAsync(ctx, path).Wait(ctx)
	return r.Data, r.Stat, r.Watch, err
}

func decodeGet(c *Conn, k *call, code wire.ErrCode, d *wire.Decoder) error {
	if code != wire.ErrOK {
		k.err = k.opErr(Code(code))
		return nil
	}
	out := k.out.(*GetResult)
	out.Data = d.Buffer()
	decodeStat(d, &out.Stat)
	if k.watch && d.Err() == nil {
		out.Watch = c.watches.addOneShot(k.path, watchData)
	}
	return nil
}

// ChildrenAsync is the asynchronous form of Children.
// It returns at once unless the in-flight window is full, in which case it
// waits for room, bounded by ctx; a request not written when ctx ends
// fails with an error wrapping ErrNotSent and ctx.Err().
func (c *Conn) ChildrenAsync(ctx context.Context, path string) *Future[ChildrenResult] {
	return send(ctx, c, prepPathWatch[ChildrenResult](c, wire.OpGetChildren2, "children", path, false, decodeChildren))
}

// Children returns the names of the node's children, in no particular
// order, and the node's Stat (getChildren2). Errors: ErrNoNode, ErrNoAuth.
// It blocks until the reply arrives or ctx ends. Reads change nothing, so a
// read that failed with ErrConnectionLoss or ErrNotSent may be retried.
func (c *Conn) Children(ctx context.Context, path string) ([]string, Stat, error) {
	r, err := c.ChildrenAsync(ctx, path).Wait(ctx)
	return r.Children, r.Stat, err
}

// ChildrenWAsync is the asynchronous form of ChildrenW.
// It returns at once unless the in-flight window is full, in which case it
// waits for room, bounded by ctx; a request not written when ctx ends
// fails with an error wrapping ErrNotSent and ctx.Err().
func (c *Conn) ChildrenWAsync(ctx context.Context, path string) *Future[ChildrenResult] {
	return send(ctx, c, prepPathWatch[ChildrenResult](c, wire.OpGetChildren2, "children", path, true, decodeChildren))
}

// ChildrenW is Children that also leaves a one-shot child watch, which
// fires NodeChildrenChanged or NodeDeleted (see ExistsW for the channel).
// It blocks until the reply arrives or ctx ends. Reads change nothing, so a
// read that failed with ErrConnectionLoss or ErrNotSent may be retried.
func (c *Conn) ChildrenW(ctx context.Context, path string) ([]string, Stat, <-chan Event, error) {
	r, err := c.ChildrenWAsync(ctx, path).Wait(ctx)
	return r.Children, r.Stat, r.Watch, err
}

func decodeChildren(c *Conn, k *call, code wire.ErrCode, d *wire.Decoder) error {
	if code != wire.ErrOK {
		k.err = k.opErr(Code(code))
		return nil
	}
	out := k.out.(*ChildrenResult)
	out.Children = d.Strings()
	if out.Children == nil && d.Err() == nil {
		out.Children = []string{}
	}
	decodeStat(d, &out.Stat)
	if k.watch && d.Err() == nil {
		out.Watch = c.watches.addOneShot(k.path, watchChild)
	}
	return nil
}

// GetACLAsync is the asynchronous form of GetACL.
// It returns at once unless the in-flight window is full, in which case it
// waits for room, bounded by ctx; a request not written when ctx ends
// fails with an error wrapping ErrNotSent and ctx.Err().
func (c *Conn) GetACLAsync(ctx context.Context, path string) *Future[ACLResult] {
	return send(ctx, c, prepPath[ACLResult](c, wire.OpGetACL, "getACL", path, decodeGetACL))
}

// GetACL returns the node's ACL and Stat. Without ADMIN permission digest
// ids come back masked ("user:x"). Errors: ErrNoNode, ErrNoAuth.
// It blocks until the reply arrives or ctx ends. Reads change nothing, so a
// read that failed with ErrConnectionLoss or ErrNotSent may be retried.
func (c *Conn) GetACL(ctx context.Context, path string) ([]ACL, Stat, error) {
	r, err := c.GetACLAsync(ctx, path).Wait(ctx)
	return r.ACL, r.Stat, err
}

func decodeGetACL(_ *Conn, k *call, code wire.ErrCode, d *wire.Decoder) error {
	if code != wire.ErrOK {
		k.err = k.opErr(Code(code))
		return nil
	}
	out := k.out.(*ACLResult)
	out.ACL = decodeACLs(d)
	decodeStat(d, &out.Stat)
	return nil
}

// SyncAsync is the asynchronous form of Sync.
// It returns at once unless the in-flight window is full, in which case it
// waits for room, bounded by ctx; a request not written when ctx ends
// fails with an error wrapping ErrNotSent and ctx.Err().
func (c *Conn) SyncAsync(ctx context.Context, path string) *Future[string] {
	return send(ctx, c, prepPath[string](c, wire.OpSync, "sync", path, decodePathReply))
}

// Sync waits until the server this session is connected to has caught up
// with the leader as of the call, so that following reads see every write
// committed before it. It returns the path.
// It blocks until the reply arrives or ctx ends. Reads change nothing, so a
// read that failed with ErrConnectionLoss or ErrNotSent may be retried.
func (c *Conn) Sync(ctx context.Context, path string) (string, error) {
	return c.SyncAsync(ctx, path).Wait(ctx)
}

func decodePathReply(c *Conn, k *call, code wire.ErrCode, d *wire.Decoder) error {
	if code != wire.ErrOK {
		k.err = k.opErr(Code(code))
		return nil
	}
	*k.out.(*string) = c.chroot.strip(d.String())
	return nil
}

// EphemeralsAsync is the asynchronous form of Ephemerals.
// It returns at once unless the in-flight window is full, in which case it
// waits for room, bounded by ctx; a request not written when ctx ends
// fails with an error wrapping ErrNotSent and ctx.Err().
func (c *Conn) EphemeralsAsync(ctx context.Context, prefix string) *Future[[]string] {
	f := newFuture[[]string](c, wire.OpGetEphemerals, "getEphemerals", prefix, decodeEphemerals)
	server := "/"
	if prefix != "" && prefix != "/" {
		// A prefix may end in '/' or in part of a name.
		if rule := checkPath(prefix, true); rule != "" {
			return f.failed(&pathError{path: prefix, rule: rule})
		}
		server = c.chroot.add(prefix)
	} else if c.chroot != "" {
		server = string(c.chroot) + "/"
	}
	p, e, start := c.startFrame(wire.OpGetEphemerals)
	e.String(server)
	if err := c.endFrame(&f.k, p, &e, start); err != nil {
		return f.failed(err)
	}
	return send(ctx, c, f)
}

// Ephemerals returns the paths of this session's ephemeral nodes whose path
// starts with prefix (a plain string prefix, such as "/app/lock-"; "" or
// "/" for all).
// It blocks until the reply arrives or ctx ends. Reads change nothing, so a
// read that failed with ErrConnectionLoss or ErrNotSent may be retried.
func (c *Conn) Ephemerals(ctx context.Context, prefix string) ([]string, error) {
	return c.EphemeralsAsync(ctx, prefix).Wait(ctx)
}

func decodeEphemerals(c *Conn, k *call, code wire.ErrCode, d *wire.Decoder) error {
	if code != wire.ErrOK {
		k.err = k.opErr(Code(code))
		return nil
	}
	out := d.Strings()
	for i, p := range out {
		out[i] = c.chroot.strip(p)
	}
	if out == nil {
		out = []string{}
	}
	*k.out.(*[]string) = out
	return nil
}

// AllChildrenNumberAsync is the asynchronous form of AllChildrenNumber.
// It returns at once unless the in-flight window is full, in which case it
// waits for room, bounded by ctx; a request not written when ctx ends
// fails with an error wrapping ErrNotSent and ctx.Err().
func (c *Conn) AllChildrenNumberAsync(ctx context.Context, path string) *Future[int] {
	return send(ctx, c, prepPath[int](c, wire.OpGetAllChildrenNumber, "getAllChildrenNumber", path, decodeCount))
}

// AllChildrenNumber returns the number of descendants of the node (all
// depths, the node itself excluded). Errors: ErrNoNode, ErrNoAuth.
// It blocks until the reply arrives or ctx ends. Reads change nothing, so a
// read that failed with ErrConnectionLoss or ErrNotSent may be retried.
func (c *Conn) AllChildrenNumber(ctx context.Context, path string) (int, error) {
	return c.AllChildrenNumberAsync(ctx, path).Wait(ctx)
}

func decodeCount(_ *Conn, k *call, code wire.ErrCode, d *wire.Decoder) error {
	if code != wire.ErrOK {
		k.err = k.opErr(Code(code))
		return nil
	}
	*k.out.(*int) = int(d.Int32())
	return nil
}

// WhoAmIAsync is the asynchronous form of WhoAmI.
// It returns at once unless the in-flight window is full, in which case it
// waits for room, bounded by ctx; a request not written when ctx ends
// fails with an error wrapping ErrNotSent and ctx.Err().
func (c *Conn) WhoAmIAsync(ctx context.Context) *Future[[]ClientInfo] {
	return send(ctx, c, prepNoBody[[]ClientInfo](c, wire.OpWhoAmI, "whoAmI", decodeWhoAmI))
}

// WhoAmI returns the identities the server associates with this
// connection (an implicit "ip" one, plus one per accepted credential).
// It blocks until the reply arrives or ctx ends. Reads change nothing, so a
// read that failed with ErrConnectionLoss or ErrNotSent may be retried.
func (c *Conn) WhoAmI(ctx context.Context) ([]ClientInfo, error) {
	return c.WhoAmIAsync(ctx).Wait(ctx)
}

func decodeWhoAmI(_ *Conn, k *call, code wire.ErrCode, d *wire.Decoder) error {
	if code != wire.ErrOK {
		k.err = k.opErr(Code(code))
		return nil
	}
	var r wire.WhoAmIResponse
	r.Decode(d)
	out := make([]ClientInfo, len(r.ClientInfo))
	for i, ci := range r.ClientInfo {
		out[i] = ClientInfo{Scheme: ci.AuthScheme, User: ci.User}
	}
	*k.out.(*[]ClientInfo) = out
	return nil
}

func decodeNothing(_ *Conn, k *call, code wire.ErrCode, _ *wire.Decoder) error {
	if code != wire.ErrOK {
		k.err = k.opErr(Code(code))
	}
	return nil
}
