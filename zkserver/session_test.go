package zkserver

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// fakeStart is a FakeClock's start: a whole number of seconds, so that
// tick boundaries fall on whole seconds from it.
var fakeStart = time.Unix(1_700_000_000, 0)

// armed waits until the server has armed both of its timers (the tick and
// the reaper) on clk: everything the last Advance fired is handled.
func armed(t *testing.T, clk *FakeClock) {
	t.Helper()
	eventually(t, func() bool { return clk.Waiters() == 2 }, "server timers armed")
}

// advance moves clk once the server is ready for it, and waits until it
// handled what fired.
func advance(t *testing.T, clk *FakeClock, d time.Duration) {
	t.Helper()
	armed(t, clk)
	clk.Advance(d)
	armed(t, clk)
}

func TestSessionExpiresAtTickBoundary(t *testing.T) {
	clk := NewFakeClock(fakeStart)
	s := startServer(t, WithClock(clk), WithTickTime(time.Second))
	c := dialRaw(t, s.Addr())
	resp := c.session(2000) // expires at the first tick after 2 s: 3 s
	advance(t, clk, 2999*time.Millisecond)
	require.Len(t, s.Sessions(), 1, "alive before its tick")
	advance(t, clk, time.Millisecond)
	assert.Empty(t, s.Sessions(), "expired at the tick")
	c.expectClosed()
	assert.Equal(t, int64(2), s.LastZxid(), "create and expiry are transactions")

	again := dialRaw(t, s.Addr())
	got := again.connect(newSessionRequestFor(resp.SessionID, resp.Passwd))
	assert.Zero(t, got.TimeOut, "an expired session cannot be re-attached")
	again.expectClosed()
}

func TestSessionTouchedByRequests(t *testing.T) {
	clk := NewFakeClock(fakeStart)
	s := startServer(t, WithClock(clk), WithTickTime(time.Second))
	c := dialRaw(t, s.Addr())
	c.session(2000)
	advance(t, clk, 2500*time.Millisecond)
	c.ping() // renewed at 2.5 s: now expires at 5 s
	advance(t, clk, 2499*time.Millisecond)
	require.Len(t, s.Sessions(), 1)
	c.ping() // renewed at 4.999 s: now expires at 7 s
	advance(t, clk, 2000*time.Millisecond)
	require.Len(t, s.Sessions(), 1)
	advance(t, clk, time.Millisecond)
	assert.Empty(t, s.Sessions())
	c.expectClosed()
}

func TestSessionOutlivesItsConnection(t *testing.T) {
	clk := NewFakeClock(fakeStart)
	s := startServer(t, WithClock(clk), WithTickTime(time.Second))
	c := dialRaw(t, s.Addr())
	resp := c.session(4000)
	require.NoError(t, c.nc.Close())
	eventually(t, func() bool { return len(s.Sessions()) == 1 && !s.Sessions()[0].Connected }, "session detached")

	advance(t, clk, 3*time.Second)
	again := dialRaw(t, s.Addr())
	got := again.connect(newSessionRequestFor(resp.SessionID, resp.Passwd))
	assert.Equal(t, resp.SessionID, got.SessionID, "re-attached within its timeout")
	again.ping()
	assert.True(t, s.Sessions()[0].Connected)
}

func TestSessionNoExpiryWhilePaused(t *testing.T) {
	clk := NewFakeClock(fakeStart)
	s := startServer(t, WithClock(clk), WithTickTime(time.Second))
	c := dialRaw(t, s.Addr())
	c.session(2000)
	s.Pause()
	advance(t, clk, 10*time.Second)
	require.Len(t, s.Sessions(), 1, "paused: no expiry")
	s.Resume() // the timeout starts afresh: expiry at 10 s + 3 s
	advance(t, clk, 2999*time.Millisecond)
	require.Len(t, s.Sessions(), 1)
	advance(t, clk, time.Millisecond)
	assert.Empty(t, s.Sessions())
}

func TestSessionCloseRequest(t *testing.T) {
	s := startServer(t)
	c := dialRaw(t, s.Addr())
	resp := c.session(10_000)
	h, _ := c.call(7, -11, nil)
	assert.Equal(t, int32(7), h.Xid)
	assert.Equal(t, int64(2), h.Zxid, "closeSession is a transaction")
	c.expectClosed()
	assert.Empty(t, s.Sessions())

	again := dialRaw(t, s.Addr())
	assert.Zero(t, again.connect(newSessionRequestFor(resp.SessionID, resp.Passwd)).TimeOut)
}

func TestSessionIDsAfterRecoveredOnes(t *testing.T) {
	// Ids are seeded from the clock; a clock behind the recovered sessions
	// must not reissue their ids.
	p := &processor{s: &Server{}, sessions: map[int64]*session{}}
	p.now = time.UnixMilli(1000)
	p.sessions[1<<56|5<<40] = &session{id: 1<<56 | 5<<40}
	p.seedSessionIDs()
	assert.Equal(t, int64(1<<56|5<<40+1), p.nextSession)
}
