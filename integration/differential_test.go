package integration

import (
	"context"
	"flag"
	"fmt"
	"maps"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/coordkit/coordkit/zk/zktest"
	"github.com/coordkit/coordkit/zkserver"
)

// Flags of TestDifferential (go test ./integration/ -run TestDifferential -diff.seed=7 ...).
var (
	diffSeed    = flag.Uint64("diff.seed", 0, "TestDifferential: run only this seed (0: seeds 1 to -diff.seeds)")
	diffSeeds   = flag.Int("diff.seeds", 20, "TestDifferential: how many seeds to run")
	diffOps     = flag.Int("diff.ops", 500, "TestDifferential: random ops per seed")
	diffZxids   = flag.Bool("diff.zxids", false, "TestDifferential: also compare zxids (Stat zxids and reply zxids, relative to the root's czxid), which the acceptance criterion leaves out")
	diffTrace   = flag.Bool("diff.trace", false, "TestDifferential: log every op and its result")
	diffSubject = flag.String("diff.subject", "embedded",
		`TestDifferential: what is compared with Apache ZooKeeper: "embedded" (zkserver), or "zookeeper" (a second Apache ZooKeeper, which checks the test itself)`)
)

// diffHistory is how many of the ops before a difference its report lists.
const diffHistory = 20

// diffOpTimeout bounds one op on one backend, barrier included.
const diffOpTimeout = time.Minute

// TestDifferential applies seeded random op sequences to Apache ZooKeeper
// and to the embedded server in lockstep — each op on both, results
// compared at once — and fails a seed at its first op whose results
// differ, naming the seed, the op and the command that replays it:
//
//	go test -race -run 'TestDifferential/seed=7$' ./integration/ -diff.seed=7 -diff.ops=123 -diff.trace -v
//
// Each seed works under its own root (/diff-<seed>) on one pair of
// servers shared by all seeds. The operator A (a zk.Conn, digest alice)
// creates in every mode, deletes and sets with right, wrong and any
// versions, runs multis that fail midway, reads in every way and now and
// then closes its session so its ephemeral nodes go; the watcher B (a
// raw session, digest bob: differential_raw_test.go) holds one-shot,
// persistent and recursive watches, re-arms them, writes too, sends what
// the zk client never sends, and re-attaches with setWatches. After each op
// B syncs, so every event an op fired is compared with that op.
//
// Compared: error codes (each op's in a multi), data (null and empty
// apart), paths, sorted child lists, ACLs, Stats without zxids and times
// with the ephemeral owner as a role, counts, sessions' negotiated
// timeouts, and B's events in arrival order (differential_outcome_test.go).
func TestDifferential(t *testing.T) {
	addrs, names := diffServers(t)
	seeds := []uint64{*diffSeed}
	if *diffSeed == 0 {
		seeds = seeds[:0]
		for s := range *diffSeeds {
			seeds = append(seeds, uint64(s+1))
		}
	}
	var stats diffStats
	start := time.Now()
	for _, seed := range seeds {
		t.Run(fmt.Sprintf("seed=%d", seed), func(t *testing.T) {
			runDiffSeed(t, seed, *diffOps, addrs, names, &stats)
		})
	}
	t.Logf("%d seeds × %d random ops in %v: %s vs %s, %s", len(seeds), *diffOps,
		time.Since(start).Round(time.Millisecond), names[0], names[1], stats.summary())
}

// diffServers starts the two servers compared: Apache ZooKeeper first,
// and the subject. Containers are checked hourly on both, so that no
// container or TTL node is reaped while a sequence runs.
func diffServers(t *testing.T) ([2]string, [2]string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), startTimeout)
	defer cancel()
	startReal := func() string {
		z, err := zktest.Start(ctx, zktest.WithContainerCheckInterval(time.Hour))
		require.NoError(t, err, "start Apache ZooKeeper")
		t.Cleanup(z.Close)
		return z.Addr()
	}
	ref := startReal()
	switch *diffSubject {
	case "embedded":
		s := zktest.Run(t, zkserver.WithContainerCheckInterval(time.Hour))
		return [2]string{ref, s.Addr()}, [2]string{"zookeeper", "embedded"}
	case "zookeeper":
		return [2]string{ref, startReal()}, [2]string{"zookeeper", "zookeeper-2"}
	}
	require.FailNow(t, "bad -diff.subject", "%q: want embedded or zookeeper", *diffSubject)
	return [2]string{}, [2]string{}
}

// runDiffSeed runs one sequence: setup ops, n random ops, a final dump.
func runDiffSeed(t *testing.T, seed uint64, n int, addrs, names [2]string, stats *diffStats) {
	root := fmt.Sprintf("/diff-%d", seed)
	g := newDiffGen(seed, root)
	var bs [2]*diffBackend
	for i := range bs {
		bs[i] = &diffBackend{name: names[i], addr: addrs[i]}
	}
	errs := onBoth(func(i int) error {
		ctx, cancel := context.WithTimeout(t.Context(), opTimeout)
		defer cancel()
		return bs[i].open(ctx, root)
	})
	t.Cleanup(func() {
		for _, b := range bs {
			b.close()
		}
	})
	require.NoError(t, errs, "open the sessions")

	setup := g.setup()
	total := len(setup) + n + 1
	var history []string
	for i := range total {
		var op diffOp
		switch {
		case i < len(setup):
			op = setup[i]
		case i < total-1:
			op = g.next()
		default:
			op = g.finish()
		}
		var outs [2]outcome
		err := onBoth(func(k int) error {
			ctx, cancel := context.WithTimeout(t.Context(), diffOpTimeout)
			defer cancel()
			var err error
			outs[k], err = bs[k].run(ctx, op)
			return err
		})
		where := func() string {
			return fmt.Sprintf("seed %d, op %d of %d (%v)\nreplay: %s", seed, i, total, op, replayCommand(seed, replayOps(i, len(setup), n)))
		}
		if err != nil {
			t.Fatalf("%s\nthe run broke: %v\nlast ops:\n%s", where(), err, strings.Join(history, "\n"))
		}
		if d, differ := diffOutcomes(names, outs[0], outs[1]); differ {
			t.Fatalf("DIFFERENCE at %s\nop: %v\n%slast ops before it:\n%s", where(), op, d, strings.Join(history, "\n"))
		}
		if *diffTrace {
			t.Logf("%4d %v\n%s", i, op, indent(outs[0].lines()))
		}
		stats.add(op, outs[0])
		g.observe(op, outs[0])
		history = append(history, fmt.Sprintf("  %4d %v → %s", i, op, summary(outs[0])))
		if len(history) > diffHistory {
			history = history[1:]
		}
	}
}

// replayOps is the -diff.ops value that replays a sequence up to op i.
func replayOps(i, setup, n int) int {
	return min(max(i-setup+1, 0), n)
}

// replayCommand is the command that runs seed with ops random ops and the
// other flags of this run.
func replayCommand(seed uint64, ops int) string {
	cmd := fmt.Sprintf("go test -race -run 'TestDifferential/seed=%d$' ./integration/ -diff.seed=%d -diff.ops=%d -diff.subject=%s",
		seed, seed, ops, *diffSubject)
	if *diffZxids {
		cmd += " -diff.zxids"
	}
	return cmd + " -diff.trace -v"
}

// onBoth runs f for backends 0 and 1 at once and returns their errors.
func onBoth(f func(i int) error) error {
	var errs [2]error
	var wg sync.WaitGroup
	for i := range 2 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[i] = f(i)
		}()
	}
	wg.Wait()
	if errs[0] != nil {
		return errs[0]
	}
	return errs[1]
}

func indent(lines []string) string {
	return "       " + strings.Join(lines, "\n       ")
}

// summary is a one-line digest of an outcome for the replay log.
func summary(o outcome) string {
	l := o.lines()
	if o.Note == "" && len(l) > 3 {
		l = append(l[:3], "…")
	}
	return strings.Join(l, "; ")
}

// diffStats counts what the sequences exercised, to show that ops collide
// and watches fire. Seeds run one after the other, so it needs no lock.
type diffStats struct {
	ops    int
	codes  map[string]int
	events int
}

func (s *diffStats) add(op diffOp, o outcome) {
	if s.codes == nil {
		s.codes = map[string]int{}
	}
	s.ops++
	s.events += len(o.Events)
	count := func(code string) {
		if code == "" {
			code = "ok"
		}
		if i := strings.Index(code, " at op "); i >= 0 {
			code = code[:i]
		}
		s.codes[code]++
	}
	count(o.Err)
	if op.Kind == aMulti || op.Kind == bMulti || op.Kind == aMultiRead {
		for _, sub := range o.Subs {
			count(sub.Err)
		}
	}
}

func (s *diffStats) summary() string {
	var parts []string
	for _, k := range slices.Sorted(maps.Keys(s.codes)) {
		parts = append(parts, fmt.Sprintf("%s ×%d", k, s.codes[k]))
	}
	return fmt.Sprintf("%d ops compared, %d watch events compared; results: %s", s.ops, s.events, strings.Join(parts, ", "))
}
