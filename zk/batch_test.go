package zk

import (
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/coordkit/coordkit/internal/wire"
)

func TestBatchIsWrittenBackToBack(t *testing.T) {
	s := newFakeServer(t)
	conns := make(chan *gatedConn, 4)
	c, fc := dialFake(t, s, gatedDialer(conns))
	g := <-conns
	ctx := testCtx(t)
	g.hold()
	first := c.SyncAsync(ctx, "/first") // holds the writer at the gate
	waitFor(t, func() bool { return c.Stats().InFlight == 1 }, "writer held")

	const n = 50
	reqs := make([]Request, n)
	for i := range reqs {
		reqs[i] = GetRequest{Path: "/batch/" + strconv.Itoa(i)}
	}
	var wg sync.WaitGroup
	var out []Response
	wg.Add(2)
	go func() {
		defer wg.Done()
		out = c.Batch(ctx, reqs, nil)
	}()
	var singles []*Future[GetResult]
	go func() {
		defer wg.Done()
		for i := range n {
			singles = append(singles, c.GetAsync(ctx, "/single/"+strconv.Itoa(i)))
		}
	}()
	waitFor(t, func() bool { return c.Stats().Queued == 2*n }, "everything queued")
	g.release()

	var paths []string
	r := fc.next()
	fc.reply(r.xid, 1, 0, &wire.PathRequest{Path: "/first"})
	for range 2 * n {
		r := fc.next()
		var body wire.PathWatchRequest
		r.decode(t, &body)
		paths = append(paths, body.Path)
		fc.reply(r.xid, 1, 0, &wire.GetDataResponse{Data: []byte(body.Path)})
	}
	wg.Wait()
	<-first.Done()
	start := -1
	for i, p := range paths {
		if p == "/batch/0" {
			start = i
		}
	}
	require.GreaterOrEqual(t, start, 0)
	for i := range n {
		assert.Equal(t, "/batch/"+strconv.Itoa(i), paths[start+i], "batch requests are contiguous and in order")
	}
	for i, resp := range out {
		assert.Equal(t, Answered, resp.Outcome)
		assert.Equal(t, "/batch/"+strconv.Itoa(i), string(resp.Result.(GetResult).Data))
	}
	for _, f := range singles {
		_, err := f.Wait(ctx)
		require.NoError(t, err)
	}
}

func TestBatchOutcomes(t *testing.T) {
	s := newFakeServer(t)
	c, fc := dialFake(t, s, WithReconnectBackoff(time.Hour, time.Hour))
	ctx := testCtx(t)
	reqs := []Request{
		SetRequest{Path: "/a", Data: []byte("1"), Version: -1},
		CreateRequest{Path: "/b", Mode: ModeEphemeral},
		DeleteRequest{Path: "bad", Version: -1},
		SetRequest{Path: "/c", Version: -1},
		nil,
		ExistsRequest{Path: "/d"},
	}
	type seen struct {
		i int
		o Outcome
	}
	var calls []seen
	done := make(chan []Response, 1)
	go func() {
		done <- c.Batch(ctx, reqs, func(i int, r Response) { calls = append(calls, seen{i, r.Outcome}) })
	}()
	r := fc.next()
	assert.Equal(t, wire.OpSetData, r.op)
	fc.reply(r.xid, 1, 0, &wire.StatResponse{Stat: wire.Stat{Version: 3}})
	r = fc.next()
	assert.Equal(t, wire.OpCreate2, r.op)
	fc.reply(r.xid, 2, wire.ErrNodeExists, nil)
	r = fc.next()
	assert.Equal(t, wire.OpSetData, r.op)
	fc.next() // exists: read, never answered
	fc.close()

	out := <-done
	require.Len(t, out, 6)
	assert.Equal(t, Answered, out[0].Outcome)
	assert.Equal(t, int32(3), out[0].Result.(Stat).Version)
	assert.Equal(t, Answered, out[1].Outcome)
	assert.ErrorIs(t, out[1].Err, ErrNodeExists)
	assert.Equal(t, NotSent, out[2].Outcome)
	assert.ErrorIs(t, out[2].Err, ErrInvalidPath)
	assert.False(t, IsRetryable(out[2].Err))
	assert.Equal(t, Lost, out[3].Outcome)
	assert.ErrorIs(t, out[3].Err, ErrConnectionLoss)
	assert.Nil(t, out[3].Result)
	assert.Equal(t, NotSent, out[4].Outcome)
	assert.ErrorIs(t, out[4].Err, ErrInvalidArgument)
	assert.Equal(t, Lost, out[5].Outcome)
	assert.Equal(t, []seen{{0, Answered}, {1, Answered}, {2, NotSent}, {3, Lost}, {4, NotSent}, {5, Lost}}, calls)
}

func TestReconnectSkipsServerThatClosesDuringHandshake(t *testing.T) {
	s1, s2 := newFakeServer(t), newFakeServer(t)
	ctx := testCtx(t)
	done := make(chan *Conn, 1)
	go func() {
		c, err := Dial(ctx, []string{s1.addr(), s2.addr()}, fastClose,
			WithReconnectBackoff(time.Millisecond, time.Millisecond))
		if err != nil {
			done <- nil
			return
		}
		t.Cleanup(func() { _ = c.Close() })
		done <- c
	}()
	first, other := s1, s2
	var fc *fakeConn
	select {
	case fc = <-s1.conns:
	case fc = <-s2.conns:
		first, other = s2, s1
	case <-time.After(10 * time.Second):
		t.Fatal("no connection")
	}
	fc.handshake(9, 30*time.Second)
	c := <-done
	require.NotNil(t, c)
	assert.Equal(t, first.addr(), c.Server())
	events := c.StateEvents(ctx)
	fc.close()
	assert.Equal(t, EventDisconnected, (<-events).Type)

	// The next server is behind this session's zxid: it closes without a
	// ConnectResponse, and the client moves on.
	behind := other.accept()
	behind.readConnect()
	behind.close()
	fc = first.accept()
	req := fc.readConnect()
	assert.Equal(t, int64(9), req.SessionID)
	fc.connectResponse(9, 30000, false)
	ev := <-events
	assert.Equal(t, EventReconnected, ev.Type)
	assert.Equal(t, first.addr(), ev.Server)
	assert.Equal(t, first.addr(), c.Server())
}
