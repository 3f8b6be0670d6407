package contend

import (
	"math"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestNewID(t *testing.T) {
	uuid := regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`)
	seen := make(map[string]bool)
	for range 100 {
		id, err := NewID()
		require.NoError(t, err)
		assert.Regexp(t, uuid, id)
		assert.False(t, seen[id], "repeated id %s", id)
		seen[id] = true
	}
	p, err := NewPrefix()
	require.NoError(t, err)
	assert.Regexp(t, `^_c_[-0-9a-f]{36}-$`, p)
}

func TestParse(t *testing.T) {
	for _, tc := range []struct {
		name   string
		ok     bool
		marker string
		seq    int32
	}{
		{"_c_6f1d0c3e-2b8a-4c1e-9f3a-0d5e7b9a1c2f-lock-0000000007", true, MarkerLock, 7},
		{"0123456789abcdef__lock__0000000012", true, MarkerKazooLock, 12},
		{"0123456789abcdef__rlock__2147483647", true, MarkerKazooRLock, math.MaxInt32},
		{"_c_6f1d0c3e-2b8a-4c1e-9f3a-0d5e7b9a1c2f-__READ__0000000001", true, MarkerRead, 1},
		{"_c_6f1d0c3e-2b8a-4c1e-9f3a-0d5e7b9a1c2f-__WRIT__0000000002", true, MarkerWrite, 2},
		{"_c_x-latch-0000000003", true, MarkerLatch, 3},
		// A wrapped counter, as Java's %010d writes it.
		{"_c_x-lock--2147483648", true, MarkerLock, math.MinInt32},
		{"_c_x-lock--000000001", true, MarkerLock, -1},
		// The last marker counts.
		{"a-lock-b__lock__0000000004", true, MarkerKazooLock, 4},
		// Not contenders.
		{"config", false, "", 0},
		{"_c_x-lock-", false, "", 0},
		{"_c_x-lock-7", false, "", 0},
		{"_c_x-lock-00000000007", false, "", 0},
		{"_c_x-lock-+000000007", false, "", 0},
		{"_c_x-lock-00000000a7", false, "", 0},
		{"_c_x-lock--0000000000001", false, "", 0},
		{"_c_x-lock-9999999999", false, "", 0}, // beyond 32 bits
		{"_c_x-lease-0000000001", false, "", 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, ok := Parse(tc.name, append(LockMarkers, MarkerLatch))
			require.Equal(t, tc.ok, ok)
			if ok {
				assert.Equal(t, Contender{Name: tc.name, Marker: tc.marker, Seq: tc.seq}, c)
			}
		})
	}
}

func TestOrder(t *testing.T) {
	names := func(kids []string) []string {
		var out []string
		for _, c := range Order(kids, LockMarkers) {
			out = append(out, c.Name)
		}
		return out
	}

	// Every lock marker takes part; other children are left out.
	assert.Equal(t,
		[]string{"k__lock__0000000002", "_c_d-__WRIT__0000000005", "_c_b-lock-0000000010"},
		names([]string{"_c_b-lock-0000000010", "config", "k__lock__0000000002", "_c_d-__WRIT__0000000005", "_c_e-latch-0000000001"}))
	assert.Empty(t, names([]string{"config", "_c_e-latch-0000000001"}))

	// Numbers, not strings: a wrapped (negative) number comes after the
	// ones just before the wrap.
	assert.Equal(t,
		[]string{"_c_y-lock-2147483646", "_c_w-lock-2147483647", "_c_x-lock--2147483648", "_c_z-lock--2147483647"},
		names([]string{"_c_z-lock--2147483647", "_c_y-lock-2147483646", "_c_x-lock--2147483648", "other", "_c_w-lock-2147483647"}))
	assert.Equal(t,
		[]string{"_c_a-lock--000000002", "_c_b-lock--000000001", "_c_c-lock-0000000000", "_c_d-lock-0000000001"},
		names([]string{"_c_d-lock-0000000001", "_c_c-lock-0000000000", "_c_b-lock--000000001", "_c_a-lock--000000002"}))

	assert.True(t, Before(math.MaxInt32, math.MinInt32), "a wrapped number comes after")
	assert.False(t, Before(math.MinInt32, math.MaxInt32))
	assert.True(t, Before(-1, 0))
	assert.True(t, Before(1, 2))
	assert.False(t, Before(2, 2))
}

func TestPredecessor(t *testing.T) {
	assert.Equal(t, -1, Predecessor(nil, 0))
	assert.Equal(t, 2, Predecessor(nil, 3))
}

func TestPolicyGrace(t *testing.T) {
	const T = 6 * time.Second
	assert.Equal(t, time.Duration(0), Policy{}.grace(T))
	assert.Equal(t, 500*time.Millisecond, Policy{Grace: 500 * time.Millisecond}.grace(T))
	assert.Equal(t, time.Second, Policy{Grace: time.Hour}.grace(T), "clamped to T/6")
	assert.Equal(t, time.Second, MaxGrace(T))
}

// FuzzParse checks Parse against its definition, written plainly: the
// last occurrence of any marker in the name counts, and what follows it
// must be a sequence number. Parse finds it from the end of the name
// instead of searching the whole name for every marker.
func FuzzParse(f *testing.F) {
	for _, s := range []string{
		"_c_6f1d0c3e-2b8a-4c1e-9f3a-0d5e7b9a1c2f-lock-0000000007", "a-lock-b__lock__0000000004",
		"_c_x-lock--2147483648", "_c_x-lock--000000001", "_c_x-lock-00000000a7", "x__rlock__0000000001",
		"-lock-0000000001-lock-", "__READ__-lock-0000000003", "-lock--lock-0000000009", "-latch-", "",
		"x-lock-0000000001__WRIT__", "x__lock__-000000001", "-lock-9999999999",
	} {
		f.Add(s)
	}
	markers := append(LockMarkers, MarkerLatch)
	f.Fuzz(func(t *testing.T, name string) {
		got, ok := Parse(name, markers)
		want, wantOK := parseByDefinition(name, markers)
		require.Equal(t, wantOK, ok, "%q", name)
		require.Equal(t, want, got, "%q", name)
	})
}

// parseByDefinition is Parse as its doc comment says it.
func parseByDefinition(name string, markers []string) (Contender, bool) {
	best := -1
	var marker string
	for _, m := range markers {
		if i := strings.LastIndex(name, m); i > best {
			best, marker = i, m
		}
	}
	if best < 0 {
		return Contender{}, false
	}
	s := name[best+len(marker):]
	if !regexp.MustCompile(`^(-?[0-9]{10}|-[0-9]{9})$`).MatchString(s) {
		return Contender{}, false
	}
	n, err := strconv.ParseInt(s, 10, 32)
	if err != nil {
		return Contender{}, false
	}
	return Contender{Name: name, Marker: marker, Seq: int32(n)}, true
}
