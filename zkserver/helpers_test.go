package zkserver

import (
	"bytes"
	"errors"
	"io"
	"net"
	"os"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/coordkit/coordkit/internal/wire"
)

// ioTimeout bounds every read of a raw test client.
const ioTimeout = 5 * time.Second

// startServer starts a server on 127.0.0.1:0, closed at the end of the
// test, which then checks that no request handling panicked.
func startServer(t testing.TB, opts ...Option) *Server {
	t.Helper()
	s, err := New(opts...)
	require.NoError(t, err)
	t.Cleanup(func() {
		require.NoError(t, s.Close())
		require.Zero(t, s.panics.Load(), "request handling panicked")
	})
	require.NoError(t, s.Start())
	return s
}

// rawClient speaks the protocol frame by frame.
type rawClient struct {
	t  testing.TB
	nc net.Conn
	fr *wire.FrameReader
}

func dialRaw(t testing.TB, addr string) *rawClient {
	t.Helper()
	nc, err := net.DialTimeout("tcp", addr, ioTimeout)
	require.NoError(t, err)
	t.Cleanup(func() { _ = nc.Close() })
	return &rawClient{t: t, nc: nc, fr: wire.NewFrameReader(nc, 16<<20)}
}

// write writes raw bytes.
func (c *rawClient) write(p []byte) {
	c.t.Helper()
	_, err := c.nc.Write(p)
	require.NoError(c.t, err)
}

// connectFrame is a ConnectRequest frame.
func connectFrame(req wire.ConnectRequest) []byte {
	return wire.AppendRecordFrame(nil, &req)
}

// newSessionRequest asks for a new session with the readOnly byte.
func newSessionRequest(timeoutMS int32) wire.ConnectRequest {
	return wire.ConnectRequest{TimeOut: timeoutMS, Passwd: make([]byte, 16), HasReadOnly: true}
}

// connect sends req and reads the ConnectResponse.
func (c *rawClient) connect(req wire.ConnectRequest) wire.ConnectResponse {
	c.t.Helper()
	c.write(connectFrame(req))
	return c.connectResponse()
}

func (c *rawClient) connectResponse() wire.ConnectResponse {
	c.t.Helper()
	p := c.frame()
	var resp wire.ConnectResponse
	require.NoError(c.t, wire.Unmarshal(p, &resp))
	return resp
}

// session opens a new session and returns its response.
func (c *rawClient) session(timeoutMS int32) wire.ConnectResponse {
	c.t.Helper()
	resp := c.connect(newSessionRequest(timeoutMS))
	require.NotZero(c.t, resp.SessionID)
	return resp
}

// frame reads the next frame's payload (a copy).
func (c *rawClient) frame() []byte {
	c.t.Helper()
	require.NoError(c.t, c.nc.SetReadDeadline(time.Now().Add(ioTimeout)))
	p, err := c.fr.Next()
	require.NoError(c.t, err)
	return bytes.Clone(p)
}

// send writes a request frame.
func (c *rawClient) send(xid int32, op wire.OpCode, body wire.Record) {
	c.t.Helper()
	c.write(wire.AppendRequest(nil, xid, op, body))
}

// reply reads the next frame as a reply: its header and body decoder.
func (c *rawClient) reply() (wire.ReplyHeader, *wire.Decoder) {
	c.t.Helper()
	p := c.frame()
	d := wire.NewDecoder(p)
	var h wire.ReplyHeader
	h.Decode(d)
	require.NoError(c.t, d.Err())
	return h, d
}

// call sends a request and reads its reply (which must come next).
func (c *rawClient) call(xid int32, op wire.OpCode, body wire.Record) (wire.ReplyHeader, *wire.Decoder) {
	c.t.Helper()
	c.send(xid, op, body)
	h, d := c.reply()
	return h, d
}

// event reads the next frame as a watch event.
func (c *rawClient) event() wire.WatcherEvent {
	c.t.Helper()
	h, d := c.reply()
	require.Equal(c.t, wire.XidWatchEvent, h.Xid, "want an event")
	require.Equal(c.t, int64(-1), h.Zxid)
	var ev wire.WatcherEvent
	ev.Decode(d)
	require.NoError(c.t, d.Err())
	return ev
}

// ping sends a ping and checks its reply, returning its zxid.
func (c *rawClient) ping() int64 {
	c.t.Helper()
	h, _ := c.call(wire.XidPing, wire.OpPing, nil)
	require.Equal(c.t, wire.XidPing, h.Xid)
	require.Equal(c.t, wire.ErrOK, h.Err)
	return h.Zxid
}

// expectClosed reads until the server closes the connection, failing on
// any frame.
func (c *rawClient) expectClosed() {
	c.t.Helper()
	require.NoError(c.t, c.nc.SetReadDeadline(time.Now().Add(ioTimeout)))
	p, err := c.fr.Next()
	if err == nil {
		c.t.Fatalf("want the connection closed, got a frame of %d bytes: % x", len(p), p)
	}
	require.False(c.t, errors.Is(err, os.ErrDeadlineExceeded), "connection still open")
	require.True(c.t, errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) || isReset(err), "read: %v", err)
}

func isReset(err error) bool {
	var op *net.OpError
	return errors.As(err, &op)
}

// eventually polls cond every few ms for up to 5 s.
func eventually(t testing.TB, cond func() bool, msg string) {
	t.Helper()
	require.Eventually(t, cond, ioTimeout, 2*time.Millisecond, msg)
}

// newSessionRequestFor asks to re-attach session id.
func newSessionRequestFor(id int64, passwd []byte) wire.ConnectRequest {
	return wire.ConnectRequest{TimeOut: 10_000, SessionID: id, Passwd: passwd, HasReadOnly: true}
}

// appendPing appends a ping frame.
func appendPing(b []byte) []byte {
	return wire.AppendRequest(b, wire.XidPing, wire.OpPing, nil)
}

// holdProcessing stops the processor taking requests, as Pause does, but
// leaves the readers reading: requests queue up (to the outstanding
// limit), as behind a busy processor. Resume releases them.
func holdProcessing(s *Server) {
	s.do(func(p *processor) { p.paused = true })
}
