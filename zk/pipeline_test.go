package zk

import (
	"context"
	"errors"
	"net"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/coordkit/coordkit/internal/wire"
)

// gatedConn counts writes and can hold them until released.
type gatedConn struct {
	net.Conn
	mu     sync.Mutex // guards the fields below
	writes int
	gate   chan struct{} // writes wait while it is open (not closed)
	closed chan struct{}
	once   sync.Once
}

func (g *gatedConn) hold() {
	g.mu.Lock()
	g.gate = make(chan struct{})
	g.mu.Unlock()
}

func (g *gatedConn) release() {
	g.mu.Lock()
	if g.gate != nil {
		close(g.gate)
		g.gate = nil
	}
	g.mu.Unlock()
}

func (g *gatedConn) count() int {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.writes
}

func (g *gatedConn) Write(p []byte) (int, error) {
	g.mu.Lock()
	gate := g.gate
	g.writes++
	g.mu.Unlock()
	if gate != nil {
		select {
		case <-gate:
		case <-g.closed:
			return 0, net.ErrClosed
		}
	}
	return g.Conn.Write(p)
}

func (g *gatedConn) Close() error {
	g.once.Do(func() { close(g.closed) })
	return g.Conn.Close()
}

// gatedDialer wraps every connection it makes; conns receives them.
func gatedDialer(conns chan<- *gatedConn) Option {
	return WithDialer(func(ctx context.Context, network, addr string) (net.Conn, error) {
		var d net.Dialer
		nc, err := d.DialContext(ctx, network, addr)
		if err != nil {
			return nil, err
		}
		g := &gatedConn{Conn: nc, closed: make(chan struct{})}
		conns <- g
		return g, nil
	})
}

func TestPipelineCoalescesWritesAndMatchesReplies(t *testing.T) {
	s := newFakeServer(t)
	conns := make(chan *gatedConn, 4)
	c, fc := dialFake(t, s, gatedDialer(conns))
	g := <-conns
	ctx := testCtx(t)

	const n = 200
	g.hold()
	before := g.count()
	futs := make([]*Future[GetResult], n)
	for i := range futs {
		futs[i] = c.GetAsync(ctx, "/n"+strconv.Itoa(i))
	}
	waitFor(t, func() bool { return c.Stats().Queued+c.Stats().InFlight == n }, "requests queued")
	g.release()

	var xids []int32
	for i := range n {
		r := fc.next()
		require.Equal(t, wire.OpGetData, r.op)
		var body wire.PathWatchRequest
		r.decode(t, &body)
		require.Equal(t, "/n"+strconv.Itoa(i), body.Path, "requests are written in order")
		xids = append(xids, r.xid)
	}
	// One write was held at the gate with the first request(s); the rest
	// went out together.
	assert.LessOrEqual(t, g.count()-before, 3, "writes for %d requests", n)

	// Replies come back in order; interleave events and pings.
	for i, xid := range xids {
		if i%50 == 0 {
			fc.event(wire.EventNodeDataChanged, "/elsewhere")
			fc.reply(wire.XidPing, 9, 0, nil)
		}
		fc.reply(xid, int64(100+i), 0, &wire.GetDataResponse{Data: []byte("v" + strconv.Itoa(i)), Stat: wire.Stat{Version: int32(i)}})
	}
	for i, f := range futs {
		r, err := f.Wait(ctx)
		require.NoError(t, err)
		assert.Equal(t, "v"+strconv.Itoa(i), string(r.Data))
		assert.Equal(t, int32(i), r.Stat.Version)
		assert.Equal(t, Answered, f.Outcome())
	}
	assert.Equal(t, int64(100+n-1), c.LastZxid())
	st := c.Stats()
	assert.Equal(t, 0, st.InFlight)
	assert.Equal(t, 0, st.Queued)
	assert.GreaterOrEqual(t, st.Replies, uint64(n))
	assert.Equal(t, uint64(4), st.Events)
}

func TestEventsInterleavedWithReplies(t *testing.T) {
	s := newFakeServer(t)
	c, fc := dialFake(t, s)
	ctx := testCtx(t)

	f := c.GetWAsync(ctx, "/w")
	r := fc.next()
	var body wire.PathWatchRequest
	r.decode(t, &body)
	assert.True(t, body.Watch)
	fc.reply(r.xid, 3, 0, &wire.GetDataResponse{Data: []byte("a")})
	// The event right after the reply must reach the watch registered by it.
	fc.event(wire.EventNodeDataChanged, "/w")
	res, err := f.Wait(ctx)
	require.NoError(t, err)
	ev, ok := <-res.Watch
	require.True(t, ok)
	assert.Equal(t, Event{Type: EventNodeDataChanged, Path: "/w"}, ev)
	_, ok = <-res.Watch
	assert.False(t, ok, "one-shot channel closed after its event")

	// Exists on a missing node leaves an exist watch.
	f2 := c.ExistsWAsync(ctx, "/missing")
	r = fc.next()
	fc.reply(r.xid, 4, wire.ErrNoNode, nil)
	er, err := f2.Wait(ctx)
	require.NoError(t, err)
	assert.False(t, er.Exists)
	fc.event(wire.EventNodeCreated, "/missing")
	assert.Equal(t, EventNodeCreated, (<-er.Watch).Type)

	// A failed getData leaves no watch.
	f3 := c.GetWAsync(ctx, "/nope")
	r = fc.next()
	fc.reply(r.xid, 5, wire.ErrNoNode, nil)
	gr, err := f3.Wait(ctx)
	assert.ErrorIs(t, err, ErrNoNode)
	assert.Nil(t, gr.Watch)
}

func TestPingCadence(t *testing.T) {
	s := newFakeServer(t)
	ctx := testCtx(t)
	done := make(chan error, 1)
	go func() {
		c, err := Dial(ctx, []string{s.addr()}, fastClose)
		if err == nil {
			t.Cleanup(func() { _ = c.Close() })
		}
		done <- err
	}()
	fc := s.accept()
	fc.handshake(1, 900*time.Millisecond) // pings every 300 ms
	require.NoError(t, <-done)
	start := time.Now()
	for i := range 3 {
		r := fc.nextAny()
		require.Equal(t, wire.OpPing, r.op, "ping %d", i)
		assert.Equal(t, wire.XidPing, r.xid)
		fc.reply(wire.XidPing, 1, 0, nil)
	}
	elapsed := time.Since(start)
	assert.GreaterOrEqual(t, elapsed, 800*time.Millisecond, "pings come every third of the timeout, not faster")
	assert.Less(t, elapsed, 3*time.Second)
}

func TestDeadConnectionDetected(t *testing.T) {
	s := newFakeServer(t)
	ctx := testCtx(t)
	done := make(chan *Conn, 1)
	go func() {
		c, err := Dial(ctx, []string{s.addr()}, fastClose, WithReconnectBackoff(time.Millisecond, 10*time.Millisecond))
		if err != nil {
			done <- nil
			return
		}
		t.Cleanup(func() { _ = c.Close() })
		done <- c
	}()
	fc := s.accept()
	fc.handshake(1, 600*time.Millisecond)
	c := <-done
	require.NotNil(t, c)
	events := c.StateEvents(ctx)

	// The server goes silent: no reply, no ping reply.
	f := c.GetAsync(ctx, "/x")
	fc.next()
	start := time.Now()
	_, err := f.Wait(ctx)
	assert.ErrorIs(t, err, ErrConnectionLoss)
	assert.Equal(t, Lost, f.Outcome())
	assert.GreaterOrEqual(t, time.Since(start), 300*time.Millisecond)
	ev := <-events
	assert.Equal(t, EventDisconnected, ev.Type)
	assert.ErrorIs(t, ev.Err, errDeadConnection)

	// It re-attaches the same session, carrying the last zxid.
	fc2 := s.accept()
	req := fc2.readConnect()
	assert.Equal(t, int64(1), req.SessionID)
	assert.Equal(t, []byte{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16}, req.Passwd)
	fc2.connectResponse(1, 600, false)
	assert.Equal(t, EventReconnected, (<-events).Type)
}

func TestProtocolViolationsCloseTheConnection(t *testing.T) {
	for _, tc := range []struct {
		name  string
		opts  []Option
		reply func(fc *fakeConn, xid int32)
	}{
		{"malformed body", nil, func(fc *fakeConn, xid int32) {
			// A GetDataResponse whose buffer length lies.
			fc.write([]byte{0, 0, 0, 24, 0, 0, 0, byte(xid), 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0x10, 0, 1, 2, 3, 4})
		}},
		{"short header", nil, func(fc *fakeConn, xid int32) {
			fc.write([]byte{0, 0, 0, 4, 0, 0, 0, byte(xid)})
		}},
		{"xid mismatch", nil, func(fc *fakeConn, xid int32) {
			fc.reply(xid+7, 1, 0, &wire.GetDataResponse{})
		}},
		{"unexpected auth reply", nil, func(fc *fakeConn, xid int32) {
			fc.reply(wire.XidAuth, 0, 0, nil)
		}},
		{"oversize reply", []Option{WithMaxReplySize(1000)}, func(fc *fakeConn, xid int32) {
			fc.reply(xid, 1, 0, &wire.GetDataResponse{Data: make([]byte, 2000)})
		}},
		{"negative frame", nil, func(fc *fakeConn, xid int32) {
			fc.write([]byte{0xff, 0xff, 0xff, 0xf0})
		}},
		{"malformed event", nil, func(fc *fakeConn, xid int32) {
			fc.write([]byte{0, 0, 0, 20, 0xff, 0xff, 0xff, 0xff, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1})
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := newFakeServer(t)
			c, fc := dialFake(t, s, tc.opts...)
			ctx := testCtx(t)
			events := c.StateEvents(ctx)
			f := c.GetAsync(ctx, "/x")
			r := fc.next()
			tc.reply(fc, r.xid)
			_, err := f.Wait(ctx)
			require.Error(t, err)
			assert.ErrorIs(t, err, ErrConnectionLoss)
			ev := <-events
			assert.Equal(t, EventDisconnected, ev.Type)
			assert.ErrorIs(t, ev.Err, ErrProtocol)
			fc.expectEOF()
		})
	}
}

func TestLostVersusNotSent(t *testing.T) {
	s := newFakeServer(t)
	conns := make(chan *gatedConn, 4)
	c, fc := dialFake(t, s, gatedDialer(conns), WithReconnectBackoff(time.Hour, time.Hour))
	g := <-conns
	ctx := testCtx(t)

	written := c.SetAsync(ctx, "/a", []byte("1"), -1)
	fc.next() // the server has it, and never answers
	g.hold()
	held := c.SetAsync(ctx, "/b", []byte("2"), -1) // the writer blocks on it
	waitFor(t, func() bool { return g.count() >= 3 }, "writer blocked")
	queued := make([]*Future[Stat], 3)
	for i := range queued {
		queued[i] = c.SetAsync(ctx, "/c", []byte("3"), -1)
	}
	waitFor(t, func() bool { return c.Stats().Queued == 3 }, "requests queued behind the blocked writer")
	fc.close() // the server drops the connection

	_, err := written.Wait(ctx)
	assert.ErrorIs(t, err, ErrConnectionLoss)
	assert.False(t, IsRetryable(err))
	assert.Equal(t, Lost, written.Outcome())

	_, err = held.Wait(ctx)
	assert.ErrorIs(t, err, ErrNotSent, "a frame the kernel never got was not sent")
	assert.True(t, IsRetryable(err))
	assert.Equal(t, NotSent, held.Outcome())
	for _, f := range queued {
		_, err := f.Wait(ctx)
		assert.ErrorIs(t, err, ErrNotSent)
		assert.NotErrorIs(t, err, ErrConnectionLoss)
		assert.True(t, IsRetryable(err))
		assert.Equal(t, NotSent, f.Outcome())
	}
}

func TestRequestsWaitWhileDisconnected(t *testing.T) {
	s := newFakeServer(t)
	c, fc := dialFake(t, s, WithReconnectBackoff(time.Millisecond, time.Millisecond))
	ctx := testCtx(t)
	events := c.StateEvents(ctx)
	fc.close()
	require.Equal(t, EventDisconnected, (<-events).Type)
	fc2 := s.accept()
	fc2.readConnect() // hold the reconnection while requests arrive

	f := c.GetAsync(ctx, "/later")
	short, cancel := context.WithCancel(ctx)
	g := c.GetAsync(short, "/abandoned")
	cancel()
	_, err := g.Wait(ctx)
	assert.ErrorIs(t, err, ErrNotSent)
	assert.ErrorIs(t, err, context.Canceled)
	assert.True(t, IsRetryable(err))

	fc2.connectResponse(0x1234, 30000, false)
	r := fc2.next()
	var body wire.PathWatchRequest
	r.decode(t, &body)
	assert.Equal(t, "/later", body.Path, "the waiting request goes out on the new connection; the abandoned one does not")
	fc2.reply(r.xid, 1, 0, &wire.GetDataResponse{Data: []byte("x")})
	res, err := f.Wait(ctx)
	require.NoError(t, err)
	assert.Equal(t, "x", string(res.Data))
	assert.Equal(t, StateConnected, c.State(), "a reply on the new connection never precedes the state that says so")
}

func TestWindowBoundsInFlight(t *testing.T) {
	s := newFakeServer(t)
	c, fc := dialFake(t, s, WithMaxInFlight(2))
	ctx := testCtx(t)
	a := c.SyncAsync(ctx, "/")
	b := c.SyncAsync(ctx, "/")
	short, cancel := context.WithTimeout(ctx, 50*time.Millisecond)
	defer cancel()
	blocked := c.SyncAsync(short, "/")
	_, err := blocked.Result()
	assert.ErrorIs(t, err, ErrNotSent)
	assert.ErrorIs(t, err, context.DeadlineExceeded)
	for range 2 {
		r := fc.next()
		fc.reply(r.xid, 1, 0, &wire.PathRequest{Path: "/"})
	}
	_, err = a.Wait(ctx)
	require.NoError(t, err)
	_, err = b.Wait(ctx)
	require.NoError(t, err)
	// Room again.
	d := c.SyncAsync(ctx, "/")
	r := fc.next()
	fc.reply(r.xid, 1, 0, &wire.PathRequest{Path: "/"})
	_, err = d.Wait(ctx)
	require.NoError(t, err)
}

func TestCtxEndedBeforeWriteIsNotSent(t *testing.T) {
	s := newFakeServer(t)
	conns := make(chan *gatedConn, 4)
	c, fc := dialFake(t, s, gatedDialer(conns))
	g := <-conns
	ctx := testCtx(t)
	g.hold()
	first := c.SyncAsync(ctx, "/") // held in the writer
	waitFor(t, func() bool { return c.Stats().InFlight == 1 }, "first request in the writer")
	short, cancel := context.WithCancel(ctx)
	second := c.SyncAsync(short, "/")
	waitFor(t, func() bool { return c.Stats().Queued == 1 }, "second request queued")
	cancel()
	g.release()
	r := fc.next()
	fc.reply(r.xid, 1, 0, &wire.PathRequest{Path: "/"})
	_, err := first.Wait(ctx)
	require.NoError(t, err)
	<-second.Done()
	_, err = second.Result()
	assert.ErrorIs(t, err, ErrNotSent)
	assert.True(t, errors.Is(err, context.Canceled))
}
