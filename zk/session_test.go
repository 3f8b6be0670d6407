package zk

import (
	"context"
	"sort"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/coordkit/coordkit/internal/wire"
)

func TestExpiredOnReconnectEndsTheConn(t *testing.T) {
	s := newFakeServer(t)
	c, fc := dialFake(t, s, WithReconnectBackoff(time.Millisecond, time.Millisecond))
	ctx := testCtx(t)
	events := c.StateEvents(ctx)

	// A one-shot and a persistent watch.
	f := c.ExistsWAsync(ctx, "/w")
	r := fc.next()
	fc.reply(r.xid, 10, 0, &wire.StatResponse{})
	er, err := f.Wait(ctx)
	require.NoError(t, err)
	fw := c.AddWatchAsync(ctx, "/p", AddWatchPersistentRecursive)
	r = fc.next()
	fc.reply(r.xid, 11, 0, &wire.ErrorResponse{})
	w, err := fw.Wait(ctx)
	require.NoError(t, err)

	inflight := c.GetAsync(ctx, "/inflight")
	fc.next()
	fc.close()
	_, err = inflight.Wait(ctx)
	assert.ErrorIs(t, err, ErrConnectionLoss)
	assert.Equal(t, EventDisconnected, (<-events).Type)

	fc2 := s.accept()
	req := fc2.readConnect()
	assert.Equal(t, int64(0x1234), req.SessionID)
	assert.Equal(t, int64(11), req.LastZxidSeen)
	waiting := c.GetAsync(ctx, "/waiting") // submitted while disconnected
	waitFor(t, func() bool { return c.Stats().Queued == 1 }, "request waiting")
	fc2.connectResponse(0, 0, false) // expired

	<-c.Done()
	assert.ErrorIs(t, c.Err(), ErrSessionExpired)
	assert.Equal(t, StateExpired, c.State())
	ev := <-events
	assert.Equal(t, EventExpired, ev.Type)
	assert.ErrorIs(t, ev.Err, ErrSessionExpired)
	_, ok := <-events
	assert.False(t, ok)

	_, err = waiting.Wait(ctx)
	assert.ErrorIs(t, err, ErrSessionExpired)
	assert.False(t, IsRetryable(err))

	wev := <-er.Watch
	assert.Equal(t, EventNotWatching, wev.Type)
	assert.Equal(t, "/w", wev.Path)
	assert.ErrorIs(t, wev.Err, ErrSessionExpired)
	pev := <-w.Events()
	assert.Equal(t, EventNotWatching, pev.Type)
	_, ok = <-w.Events()
	assert.False(t, ok)
	assert.ErrorIs(t, w.Err(), ErrSessionExpired)
	assert.NoError(t, w.Remove(ctx))

	_, err = c.Create(ctx, "/x", nil, ModePersistent)
	assert.ErrorIs(t, err, ErrSessionExpired)
	require.NoError(t, c.Close())
	fc2.expectEOF()
}

func TestReconnectResendsAuthThenWatchesThenQueue(t *testing.T) {
	s := newFakeServer(t)
	ctx := testCtx(t)
	done := make(chan *Conn, 1)
	go func() {
		c, err := Dial(ctx, []string{s.addr() + "/app"}, fastClose, WithDigestAuth("bob", "pw"),
			WithReconnectBackoff(time.Millisecond, time.Millisecond))
		if err != nil {
			done <- nil
			return
		}
		t.Cleanup(func() { _ = c.Close() })
		done <- c
	}()
	fc := s.accept()
	fc.handshake(5, 30*time.Second)
	r := fc.next()
	require.Equal(t, wire.OpAuth, r.op)
	fc.reply(wire.XidAuth, 0, 0, nil)
	c := <-done
	require.NotNil(t, c)
	events := c.StateEvents(ctx)

	// Data, exist, child and persistent watches.
	var fw *Future[*Watch]
	for _, step := range []struct {
		call  func() <-chan struct{}
		reply func(xid int32)
	}{
		{func() <-chan struct{} { return c.GetWAsync(ctx, "/d").Done() },
			func(xid int32) { fc.reply(xid, 20, 0, &wire.GetDataResponse{}) }},
		{func() <-chan struct{} { return c.ExistsWAsync(ctx, "/e").Done() },
			func(xid int32) { fc.reply(xid, 21, wire.ErrNoNode, nil) }},
		{func() <-chan struct{} { return c.ChildrenWAsync(ctx, "/").Done() },
			func(xid int32) { fc.reply(xid, 22, 0, &wire.GetChildren2Response{Children: []string{}}) }},
		{func() <-chan struct{} {
			fw = c.AddWatchAsync(ctx, "/p", AddWatchPersistent)
			return fw.Done()
		},
			func(xid int32) { fc.reply(xid, 23, 0, &wire.ErrorResponse{}) }},
	} {
		done := step.call()
		r := fc.next()
		step.reply(r.xid)
		<-done
	}
	fa := c.AddAuthAsync(ctx, "digest", []byte("alice:pw"))
	r = fc.next()
	require.Equal(t, wire.XidAuth, r.xid)
	fc.reply(wire.XidAuth, 0, 0, nil)
	_, err := fa.Wait(ctx)
	require.NoError(t, err)

	fc.close()
	require.Equal(t, EventDisconnected, (<-events).Type)
	fc2 := s.accept()
	req := fc2.readConnect()
	assert.Equal(t, int64(23), req.LastZxidSeen)
	q := c.GetAsync(ctx, "/q") // waits for the connection
	waitFor(t, func() bool { return c.Stats().Queued == 1 }, "request waiting")
	fc2.connectResponse(5, 30000, false)

	var ap wire.AuthPacket
	r = fc2.next()
	require.Equal(t, wire.OpAuth, r.op)
	r.decode(t, &ap)
	assert.Equal(t, "bob:pw", string(ap.Auth))
	r = fc2.next()
	require.Equal(t, wire.OpAuth, r.op)
	r.decode(t, &ap)
	assert.Equal(t, "alice:pw", string(ap.Auth))
	r = fc2.next()
	require.Equal(t, wire.OpSetWatches2, r.op, "persistent watches need setWatches2")
	assert.Greater(t, r.xid, int32(0))
	sw := wire.SetWatches{V2: true}
	r.decode(t, &sw)
	assert.Equal(t, int64(23), sw.RelativeZxid)
	assert.Equal(t, []string{"/app/d"}, sw.Data)
	assert.Equal(t, []string{"/app/e"}, sw.Exist)
	assert.Equal(t, []string{"/app"}, sw.Child)
	assert.Equal(t, []string{"/app/p"}, sw.Persistent)
	assert.Empty(t, sw.PersistentRecursive)
	swXid := r.xid
	r = fc2.next()
	require.Equal(t, wire.OpGetData, r.op, "queued requests go after auth and watches")
	fc2.reply(wire.XidAuth, 0, 0, nil)
	fc2.reply(wire.XidAuth, 0, 0, nil)
	fc2.event(wire.EventNodeCreated, "/app/e") // catch-up event
	fc2.reply(swXid, 30, 0, nil)
	fc2.reply(r.xid, 30, 0, &wire.GetDataResponse{})
	_, err = q.Wait(ctx)
	require.NoError(t, err)
	assert.Equal(t, EventReconnected, (<-events).Type)
	waitFor(t, func() bool { return c.Stats().InFlight == 0 }, "replies")
	pw, err := fw.Result()
	require.NoError(t, err)
	rm := make(chan error, 1)
	go func() { rm <- pw.Remove(ctx) }()
	r = fc2.next()
	assert.Equal(t, wire.OpRemoveWatches, r.op)
	fc2.reply(r.xid, 31, 0, nil)
	require.NoError(t, <-rm)
	_, ok := <-pw.Events()
	assert.False(t, ok)
	assert.ErrorIs(t, pw.Err(), ErrWatchRemoved)
}

func TestSetWatchesBatches(t *testing.T) {
	var ws watchSet
	ws.init()
	c := &Conn{cfg: &config{maxRequest: DefaultMaxRequestSize}, chroot: "/r"}
	long := make([]byte, 1000)
	for i := range long {
		long[i] = 'a'
	}
	for i := range 300 {
		ws.addOneShot("/"+string(long)+itoa(i), watchData)
	}
	ws.addOneShot("/x", watchChild)
	calls := ws.setWatchesCalls(c, 77)
	require.Len(t, calls, 3, "300 KB of paths in ~128 KiB requests")
	var all []string
	for _, k := range calls {
		assert.Equal(t, wire.OpSetWatches, k.op)
		var sw wire.SetWatches
		require.NoError(t, wire.Unmarshal((*k.frame)[4+8:], &sw))
		assert.Equal(t, int64(77), sw.RelativeZxid)
		all = append(all, sw.Data...)
		all = append(all, sw.Child...)
	}
	assert.Len(t, all, 301)
	sort.Strings(all)
	assert.Equal(t, "/r/x", all[300])
}

func itoa(i int) string {
	return string(rune('0'+i/100)) + string(rune('0'+i/10%10)) + string(rune('0'+i%10))
}

func TestAuthFailedEndsTheConn(t *testing.T) {
	s := newFakeServer(t)
	c, fc := dialFake(t, s)
	ctx := testCtx(t)
	events := c.StateEvents(ctx)
	f := c.AddAuthAsync(ctx, "digest", []byte("bad"))
	r := fc.next()
	assert.Equal(t, wire.XidAuth, r.xid)
	fc.reply(wire.XidAuth, 0, wire.ErrAuthFailed, nil)
	fc.close()
	_, err := f.Wait(ctx)
	assert.ErrorIs(t, err, ErrAuthFailed)
	<-c.Done()
	assert.ErrorIs(t, c.Err(), ErrAuthFailed)
	assert.Equal(t, StateAuthFailed, c.State())
	var types []StateEventType
	for ev := range events {
		types = append(types, ev.Type)
	}
	assert.Equal(t, []StateEventType{EventAuthFailed}, types)
}

func TestDialFailsOnRejectedCredential(t *testing.T) {
	s := newFakeServer(t)
	ctx := testCtx(t)
	done := make(chan error, 1)
	go func() {
		_, err := Dial(ctx, []string{s.addr()}, WithAuth("nope", []byte("x")), fastClose)
		done <- err
	}()
	fc := s.accept()
	fc.handshake(1, 30*time.Second)
	fc.next()
	fc.reply(wire.XidAuth, 0, wire.ErrAuthFailed, nil)
	fc.close()
	err := <-done
	assert.ErrorIs(t, err, ErrAuthFailed)
}

func TestChrootPrefixAndStrip(t *testing.T) {
	s := newFakeServer(t)
	ctx := testCtx(t)
	done := make(chan *Conn, 1)
	go func() {
		c, err := Dial(ctx, []string{s.addr() + "/app"}, fastClose)
		if err != nil {
			done <- nil
			return
		}
		t.Cleanup(func() { _ = c.Close() })
		done <- c
	}()
	fc := s.accept()
	fc.handshake(1, 30*time.Second)
	c := <-done
	require.NotNil(t, c)

	f := c.CreateAsync(ctx, "/x-", nil, ModeEphemeralSequential)
	r := fc.next()
	var cr wire.CreateRequest
	r.decode(t, &cr)
	assert.Equal(t, "/app/x-", cr.Path)
	assert.Equal(t, wire.FlagEphemeralSequential, cr.Flags)
	fc.reply(r.xid, 1, 0, &wire.PathRequest{Path: "/app/x-0000000001"})
	p, err := f.Wait(ctx)
	require.NoError(t, err)
	assert.Equal(t, "/x-0000000001", p)

	g := c.ChildrenWAsync(ctx, "/")
	r = fc.next()
	var pw wire.PathWatchRequest
	r.decode(t, &pw)
	assert.Equal(t, "/app", pw.Path)
	fc.reply(r.xid, 2, 0, &wire.GetChildren2Response{Children: []string{"x-0000000001"}})
	res, err := g.Wait(ctx)
	require.NoError(t, err)
	fc.event(wire.EventNodeChildrenChanged, "/app")
	assert.Equal(t, Event{Type: EventNodeChildrenChanged, Path: "/"}, <-res.Watch)

	e := c.EphemeralsAsync(ctx, "")
	r = fc.next()
	var pr wire.PathRequest
	r.decode(t, &pr)
	assert.Equal(t, "/app/", pr.Path)
	fc.reply(r.xid, 3, 0, &wire.StringsResponse{Strings: []string{"/app/x-0000000001"}})
	eph, err := e.Wait(ctx)
	require.NoError(t, err)
	assert.Equal(t, []string{"/x-0000000001"}, eph)

	m := c.MultiAsync(ctx, CreateOp("/m", nil, ModePersistent), SetOp("/m", []byte("v"), 0))
	r = fc.next()
	var mr wire.MultiRequest
	r.decode(t, &mr)
	require.Len(t, mr.Ops, 2)
	assert.Equal(t, "/app/m", mr.Ops[0].Body.(*wire.CreateRequest).Path)
	assert.Equal(t, "/app/m", mr.Ops[1].Body.(*wire.SetDataRequest).Path)
	fc.reply(r.xid, 4, 0, &wire.MultiResponse{Results: []wire.MultiResult{
		{Op: wire.OpCreate, Path: "/app/m"}, {Op: wire.OpSetData, Stat: wire.Stat{Version: 1}}}})
	mres, err := m.Wait(ctx)
	require.NoError(t, err)
	assert.Equal(t, "/m", mres[0].Path)
	assert.Equal(t, int32(1), mres[1].Stat.Version)
}

func TestStateEventsSlowSubscriberInOrder(t *testing.T) {
	s := newFakeServer(t)
	c, fc := dialFake(t, s, WithReconnectBackoff(time.Millisecond, time.Millisecond))
	ctx := testCtx(t)
	slow := c.StateEvents(ctx) // not read until the end
	fast := c.StateEvents(ctx)
	const rounds = 5
	for range rounds {
		fc.close()
		require.Equal(t, EventDisconnected, (<-fast).Type)
		fc = s.accept()
		fc.handshake(0x1234, 30*time.Second)
		require.Equal(t, EventReconnected, (<-fast).Type)
	}
	assert.Equal(t, uint64(rounds), c.Stats().Reconnects)
	// The slow subscriber's buffer held every event, in order.
	var got []StateEventType
	for range 2 * rounds {
		got = append(got, (<-slow).Type)
	}
	var want []StateEventType
	for range rounds {
		want = append(want, EventDisconnected, EventReconnected)
	}
	assert.Equal(t, want, got)
	closed := make(chan struct{})
	go func() {
		_ = c.Close()
		close(closed)
	}()
	r := fc.next()
	fc.reply(r.xid, 1, 0, nil)
	<-closed
	// Close closes every subscriber's channel before it returns, taken or not.
	for range slow {
	}
	for range fast {
	}

	// A subscriber whose ctx ends is released.
	ctx2, cancel := context.WithCancel(context.Background())
	ch := c.StateEvents(ctx2)
	cancel()
	for range ch {
	}
}

func TestReadOnlyServer(t *testing.T) {
	s := newFakeServer(t)
	ctx := testCtx(t)
	done := make(chan *Conn, 1)
	go func() {
		c, err := Dial(ctx, []string{s.addr()}, WithReadOnly(true), fastClose, WithReconnectBackoff(time.Millisecond, time.Millisecond))
		if err != nil {
			done <- nil
			return
		}
		t.Cleanup(func() { _ = c.Close() })
		done <- c
	}()
	fc := s.accept()
	fc.readConnect()
	fc.connectResponse(3, 30000, true)
	c := <-done
	require.NotNil(t, c)
	assert.Equal(t, StateReadOnly, c.State())
	events := c.StateEvents(ctx)
	fc.close()
	assert.Equal(t, EventDisconnected, (<-events).Type)
	fc = s.accept()
	fc.readConnect()
	fc.connectResponse(3, 30000, true)
	assert.Equal(t, EventReadOnly, (<-events).Type)
	assert.Equal(t, StateReadOnly, c.State())
	_ = context.Background
}
