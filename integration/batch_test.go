package integration

import (
	"context"
	"fmt"
	"os"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/coordkit/coordkit/zk"
	"github.com/coordkit/coordkit/zk/zktest"
)

// TestBatchLostNotSent cuts a session's connection with a batch of creates
// of unique paths in the pipeline, and checks the two outcomes a batch can
// have without an answer: lost (written: it may have happened) and not sent
// (never written: it did not happen, and sending it again is safe). The
// guarantee checked on the server is the one that makes retrying safe:
// nothing reported not sent exists afterwards.
func TestBatchLostNotSent(t *testing.T) {
	servers.Each(t, func(t *testing.T, srv *zktest.Server) {
		t.Run("WindowFullThenReset", func(t *testing.T) { testBatchWindowReset(t, srv) })
		t.Run("WriterBlockedThenCut", func(t *testing.T) { testBatchWriterBlocked(t, srv) })
	})
}

// testBatchWindowReset goes through a zktest proxy that forwards requests
// but holds the server's replies: the first window's worth of a batch is
// written and applied, the rest waits for window room. The proxy then
// resets the connection: the written requests are lost (and were applied),
// the others can only wait for a connection (or for window room), and when
// the batch's ctx ends they come back not sent (and were not applied).
func testBatchWindowReset(t *testing.T, srv *zktest.Server) {
	const (
		window = 40
		total  = 100
	)
	ctx := ctxFor(t, startTimeout)
	px := zktest.NewProxy(t, srv.Addr())
	c := dial(t, []string{px.Addr()}, zk.WithMaxInFlight(window))
	observer := dial(t, []string{srv.Addr()})
	stateCh := states(t, c)
	base := uniquePath(t)
	mustCreate(t, observer, base, nil)
	reqs := uniqueCreates(base, total, 16)

	px.HoldReplies()
	batchCtx, cancelBatch := context.WithCancel(ctx)
	defer cancelBatch()
	rec := newReplyRecorder(total)
	done := make(chan []zk.Response, 1)
	go func() { done <- c.Batch(batchCtx, reqs, rec.record) }()

	// The window's worth is written and applied; nothing is answered.
	zktest.Eventually(t, func() bool {
		n, err := observer.AllChildrenNumber(ctx, base)
		return err == nil && n == window && c.Stats().InFlight == window
	}, eventTimeout, "the first %d creates applied, with their replies held", window)

	px.Reset() // new connections still get their replies held: no handshake completes
	ev := nextState(t, stateCh, eventTimeout)
	require.Equal(t, zk.EventDisconnected, ev.Type, "%+v", ev)
	// The next window's worth waits for a connection, holding the window;
	// the rest still waits for window room.
	var last zk.Stats
	err := zktest.WaitUntil(ctxFor(t, eventTimeout), func() bool {
		last = c.Stats()
		return last.Queued == window
	})
	require.NoError(t, err, "the next %d requests queued, waiting for a connection: stats %+v", window, last)
	cancelBatch()

	var resps []zk.Response
	select {
	case resps = <-done:
	case <-ctx.Done():
		require.FailNow(t, "Batch did not return after its ctx ended")
	}
	require.Len(t, resps, total)
	for i, r := range resps {
		assert.Equal(t, i, r.Index)
		if i < window {
			assertLost(t, r)
		} else {
			assertNotSent(t, r)
			assert.ErrorIs(t, r.Err, context.Canceled, "response %d: the reason is wrapped", i)
		}
	}
	rec.check(t, resps)

	// The lost ones were applied (the server had them before the reset),
	// the not-sent ones were not.
	applied := appliedPaths(t, observer, base)
	for i, r := range resps {
		p := reqs[i].(zk.CreateRequest).Path
		assert.Equal(t, r.Outcome == zk.Lost, applied[p], "%s (%v) applied", p, r.Outcome)
	}

	px.Pass()
	ev = nextState(t, stateCh, startTimeout)
	require.Equal(t, zk.EventReconnected, ev.Type, "%+v", ev)
	retryNotSent(t, c, reqs, resps)
}

// testBatchWriterBlocked fills the pipe: the server is paused (and reads
// nothing more from its sockets), so a batch far larger than every socket
// buffer together blocks the client's writer, and a second batch queues
// behind it. Then the connection is cut under the client (its socket
// closed, as a network failure would) and the server resumed. A request is
// lost only if its bytes could have reached the server; requests whose
// bytes could not fit in the socket buffers, and the whole second batch,
// were never written and must come back not sent — and none of those exist
// afterwards, while some lost ones may.
//
// The zktest proxy cannot be used here: it reads whatever the client
// writes, whatever its mode, so the client's writer never blocks behind it.
func testBatchWriterBlocked(t *testing.T, srv *zktest.Server) {
	const (
		size   = 512 << 10 // data bytes of each request of the first batch
		second = 20        // requests queued behind the blocked write
	)
	// The kernel can hold at most the client's send buffer and the
	// server's receive buffer; every byte beyond that cannot have been
	// written when the connection dies.
	bufBound := sysctlMax(t, "/proc/sys/net/ipv4/tcp_wmem") + sysctlMax(t, "/proc/sys/net/ipv4/tcp_rmem")
	first := bufBound/size + 16

	ctx := ctxFor(t, startTimeout)
	t.Cleanup(srv.Resume)
	// A long session timeout: the client does not give up on the silent
	// connection by itself (20 s) while the batches, tens of MiB, are
	// queued (seconds, under -race on a busy machine).
	var cd cutDialer
	c := dial(t, []string{srv.Addr()}, zk.WithSessionTimeout(30*time.Second), zk.WithDialer(cd.dial))
	observer := dial(t, []string{srv.Addr()})
	stateCh := states(t, c)
	base := uniquePath(t)
	mustCreate(t, observer, base, nil)
	reqs1 := uniqueCreates(base+"/big-", first, size)
	reqs2 := uniqueCreates(base+"/small-", second, 16)

	_, err := c.Sync(ctx, base)
	require.NoError(t, err)
	sentBefore := c.Stats().BytesSent
	srv.Pause()
	paused := time.Now()

	rec1, rec2 := newReplyRecorder(first), newReplyRecorder(second)
	done1 := make(chan []zk.Response, 1)
	done2 := make(chan []zk.Response, 1)
	go func() { done1 <- c.Batch(ctx, reqs1, rec1.record) }()
	zktest.Eventually(t, func() bool { return c.Stats().InFlight == first }, eventTimeout,
		"the first batch handed to the writer")
	go func() { done2 <- c.Batch(ctx, reqs2, rec2.record) }()
	var last zk.Stats
	err = zktest.WaitUntil(ctxFor(t, eventTimeout), func() bool {
		last = c.Stats() // a consistent snapshot: both on the live connection
		return last.Queued == second && last.InFlight == first
	})
	require.NoError(t, err, "the second batch queued behind the blocked writer: stats %+v", last)
	t.Logf("both batches queued %v after the pause", time.Since(paused).Round(time.Millisecond))
	// The writer is blocked for good: no more than the socket buffers can
	// hold goes out while the server is paused. (A paused server that went
	// on reading its sockets would let the whole batch through, and the
	// requests this test checks would not be unwritten.)
	require.Never(t, func() bool { return c.Stats().BytesSent-sentBefore > uint64(bufBound) }, 2*time.Second, 10*time.Millisecond,
		"more than %d bytes (the socket buffers) written to the paused server", bufBound)

	cd.cut()
	ev := nextState(t, stateCh, eventTimeout)
	require.Equal(t, zk.EventDisconnected, ev.Type, "%+v", ev)
	srv.Resume()

	var resps1, resps2 []zk.Response
	for _, d := range []struct {
		ch  chan []zk.Response
		out *[]zk.Response
	}{{done1, &resps1}, {done2, &resps2}} {
		select {
		case *d.out = <-d.ch:
		case <-ctx.Done():
			require.FailNow(t, "Batch did not return after the connection was cut")
		}
	}
	require.Len(t, resps1, first)
	require.Len(t, resps2, second)
	rec1.check(t, resps1)
	rec2.check(t, resps2)

	// First batch: a prefix lost, the rest not sent; everything past
	// the buffers not sent.
	lost := 0
	for i, r := range resps1 {
		switch r.Outcome {
		case zk.Lost:
			assertLost(t, r)
			assert.Equal(t, lost, i, "response %d lost after a not-sent one", i)
			lost++
		default:
			assertNotSent(t, r)
		}
	}
	mustBeUnsent := first - (bufBound/size + 1) // requests starting past bufBound bytes
	assert.LessOrEqual(t, lost, first-mustBeUnsent,
		"%d of %d requests reported lost, but at most %d (%d bytes of socket buffers) can have been written: "+
			"requests never written were reported lost instead of not sent", lost, first, first-mustBeUnsent, bufBound)
	for _, r := range resps2 {
		assertNotSent(t, r)
	}

	// The session survives (the server was paused much shorter than its
	// timeout); on the server, nothing not sent exists.
	ev = nextState(t, stateCh, startTimeout)
	require.Equal(t, zk.EventReconnected, ev.Type, "%+v", ev)
	_, err = observer.Sync(ctx, base)
	require.NoError(t, err)
	applied := appliedPaths(t, observer, base)
	appliedLost := 0
	for i, r := range resps1 {
		p := reqs1[i].(zk.CreateRequest).Path
		if r.Outcome == zk.NotSent {
			assert.False(t, applied[p], "%s was reported not sent but exists", p)
		} else if applied[p] {
			appliedLost++
		}
	}
	for i := range resps2 {
		p := reqs2[i].(zk.CreateRequest).Path
		assert.False(t, applied[p], "%s was reported not sent but exists", p)
	}
	t.Logf("first batch: %d requests, %d lost (%d of them applied), %d not sent; socket buffers ≤ %d bytes",
		first, lost, appliedLost, first-lost, bufBound)

	// Sending the not-sent ones again is safe: none exists yet.
	retryNotSent(t, c, reqs2, resps2)
}

// uniqueCreates returns n requests creating prefix+"0000"… with size bytes
// of data each.
func uniqueCreates(prefix string, n, size int) []zk.Request {
	data := make([]byte, size)
	reqs := make([]zk.Request, n)
	for i := range reqs {
		sep := ""
		if !strings.HasSuffix(prefix, "-") {
			sep = "/"
		}
		reqs[i] = zk.CreateRequest{Path: fmt.Sprintf("%s%s%04d", prefix, sep, i), Data: data, Mode: zk.ModePersistent}
	}
	return reqs
}

// appliedPaths returns the set of base's children, as full paths.
func appliedPaths(t *testing.T, c *zk.Conn, base string) map[string]bool {
	t.Helper()
	kids, _, err := c.Children(ctxFor(t, opTimeout), base)
	require.NoError(t, err)
	set := make(map[string]bool, len(kids))
	for _, k := range kids {
		set[base+"/"+k] = true
	}
	return set
}

func assertLost(t *testing.T, r zk.Response) {
	t.Helper()
	assert.Equal(t, zk.Lost, r.Outcome, "response %d: %v", r.Index, r.Err)
	assert.ErrorIs(t, r.Err, zk.ErrConnectionLoss, "response %d", r.Index)
	assert.False(t, zk.IsRetryable(r.Err), "response %d: a lost request is not retryable", r.Index)
	assert.NotErrorIs(t, r.Err, zk.ErrNotSent, "response %d", r.Index)
	assert.Nil(t, r.Result, "response %d", r.Index)
}

func assertNotSent(t *testing.T, r zk.Response) {
	t.Helper()
	assert.Equal(t, zk.NotSent, r.Outcome, "response %d: %v", r.Index, r.Err)
	assert.ErrorIs(t, r.Err, zk.ErrNotSent, "response %d", r.Index)
	assert.True(t, zk.IsRetryable(r.Err), "response %d: %v", r.Index, r.Err)
	assert.NotErrorIs(t, r.Err, zk.ErrConnectionLoss, "response %d", r.Index)
	assert.Nil(t, r.Result, "response %d", r.Index)
}

// retryNotSent sends every not-sent request of a batch again, in a new
// batch, and checks that each is answered and succeeds: none had happened.
func retryNotSent(t *testing.T, c *zk.Conn, reqs []zk.Request, resps []zk.Response) {
	t.Helper()
	var again []zk.Request
	for i, r := range resps {
		if r.Outcome == zk.NotSent {
			again = append(again, reqs[i])
		}
	}
	require.NotEmpty(t, again)
	for i, r := range c.Batch(ctxFor(t, opTimeout), again, nil) {
		p := again[i].(zk.CreateRequest).Path
		require.Equal(t, zk.Answered, r.Outcome, "retry of %s: %v", p, r.Err)
		require.NoError(t, r.Err, "retry of %s: a not-sent create must not exist", p)
		cr, ok := r.Result.(zk.CreateResult)
		require.True(t, ok, "result %T", r.Result)
		assert.Equal(t, p, cr.Path)
	}
}

// replyRecorder records the calls of a Batch's onReply callback, which runs
// on the goroutine that called Batch.
type replyRecorder struct {
	mu    sync.Mutex // guards the fields below
	calls []int
	got   map[int]zk.Response
	bad   []string
}

func newReplyRecorder(n int) *replyRecorder {
	return &replyRecorder{got: make(map[int]zk.Response, n)}
}

func (rr *replyRecorder) record(i int, r zk.Response) {
	rr.mu.Lock()
	defer rr.mu.Unlock()
	rr.calls = append(rr.calls, i)
	if _, dup := rr.got[i]; dup {
		rr.bad = append(rr.bad, "index "+strconv.Itoa(i)+" reported twice")
	}
	if r.Index != i {
		rr.bad = append(rr.bad, fmt.Sprintf("callback index %d for Response.Index %d", i, r.Index))
	}
	rr.got[i] = r
}

// check verifies that the callback saw every response exactly once, the
// same as Batch returned.
func (rr *replyRecorder) check(t *testing.T, resps []zk.Response) {
	t.Helper()
	rr.mu.Lock()
	defer rr.mu.Unlock()
	assert.Empty(t, rr.bad)
	assert.Len(t, rr.calls, len(resps), "callback calls")
	for i, r := range resps {
		got, ok := rr.got[i]
		if !assert.True(t, ok, "no callback for response %d", i) {
			continue
		}
		assert.Equal(t, r.Outcome, got.Outcome, "callback for %d", i)
		assert.Equal(t, r.Err, got.Err, "callback for %d", i)
	}
}

// sysctlMax returns the maximum (third) value of a tcp_wmem/tcp_rmem file.
func sysctlMax(t *testing.T, path string) int {
	t.Helper()
	b, err := os.ReadFile(path)
	require.NoError(t, err)
	f := strings.Fields(string(b))
	require.Len(t, f, 3, "%s: %q", path, b)
	n, err := strconv.Atoi(f[2])
	require.NoError(t, err)
	return n
}
