package zk

import (
	"encoding/binary"
	"errors"
	"io"
	"net"
	"os"
	"strconv"
	"time"

	"github.com/coordkit/coordkit/internal/wire"
)

// errDeadConnection is the cause when nothing was read for two thirds of
// the session timeout.
var errDeadConnection = errors.New("zk: connection dead: nothing received within two thirds of the session timeout")

// readLoop is the link's reader: it matches every reply to the oldest
// written request, hands events to the watch set, and fails the link on the
// first error. It never runs user code.
func (l *link) readLoop() {
	c := l.c
	defer c.wg.Done()
	fr := wire.NewFrameReader(l.br, c.cfg.maxReply)
	for {
		p, err := fr.Next()
		if err != nil {
			l.fail(readError(err))
			return
		}
		c.stats.bytesReceived.Add(uint64(len(p) + 4))
		if err := l.dispatch(p); err != nil {
			c.log.Warn("zk: closing connection", "server", l.addr, "err", err)
			l.fail(err)
			return
		}
		l.rate.frames++
		if l.br.Buffered() == 0 {
			if d := l.rate.endBatch(l); d > 0 {
				time.Sleep(d)
			}
		}
	}
}

// readError turns a read failure into the cause recorded on the link.
func readError(err error) error {
	switch {
	case errors.Is(err, wire.ErrFrameTooLarge), errors.Is(err, wire.ErrNegativeFrame):
		return errProtocol("bad reply frame", err)
	case errors.Is(err, os.ErrDeadlineExceeded):
		return errDeadConnection
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF), errors.Is(err, net.ErrClosed):
		return err
	}
	return err
}

// dispatch handles one reply frame.
func (l *link) dispatch(p []byte) error {
	c := l.c
	if len(p) < wire.ReplyHeaderLen {
		return errProtocol("reply of "+strconv.Itoa(len(p))+" bytes is shorter than its header", nil)
	}
	xid := int32(binary.BigEndian.Uint32(p))
	zxid := int64(binary.BigEndian.Uint64(p[4:]))
	code := wire.ErrCode(int32(binary.BigEndian.Uint32(p[12:])))
	l.dec = *wire.NewDecoder(p[wire.ReplyHeaderLen:])
	d := &l.dec

	switch xid {
	case wire.XidWatchEvent:
		c.stats.events.Add(1)
		var ev wire.WatcherEvent
		ev.Decode(d)
		if err := d.Err(); err != nil {
			return errProtocol("malformed watch event", err)
		}
		c.watches.dispatch(EventType(ev.Type), c.chroot.strip(ev.Path))
		return nil
	case wire.XidPing:
		return nil
	case wire.XidAuth:
		c.mu.Lock()
		var k *call
		if len(l.authq) > 0 {
			k = l.authq[0]
			l.authq[0] = nil
			l.authq = l.authq[1:]
			k.state = stDone
		}
		c.mu.Unlock()
		if k == nil {
			return errProtocol("auth reply with no auth request outstanding", nil)
		}
		k.answered = true
		c.stats.replies.Add(1)
		if code != wire.ErrOK {
			k.complete(k.opErr(Code(code)))
			if code == wire.ErrAuthFailed {
				c.authFail.Store(true)
				return Code(code)
			}
			return nil
		}
		k.complete(nil)
		return nil
	}

	c.mu.Lock()
	k := l.pending.pop()
	if k != nil {
		k.state = stDone
	}
	c.mu.Unlock()
	if k == nil {
		return errProtocol("reply xid "+strconv.Itoa(int(xid))+" with no request outstanding", nil)
	}
	if k.xid != xid {
		err := errProtocol("reply xid "+strconv.Itoa(int(xid))+" does not match the oldest request's xid "+strconv.Itoa(int(k.xid)), nil)
		k.complete(k.opErr(&lostError{cause: err}))
		return err
	}
	if zxid > 0 {
		c.lastZxid.Store(zxid)
	}
	c.stats.replies.Add(1)
	k.zxid = zxid
	if code != wire.ErrOK && k.op != wire.OpMulti && k.op != wire.OpMultiRead {
		l.dec = wire.Decoder{} // a failed reply's body is ignored
	}
	if err := k.dec(c, k, code, d); err != nil || d.Err() != nil {
		if err == nil {
			err = d.Err()
		}
		perr := errProtocol("malformed "+k.op.String()+" reply", err)
		k.complete(k.opErr(&lostError{cause: perr}))
		return perr
	}
	k.answered = true
	k.complete(nil)
	return nil
}
