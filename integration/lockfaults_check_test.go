package integration

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
)

// TestHistoryCheck checks the fault tests' judge on made-up histories:
// exclusive grants may not overlap anything, shared ones may overlap each
// other only, and tokens grow across every exclusive grant.
func TestHistoryCheck(t *testing.T) {
	t0 := time.Unix(1000, 0)
	at := func(ms int) time.Time { return t0.Add(time.Duration(ms) * time.Millisecond) }
	type g struct {
		contender     int
		token         int64
		shared        bool
		from, release int // ms
	}
	for _, tc := range []struct {
		name   string
		grants []g
		want   int    // grants each contender must have
		bad    string // a substring of the one violation expected; "" for none
		limit  int    // grants that may be held at once; 0 for no limit
		held   int    // the most grants held at once
	}{
		{"exclusive, one after the other", []g{{0, 1, false, 0, 10}, {1, 2, false, 11, 20}}, 1, "", 0, 1},
		{"exclusive, overlapping", []g{{0, 1, false, 0, 10}, {1, 2, false, 5, 20}}, 1, "grants overlap", 0, 1},
		{"exclusive, token going down", []g{{0, 2, false, 0, 10}, {1, 1, false, 11, 20}}, 1, "has token 1 after token 2", 0, 1},
		{"shared, overlapping, tokens in any order", []g{{0, 2, true, 0, 10}, {1, 1, true, 5, 20}}, 1, "", 0, 2},
		{"shared then exclusive, overlapping", []g{{0, 1, true, 0, 10}, {1, 2, false, 5, 20}}, 1, "grants overlap", 0, 1},
		{"exclusive then shared, overlapping", []g{{0, 1, false, 0, 10}, {1, 2, true, 5, 20}}, 1, "grants overlap", 0, 1},
		{"shared after exclusive, smaller token", []g{{0, 2, false, 0, 10}, {1, 1, true, 11, 20}}, 1, "has token 1 after token 2", 0, 1},
		{"a writer while an earlier reader holds, after a later one ended",
			[]g{{0, 1, true, 0, 50}, {1, 2, true, 10, 20}, {2, 3, false, 30, 40}}, 1, "grant 0 (contender 0, fault \"\") ended 20ms after grant 2", 0, 2},
		{"readers around a writer", []g{{0, 1, true, 0, 10}, {1, 2, true, 2, 10}, {0, 3, false, 11, 20}, {1, 4, true, 21, 30}}, 2, "", 0, 2},
		{"a contender short of grants", []g{{0, 1, false, 0, 10}, {0, 2, false, 11, 20}, {1, 3, false, 21, 30}}, 2, "contender 1 was granted 1 times, want 2", 0, 1},
		{"three leases of two", []g{{0, 1, true, 0, 10}, {1, 2, true, 2, 10}, {2, 3, true, 5, 20}}, 1, "3 grants held at once, limit 2", 2, 3},
		{"leases within the limit", []g{{0, 1, true, 0, 10}, {1, 2, true, 2, 10}, {0, 3, true, 11, 20}, {1, 4, true, 12, 20}}, 2, "", 2, 2},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := &history{}
			contenders := 0
			for _, x := range tc.grants {
				rec := h.grant(x.contender, x.token, "n", x.shared, at(x.from), at(x.from))
				h.releasing(rec, at(x.release))
				contenders = max(contenders, x.contender+1)
			}
			bad, held := h.check(contenders, tc.want, tc.limit)
			assert.Equal(t, tc.held, held, "grants held at once")
			if tc.bad == "" {
				assert.Empty(t, bad)
				return
			}
			if assert.Len(t, bad, 1, "%q", bad) {
				assert.Contains(t, bad[0], tc.bad)
			}
		})
	}
}

// TestHistoryHandovers tests which hand-overs the judge times: graceful
// ones (released, not lost) between grants without the fault, outside the
// fault's span.
func TestHistoryHandovers(t *testing.T) {
	t0 := time.Unix(1000, 0)
	at := func(ms int) time.Time { return t0.Add(time.Duration(ms) * time.Millisecond) }
	h := &history{}
	add := func(contender, from, release int) *grantRecord {
		g := h.grant(contender, int64(from), "n", false, at(0), at(from))
		h.releasing(g, at(release))
		return g
	}
	add(0, 0, 10)  // -> 15: 5 ms
	add(1, 15, 30) // -> 32: 2 ms
	add(2, 32, 40) // -> 100, lost first: not timed
	h.lost(h.grants[2], at(35), nil)
	v := add(0, 100, 110) // carries the fault: neither side timed
	h.faulted(v, "blackhole", false)
	add(1, 500, 510) // -> 520 overlaps the span below: not timed
	add(2, 520, 530) // -> 700: inside the span
	add(0, 700, 710) // -> 713: 3 ms
	add(1, 713, 720) // -> 800: 80 ms, but asked at 750, after the release
	g := h.grant(2, 800, "n", false, at(750), at(800))
	h.releasing(g, at(810))
	h.faultFrom, h.faultTo = at(515), at(600)
	assert.Equal(t, []time.Duration{5 * time.Millisecond, 2 * time.Millisecond, 3 * time.Millisecond}, h.handovers())
}
