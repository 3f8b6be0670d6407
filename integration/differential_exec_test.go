package integration

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/coordkit/coordkit/internal/wire"
	"github.com/coordkit/coordkit/zk"
)

// diffBackend is one server under differential test with its two
// sessions: the operator A (the zk client) and the watcher B (raw).
type diffBackend struct {
	name  string
	addr  string
	root  string // the sequence's root; B syncs on it as its barrier
	a     *zk.Conn
	b     *rawSession
	roles roles
}

// diffSessionTimeout is what both sessions ask for.
const diffSessionTimeout = 30 * time.Second

// open starts both sessions for a sequence rooted at root.
func (d *diffBackend) open(ctx context.Context, root string) error {
	d.root, d.roles = root, newRoles(map[int64]string{})
	if _, err := d.openA(ctx); err != nil {
		return err
	}
	b, err := d.openB(ctx, diffSessionTimeout)
	if err != nil {
		return err
	}
	d.b = b
	return nil
}

func (d *diffBackend) openA(ctx context.Context) (outcome, error) {
	a, err := zk.Dial(ctx, []string{d.addr}, zk.WithSessionTimeout(diffSessionTimeout),
		zk.WithDigestAuth("alice", "secret"))
	if err != nil {
		return outcome{}, fmt.Errorf("dial A: %w", err)
	}
	d.roles.retire("A")
	d.a = a
	d.roles.names[a.SessionID()] = "A"
	return outcome{Timeout: int32(a.SessionTimeout().Milliseconds())}, nil
}

// openB opens a watcher session authenticated as bob; the caller sets
// the standing watches.
func (d *diffBackend) openB(ctx context.Context, timeout time.Duration) (*rawSession, error) {
	b, err := dialRaw(ctx, d.addr, timeout)
	if err != nil {
		return nil, fmt.Errorf("dial B: %w", err)
	}
	if code, err := b.auth("digest", bobCred); err != nil || code != wire.ErrOK {
		b.abort()
		return nil, fmt.Errorf("B's auth: %v %w", code, err)
	}
	d.roles.retire("B")
	d.roles.names[b.id] = "B"
	return b, nil
}

// close ends both sessions.
func (d *diffBackend) close() {
	if d.a != nil {
		_ = d.a.Close()
		d.a = nil
	}
	if d.b != nil {
		_ = d.b.close()
		d.b = nil
	}
}

// run applies op and returns its outcome with the events B saw up to a
// barrier after it. An error means the run itself broke (a lost
// connection, a timeout), not that the server answered differently.
func (d *diffBackend) run(ctx context.Context, op diffOp) (outcome, error) {
	var o outcome
	var err error
	if op.Kind.isB() {
		o, err = d.runB(ctx, op)
	} else {
		o, err = d.runA(ctx, op)
	}
	if err != nil {
		return o, fmt.Errorf("%s: %v: %w", d.name, op, err)
	}
	if *diffZxids && op.Kind.isB() && op.Kind != bReopen && d.roles.base != 0 {
		o.extra = append(o.extra, "reply zxid: "+d.roles.zxid(d.b.lastZxid))
	}
	if *diffZxids && !op.Kind.isB() && op.Kind != aReopen && d.roles.base != 0 {
		o.extra = append(o.extra, "last zxid: "+d.roles.zxid(d.a.LastZxid()))
	}
	if *diffZxids && d.roles.base == 0 && op.Kind == aCreate && op.Path == d.root && o.Err == "" {
		s, _, err := d.a.Exists(ctx, d.root)
		if err != nil {
			return o, fmt.Errorf("%s: read the root's czxid: %w", d.name, err)
		}
		d.roles.base = s.Czxid
	}
	if err := d.b.barrier(d.root); err != nil {
		return o, fmt.Errorf("%s: barrier after %v: %w", d.name, op, err)
	}
	for _, ev := range d.b.takeEvents() {
		o.Events = append(o.Events, eventText(ev))
	}
	return o, nil
}

// answered waits for f and returns its value and ZooKeeper code, or an
// error if the request was not answered by the server.
func answered[T any](ctx context.Context, f *zk.Future[T]) (T, string, error) {
	v, err := f.Wait(ctx)
	select {
	case <-f.Done():
	default:
		return v, "", fmt.Errorf("no reply: %w", err)
	}
	if out := f.Outcome(); out != zk.Answered {
		return v, "", fmt.Errorf("request %v: %w", out, err)
	}
	code, ok := codeOf(err)
	if !ok {
		return v, "", fmt.Errorf("answered with an error that is no ZooKeeper code: %w", err)
	}
	return v, code, nil
}

func createOpts(op diffOp) []zk.CreateOption {
	opts := []zk.CreateOption{zk.WithACL(diffACLs[op.ACL])}
	if op.Mode.IsTTL() {
		opts = append(opts, zk.WithTTL(time.Duration(op.TTL)*time.Millisecond))
	}
	return opts
}

func (d *diffBackend) runA(ctx context.Context, op diffOp) (outcome, error) {
	var o outcome
	var err error
	a := d.a
	switch op.Kind {
	case aCreate:
		var p string
		p, o.Err, err = answered(ctx, a.CreateAsync(ctx, op.Path, op.Data, op.Mode, createOpts(op)...))
		if err == nil && o.Err == "" {
			o.setPath(p)
		}
	case aCreate2:
		var r zk.CreateResult
		r, o.Err, err = answered(ctx, a.Create2Async(ctx, op.Path, op.Data, op.Mode, createOpts(op)...))
		if err == nil && o.Err == "" {
			o.setPath(r.Path)
			o.Stat = statOfZK(r.Stat, d.roles)
		}
	case aDelete:
		_, o.Err, err = answered(ctx, a.DeleteAsync(ctx, op.Path, op.Version))
	case aSet:
		var s zk.Stat
		s, o.Err, err = answered(ctx, a.SetAsync(ctx, op.Path, op.Data, op.Version))
		if err == nil && o.Err == "" {
			o.Stat = statOfZK(s, d.roles)
		}
	case aExists:
		var r zk.ExistsResult
		r, o.Err, err = answered(ctx, a.ExistsAsync(ctx, op.Path))
		if err == nil && o.Err == "" {
			o.Exists = &r.Exists
			if r.Exists {
				o.Stat = statOfZK(r.Stat, d.roles)
			}
		}
	case aGet:
		var r zk.GetResult
		r, o.Err, err = answered(ctx, a.GetAsync(ctx, op.Path))
		if err == nil && o.Err == "" {
			o.Data, o.Stat = dataOf(r.Data), statOfZK(r.Stat, d.roles)
		}
	case aChildren:
		var r zk.ChildrenResult
		r, o.Err, err = answered(ctx, a.ChildrenAsync(ctx, op.Path))
		if err == nil && o.Err == "" {
			o.setChildren(r.Children)
			o.Stat = statOfZK(r.Stat, d.roles)
		}
	case aGetACL:
		var r zk.ACLResult
		r, o.Err, err = answered(ctx, a.GetACLAsync(ctx, op.Path))
		if err == nil && o.Err == "" {
			o.setACLZK(r.ACL)
			o.Stat = statOfZK(r.Stat, d.roles)
		}
	case aSetACL:
		var s zk.Stat
		s, o.Err, err = answered(ctx, a.SetACLAsync(ctx, op.Path, diffACLs[op.ACL], op.Version))
		if err == nil && o.Err == "" {
			o.Stat = statOfZK(s, d.roles)
		}
	case aMulti:
		return d.multiA(ctx, op)
	case aMultiRead:
		return d.multiReadA(ctx, op)
	case aAllChildren:
		var n int
		n, o.Err, err = answered(ctx, a.AllChildrenNumberAsync(ctx, op.Path))
		if err == nil && o.Err == "" {
			o.setCount(int32(n))
		}
	case aEphemerals:
		var ps []string
		ps, o.Err, err = answered(ctx, a.EphemeralsAsync(ctx, op.Path))
		if err == nil && o.Err == "" {
			o.setStrings(ps)
		}
	case aSync:
		var p string
		p, o.Err, err = answered(ctx, a.SyncAsync(ctx, op.Path))
		if err == nil && o.Err == "" {
			o.setPath(p)
		}
	case aReopen:
		if err := a.Close(); err != nil {
			return o, fmt.Errorf("close A: %w", err)
		}
		d.a = nil
		return d.openA(ctx)
	case aDump:
		return d.dump(ctx, op.Path)
	case aAddAuth:
		_, o.Err, err = answered(ctx, a.AddAuthAsync(ctx, "digest", op.Data))
	default:
		return o, fmt.Errorf("op kind %v is not A's", op.Kind)
	}
	return o, err
}

func (d *diffBackend) multiA(ctx context.Context, op diffOp) (outcome, error) {
	var o outcome
	ops := make([]zk.Op, 0, len(op.Subs))
	for _, s := range op.Subs {
		switch s.Kind {
		case aCreate:
			ops = append(ops, zk.CreateOp(s.Path, s.Data, s.Mode, createOpts(s)...))
		case aDelete:
			ops = append(ops, zk.DeleteOp(s.Path, s.Version))
		case aSet:
			ops = append(ops, zk.SetOp(s.Path, s.Data, s.Version))
		case opCheck:
			ops = append(ops, zk.CheckOp(s.Path, s.Version))
		default:
			return o, fmt.Errorf("op kind %v in a multi", s.Kind)
		}
	}
	f := d.a.MultiAsync(ctx, ops...)
	res, code, err := answered(ctx, f)
	if err != nil {
		return o, err
	}
	o.Err = code
	var me *zk.MultiError
	if _, ferr := f.Result(); errors.As(ferr, &me) {
		o.Err = fmt.Sprintf("%s at op %d", code, me.Index)
		res = me.Results
	}
	for i, r := range res {
		var s outcome
		s.Err, _ = codeOf(r.Err)
		if op.Subs[i].Kind == aCreate {
			s.setPath(r.Path)
		}
		if r.Stat != nil {
			s.Stat = statOfZK(*r.Stat, d.roles)
		}
		o.Subs = append(o.Subs, s)
	}
	return o, nil
}

func (d *diffBackend) multiReadA(ctx context.Context, op diffOp) (outcome, error) {
	var o outcome
	reads := make([]zk.ReadOp, 0, len(op.Subs))
	for _, s := range op.Subs {
		if s.Kind == aGet {
			reads = append(reads, zk.GetOp(s.Path))
		} else {
			reads = append(reads, zk.ChildrenOp(s.Path))
		}
	}
	res, code, err := answered(ctx, d.a.MultiReadAsync(ctx, reads...))
	if err != nil {
		return o, err
	}
	o.Err = code
	for i, r := range res {
		var s outcome
		var ok bool
		if s.Err, ok = codeOf(r.Err); !ok {
			return o, fmt.Errorf("multiRead result %d: %w", i, r.Err)
		}
		if s.Err == "" {
			if op.Subs[i].Kind == aGet {
				s.Data = dataOf(r.Data)
				if r.Stat != nil {
					s.Stat = statOfZK(*r.Stat, d.roles)
				}
			} else {
				s.setChildren(r.Children)
			}
		}
		o.Subs = append(o.Subs, s)
	}
	return o, nil
}

// dump reads the subtree at path, depth first in name order: for each
// node its data, Stat, ACL and children, each with the code it failed
// with (A may lack READ on some).
func (d *diffBackend) dump(ctx context.Context, root string) (outcome, error) {
	var o outcome
	var walk func(p string) error
	walk = func(p string) error {
		var n outcome
		n.Note = p
		r, code, err := answered(ctx, d.a.GetAsync(ctx, p))
		if err != nil {
			return err
		}
		n.Err = code
		if code == "" {
			n.Data, n.Stat = dataOf(r.Data), statOfZK(r.Stat, d.roles)
		}
		acl, code, err := answered(ctx, d.a.GetACLAsync(ctx, p))
		if err != nil {
			return err
		}
		if code == "" {
			n.setACLZK(acl.ACL)
		} else {
			n.extra = append(n.extra, "getACL: "+code)
		}
		ch, code, err := answered(ctx, d.a.ChildrenAsync(ctx, p))
		if err != nil {
			return err
		}
		if code != "" {
			n.extra = append(n.extra, "getChildren: "+code)
			o.Subs = append(o.Subs, n)
			return nil
		}
		n.setChildren(ch.Children)
		o.Subs = append(o.Subs, n)
		for _, c := range n.Children {
			if err := walk(p + "/" + c); err != nil {
				return err
			}
		}
		return nil
	}
	return o, walk(root)
}
