package bench

import (
	"context"
	"fmt"
	"os"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/coordkit/coordkit/zk/zktest"
	"github.com/coordkit/coordkit/zkserver"
)

// The server benchmarks compare two servers with one client, coordkit's:
// the embedded server (zkserver, bbolt, fsync before every reply) and a
// standalone Apache ZooKeeper 3.8 that fsyncs its transaction log
// (forceSync=yes, ZooKeeper's default), both with their data on the same
// file system. Sub-benchmarks are named server=<name>; cmd/benchratio
// reports embedded/zookeeper.

// target is one server under test, with a coordkit session on it.
type target struct {
	name   string
	client *coordkitClient
}

// servers are started on first use (only when a Server benchmark or test
// runs) and stopped by TestMain through stopServers, as is the lock
// benchmarks' embedded server (stop is every server's and session's).
var servers struct {
	once    sync.Once
	err     error
	targets []target
	stop    []func()
}

// serverTargets starts both servers, dials a session on each and makes
// the workloads' nodes, once per process.
func serverTargets(tb testing.TB) []target {
	servers.once.Do(func() { servers.err = startServers() })
	if servers.err != nil {
		tb.Fatal("bench:", servers.err)
	}
	return servers.targets
}

func startServers() error {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	zoo, err := zktest.Start(ctx,
		zktest.WithJVMFlags("-XX:TieredStopAtLevel=4", "-Xms512m", "-Xmx512m"),
		zktest.WithConfig("forceSync", "yes"))
	if err != nil {
		return err
	}
	servers.stop = append(servers.stop, zoo.Close)

	dir, err := os.MkdirTemp("", "coordkit-bench-embedded-")
	if err != nil {
		return err
	}
	servers.stop = append(servers.stop, func() { os.RemoveAll(dir) })
	emb, err := zkserver.New(zkserver.WithDataDir(dir))
	if err != nil {
		return fmt.Errorf("embedded server: %w", err)
	}
	if err := emb.Start(); err != nil {
		emb.Close()
		return fmt.Errorf("embedded server: %w", err)
	}
	servers.stop = append(servers.stop, func() { emb.Close() })

	for _, s := range []struct{ name, addr string }{
		{"zookeeper", zoo.Addr()},
		{"embedded", emb.Addr()},
	} {
		c, err := dialCoordkit(ctx, s.addr, sessionTimeout, nil)
		if err != nil {
			return fmt.Errorf("%s: %w", s.name, err)
		}
		servers.stop = append(servers.stop, func() { c.close() })
		if err := prepare(ctx, c); err != nil {
			return fmt.Errorf("%s: %w", s.name, err)
		}
		servers.targets = append(servers.targets, target{name: s.name, client: c})
	}
	if benchmarking() {
		if err := warmServers(ctx, *serverWarmup); err != nil {
			return fmt.Errorf("warm-up: %w", err)
		}
	}
	return nil
}

// stopServers ends the sessions and stops the servers, newest first.
func stopServers() {
	for _, stop := range slices.Backward(servers.stop) {
		stop()
	}
}

// serverWorkloads are the workloads the server benchmarks run, each in
// the client form that loads the server most: one goroutine keeping 64
// requests in flight where the workload has that form.
var serverWorkloads = []string{"Get64", "Set64", "CreateDelete64"}

// runOn does n operations of wl on t's server, timed by m (nil: untimed).
func (t target) runOn(ctx context.Context, wl workload, n int, m *meter) error {
	if wl.async != nil {
		return wl.async(ctx, t.client, n, m)
	}
	return wl.sync(ctx, t.client, n, m)
}

// warmServers runs every server workload on both servers, in turns, for d,
// so that ZooKeeper's JIT has compiled its hot paths.
func warmServers(ctx context.Context, d time.Duration) error {
	deadline := time.Now().Add(d)
	for time.Now().Before(deadline) {
		for _, name := range serverWorkloads {
			for _, t := range servers.targets {
				if err := t.runOn(ctx, workloadNamed(name), 500, nil); err != nil {
					return fmt.Errorf("%s/server=%s: %w", name, t.name, err)
				}
			}
		}
	}
	return nil
}

// benchmarkServers runs wl on each server as sub-benchmarks server=<name>,
// -rounds times, alternating which server goes first.
func benchmarkServers(b *testing.B, name string) {
	wl := workloadNamed(name)
	targets := serverTargets(b)
	for r := range *rounds {
		order := slices.Clone(targets)
		if *reverse != (r%2 == 1) {
			slices.Reverse(order)
		}
		for _, t := range order {
			b.Run("server="+t.name, func(b *testing.B) {
				ctx := context.Background()
				b.ReportAllocs()
				if err := t.runOn(ctx, wl, *warmupOps, nil); err != nil {
					b.Fatalf("warm-up: %v", err)
				}
				m := &meter{b: b, lat: make([]time.Duration, b.N)}
				if err := t.runOn(ctx, wl, b.N, m); err != nil {
					b.Fatal(err)
				}
				if wl.check != nil {
					if err := wl.check(ctx, t.client); err != nil {
						b.Fatal(err)
					}
				}
				m.report(b.N)
			})
		}
	}
}

// BenchmarkServerGet64: getData of 128-byte nodes, 64 in flight, on each
// server.
func BenchmarkServerGet64(b *testing.B) { benchmarkServers(b, "Get64") }

// BenchmarkServerSet64: durable setData of 128 bytes, 64 in flight, on each
// server.
func BenchmarkServerSet64(b *testing.B) { benchmarkServers(b, "Set64") }

// BenchmarkServerCreateDelete64: durable create then delete of a 128-byte
// node, 64 in flight, on each server.
func BenchmarkServerCreateDelete64(b *testing.B) { benchmarkServers(b, "CreateDelete64") }

// TestServerWorkloads runs each server workload briefly on both servers and
// checks the results, as the client workloads' test does.
func TestServerWorkloads(t *testing.T) {
	ctx := t.Context()
	const n = 300
	for _, name := range serverWorkloads {
		wl := workloadNamed(name)
		for _, tg := range serverTargets(t) {
			t.Run(name+"/server="+tg.name, func(t *testing.T) {
				m := &meter{lat: make([]time.Duration, n)}
				require.NoError(t, tg.runOn(ctx, wl, n, m))
				if wl.check != nil {
					require.NoError(t, wl.check(ctx, tg.client))
				}
				assert.Positive(t, m.elapsed)
			})
		}
	}
}
