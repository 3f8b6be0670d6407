package integration

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/coordkit/coordkit/zk"
	"github.com/coordkit/coordkit/zk/zktest"
)

// TestNoEventLostAcrossMove streams writes while the member a watching
// session is on is killed, and checks what ZooKeeper guarantees across the
// move:
//
//   - a one-shot watch re-armed after every event never misses a wake-up:
//     the watcher always ends up reading the final state, although the
//     watch it held at the kill was set on the dead member, so only its
//     re-registration (setWatches with the last zxid seen) can wake it;
//   - what a watcher reads after each event is newer than what it read
//     before (versions and child counts strictly increase): events come
//     in zxid order and never replay an old change;
//   - a persistent-recursive watch sees events in order, everything while
//     connected, and, once re-registered, the changes after the move (it
//     gets no catch-up for changes made while disconnected, §11.6).
func TestNoEventLostAcrossMove(t *testing.T) {
	const (
		n       = 200   // writes of each kind
		killAt  = n / 3 // writes done when the member dies
		timeout = 3 * time.Minute
	)
	e := ensemble(t)
	ctx := ctxFor(t, timeout)
	victim := roleMember(t, e, false)
	victimAddr := e.Member(victim).Addr()
	restoreMember(t, e, victim)

	base := uniquePath(t)
	x, r := base+"/x", base+"/r"
	writer := dial(t, others(e, victim))
	mustCreate(t, writer, base, nil)
	mustCreate(t, writer, x, []byte("0"))
	mustCreate(t, writer, r, nil)

	watched := dialPinned(t, e.Servers(), victimAddr)
	stateCh := states(t, watched)
	_, err := watched.Sync(ctx, base)
	require.NoError(t, err)
	w := addWatch(t, watched, base, zk.AddWatchPersistentRecursive)

	// The watchers: one re-arms a data watch on x, one a child watch on r.
	// They report how far they have read, and end with the final state.
	wctx, cancelWatchers := context.WithTimeout(ctx, timeout)
	defer cancelWatchers()
	var dataSeen, kidsSeen atomic.Int64
	dataSeen.Store(-1)
	kidsSeen.Store(-1)
	dataDone := make(chan watchLoopResult, 1)
	kidsDone := make(chan watchLoopResult, 1)
	go func() {
		dataDone <- rearmLoop(wctx, func(ctx context.Context) (int64, int64, <-chan zk.Event, error) {
			data, st, ch, err := watched.GetW(ctx, x)
			if err != nil {
				return 0, 0, nil, err
			}
			v, perr := strconv.ParseInt(string(data), 10, 64)
			if perr != nil {
				return 0, 0, nil, fmt.Errorf("data of %s: %w", x, perr)
			}
			return v, int64(st.Version), ch, nil
		}, &dataSeen, n, zk.EventNodeDataChanged)
	}()
	go func() {
		kidsDone <- rearmLoop(wctx, func(ctx context.Context) (int64, int64, <-chan zk.Event, error) {
			kids, st, ch, err := watched.ChildrenW(ctx, r)
			if err != nil {
				return 0, 0, nil, err
			}
			if int(st.NumChildren) != len(kids) {
				return 0, 0, nil, fmt.Errorf("%s: %d names, stat says %d children", r, len(kids), st.NumChildren)
			}
			return int64(len(kids)), int64(st.Cversion), ch, nil
		}, &kidsSeen, n, zk.EventNodeChildrenChanged)
	}()

	// The writer: n setData on x ("1" … "n") and n creates under r, from a
	// session on the other members, pausing once at killAt until the
	// member is dead.
	reached := make(chan struct{})
	resume := make(chan struct{})
	writerDone := make(chan error, 1)
	var written atomic.Int64
	go func() {
		writerDone <- func() error {
			for i := 1; i <= n; i++ {
				if i == killAt+1 {
					close(reached)
					select {
					case <-resume:
					case <-ctx.Done():
						return ctx.Err()
					}
				}
				if err := set(ctx, writer, x, []byte(strconv.Itoa(i))); err != nil {
					return fmt.Errorf("set %s #%d: %w", x, i, err)
				}
				if err := create(ctx, writer, fmt.Sprintf("%s/c-%04d", r, i), nil); err != nil {
					return fmt.Errorf("create #%d: %w", i, err)
				}
				written.Store(int64(i))
			}
			return nil
		}()
	}()

	// Kill the member once both watchers hold a watch on the latest state:
	// the only way for them to be woken again is through the watches set
	// on the dead member, re-registered on the next one.
	select {
	case <-reached:
	case err := <-writerDone:
		require.FailNow(t, "writer ended early", "%v", err)
	case <-ctx.Done():
		require.FailNow(t, "writer did not reach the kill point")
	}
	zktest.Eventually(t, func() bool {
		return dataSeen.Load() == killAt && kidsSeen.Load() == killAt
	}, eventTimeout, "watchers to read write #%d", killAt)
	e.Member(victim).Kill()
	close(resume)

	ev := nextState(t, stateCh, eventTimeout)
	require.Equal(t, zk.EventDisconnected, ev.Type, "%+v", ev)
	ev = nextState(t, stateCh, startTimeout)
	require.Equal(t, zk.EventReconnected, ev.Type, "%+v", ev)
	require.NotEqual(t, victimAddr, watched.Server())

	select {
	case err := <-writerDone:
		require.NoError(t, err)
	case <-ctx.Done():
		require.FailNow(t, "writer did not finish", "%d writes done", written.Load())
	}

	// Every watcher reads the final state.
	watchers := []struct {
		name string
		done chan watchLoopResult
		seen *atomic.Int64
	}{
		{"data watcher", dataDone, &dataSeen},
		{"child watcher", kidsDone, &kidsSeen},
	}
	for _, wr := range watchers {
		select {
		case res := <-wr.done:
			require.NoError(t, res.err, "%s (wake-ups %d, last read %+v)", wr.name, res.wakeups, res.last)
			assert.Equal(t, int64(n), res.last.value, "%s reads the final state", wr.name)
			t.Logf("%s: %d wake-ups, read %+v … %+v", wr.name, res.wakeups, res.first, res.last)
		case <-ctx.Done():
			require.FailNow(t, "a wake-up was lost", "%s never read the final state: stuck at %d of %d",
				wr.name, wr.seen.Load(), n)
		}
	}

	// The persistent watch is re-registered: a change made after the move
	// (and after a round trip on the new connection) reaches it.
	_, err = watched.Sync(ctx, base)
	require.NoError(t, err)
	require.NoError(t, create(ctx, writer, base+"/done", nil))
	events := collectUntil(t, w.Events(), base+"/done")
	assertPersistentStream(t, events, r, killAt)
	assert.NoError(t, w.Err())
	requireAlive(t, watched, stateCh)
}

// watchLoopResult is what a re-arming watcher ended with.
type watchLoopResult struct {
	first, last observed
	wakeups     int
	err         error
}

// observed is one read: the value the test cares about and the version
// that must strictly increase from read to read.
type observed struct{ value, version int64 }

// rearmLoop reads with a one-shot watch, waits for its event, and reads
// again, until it reads a value of at least final. It checks that every
// event is of type want and that every read after an event sees a newer
// version than the read before. Reads that fail with a lost connection are
// repeated (they are reads). It never fails the test itself: it returns
// what went wrong, and stores each value read in seen.
func rearmLoop(ctx context.Context, read func(ctx context.Context) (value, version int64, ch <-chan zk.Event, err error),
	seen *atomic.Int64, final int64, want zk.EventType) watchLoopResult {
	var res watchLoopResult
	for reads := 0; ; reads++ {
		var (
			o  observed
			ch <-chan zk.Event
		)
		err := retry(ctx, func(ctx context.Context) error {
			var err error
			o.value, o.version, ch, err = read(ctx)
			return err
		})
		if err != nil {
			res.err = err
			return res
		}
		if reads == 0 {
			res.first = o
		} else if o.version <= res.last.version {
			res.err = fmt.Errorf("after wake-up %d read version %d, not newer than %d: an event out of order or replayed",
				res.wakeups, o.version, res.last.version)
			return res
		}
		res.last = o
		seen.Store(o.value)
		if o.value >= final {
			return res
		}
		select {
		case ev, ok := <-ch:
			switch {
			case !ok:
				res.err = errors.New("watch channel closed without an event")
				return res
			case ev.Err != nil:
				res.err = fmt.Errorf("watch ended: %w", ev.Err)
				return res
			case ev.Type != want:
				res.err = fmt.Errorf("event %+v, want %v", ev, want)
				return res
			}
			res.wakeups++
		case <-ctx.Done():
			res.err = fmt.Errorf("no event after reading %+v: %w", o, ctx.Err())
			return res
		}
	}
}

// collectUntil receives persistent-watch events until a NodeCreated event
// for last, failing the test if it does not come.
func collectUntil(t *testing.T, ch <-chan zk.Event, last string) []zk.Event {
	t.Helper()
	var events []zk.Event
	for {
		ev := nextEvent(t, ch, "persistent watch, waiting for "+last)
		require.NoError(t, ev.Err)
		events = append(events, ev)
		if ev.Type == zk.EventNodeCreated && ev.Path == last {
			return events
		}
	}
}

// assertPersistentStream checks the NodeCreated events for r's children
// (named c-0001 … c-n): strictly increasing, and every one of the first
// killAt (written while the session was connected) present. Later ones
// may be missing: those made while the session was disconnected.
func assertPersistentStream(t *testing.T, events []zk.Event, r string, killAt int) {
	t.Helper()
	var created []int
	for _, ev := range events {
		name, ok := strings.CutPrefix(ev.Path, r+"/c-")
		if !ok || ev.Type != zk.EventNodeCreated {
			continue
		}
		i, err := strconv.Atoi(name)
		require.NoError(t, err, "event %+v", ev)
		created = append(created, i)
	}
	for j := 1; j < len(created); j++ {
		if !assert.Greater(t, created[j], created[j-1], "creates in order, no duplicates") {
			break
		}
	}
	require.GreaterOrEqual(t, len(created), killAt, "created events")
	for j := range killAt {
		if !assert.Equal(t, j+1, created[j], "every create before the kill was seen") {
			break
		}
	}
	t.Logf("persistent watch: %d events, %d creates (the others fell in the disconnection)", len(events), len(created))
}
