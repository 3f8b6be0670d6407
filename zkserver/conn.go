package zkserver

import (
	"bufio"
	"context"
	"encoding/binary"
	"net"
	"sync"
	"sync/atomic"
	"time"

	"github.com/coordkit/coordkit/internal/wire"
	"github.com/coordkit/coordkit/zkserver/internal/watch"
)

const (
	readBufSize = 64 << 10
	// maxReadBatch bounds how many requests a reader hands over at once.
	maxReadBatch = 256
)

// conn is one client connection. Its reader decodes frames and queues them
// for the processor; its writer sends what the processor queued in out.
type conn struct {
	s      *Server
	id     watch.ConnID
	nc     net.Conn
	remote string // host:port of the client
	host   string // the client's address: its "ip" identity
	est    time.Time

	ctx       context.Context // cancelled by close
	cancel    context.CancelFunc
	closeOnce sync.Once

	out outQueue

	recved, sent atomic.Int64 // packets

	// The fields below are owned by the processing goroutine.
	session *session
	ids     []wire.ID // ("ip", host), then one per accepted credential
	super   bool
	dead    bool      // closing: its requests are no longer processed
	dirty   bool      // output queued this round, writer not yet woken
	hold    time.Time // the next frame queued waits until then (Hook Delay)
	stats   connStats
}

func newConn(s *Server, nc net.Conn, id uint64) *conn {
	c := &conn{
		s:      s,
		id:     watch.ConnID(id),
		nc:     nc,
		remote: nc.RemoteAddr().String(),
		est:    time.Now(),
	}
	c.host = c.remote
	if h, _, err := net.SplitHostPort(c.remote); err == nil {
		c.host = h
	}
	c.ids = []wire.ID{{Scheme: "ip", ID: c.host}}
	c.ctx, c.cancel = context.WithCancel(context.Background())
	c.out.wake = make(chan struct{}, 1)
	return c
}

// close closes the connection, once; its reader and writer then stop.
func (c *conn) close() {
	c.closeOnce.Do(func() {
		c.s.forget(c) // first: a client that sees the close sees it counted
		c.cancel()
		_ = c.nc.Close()
	})
}

// since returns the time since the server started, in ns.
func (s *Server) since() int64 { return int64(time.Since(s.start)) }

// readLoop is the connection's reader. The first four bytes may be a
// four-letter word; otherwise the first frame is the ConnectRequest, and
// every later frame a request, queued for the processor in batches: what
// arrived together goes together.
func (c *conn) readLoop() {
	defer c.s.wg.Done()
	defer c.close()
	s := c.s
	sr := &socketReader{c: c, seen: -1}
	// A connection must start talking within the longest session timeout.
	sr.setTimeout(s.cfg.maxTimeout)
	br := bufio.NewReaderSize(sr, readBufSize)
	head, err := br.Peek(4)
	if err != nil {
		return
	}
	if word := string(head); isFourLetterWord(word) {
		c.fourLetter(word)
		return
	}
	fr := wire.NewFrameReader(br, s.cfg.maxPacket)
	p, err := fr.Next()
	if err != nil {
		s.log.Debug("no handshake", "client", c.remote, "err", err)
		return
	}
	creq := new(wire.ConnectRequest)
	if err := wire.Unmarshal(p, creq); err != nil {
		s.log.Debug("malformed connect request", "client", c.remote, "err", err)
		return
	}
	sr.setTimeout(0)
	c.recved.Add(1)
	s.received.Add(1)
	s.wg.Add(1)
	go c.writeLoop()
	defer s.inbox.gone(c)

	batch := make([]request, 0, 16)
	batch = append(batch, request{conn: c, kind: reqConnect, body: creq, recv: s.since()})
	for {
		if len(batch) > 0 && (len(batch) >= maxReadBatch || !frameBuffered(br, s.cfg.maxPacket)) {
			ok := s.inbox.push(batch)
			clear(batch)
			batch = batch[:0]
			if !ok {
				return
			}
		}
		p, err := fr.Next()
		if err != nil {
			c.readFailed(err, batch)
			return
		}
		c.recved.Add(1)
		s.received.Add(1)
		r, ok := c.decode(p)
		if !ok {
			s.log.Debug("short request frame, closing", "client", c.remote, "len", len(p))
			c.readFailed(nil, batch)
			return
		}
		if len(batch) == 0 {
			r.recv = s.since()
		} else {
			r.recv = batch[0].recv
		}
		batch = append(batch, r)
	}
}

// readFailed hands over what was read before the failure, so that the
// requests ahead of a bad frame are still processed in order.
func (c *conn) readFailed(err error, batch []request) {
	if err != nil {
		c.s.log.Debug("read failed", "client", c.remote, "err", err)
	}
	if len(batch) > 0 {
		c.s.inbox.push(batch)
	}
}

// frameBuffered reports whether br holds a whole frame, or a length prefix
// that Next rejects without reading more: either way Next will not block.
func frameBuffered(br *bufio.Reader, limit int) bool {
	n := br.Buffered()
	if n < 4 {
		return false
	}
	h, _ := br.Peek(4)
	l := int32(binary.BigEndian.Uint32(h))
	return l < 0 || int(l) > limit || 4+int(l) <= n
}

// decode decodes a request frame. It reports false for a frame shorter than
// the request header, which closes the connection. A body that does not
// decode is marked bad (the processor answers MarshallingError); an opcode
// without a request record keeps a nil body.
func (c *conn) decode(p []byte) (request, bool) {
	if len(p) < wire.RequestHeaderLen {
		return request{}, false
	}
	r := request{
		conn: c,
		xid:  int32(binary.BigEndian.Uint32(p)),
		op:   wire.OpCode(int32(binary.BigEndian.Uint32(p[4:]))),
	}
	body, ok := wire.RequestBody(r.op)
	if !ok {
		return r, true
	}
	if err := wire.Unmarshal(p[wire.RequestHeaderLen:], body); err != nil {
		r.bad = true
		return r, true
	}
	r.body = body
	return r, true
}
