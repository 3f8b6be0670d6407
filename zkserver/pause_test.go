package zkserver

import (
	"errors"
	"io"
	"net"
	"os"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/coordkit/coordkit/internal/wire"
)

// quiet checks that nothing arrives on nc for d.
func quiet(t *testing.T, nc net.Conn, d time.Duration) {
	t.Helper()
	require.NoError(t, nc.SetReadDeadline(time.Now().Add(d)))
	var b [1]byte
	n, err := nc.Read(b[:])
	require.Zero(t, n, "a byte arrived")
	require.ErrorIs(t, err, os.ErrDeadlineExceeded)
}

func TestPauseResume(t *testing.T) {
	s := startServer(t)
	c := sessionClient(t, s)
	idle := sessionClient(t, s) // sends nothing while paused
	received := s.received.Load()
	s.Pause()
	c.send(wire.XidPing, wire.OpPing, nil)
	fresh := dialRaw(t, s.Addr())
	fresh.write(connectFrame(newSessionRequest(10_000)))
	word := dialRaw(t, s.Addr())
	word.write([]byte("ruok"))

	quiet(t, c.nc, 200*time.Millisecond)
	quiet(t, fresh.nc, time.Millisecond)
	quiet(t, word.nc, time.Millisecond)
	assert.Zero(t, s.inbox.len(), "nothing read while paused")
	assert.Equal(t, received, s.received.Load(), "no packet read while paused")
	assert.Len(t, s.Sessions(), 2, "no session created while paused")

	s.Resume()
	h, _ := c.reply()
	assert.Equal(t, wire.XidPing, h.Xid)
	assert.NotZero(t, fresh.connectResponse().SessionID)
	require.NoError(t, word.nc.SetReadDeadline(time.Now().Add(ioTimeout)))
	out, err := io.ReadAll(word.nc)
	require.NoError(t, err)
	assert.Equal(t, "imok", string(out))
	// Every reader reads on after the pause, with no deadline left over.
	c.ping()
	idle.ping()
	fresh.ping()

	s.Resume() // a no-op
	s.Pause()
	s.Pause() // a no-op
	s.Resume()
	time.Sleep(50 * time.Millisecond)
	c.ping()
	idle.ping()
}

// socketBufferBound returns the most a TCP connection's kernel buffers can
// hold between a writer and a reader that reads nothing: the largest send
// buffer and the largest receive buffer.
func socketBufferBound(t *testing.T) int {
	t.Helper()
	bound := 0
	for _, f := range []string{"/proc/sys/net/ipv4/tcp_wmem", "/proc/sys/net/ipv4/tcp_rmem"} {
		b, err := os.ReadFile(f)
		if errors.Is(err, os.ErrNotExist) {
			return 16 << 20 // not Linux: more than its default buffers
		}
		require.NoError(t, err)
		fields := strings.Fields(string(b))
		require.Len(t, fields, 3, "%s: %q", f, b)
		n, err := strconv.Atoi(fields[2])
		require.NoError(t, err)
		bound += n
	}
	return bound
}

// frameWriter writes frames to a connection in a goroutine of its own,
// counting the bytes written.
type frameWriter struct {
	written atomic.Int64
	done    chan error
}

// writeSetData writes n setData requests of /big with size bytes of data
// each, xids 1 to n, on nc.
func writeSetData(nc net.Conn, n, size int) *frameWriter {
	w := &frameWriter{done: make(chan error, 1)}
	go func() {
		data := make([]byte, size)
		var frame []byte
		for i := range n {
			frame = wire.AppendRequest(frame[:0], int32(i+1), wire.OpSetData, &wire.SetDataRequest{Path: "/big", Data: data, Version: -1})
			k, err := nc.Write(frame)
			w.written.Add(int64(k))
			if err != nil {
				w.done <- err
				return
			}
		}
		w.done <- nil
	}()
	return w
}

// stalled waits until the writer has written nothing for a while, and
// returns what it has written.
func (w *frameWriter) stalled(t *testing.T) int64 {
	t.Helper()
	last := int64(-1)
	require.Eventually(t, func() bool {
		n := w.written.Load()
		same := n == last
		last = n
		return same
	}, 4*ioTimeout, 300*time.Millisecond, "the writer stalls")
	select {
	case err := <-w.done:
		require.FailNow(t, "the writer finished while the server was paused", "err: %v", err)
	default:
	}
	return last
}

func TestPauseBlocksWriters(t *testing.T) {
	const size = 512 << 10
	bound := socketBufferBound(t)
	n := bound/size + 64 // tens of MiB more than the buffers hold
	s := startServer(t)
	c := sessionClient(t, s)
	h, _ := c.call(1, wire.OpCreate, createReq("/big", nil, 0))
	require.Equal(t, wire.ErrOK, h.Err)

	s.Pause()
	w := writeSetData(c.nc, n, size)
	written := w.stalled(t)
	t.Logf("%d of %d bytes written to the paused server (socket buffers: at most %d)", written, n*(size+40), bound)
	assert.LessOrEqual(t, written, int64(bound), "no more than the socket buffers hold")
	quiet(t, c.nc, 100*time.Millisecond)
	assert.Equal(t, int64(2), s.LastZxid(), "nothing processed")

	s.Resume()
	for i := range n {
		h, d := c.reply()
		require.Equal(t, wire.ReplyHeader{Xid: int32(i + 1), Zxid: int64(i + 3)}, h, "reply %d in order", i)
		var st wire.Stat
		st.Decode(d)
		require.NoError(t, d.Err())
		require.Equal(t, int32(i+1), st.Version)
	}
	require.NoError(t, <-w.done)
	c.ping()
}

func TestCloseWhilePaused(t *testing.T) {
	s, err := New()
	require.NoError(t, err)
	require.NoError(t, s.Start())
	c := sessionClient(t, s)
	h, _ := c.call(1, wire.OpCreate, createReq("/big", nil, 0))
	require.Equal(t, wire.ErrOK, h.Err)
	s.Pause()
	w := writeSetData(c.nc, socketBufferBound(t)/(512<<10)+64, 512<<10)
	fresh := dialRaw(t, s.Addr())
	fresh.write(connectFrame(newSessionRequest(10_000)))
	word := dialRaw(t, s.Addr())
	word.write([]byte("srvr"))
	w.stalled(t)

	start := time.Now()
	require.NoError(t, s.Close())
	assert.Less(t, time.Since(start), time.Second, "Close is prompt")
	require.NoError(t, checkLeaks(ioTimeout))
	require.Error(t, <-w.done, "the blocked writer fails")
	fresh.expectClosed()
	require.NoError(t, word.nc.SetReadDeadline(time.Now().Add(ioTimeout)))
	out, err := io.ReadAll(word.nc)
	assert.Empty(t, out, "no answer")
	if err != nil {
		assert.True(t, isReset(err), "read: %v", err)
	}
}

func TestPauseResumeWhileRequesting(t *testing.T) {
	// Pauses that begin and end at any point of a connection's reads leave
	// it working, and every request answered in order.
	s := startServer(t)
	c := sessionClient(t, s)
	stop := make(chan struct{})
	cycled := make(chan int)
	go func() {
		n := 0
		defer func() { cycled <- n }()
		for {
			select {
			case <-stop:
				return
			default:
			}
			s.Pause()
			time.Sleep(time.Millisecond)
			s.Resume()
			n++
		}
	}()
	for i := range 300 {
		h, _ := c.call(int32(i+1), wire.OpSync, &wire.PathRequest{Path: "/"})
		require.Equal(t, int32(i+1), h.Xid)
		require.Equal(t, wire.ErrOK, h.Err)
	}
	close(stop)
	assert.Positive(t, <-cycled)
	c.ping()
}

func TestNoReapingWhilePaused(t *testing.T) {
	clk := NewFakeClock(fakeStart)
	s := startServer(t, WithClock(clk), WithTickTime(time.Second), WithContainerCheckInterval(time.Second))
	c := sessionClient(t, s)
	do(t, c, wire.OpCreateContainer, createReq("/box", nil, wire.FlagContainer))
	do(t, c, wire.OpCreate, createReq("/box/x", nil, 0))
	do(t, c, wire.OpDelete, &wire.DeleteRequest{Path: "/box/x", Version: -1})
	s.Pause()
	advance(t, clk, 5*time.Second)
	_, ok := s.Node("/box")
	require.True(t, ok, "paused: not reaped")
	s.Resume()
	advance(t, clk, time.Second)
	_, ok = s.Node("/box")
	assert.False(t, ok, "reaped after Resume")
}
