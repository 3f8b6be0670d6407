package zk

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"math/rand/v2"
	"os"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

var (
	chaosSeed     = flag.Uint64("chaos.seed", 0, "first seed of TestChaos (0: from $CHAOS_SEED, else random)")
	chaosRuns     = flag.Int("chaos.runs", 20, "seeds TestChaos runs")
	chaosRequests = flag.Int("chaos.requests", 200, "requests per TestChaos run")
)

// chaosReq is one request of a chaos run, and what became of it.
type chaosReq struct {
	kind string // get, exists, set, create, delete (async), sget, sset (sync)
	path string
	size int  // set: data length
	fail bool // the server answers with a ZooKeeper error

	// Async requests (Batch ones included).
	k   *call
	val func() any // the Future's value, read once done

	// Sync requests.
	syncErr error
	syncVal any
}

// TestChaos checks the client's core promise under random faults: every
// request completes exactly once as Answered (with the reply the server
// sent for its xid), Lost (written whole, wraps ErrConnectionLoss) or
// NotSent (never seen by any server, wraps ErrNotSent and is retryable);
// the session survives every cut; Close leaves no goroutine behind.
//
// Reproduce a failing seed with -chaos.seed=N -chaos.runs=1 (or
// CHAOS_SEED=N).
func TestChaos(t *testing.T) {
	base := *chaosSeed
	if base == 0 {
		if s, err := strconv.ParseUint(os.Getenv("CHAOS_SEED"), 10, 64); err == nil {
			base = s
		}
	}
	if base == 0 {
		base = rand.Uint64()>>1 | 1
	}
	runs := *chaosRuns
	if testing.Short() {
		runs = min(runs, 3)
	}
	t.Logf("chaos: seeds %d..%d, %d requests each (reproduce with -chaos.seed=N -chaos.runs=1)", base, base+uint64(runs)-1, *chaosRequests)
	for i := range runs {
		seed := base + uint64(i)
		t.Run("seed="+strconv.FormatUint(seed, 10), func(t *testing.T) {
			chaosRun(t, seed, *chaosRequests)
		})
	}
}

func chaosRun(t *testing.T, seed uint64, n int) {
	lg := newChaosLog()
	var servers []*chaosServer
	var addrs []string
	for i := range 2 {
		s, err := newChaosServer(lg, seed*2+uint64(i))
		require.NoError(t, err)
		servers = append(servers, s)
		addrs = append(addrs, s.addr())
	}
	stopServers := func() {
		for _, s := range servers {
			s.close()
		}
	}
	defer stopServers()

	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	c, err := Dial(ctx, addrs, chaosDialer(lg), fastClose,
		WithReconnectBackoff(time.Millisecond, 5*time.Millisecond), WithMaxInFlight(32))
	require.NoError(t, err)
	closed := false
	defer func() {
		if !closed {
			_ = c.Close()
		}
	}()
	require.Equal(t, int64(chaosSID), c.SessionID())
	var evs []StateEventType
	evDone := make(chan struct{})
	go func() { // take events as they come: Close drops those not taken
		defer close(evDone)
		for ev := range c.StateEvents(ctx) {
			evs = append(evs, ev.Type)
		}
	}()

	// Submit from several goroutines, each with its own PRNG.
	const workers = 4
	reqs := make([][]*chaosReq, workers)
	cancels := make([][]context.CancelFunc, workers)
	defer func() {
		for _, cs := range cancels {
			for _, cancel := range cs {
				cancel()
			}
		}
	}()
	var wg sync.WaitGroup
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			rng := rand.New(rand.NewPCG(seed, uint64(w)+100))
			for i := 0; i < n/workers; {
				ids := 1
				if rng.IntN(8) == 0 {
					ids = 2 + rng.IntN(5) // a Batch
				}
				var batch []*chaosReq
				for j := range ids {
					r := &chaosReq{
						path: fmt.Sprintf("/w%d/r%d", w, i+j),
						fail: rng.IntN(6) == 0,
					}
					if r.fail {
						r.path += "-e"
					}
					batch = append(batch, r)
				}
				i += ids
				rctx, rcancel := chaosCtx(ctx, rng)
				if ids > 1 {
					chaosBatch(rctx, c, rng, batch)
				} else {
					chaosOne(rctx, c, rng, batch[0])
				}
				cancels[w] = append(cancels[w], rcancel) // cancelled after the run: futures outlive the call
				reqs[w] = append(reqs[w], batch...)
				if rng.IntN(4) == 0 {
					time.Sleep(time.Duration(rng.IntN(300)) * time.Microsecond)
				}
			}
		}()
	}
	wg.Wait()

	// Every future completes, once: a second completion would panic on
	// closing done twice.
	var all []*chaosReq
	for _, rs := range reqs {
		all = append(all, rs...)
	}
	for _, r := range all {
		if r.k == nil {
			continue
		}
		select {
		case <-r.k.done:
		case <-time.After(10 * time.Second):
			t.Fatalf("%s %s: never completed", r.kind, r.path)
		}
	}
	require.NoError(t, c.Err(), "the session lives through every cut")
	require.Equal(t, int64(chaosSID), c.SessionID(), "the Conn never reports a new session id")
	st := c.Stats()
	require.NoError(t, c.Close())
	closed = true
	stopServers()
	<-evDone
	for _, ev := range evs {
		assert.NotContains(t, []StateEventType{EventExpired, EventAuthFailed}, ev, "the session never ends but by Close")
	}
	// No check that the last event is EventClosed: Close drops the events
	// a subscriber had not taken yet when it returns (see Conn.Close).
	lg.parseWritten()

	count := map[Outcome]int{}
	var byCtx, lostUnread int
	for _, r := range all {
		o := chaosCheck(t, lg, r)
		count[o]++
		err := r.syncErr
		if r.k != nil {
			err = r.k.err
		}
		if o == NotSent && (errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded)) {
			byCtx++
		}
		lg.mu.Lock()
		if _, ok := lg.received[r.path]; o == Lost && !ok {
			lostUnread++
		}
		lg.mu.Unlock()
	}
	lg.mu.Lock()
	assert.Empty(t, lg.problems, "protocol violations seen by the servers")
	assert.Empty(t, lg.dups, "requests a server received twice")
	for path := range lg.received {
		assert.True(t, lg.written[path], "%s: received but never written whole", path)
	}
	connects := lg.connects
	lg.mu.Unlock()
	t.Logf("seed %d: %d requests: %d answered, %d lost (%d never read by the server), %d not sent (%d as their ctx ended); %d handshakes, %d reconnects; events %v",
		seed, len(all), count[Answered], count[Lost], lostUnread, count[NotSent], byCtx, connects, st.Reconnects, evs)
	checkNoClientGoroutines(t)
}

// chaosCtx returns the ctx of one request: mostly generous, sometimes a
// few hundred microseconds to a few milliseconds, sometimes already over.
func chaosCtx(parent context.Context, rng *rand.Rand) (context.Context, context.CancelFunc) {
	switch rng.IntN(10) {
	case 0:
		ctx, cancel := context.WithCancel(parent)
		cancel()
		return ctx, cancel
	case 1, 2:
		return context.WithTimeout(parent, time.Duration(rng.IntN(5000))*time.Microsecond)
	}
	return context.WithTimeout(parent, 10*time.Second)
}

// setData returns data of size bytes for a set.
func setData(size int) []byte { return make([]byte, size) }

// chaosOne submits r as a sync or async request of a random kind.
func chaosOne(ctx context.Context, c *Conn, rng *rand.Rand, r *chaosReq) {
	kinds := []string{"get", "exists", "set", "create", "delete", "sget", "sset"}
	r.kind = kinds[rng.IntN(len(kinds))]
	if r.kind == "set" || r.kind == "sset" {
		r.size = rng.IntN(6000)
	}
	switch r.kind {
	case "get":
		f := c.GetAsync(ctx, r.path)
		r.k, r.val = &f.k, func() any { return f.val }
	case "exists":
		f := c.ExistsAsync(ctx, r.path)
		r.k, r.val = &f.k, func() any { return f.val }
	case "set":
		f := c.SetAsync(ctx, r.path, setData(r.size), -1)
		r.k, r.val = &f.k, func() any { return f.val }
	case "create":
		f := c.Create2Async(ctx, r.path, nil, ModePersistent)
		r.k, r.val = &f.k, func() any { return f.val }
	case "delete":
		f := c.DeleteAsync(ctx, r.path, -1)
		r.k, r.val = &f.k, func() any { return f.val }
	case "sget":
		data, stat, err := c.Get(ctx, r.path)
		r.syncErr, r.syncVal = err, GetResult{Data: data, Stat: stat}
	case "sset":
		stat, err := c.Set(ctx, r.path, setData(r.size), -1)
		r.syncErr, r.syncVal = err, stat
	}
}

// chaosBatch submits rs as one Batch and records each Response as a
// completed call, checked like an async request.
func chaosBatch(ctx context.Context, c *Conn, rng *rand.Rand, rs []*chaosReq) {
	reqs := make([]Request, len(rs))
	for i, r := range rs {
		switch rng.IntN(3) {
		case 0:
			r.kind = "get"
			reqs[i] = GetRequest{Path: r.path}
		case 1:
			r.kind, r.size = "set", rng.IntN(3000)
			reqs[i] = SetRequest{Path: r.path, Data: setData(r.size), Version: -1}
		default:
			r.kind = "create"
			reqs[i] = CreateRequest{Path: r.path}
		}
	}
	out := c.Batch(ctx, reqs, nil)
	for i, r := range rs {
		resp := out[i]
		r.k = &call{done: make(chan struct{}), answered: resp.Outcome == Answered, err: resp.Err}
		close(r.k.done)
		r.val = func() any { return resp.Result }
		if got := r.k.outcome(); got != resp.Outcome {
			r.k.err = fmt.Errorf("batch outcome %v, but its error %v says %v", resp.Outcome, resp.Err, got)
		}
	}
}

// chaosCheck checks what became of r against what the servers saw, and
// returns its outcome.
func chaosCheck(t *testing.T, lg *chaosLog, r *chaosReq) Outcome {
	t.Helper()
	lg.mu.Lock()
	rcv, received := lg.received[r.path]
	written := lg.written[r.path]
	lg.mu.Unlock()

	var err error
	var val any
	var outcome Outcome
	if r.k != nil {
		err, val = r.k.err, r.val()
		outcome = r.k.outcome()
		if outcome == Answered && !r.k.answered {
			t.Errorf("%s %s: outcome answered without a reply", r.kind, r.path)
		}
	} else {
		err, val = r.syncErr, r.syncVal
		switch {
		case err == nil || errors.Is(err, ErrNoNode) || errors.Is(err, ErrBadVersion):
			outcome = Answered
		case errors.Is(err, ErrConnectionLoss):
			outcome = Lost
		case errors.Is(err, ErrNotSent):
			outcome = NotSent
		case errors.Is(err, context.DeadlineExceeded) || errors.Is(err, context.Canceled):
			// The sync call stopped waiting: the request may still have
			// gone out, or not. Nothing to check.
			return NotSent
		default:
			t.Errorf("%s %s: unexpected error %v", r.kind, r.path, err)
			return NotSent
		}
	}

	switch outcome {
	case NotSent:
		// Never seen by any server; not even handed whole to the kernel.
		assert.ErrorIs(t, err, ErrNotSent, "%s %s", r.kind, r.path)
		assert.NotErrorIs(t, err, ErrConnectionLoss, "%s %s", r.kind, r.path)
		assert.True(t, IsRetryable(err), "%s %s: %v", r.kind, r.path, err)
		assert.False(t, received, "%s %s: not sent, yet a server received it (%v)", r.kind, r.path, err)
		assert.False(t, written, "%s %s: not sent, yet its frame was written whole (%v)", r.kind, r.path, err)
	case Lost:
		// Written whole, but not necessarily received: the kernel took the
		// frame into the socket's send buffer, and the server may have
		// closed the connection before reading that far (its close then
		// discards what it had not read). So the promise is "written",
		// checked on the client's side of the socket, not "received".
		assert.ErrorIs(t, err, ErrConnectionLoss, "%s %s", r.kind, r.path)
		assert.NotErrorIs(t, err, ErrNotSent, "%s %s", r.kind, r.path)
		assert.False(t, IsRetryable(err), "%s %s", r.kind, r.path)
		assert.True(t, written, "%s %s: lost, yet its frame was never written whole (%v)", r.kind, r.path, err)
	case Answered:
		if !assert.True(t, received && rcv.replied, "%s %s: answered, yet no server replied to it (%v)", r.kind, r.path, err) {
			return outcome
		}
		chaosCheckAnswer(t, r, rcv, err, val)
	}
	return outcome
}

// chaosCheckAnswer checks an answer against chaosReply for the xid the
// server read.
func chaosCheckAnswer(t *testing.T, r *chaosReq, rcv chaosRcv, err error, val any) {
	t.Helper()
	xid := int64(rcv.xid)
	mz := int64(len(r.path))
	what := r.kind + " " + r.path
	switch r.kind {
	case "get", "sget":
		if r.fail {
			assert.ErrorIs(t, err, ErrNoNode, what)
			return
		}
		if assert.NoError(t, err, what) {
			g := val.(GetResult)
			assert.Equal(t, "d:"+r.path, string(g.Data), what)
			assert.Equal(t, xid, g.Stat.Czxid, what)
			assert.Equal(t, mz, g.Stat.Mzxid, what)
		}
	case "exists":
		assert.NoError(t, err, what)
		e := val.(ExistsResult)
		assert.Equal(t, !r.fail, e.Exists, what)
		if !r.fail {
			assert.Equal(t, xid, e.Stat.Czxid, what)
		}
	case "set", "sset":
		if r.fail {
			assert.ErrorIs(t, err, ErrBadVersion, what)
			return
		}
		if assert.NoError(t, err, what) {
			s := val.(Stat)
			assert.Equal(t, xid, s.Czxid, what)
			assert.Equal(t, int32(r.size), s.DataLength, what)
		}
	case "create":
		if r.fail {
			assert.ErrorIs(t, err, ErrNodeExists, what)
			return
		}
		if assert.NoError(t, err, what) {
			cr := val.(CreateResult)
			assert.Equal(t, r.path+"0", cr.Path, what)
			assert.Equal(t, xid, cr.Stat.Czxid, what)
		}
	case "delete":
		if r.fail {
			assert.ErrorIs(t, err, ErrNotEmpty, what)
		} else {
			assert.NoError(t, err, what)
		}
	}
}

// checkNoClientGoroutines fails if goroutines of the client (not of its
// tests) are still running, polling for a while first.
func checkNoClientGoroutines(t *testing.T) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for wait := time.Millisecond; ; wait = min(2*wait, 50*time.Millisecond) {
		buf := make([]byte, 1<<20)
		buf = buf[:runtime.Stack(buf, true)]
		var left []string
		for _, g := range strings.Split(string(buf), "\n\n") {
			if strings.Contains(g, "coordkit/coordkit/zk.") && !strings.Contains(g, "_test.go") &&
				!strings.Contains(g, "testing.tRunner") {
				left = append(left, g)
			}
		}
		if len(left) == 0 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d client goroutines left after Close:\n\n%s", len(left), strings.Join(left, "\n\n"))
		}
		time.Sleep(wait)
	}
}
