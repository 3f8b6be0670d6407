package integration

import (
	"context"
	"errors"
	"fmt"
	"net"
	"time"

	"github.com/coordkit/coordkit/internal/wire"
)

// rawSession is the differential test's watcher: a ZooKeeper session
// driven frame by frame, one request at a time, so that it sees exactly
// what the server sends — every watch event, in the server's order,
// between the replies — and can send requests the zk client never sends
// (getChildren without a Stat, create2 inside a multi, odd paths and
// flags). It reports errors instead of failing a test, so it can run on
// any goroutine.
type rawSession struct {
	conn     net.Conn
	fr       *wire.FrameReader
	xid      int32
	id       int64
	timeout  int32 // negotiated, ms
	passwd   []byte
	lastZxid int64 // the highest zxid of a reply
	events   []wire.WatcherEvent
	buf      []byte
}

// rawCallTimeout bounds one request of a raw session.
const rawCallTimeout = 30 * time.Second

// dialRaw connects to addr and creates a session asking for timeout.
func dialRaw(ctx context.Context, addr string, timeout time.Duration) (*rawSession, error) {
	r := &rawSession{}
	if err := r.connect(ctx, addr, &wire.ConnectRequest{
		TimeOut: int32(timeout.Milliseconds()), Passwd: make([]byte, 16), HasReadOnly: true,
	}); err != nil {
		return nil, err
	}
	return r, nil
}

// connect opens a connection and sends req (a new session, or a re-attach).
func (r *rawSession) connect(ctx context.Context, addr string, req *wire.ConnectRequest) error {
	var d net.Dialer
	c, err := d.DialContext(ctx, "tcp", addr)
	if err != nil {
		return err
	}
	r.conn, r.fr = c, wire.NewFrameReader(c, 8<<20)
	if err := r.write(wire.AppendRecordFrame(r.buf[:0], req)); err != nil {
		_ = c.Close()
		return err
	}
	p, err := r.fr.Next()
	if err != nil {
		_ = c.Close()
		return fmt.Errorf("read ConnectResponse: %w", err)
	}
	var resp wire.ConnectResponse
	if err := wire.Unmarshal(p, &resp); err != nil {
		_ = c.Close()
		return err
	}
	if resp.TimeOut <= 0 {
		_ = c.Close()
		return errors.New("the server refused the session")
	}
	if req.SessionID != 0 && resp.SessionID != req.SessionID {
		_ = c.Close()
		return fmt.Errorf("re-attached session %x as %x", req.SessionID, resp.SessionID)
	}
	r.id, r.timeout, r.passwd = resp.SessionID, resp.TimeOut, resp.Passwd
	return nil
}

// reattach drops the connection without ending the session and attaches
// the session again on a new connection to addr, as a client does after
// a connection loss.
func (r *rawSession) reattach(ctx context.Context, addr string, timeout time.Duration) error {
	r.abort()
	return r.connect(ctx, addr, &wire.ConnectRequest{
		LastZxidSeen: r.lastZxid, TimeOut: int32(timeout.Milliseconds()),
		SessionID: r.id, Passwd: r.passwd, HasReadOnly: true,
	})
}

func (r *rawSession) write(frame []byte) error {
	r.buf = frame
	if err := r.conn.SetDeadline(time.Now().Add(rawCallTimeout)); err != nil {
		return err
	}
	_, err := r.conn.Write(frame)
	return err
}

// call sends one request and reads frames until its reply, recording the
// events that arrive meanwhile. It decodes the body into resp (if not nil)
// when the reply carries no error.
func (r *rawSession) call(op wire.OpCode, req, resp wire.Record) (wire.ReplyHeader, error) {
	r.xid++
	if err := r.write(wire.AppendRequest(r.buf[:0], r.xid, op, req)); err != nil {
		return wire.ReplyHeader{}, fmt.Errorf("write %v: %w", op, err)
	}
	return r.await(r.xid, op, resp)
}

// await reads frames until the reply with xid.
func (r *rawSession) await(xid int32, op wire.OpCode, resp wire.Record) (wire.ReplyHeader, error) {
	for {
		p, err := r.fr.Next()
		if err != nil {
			return wire.ReplyHeader{}, fmt.Errorf("read the reply to %v: %w", op, err)
		}
		d := wire.NewDecoder(p)
		var h wire.ReplyHeader
		h.Decode(d)
		if d.Err() != nil {
			return h, fmt.Errorf("reply header: %w", d.Err())
		}
		body := p[wire.ReplyHeaderLen:]
		switch {
		case h.Xid == wire.XidWatchEvent:
			var ev wire.WatcherEvent
			if err := wire.Unmarshal(body, &ev); err != nil {
				return h, fmt.Errorf("watch event: %w", err)
			}
			r.events = append(r.events, ev)
		case h.Xid != xid:
			return h, fmt.Errorf("reply with xid %d while waiting for %d (%v)", h.Xid, xid, op)
		default:
			r.lastZxid = max(r.lastZxid, h.Zxid)
			if h.Err == wire.ErrOK && resp != nil {
				if err := wire.Unmarshal(body, resp); err != nil {
					return h, fmt.Errorf("decode the reply to %v: %w", op, err)
				}
			}
			return h, nil
		}
	}
}

// setWatches sends setWatches or (with V2) setWatches2 with xid.
func (r *rawSession) setWatches(xid int32, req *wire.SetWatches) (wire.ReplyHeader, error) {
	op := wire.OpSetWatches
	if req.V2 {
		op = wire.OpSetWatches2
	}
	if err := r.write(wire.AppendRequest(r.buf[:0], xid, op, req)); err != nil {
		return wire.ReplyHeader{}, err
	}
	return r.await(xid, op, nil)
}

// auth adds a credential (xid −4).
func (r *rawSession) auth(scheme, cred string) (wire.ErrCode, error) {
	if err := r.write(wire.AppendRequest(r.buf[:0], wire.XidAuth, wire.OpAuth,
		&wire.AuthPacket{Scheme: scheme, Auth: []byte(cred)})); err != nil {
		return 0, err
	}
	h, err := r.await(wire.XidAuth, wire.OpAuth, nil)
	return h.Err, err
}

// barrier syncs on path: every event the server queued for this
// connection before the sync is then in r.events.
func (r *rawSession) barrier(path string) error {
	var resp wire.SyncResponse
	h, err := r.call(wire.OpSync, &wire.SyncRequest{Path: path}, &resp)
	if err == nil && h.Err != wire.ErrOK {
		err = fmt.Errorf("sync %s: %v", path, h.Err)
	}
	return err
}

// takeEvents returns the events recorded so far and forgets them.
func (r *rawSession) takeEvents() []wire.WatcherEvent {
	evs := r.events
	r.events = nil
	return evs
}

// close ends the session (closeSession, whose reply follows the events
// it fires on this connection) and the connection.
func (r *rawSession) close() error {
	_, err := r.call(wire.OpCloseSession, wire.Empty{}, nil)
	if cerr := r.conn.Close(); err == nil {
		err = cerr
	}
	return err
}

// abort closes the connection without ending the session.
func (r *rawSession) abort() { _ = r.conn.Close() }
