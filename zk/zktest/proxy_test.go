package zktest

import (
	"bytes"
	"errors"
	"io"
	"net"
	"os"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/coordkit/coordkit/internal/wire"
)

// silence is how long a test waits to conclude that nothing arrives.
const silence = 150 * time.Millisecond

// echoServer echoes every byte back, after an optional greeting, and
// records what it received.
type echoServer struct {
	ln       net.Listener
	greeting string
	wg       sync.WaitGroup

	mu       sync.Mutex // guards received
	received bytes.Buffer
}

func startEcho(t *testing.T, greeting string) *echoServer {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	s := &echoServer{ln: ln, greeting: greeting}
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			s.wg.Add(1)
			go func() {
				defer s.wg.Done()
				defer c.Close()
				if s.greeting != "" {
					if _, err := io.WriteString(c, s.greeting); err != nil {
						return
					}
				}
				buf := make([]byte, 4096)
				for {
					n, err := c.Read(buf)
					if n > 0 {
						s.mu.Lock()
						s.received.Write(buf[:n])
						s.mu.Unlock()
						if _, err := c.Write(buf[:n]); err != nil {
							return
						}
					}
					if err != nil {
						return
					}
				}
			}()
		}
	}()
	t.Cleanup(func() {
		_ = ln.Close()
		s.wg.Wait()
	})
	return s
}

func (s *echoServer) addr() string { return s.ln.Addr().String() }

func (s *echoServer) got() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.received.String()
}

func dialProxy(t *testing.T, p *Proxy) net.Conn {
	t.Helper()
	c, err := net.DialTimeout("tcp", p.Addr(), 5*time.Second)
	require.NoError(t, err)
	t.Cleanup(func() { _ = c.Close() })
	return c
}

// roundTrip writes msg and reads len(msg) bytes back within 5 s.
func roundTrip(t *testing.T, c net.Conn, msg string) {
	t.Helper()
	_, err := io.WriteString(c, msg)
	require.NoError(t, err)
	assert.Equal(t, msg, readN(t, c, len(msg), 5*time.Second))
}

func readN(t *testing.T, c net.Conn, n int, timeout time.Duration) string {
	t.Helper()
	require.NoError(t, c.SetReadDeadline(time.Now().Add(timeout)))
	buf := make([]byte, n)
	_, err := io.ReadFull(c, buf)
	require.NoError(t, err)
	return string(buf)
}

// assertSilent checks that nothing arrives on c for a while.
func assertSilent(t *testing.T, c net.Conn) {
	t.Helper()
	require.NoError(t, c.SetReadDeadline(time.Now().Add(silence)))
	buf := make([]byte, 64)
	n, err := c.Read(buf)
	assert.Zero(t, n, "received %q", buf[:n])
	assert.ErrorIs(t, err, os.ErrDeadlineExceeded)
}

func TestProxyPass(t *testing.T) {
	echo := startEcho(t, "")
	p := NewProxy(t, echo.addr())
	assert.True(t, strings.HasPrefix(p.Addr(), "127.0.0.1:"))
	assert.Equal(t, echo.addr(), p.Target())

	c := dialProxy(t, p)
	roundTrip(t, c, "hello")
	roundTrip(t, c, strings.Repeat("x", 100_000))
	assert.Equal(t, 1, p.Conns())

	// A close travels through, and the connection goes away.
	require.NoError(t, c.(*net.TCPConn).CloseWrite())
	require.NoError(t, c.SetReadDeadline(time.Now().Add(5*time.Second)))
	rest, err := io.ReadAll(c)
	require.NoError(t, err)
	assert.Empty(t, rest)
	Eventually(t, func() bool { return p.Conns() == 0 }, 5*time.Second, "connection released")
}

func TestProxyDelay(t *testing.T) {
	echo := startEcho(t, "")
	p := NewProxy(t, echo.addr())
	c := dialProxy(t, p)
	roundTrip(t, c, "warm")

	const d = 250 * time.Millisecond
	p.Delay(d)
	start := time.Now()
	roundTrip(t, c, "slow")
	assert.GreaterOrEqual(t, time.Since(start), 2*d, "each direction is delayed")

	p.Delay(0)
	start = time.Now()
	roundTrip(t, c, "fast")
	assert.Less(t, time.Since(start), d, "no delay after Delay(0)")
}

func TestProxyBlackhole(t *testing.T) {
	echo := startEcho(t, "")
	p := NewProxy(t, echo.addr())
	c := dialProxy(t, p)
	roundTrip(t, c, "before")

	p.Blackhole()
	_, err := io.WriteString(c, "lost")
	require.NoError(t, err)
	assertSilent(t, c)
	assert.NotContains(t, echo.got(), "lost", "bytes crossed a blackhole")

	// New connections are accepted but see nothing either; their close is
	// held back.
	c2 := dialProxy(t, p)
	_, err = io.WriteString(c2, "ping")
	require.NoError(t, err)
	assertSilent(t, c2)
	Eventually(t, func() bool { return p.Conns() == 2 }, 5*time.Second)
	require.NoError(t, c2.Close())
	assert.Equal(t, 2, p.Conns())

	p.Pass()
	roundTrip(t, c, "after")
	assert.Equal(t, "beforeafter", echo.got())
	Eventually(t, func() bool { return p.Conns() == 1 }, 5*time.Second, "held close delivered")
}

func TestProxyRefuse(t *testing.T) {
	echo := startEcho(t, "")
	p := NewProxy(t, echo.addr())
	old := dialProxy(t, p)
	roundTrip(t, old, "a")

	p.Refuse()
	c := dialProxy(t, p)
	require.NoError(t, c.SetReadDeadline(time.Now().Add(5*time.Second)))
	_, err := c.Read(make([]byte, 1))
	require.Error(t, err, "a refused connection must be closed")
	assert.False(t, errors.Is(err, os.ErrDeadlineExceeded), "closed, not silent: %v", err)
	roundTrip(t, old, "b")
	assert.Equal(t, 1, p.Conns())

	p.Pass()
	roundTrip(t, dialProxy(t, p), "c")
}

func TestProxyReset(t *testing.T) {
	echo := startEcho(t, "")
	p := NewProxy(t, echo.addr())
	c1, c2 := dialProxy(t, p), dialProxy(t, p)
	roundTrip(t, c1, "1")
	roundTrip(t, c2, "2")
	require.Equal(t, 2, p.Conns())

	p.Reset()
	assert.Equal(t, 0, p.Conns())
	for _, c := range []net.Conn{c1, c2} {
		require.NoError(t, c.SetReadDeadline(time.Now().Add(5*time.Second)))
		_, err := c.Read(make([]byte, 1))
		assert.ErrorIs(t, err, syscall.ECONNRESET)
	}
	roundTrip(t, dialProxy(t, p), "new")
}

func TestProxyDropReplies(t *testing.T) {
	echo := startEcho(t, "")
	p := NewProxy(t, echo.addr())
	c := dialProxy(t, p)

	p.DropReplies()
	_, err := io.WriteString(c, "req1")
	require.NoError(t, err)
	Eventually(t, func() bool { return echo.got() == "req1" }, 5*time.Second, "the request reaches the server")
	assertSilent(t, c)

	p.ReleaseReplies()
	roundTrip(t, c, "req2") // req1's echo was dropped, not delayed
}

func TestProxyHoldReplies(t *testing.T) {
	echo := startEcho(t, "")
	p := NewProxy(t, echo.addr())
	c := dialProxy(t, p)

	p.HoldReplies()
	_, err := io.WriteString(c, "held")
	require.NoError(t, err)
	Eventually(t, func() bool { return echo.got() == "held" }, 5*time.Second, "the request reaches the server")
	assertSilent(t, c)

	p.ReleaseReplies()
	assert.Equal(t, "held", readN(t, c, 4, 5*time.Second))
}

func TestProxySetTarget(t *testing.T) {
	one, two := startEcho(t, "one"), startEcho(t, "two")
	p := NewProxy(t, one.addr())
	c1 := dialProxy(t, p)
	assert.Equal(t, "one", readN(t, c1, 3, 5*time.Second))

	p.SetTarget(two.addr())
	assert.Equal(t, two.addr(), p.Target())
	c2 := dialProxy(t, p)
	assert.Equal(t, "two", readN(t, c2, 3, 5*time.Second))
	roundTrip(t, c1, "still one")
	assert.Equal(t, "still one", one.got())
}

func TestProxyClose(t *testing.T) {
	echo := startEcho(t, "")
	p, err := StartProxy(echo.addr())
	require.NoError(t, err)
	c := dialProxy(t, p)
	roundTrip(t, c, "x")
	p.HoldReplies() // a writer waiting on the mode must not block Close

	p.Close()
	p.Close()
	assert.Equal(t, 0, p.Conns())
	require.NoError(t, c.SetReadDeadline(time.Now().Add(5*time.Second)))
	_, err = c.Read(make([]byte, 1))
	assert.Error(t, err)
	_, err = net.DialTimeout("tcp", p.Addr(), time.Second)
	assert.Error(t, err, "a closed proxy must not accept")
}

func TestProxyTargetDown(t *testing.T) {
	p := NewProxy(t, "")
	p.SetTarget(closedAddr(t)) // after the proxy has its own port
	c := dialProxy(t, p)
	require.NoError(t, c.SetReadDeadline(time.Now().Add(5*time.Second)))
	_, err := c.Read(make([]byte, 1))
	require.Error(t, err)
	assert.False(t, errors.Is(err, os.ErrDeadlineExceeded), "closed, not silent: %v", err)
}

// TestProxyLostReply is the case the proxy exists for: a request reaches
// ZooKeeper and is applied, but its reply never reaches the client.
func TestProxyLostReply(t *testing.T) {
	z := sharedServer(t)
	p := NewProxy(t, z.Addr())
	r := dialRaw(t, p.Addr(), 0, nil)
	require.Positive(t, r.resp.TimeOut)
	path := uniquePath(t)

	p.DropReplies()
	r.xid++
	_, err := r.c.Write(wire.AppendRequest(nil, r.xid, wire.OpCreate, &wire.CreateRequest{
		Path: path, Data: []byte("v"), ACL: openACL, Flags: wire.FlagPersistent,
	}))
	require.NoError(t, err)
	assertSilent(t, r.c)

	direct := dialRaw(t, z.Addr(), 0, nil)
	Eventually(t, func() bool { return direct.exists(path, false) == wire.ErrOK }, 5*time.Second,
		"the create was applied")

	p.Reset()
	_, _, err = r.next()
	assert.ErrorIs(t, err, syscall.ECONNRESET)
}
