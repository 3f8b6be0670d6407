package bench

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestWorkloads runs every benchmark body, for every client, a few hundred
// operations against the real server, with the same checks as the
// benchmarks, so that go test ./... proves the benchmarks work.
func TestWorkloads(t *testing.T) {
	const n = 300
	ctx := t.Context()
	for _, wl := range workloads {
		for _, v := range variants(wl, false) {
			t.Run(wl.name+"/client="+v.name, func(t *testing.T) {
				m := &meter{lat: make([]time.Duration, n)}
				require.NoError(t, v.run(ctx, wl, n, m))
				if wl.check != nil {
					require.NoError(t, wl.check(ctx, v.client()))
				}
				assert.Positive(t, m.elapsed)
				assert.GreaterOrEqual(t, m.cpu, time.Duration(0))
				for i, d := range m.lat {
					require.Positive(t, d, "latency %d", i)
				}
			})
		}
	}
}

// TestChecksCatchWrongData makes sure the reads fail when the server's data
// is not what they expect: each variant reads node 0 in its first operation
// (GetSeq reads only node 0; the async Get64 reads node i%64).
func TestChecksCatchWrongData(t *testing.T) {
	ctx := t.Context()
	orig := append([]byte(nil), getData[0]...)
	require.NoError(t, env.gozk.set(ctx, getPaths[0], []byte("wrong")))
	t.Cleanup(func() { require.NoError(t, env.gozk.set(context.Background(), getPaths[0], orig)) })
	for _, v := range variants(workloadNamed("Get64"), false) {
		t.Run(v.name, func(t *testing.T) {
			wl := workloadNamed("GetSeq")
			if v.async != nil {
				wl = workloadNamed("Get64")
			}
			err := v.run(ctx, wl, inFlight, nil)
			assert.ErrorContains(t, err, getPaths[0])
		})
	}
}

// fakeWaiter completes at once with its error.
type fakeWaiter struct{ err *error }

func (w fakeWaiter) wait(context.Context) ([]byte, error) { return nil, *w.err }

func TestPipeline(t *testing.T) {
	for _, tc := range []struct {
		name     string
		n, depth int
		failAt   int // -1: never
	}{
		{"empty", 0, 4, -1},
		{"fewer than depth", 3, 4, -1},
		{"exactly depth", 4, 4, -1},
		{"many", 100, 4, -1},
		{"depth one", 10, 1, -1},
		{"error early", 100, 4, 1},
		{"error late", 100, 4, 90},
		{"error after the last issue", 100, 4, 98},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var issued, completed []int
			inflight, maxInflight := 0, 0
			boom := errors.New("boom")
			err := pipeline(tc.n, tc.depth, nil,
				func(i int) waiter {
					issued = append(issued, i)
					inflight++
					maxInflight = max(maxInflight, inflight)
					var e error
					if i == tc.failAt {
						e = boom
					}
					return fakeWaiter{&e}
				},
				func(i int, w waiter) error {
					completed = append(completed, i)
					inflight--
					_, err := w.wait(context.Background())
					return err
				})
			assert.Equal(t, issued, completed, "every issued op completed, in order")
			assert.LessOrEqual(t, maxInflight, tc.depth)
			if tc.failAt < 0 {
				require.NoError(t, err)
				assert.Len(t, issued, tc.n)
			} else {
				require.ErrorIs(t, err, boom)
				// Op failAt is completed when failAt+depth are issued;
				// no more are issued after it.
				assert.Len(t, issued, min(tc.n, tc.failAt+tc.depth))
			}
		})
	}
}

func TestParallel(t *testing.T) {
	seen := make([]int, 1000)
	workers := make(map[int]bool)
	ch := make(chan int, 1000)
	require.NoError(t, parallel(1000, 8, nil, func(w, i int) error {
		seen[i]++
		ch <- w
		return nil
	}))
	close(ch)
	for w := range ch {
		workers[w] = true
	}
	for i, c := range seen {
		require.Equal(t, 1, c, "op %d", i)
	}
	assert.LessOrEqual(t, len(workers), 8)

	boom := errors.New("boom")
	err := parallel(1000, 8, nil, func(_, i int) error {
		if i == 10 {
			return boom
		}
		return nil
	})
	assert.ErrorIs(t, err, boom)
}

func TestPercentile(t *testing.T) {
	d := make([]time.Duration, 100)
	for i := range d {
		d[i] = time.Duration(i + 1)
	}
	assert.Equal(t, time.Duration(50), percentile(d, 0.50))
	assert.Equal(t, time.Duration(99), percentile(d, 0.99))
	assert.Equal(t, time.Duration(100), percentile(d, 1))
	assert.Equal(t, time.Duration(1), percentile(d[:1], 0.99))
	assert.Equal(t, time.Duration(0), percentile(nil, 0.5))
}
