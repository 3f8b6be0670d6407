package zkserver

import (
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/coordkit/coordkit/internal/wire"
)

func TestHookFail(t *testing.T) {
	var seen atomic.Value
	s := startServer(t, WithHook(func(r Request) Action {
		if r.Op == int32(wire.OpSetData) {
			seen.Store(r)
			return Action{Fail: int32(wire.ErrNoAuth)}
		}
		return Action{}
	}))
	c := sessionClient(t, s)
	h, d := c.call(3, wire.OpSetData, &wire.SetDataRequest{Path: "/x", Data: []byte("v"), Version: -1})
	assert.Equal(t, wire.ReplyHeader{Xid: 3, Zxid: 1, Err: wire.ErrNoAuth}, h)
	assert.Zero(t, d.Remaining())
	assert.Equal(t, int64(1), s.LastZxid(), "not processed: no zxid")
	r := seen.Load().(Request)
	assert.Equal(t, Request{Session: s.Sessions()[0].ID, Xid: 3, Op: 5, Path: "/x"}, r)

	s.SetHook(nil)
	h, _ = c.call(4, wire.OpSetData, &wire.SetDataRequest{Path: "/x", Data: []byte("v"), Version: -1})
	assert.Equal(t, int64(2), h.Zxid, "hook removed: processed")
}

func TestHookDelayKeepsOrder(t *testing.T) {
	s := startServer(t)
	const delay = 150 * time.Millisecond
	s.SetHook(func(r Request) Action {
		if r.Op == int32(wire.OpSync) {
			return Action{Delay: delay}
		}
		return Action{}
	})
	c := sessionClient(t, s)
	other := sessionClient(t, s)
	start := time.Now()
	var b []byte
	b = wire.AppendRequest(b, 1, wire.OpSync, &wire.PathRequest{Path: "/"})
	b = wire.AppendRequest(b, wire.XidPing, wire.OpPing, nil)
	c.write(b)
	other.ping()
	assert.Less(t, time.Since(start), delay, "other connections are not delayed")
	h, _ := c.reply()
	assert.Equal(t, int32(1), h.Xid)
	assert.GreaterOrEqual(t, time.Since(start), delay)
	h, _ = c.reply()
	assert.Equal(t, wire.XidPing, h.Xid, "later replies follow the delayed one")
}

func TestHookDropReply(t *testing.T) {
	s := startServer(t, WithHook(func(r Request) Action {
		return Action{DropReply: r.Op == int32(wire.OpReconfig)}
	}))
	c := sessionClient(t, s)
	var b []byte
	b = wire.AppendRequest(b, 1, wire.OpSync, &wire.PathRequest{Path: "/"})
	b = wire.AppendRequest(b, 2, wire.OpReconfig, &wire.ReconfigRequest{CurConfigID: -1})
	b = wire.AppendRequest(b, 3, wire.OpReconfig, &wire.ReconfigRequest{CurConfigID: -1})
	c.write(b)
	h, _ := c.reply()
	assert.Equal(t, int32(1), h.Xid, "earlier replies are sent")
	c.expectClosed()
	assert.Equal(t, int64(2), s.LastZxid(), "processed, and nothing after it")
	assert.Len(t, s.Sessions(), 1)
}

func TestDropConnections(t *testing.T) {
	s := startServer(t)
	a := dialRaw(t, s.Addr())
	ra := a.session(10_000)
	b := sessionClient(t, s)
	s.DropConnections()
	a.expectClosed()
	b.expectClosed()
	eventually(t, func() bool {
		ss := s.Sessions()
		return len(ss) == 2 && !ss[0].Connected && !ss[1].Connected
	}, "sessions live on, detached")
	again := dialRaw(t, s.Addr())
	assert.Equal(t, ra.SessionID, again.connect(newSessionRequestFor(ra.SessionID, ra.Passwd)).SessionID)
	again.ping()
}

func TestExpireSession(t *testing.T) {
	s := startServer(t)
	c := dialRaw(t, s.Addr())
	resp := c.session(10_000)
	require.Error(t, s.ExpireSession(resp.SessionID+1))
	require.NoError(t, s.ExpireSession(resp.SessionID))
	c.expectClosed()
	assert.Empty(t, s.Sessions())
	assert.Equal(t, int64(2), s.LastZxid())
	require.Error(t, s.ExpireSession(resp.SessionID), "already gone")
}

func TestFakeClock(t *testing.T) {
	clk := NewFakeClock(fakeStart)
	assert.Equal(t, fakeStart, clk.Now())
	now := clk.After(0)
	select {
	case got := <-now:
		assert.Equal(t, fakeStart, got)
	default:
		t.Fatal("After(0) fires at once")
	}
	a := clk.After(time.Second)
	b := clk.After(2 * time.Second)
	assert.Equal(t, 2, clk.Waiters())
	clk.Advance(time.Second)
	assert.Equal(t, fakeStart.Add(time.Second), <-a)
	select {
	case <-b:
		t.Fatal("fired early")
	default:
	}
	clk.Advance(-time.Hour)
	assert.Equal(t, fakeStart.Add(time.Second), clk.Now(), "never backwards")
	clk.Advance(5 * time.Second)
	assert.Equal(t, fakeStart.Add(6*time.Second), <-b)
	assert.Zero(t, clk.Waiters())
}
