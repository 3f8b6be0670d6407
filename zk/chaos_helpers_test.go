package zk

import (
	"bufio"
	"context"
	"encoding/binary"
	"math/rand/v2"
	"net"
	"strings"
	"sync"
	"time"

	"github.com/coordkit/coordkit/internal/wire"
)

// chaosSID is the only session id a chaos server ever grants.
const chaosSID = 0x5eed

// chaosLog is what the chaos servers and the client's connections saw,
// shared by every server and connection of one run.
type chaosLog struct {
	mu       sync.Mutex          // guards the fields below
	received map[string]chaosRcv // request path → what the server read
	dups     []string            // paths read more than once
	written  map[string]bool     // request paths whose frame the client's kernel took whole
	streams  []*chaosClientConn  // every client connection, to parse after the run
	problems []string            // protocol violations seen by the servers
	connects int                 // handshakes the servers read
}

// chaosRcv is one request a server read, and the reply it chose.
type chaosRcv struct {
	xid     int32
	op      wire.OpCode
	replied bool // a reply frame for it was handed to the socket, at least in part
}

func newChaosLog() *chaosLog {
	return &chaosLog{received: map[string]chaosRcv{}, written: map[string]bool{}}
}

func (lg *chaosLog) problem(s string) {
	lg.mu.Lock()
	lg.problems = append(lg.problems, s)
	lg.mu.Unlock()
}

// chaosServer is a fake ZooKeeper that answers requests with results
// derived from their paths and xids, and at random delays, stalls, and cuts
// the connection (close, RST, mid-reply-frame, after reading but before
// replying).
type chaosServer struct {
	ln   net.Listener
	log  *chaosLog
	seed uint64
	wg   sync.WaitGroup

	mu    sync.Mutex // guards the fields below
	conns map[net.Conn]bool
	n     uint64 // connections accepted
}

func newChaosServer(lg *chaosLog, seed uint64) (*chaosServer, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	s := &chaosServer{ln: ln, log: lg, seed: seed, conns: map[net.Conn]bool{}}
	s.wg.Add(1)
	go s.acceptLoop()
	return s, nil
}

func (s *chaosServer) addr() string { return s.ln.Addr().String() }

// close stops accepting, cuts every connection and waits for its
// goroutines.
func (s *chaosServer) close() {
	_ = s.ln.Close()
	s.mu.Lock()
	for nc := range s.conns {
		_ = nc.Close()
	}
	s.mu.Unlock()
	s.wg.Wait()
}

func (s *chaosServer) acceptLoop() {
	defer s.wg.Done()
	for {
		nc, err := s.ln.Accept()
		if err != nil {
			return
		}
		s.mu.Lock()
		s.conns[nc] = true
		s.n++
		rng := rand.New(rand.NewPCG(s.seed, s.n))
		s.mu.Unlock()
		if tc, ok := nc.(*net.TCPConn); ok {
			_ = tc.SetReadBuffer(4 << 10) // so that a stall soon blocks the client's writer
		}
		s.wg.Add(1)
		go func() {
			defer s.wg.Done()
			s.serve(nc, rng)
			s.mu.Lock()
			delete(s.conns, nc)
			s.mu.Unlock()
		}()
	}
}

// cut ends the connection: an orderly close, or a reset.
func cut(nc net.Conn, rng *rand.Rand) {
	if tc, ok := nc.(*net.TCPConn); ok && rng.IntN(2) == 0 {
		_ = tc.SetLinger(0) // RST
	}
	_ = nc.Close()
}

// requestPath decodes the path of a request body; "" for ops without one.
func requestPath(op wire.OpCode, body []byte) string {
	var path string
	var err error
	switch op {
	case wire.OpGetData, wire.OpExists:
		var r wire.PathWatchRequest
		err = wire.Unmarshal(body, &r)
		path = r.Path
	case wire.OpSetData:
		var r wire.SetDataRequest
		err = wire.Unmarshal(body, &r)
		path = r.Path
	case wire.OpCreate2:
		var r wire.CreateRequest
		err = wire.Unmarshal(body, &r)
		path = r.Path
	case wire.OpDelete:
		var r wire.DeleteRequest
		err = wire.Unmarshal(body, &r)
		path = r.Path
	}
	if err != nil {
		return "!malformed"
	}
	return path
}

// chaosReply is the reply a chaos server sends for a request: the result is
// derived from the path (a path ending in "-e" gets a ZooKeeper error) and
// the xid (every Stat's Czxid is the request's xid), so that the client's
// result can be checked against the exact request the server answered.
func chaosReply(xid int32, op wire.OpCode, path string, body []byte) []byte {
	h := wire.ReplyHeader{Xid: xid, Zxid: int64(xid)}
	fail := strings.HasSuffix(path, "-e")
	st := wire.Stat{Czxid: int64(xid), Mzxid: int64(len(path))}
	switch op {
	case wire.OpGetData:
		if fail {
			h.Err = wire.ErrNoNode
			return wire.AppendReply(nil, h, nil)
		}
		return wire.AppendReply(nil, h, &wire.GetDataResponse{Data: []byte("d:" + path), Stat: st})
	case wire.OpExists:
		if fail {
			h.Err = wire.ErrNoNode
			return wire.AppendReply(nil, h, nil)
		}
		return wire.AppendReply(nil, h, &wire.StatResponse{Stat: st})
	case wire.OpSetData:
		if fail {
			h.Err = wire.ErrBadVersion
			return wire.AppendReply(nil, h, nil)
		}
		var r wire.SetDataRequest
		_ = wire.Unmarshal(body, &r)
		st.DataLength = int32(len(r.Data))
		return wire.AppendReply(nil, h, &wire.StatResponse{Stat: st})
	case wire.OpCreate2:
		if fail {
			h.Err = wire.ErrNodeExists
			return wire.AppendReply(nil, h, nil)
		}
		return wire.AppendReply(nil, h, &wire.Create2Response{Path: path + "0", Stat: st})
	case wire.OpDelete:
		if fail {
			h.Err = wire.ErrNotEmpty
		}
		return wire.AppendReply(nil, h, nil)
	case wire.OpPing:
		return wire.AppendReply(nil, wire.ReplyHeader{Xid: wire.XidPing}, nil)
	}
	// closeSession and anything else: an empty OK.
	return wire.AppendReply(nil, h, nil)
}

// serve runs one connection.
func (s *chaosServer) serve(nc net.Conn, rng *rand.Rand) {
	defer func() { _ = nc.Close() }()
	lg := s.log
	br := bufio.NewReaderSize(nc, 4<<10)
	fr := wire.NewFrameReader(br, 16<<20)
	_ = nc.SetDeadline(time.Now().Add(20 * time.Second)) // a hung test ends
	p, err := fr.Next()
	if err != nil {
		return
	}
	var creq wire.ConnectRequest
	if err := wire.Unmarshal(p, &creq); err != nil {
		lg.problem("malformed ConnectRequest: " + err.Error())
		return
	}
	if creq.SessionID != 0 && creq.SessionID != chaosSID {
		lg.problem("ConnectRequest for an unknown session")
	}
	lg.mu.Lock()
	lg.connects++
	lg.mu.Unlock()
	if creq.SessionID != 0 && rng.IntN(8) == 0 {
		cut(nc, rng) // refuse a re-attachment during the handshake
		return
	}
	passwd := make([]byte, 16)
	passwd[0] = 1
	resp := wire.ConnectResponse{TimeOut: 4000, SessionID: chaosSID, Passwd: passwd, HasReadOnly: true}
	if _, err := nc.Write(wire.AppendRecordFrame(nil, &resp)); err != nil {
		return
	}

	var out []byte    // replies not yet written
	var lastXid int32 // xids must increase on a connection
	for {
		p, err := fr.Next()
		if err != nil {
			return
		}
		if len(p) < 8 {
			lg.problem("short request frame")
			return
		}
		xid := int32(binary.BigEndian.Uint32(p))
		op := wire.OpCode(int32(binary.BigEndian.Uint32(p[4:])))
		body := p[8:]
		if op != wire.OpPing {
			if xid <= lastXid {
				lg.problem("xids out of order on one connection")
			}
			lastXid = xid
		}
		path := requestPath(op, body)
		if path != "" {
			lg.mu.Lock()
			if _, dup := lg.received[path]; dup {
				lg.dups = append(lg.dups, path)
			}
			lg.received[path] = chaosRcv{xid: xid, op: op}
			lg.mu.Unlock()
		}
		// Fault after reading the request.
		switch r := rng.IntN(1000); {
		case r < 15: // cut after reading, before replying to anything buffered
			cut(nc, rng)
			return
		case r < 25: // cut in the middle of a reply frame
			rep := chaosReply(xid, op, path, body)
			s.markReplied(path)
			out = append(out, rep...)
			_, _ = nc.Write(out[:len(out)-1-rng.IntN(len(rep)-1)])
			cut(nc, rng)
			return
		case r < 45: // stop reading for a while, so the client's writer blocks
			time.Sleep(time.Duration(5+rng.IntN(30)) * time.Millisecond)
		case r < 100:
			time.Sleep(time.Duration(rng.IntN(2000)) * time.Microsecond)
		}
		s.markReplied(path)
		out = append(out, chaosReply(xid, op, path, body)...)
		if br.Buffered() == 0 || rng.IntN(4) == 0 {
			if _, err := nc.Write(out); err != nil {
				return
			}
			out = out[:0]
		}
		if op == wire.OpCloseSession {
			return
		}
	}
}

func (s *chaosServer) markReplied(path string) {
	if path == "" {
		return
	}
	lg := s.log
	lg.mu.Lock()
	r := lg.received[path]
	r.replied = true
	lg.received[path] = r
	lg.mu.Unlock()
}

// chaosClientConn is the client's side of a connection: it records every
// byte the kernel took from the client, to tell afterwards which request
// frames went out whole.
type chaosClientConn struct {
	net.Conn
	mu  sync.Mutex // guards out
	out []byte
}

func (cc *chaosClientConn) Write(p []byte) (int, error) {
	n, err := cc.Conn.Write(p)
	cc.mu.Lock()
	cc.out = append(cc.out, p[:n]...)
	cc.mu.Unlock()
	return n, err
}

// chaosDialer dials with a small send buffer (so that a stalled server
// blocks the writer) and records every connection in lg.
func chaosDialer(lg *chaosLog) Option {
	return WithDialer(func(ctx context.Context, network, addr string) (net.Conn, error) {
		var d net.Dialer
		nc, err := d.DialContext(ctx, network, addr)
		if err != nil {
			return nil, err
		}
		if tc, ok := nc.(*net.TCPConn); ok {
			_ = tc.SetWriteBuffer(8 << 10)
		}
		cc := &chaosClientConn{Conn: nc}
		lg.mu.Lock()
		lg.streams = append(lg.streams, cc)
		lg.mu.Unlock()
		return cc, nil
	})
}

// parseWritten fills lg.written from the recorded client streams: the
// paths of every request frame the client's kernel took whole.
func (lg *chaosLog) parseWritten() {
	lg.mu.Lock()
	defer lg.mu.Unlock()
	for _, cc := range lg.streams {
		cc.mu.Lock()
		b := cc.out
		cc.mu.Unlock()
		for first := true; len(b) >= 4; first = false {
			n := int(binary.BigEndian.Uint32(b))
			if len(b) < 4+n {
				break // a partial frame: not written
			}
			p := b[4 : 4+n]
			b = b[4+n:]
			if first || len(p) < 8 {
				continue // the ConnectRequest
			}
			op := wire.OpCode(int32(binary.BigEndian.Uint32(p[4:])))
			if path := requestPath(op, p[8:]); path != "" {
				lg.written[path] = true
			}
		}
	}
}
