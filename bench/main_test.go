package bench

import (
	"context"
	"flag"
	"fmt"
	"os"
	"testing"
	"time"

	"github.com/coordkit/coordkit/zk/zktest"
)

var (
	reverse = flag.Bool("reverse", false,
		"run coordkit's sub-benchmarks before go-zookeeper's (run.sh alternates it between rounds)")
	rounds = flag.Int("rounds", 1,
		"run every benchmark's clients this many times, interleaved, alternating which goes first")
	warmupOps = flag.Int("warmup", 2000,
		"untimed operations, in the measured shape, before every timed run")
	countIO = flag.Bool("countio", true,
		"count each client's Read and Write calls on its connection (reads/op, writes/op)")
	serverWarmup = flag.Duration("serverwarmup", 5*time.Second,
		"how long to warm the server (its JIT) with both clients before the benchmarks")
)

// sessionTimeout is asked for by both clients.
const sessionTimeout = 10 * time.Second

// env is what TestMain sets up for every test and benchmark.
var env struct {
	addr     string
	gozk     *gozkClient
	coordkit *coordkitClient
}

// TestMain starts one standalone Apache ZooKeeper on a free loopback port,
// dials one session per client, makes the nodes, and warms the server when
// benchmarks run.
func TestMain(m *testing.M) {
	flag.Parse()
	code := run(m)
	stopServers()
	os.Exit(code)
}

func run(m *testing.M) int {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	srv, err := zktest.Start(ctx,
		// The helpers' defaults favour quick tests (C1 only); a benchmark
		// wants the server's steady state, with the full JIT. Writes are
		// not fsynced (zktest's default), so that the disk of a shared
		// machine does not decide the write benchmarks.
		zktest.WithJVMFlags("-XX:TieredStopAtLevel=4", "-Xms512m", "-Xmx512m"),
	)
	if err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		return 1
	}
	defer srv.Close()
	env.addr = srv.Addr()

	var gozkIO, coordkitIO *ioCounts
	if *countIO {
		gozkIO, coordkitIO = new(ioCounts), new(ioCounts)
	}
	if env.gozk, err = dialGozk(ctx, env.addr, sessionTimeout, gozkIO); err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		return 1
	}
	defer env.gozk.close()
	if env.coordkit, err = dialCoordkit(ctx, env.addr, sessionTimeout, coordkitIO); err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		return 1
	}
	defer env.coordkit.close()

	if err := prepare(ctx, env.gozk); err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		return 1
	}
	if benchmarking() {
		if err := warmServer(ctx, *serverWarmup); err != nil {
			fmt.Fprintln(os.Stderr, "bench: warm-up:", err)
			return 1
		}
	}
	return m.Run()
}

// benchmarking reports whether -test.bench selects benchmarks.
func benchmarking() bool {
	f := flag.Lookup("test.bench")
	return f != nil && f.Value.String() != ""
}

// warmServer runs every workload through every variant, in turns, for d,
// so that the server's JIT has compiled its hot paths before the first
// measurement, whichever client comes first.
func warmServer(ctx context.Context, d time.Duration) error {
	deadline := time.Now().Add(d)
	for time.Now().Before(deadline) {
		for _, wl := range workloads {
			for _, v := range variants(wl, false) {
				if err := v.run(ctx, wl, 1000, nil); err != nil {
					return fmt.Errorf("%s/client=%s: %w", wl.name, v.name, err)
				}
			}
		}
	}
	return nil
}
