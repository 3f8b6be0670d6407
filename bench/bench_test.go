package bench

import (
	"context"
	"slices"
	"testing"
	"time"
)

// variant is one client, in one form (sync or async), in a sub-benchmark
// named client=<name>.
type variant struct {
	name  string
	sync  client      // set for the sync form
	async asyncClient // set for the async form
}

// variants returns the variants that can run wl: go-zookeeper, coordkit,
// and coordkit's async form if wl has one; coordkit first if reversed.
func variants(wl workload, reversed bool) []variant {
	vs := []variant{
		{name: "gozk", sync: env.gozk},
		{name: "coordkit", sync: env.coordkit},
	}
	if wl.async != nil {
		vs = append(vs, variant{name: "coordkit-async", async: env.coordkit})
	}
	if reversed {
		slices.Reverse(vs)
	}
	return vs
}

func (v variant) client() client {
	if v.async != nil {
		return v.async
	}
	return v.sync
}

// run does n operations of wl with v, timed by m (nil: untimed).
func (v variant) run(ctx context.Context, wl workload, n int, m *meter) error {
	if v.async != nil {
		return wl.async(ctx, v.async, n, m)
	}
	return wl.sync(ctx, v.sync, n, m)
}

// benchmark runs wl for every variant, as sub-benchmarks client=<name>,
// -rounds times, reversing the order of the clients every other round.
// The testing package names the repeats client=<name>#01, #02...; run.sh
// removes the suffix so that benchstat sees -rounds results per client.
func benchmark(b *testing.B, wl workload) {
	for r := range *rounds {
		for _, v := range variants(wl, *reverse != (r%2 == 1)) {
			benchmarkVariant(b, wl, v)
		}
	}
}

func benchmarkVariant(b *testing.B, wl workload, v variant) {
	b.Run("client="+v.name, func(b *testing.B) {
		ctx := context.Background()
		b.ReportAllocs()
		if err := v.run(ctx, wl, *warmupOps, nil); err != nil {
			b.Fatalf("warm-up: %v", err)
		}
		m := &meter{b: b, io: v.client().ioCounts()}
		m.lat = make([]time.Duration, b.N)
		if err := v.run(ctx, wl, b.N, m); err != nil {
			b.Fatal(err)
		}
		if wl.check != nil {
			if err := wl.check(ctx, v.client()); err != nil {
				b.Fatal(err)
			}
		}
		m.report(b.N)
	})
}

func workloadNamed(name string) workload {
	for _, wl := range workloads {
		if wl.name == name {
			return wl
		}
	}
	panic("bench: no workload " + name)
}

// BenchmarkGet64: getData of 128-byte nodes, 64 in flight.
func BenchmarkGet64(b *testing.B) { benchmark(b, workloadNamed("Get64")) }

// BenchmarkGetSeq: getData of a 128-byte node, one at a time.
func BenchmarkGetSeq(b *testing.B) { benchmark(b, workloadNamed("GetSeq")) }

// BenchmarkSetSeq: setData of 128 bytes, one at a time: with GetSeq, the
// latencies of a write and of a read that bound the lock benchmarks.
func BenchmarkSetSeq(b *testing.B) { benchmark(b, workloadNamed("SetSeq")) }

// BenchmarkSet64: setData of 128 bytes, 64 in flight.
func BenchmarkSet64(b *testing.B) { benchmark(b, workloadNamed("Set64")) }

// BenchmarkCreateDelete64: create then delete of a new 128-byte node, 64
// in flight; one op is both requests.
func BenchmarkCreateDelete64(b *testing.B) { benchmark(b, workloadNamed("CreateDelete64")) }
