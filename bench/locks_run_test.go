package bench

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestLockWorkloads runs every lock benchmark body, for both clients on
// both servers, a hundred acquisitions, with the same checks as the
// benchmarks.
func TestLockWorkloads(t *testing.T) {
	const n = 100
	ctx := t.Context()
	for _, srv := range lockServers(t) {
		for _, wl := range lockWorkloads {
			for _, v := range lockVariants(t, wl, srv) {
				t.Run(wl.name+"/on="+srv.name+"/client="+v.name, func(t *testing.T) {
					m := &meter{lat: make([]time.Duration, n)}
					require.NoError(t, v.run(ctx, wl, n, m))
					assert.Positive(t, m.elapsed)
					for i, d := range m.lat {
						require.Positive(t, d, "latency %d", i)
					}
				})
			}
		}
	}
}

// noMutex is a broken lock: it never waits.
type noMutex struct{}

func (noMutex) lock(context.Context) error   { return nil }
func (noMutex) unlock(context.Context) error { return nil }

// TestLockCheckerCatchesOverlap makes sure the exclusion checker fails a
// lock that lets contenders overlap, and passes one that does not.
func TestLockCheckerCatchesOverlap(t *testing.T) {
	ctx := t.Context()
	mus := make([]mutex, 8)
	for i := range mus {
		mus[i] = noMutex{}
	}
	var x exclusion
	err := lockContended(ctx, mus, 10000, nil, &x)
	if err == nil {
		err = x.done(10000)
	}
	assert.ErrorContains(t, err, "mutual exclusion violated")

	var y exclusion
	require.NoError(t, lockUncontended(ctx, mus[:1], 1000, nil, &y))
	require.NoError(t, y.done(1000))
}
