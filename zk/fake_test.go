package zk

import (
	"context"
	"encoding/binary"
	"errors"
	"net"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/coordkit/coordkit/internal/wire"
)

// fakeServer is a scripted ZooKeeper server for unit tests: every accepted
// connection is handed to the test, which reads requests and writes
// replies itself, on the test goroutine.
type fakeServer struct {
	t     *testing.T
	ln    net.Listener
	conns chan *fakeConn
	wg    sync.WaitGroup
}

func newFakeServer(t *testing.T) *fakeServer {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	s := &fakeServer{t: t, ln: ln, conns: make(chan *fakeConn, 16)}
	s.wg.Add(1)
	go s.acceptLoop()
	t.Cleanup(func() {
		_ = ln.Close()
		s.wg.Wait()
		for {
			select {
			case fc := <-s.conns:
				fc.close()
			default:
				return
			}
		}
	})
	return s
}

func (s *fakeServer) addr() string { return s.ln.Addr().String() }

func (s *fakeServer) acceptLoop() {
	defer s.wg.Done()
	for {
		nc, err := s.ln.Accept()
		if err != nil {
			return
		}
		fc := &fakeConn{t: s.t, nc: nc}
		fc.fr = wire.NewFrameReader(nc, 16<<20)
		s.t.Cleanup(fc.close)
		s.conns <- fc
	}
}

// accept returns the next connection a client opened.
func (s *fakeServer) accept() *fakeConn {
	s.t.Helper()
	select {
	case fc := <-s.conns:
		return fc
	case <-time.After(10 * time.Second):
		s.t.Fatal("fake server: no connection")
		return nil
	}
}

// fakeConn is one client connection seen by the fake server.
type fakeConn struct {
	t  *testing.T
	nc net.Conn
	fr *wire.FrameReader
}

func (fc *fakeConn) close() { _ = fc.nc.Close() }

func (fc *fakeConn) frame() []byte {
	fc.t.Helper()
	_ = fc.nc.SetReadDeadline(time.Now().Add(10 * time.Second))
	p, err := fc.fr.Next()
	require.NoError(fc.t, err, "fake server: reading a frame")
	return append([]byte(nil), p...)
}

// readConnect reads the ConnectRequest.
func (fc *fakeConn) readConnect() wire.ConnectRequest {
	fc.t.Helper()
	var req wire.ConnectRequest
	require.NoError(fc.t, wire.Unmarshal(fc.frame(), &req))
	return req
}

// handshake reads the ConnectRequest and accepts the session.
func (fc *fakeConn) handshake(sid int64, timeout time.Duration) wire.ConnectRequest {
	fc.t.Helper()
	req := fc.readConnect()
	fc.connectResponse(sid, int32(timeout/time.Millisecond), false)
	return req
}

func (fc *fakeConn) connectResponse(sid int64, timeoutMS int32, readOnly bool) {
	fc.t.Helper()
	passwd := make([]byte, 16)
	if timeoutMS > 0 {
		for i := range passwd {
			passwd[i] = byte(i + 1)
		}
	}
	resp := wire.ConnectResponse{TimeOut: timeoutMS, SessionID: sid, Passwd: passwd, ReadOnly: readOnly, HasReadOnly: true}
	fc.write(wire.AppendRecordFrame(nil, &resp))
}

// request is one request the fake server read.
type request struct {
	xid  int32
	op   wire.OpCode
	body []byte
}

func (r request) decode(t *testing.T, rec wire.Record) {
	t.Helper()
	require.NoError(t, wire.Unmarshal(r.body, rec))
}

// next reads the next request, skipping pings.
func (fc *fakeConn) next() request {
	fc.t.Helper()
	for {
		r := fc.nextAny()
		if r.op != wire.OpPing {
			return r
		}
	}
}

// nextAny reads the next request, pings included.
func (fc *fakeConn) nextAny() request {
	fc.t.Helper()
	p := fc.frame()
	require.GreaterOrEqual(fc.t, len(p), 8)
	return request{
		xid:  int32(binary.BigEndian.Uint32(p)),
		op:   wire.OpCode(int32(binary.BigEndian.Uint32(p[4:]))),
		body: p[8:],
	}
}

func (fc *fakeConn) write(b []byte) {
	fc.t.Helper()
	_ = fc.nc.SetWriteDeadline(time.Now().Add(10 * time.Second))
	_, err := fc.nc.Write(b)
	require.NoError(fc.t, err, "fake server: writing")
}

// reply answers xid with code and body (nil for none).
func (fc *fakeConn) reply(xid int32, zxid int64, code wire.ErrCode, body wire.Record) {
	fc.t.Helper()
	fc.write(wire.AppendReply(nil, wire.ReplyHeader{Xid: xid, Zxid: zxid, Err: code}, body))
}

// event sends a watch notification.
func (fc *fakeConn) event(typ int32, path string) {
	fc.t.Helper()
	fc.reply(wire.XidWatchEvent, -1, 0, &wire.WatcherEvent{Type: typ, State: wire.StateSyncConnected, Path: path})
}

// expectEOF waits until the client closes the connection.
func (fc *fakeConn) expectEOF() {
	fc.t.Helper()
	_ = fc.nc.SetReadDeadline(time.Now().Add(10 * time.Second))
	for {
		_, err := fc.fr.Next()
		if err != nil {
			var ne net.Error
			require.False(fc.t, errors.As(err, &ne) && ne.Timeout(), "fake server: client did not close the connection")
			return
		}
	}
}

// dialFake dials the fake server and completes the handshake.
func dialFake(t *testing.T, s *fakeServer, opts ...Option) (*Conn, *fakeConn) {
	t.Helper()
	type result struct {
		c   *Conn
		err error
	}
	done := make(chan result, 1)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	opts = append([]Option{WithSessionTimeout(30 * time.Second), fastClose}, opts...)
	go func() {
		c, err := Dial(ctx, []string{s.addr()}, opts...)
		done <- result{c, err}
	}()
	fc := s.accept()
	fc.handshake(0x1234, 30*time.Second)
	r := <-done
	require.NoError(t, r.err)
	t.Cleanup(func() { _ = r.c.Close() })
	return r.c, fc
}

// testCtx returns a context bounded for a test.
func testCtx(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	t.Cleanup(cancel)
	return ctx
}

// waitFor polls cond until it holds, failing after 10 s.
func waitFor(t *testing.T, cond func() bool, msg string) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for wait := time.Millisecond; !cond(); wait = min(2*wait, 50*time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("timed out waiting: " + msg)
		}
		time.Sleep(wait)
	}
}

// fastClose bounds Close's wait for the closeSession reply, which the fake
// server usually does not send.
func fastClose(c *config) error {
	c.closeTimeout = 50 * time.Millisecond
	return nil
}
