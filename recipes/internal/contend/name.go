package contend

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"math"
	"slices"
	"strings"
)

// Markers that precede the sequence suffix of contender nodes.
const (
	// MarkerLock ends the name of Curator's InterProcessMutex nodes
	// ("_c_<uuid>-lock-<seq>") and of coordkit's lock.Mutex.
	MarkerLock = "-lock-"
	// MarkerKazooLock ends the name of kazoo's Lock and WriteLock nodes
	// ("<uuid>__lock__<seq>").
	MarkerKazooLock = "__lock__"
	// MarkerKazooRLock ends the name of kazoo's ReadLock nodes.
	MarkerKazooRLock = "__rlock__"
	// MarkerRead ends the name of the read side of Curator's
	// InterProcessReadWriteLock ("_c_<uuid>-__READ__<seq>").
	MarkerRead = "__READ__"
	// MarkerWrite ends the name of its write side.
	MarkerWrite = "__WRIT__"
	// MarkerLatch ends the name of Curator's LeaderLatch nodes
	// ("_c_<uuid>-latch-<seq>").
	MarkerLatch = "-latch-"
)

// LockMarkers are the markers of every kind of lock node, shared or
// exclusive, of coordkit, Curator and kazoo: an exclusive lock waits for all
// of them.
var LockMarkers = []string{MarkerLock, MarkerKazooLock, MarkerKazooRLock, MarkerRead, MarkerWrite}

// ProtectedPrefix starts every protected node name (Curator's
// ProtectedUtils.PROTECTED_PREFIX).
const ProtectedPrefix = "_c_"

// NewID returns a random (version 4) UUID in its canonical form,
// "xxxxxxxx-xxxx-4xxx-yxxx-xxxxxxxxxxxx", read from crypto/rand.
func NewID() (string, error) {
	var b [16]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", fmt.Errorf("random node id: %w", err)
	}
	b[6] = b[6]&0x0f | 0x40 // version 4
	b[8] = b[8]&0x3f | 0x80 // RFC 4122 variant
	var s [36]byte
	hex.Encode(s[0:8], b[0:4])
	s[8] = '-'
	hex.Encode(s[9:13], b[4:6])
	s[13] = '-'
	hex.Encode(s[14:18], b[6:8])
	s[18] = '-'
	hex.Encode(s[19:23], b[8:10])
	s[23] = '-'
	hex.Encode(s[24:36], b[10:16])
	return string(s[:]), nil
}

// NewPrefix returns a new protected prefix, "_c_<uuid>-", unique to one
// attempt to join a contest.
func NewPrefix() (string, error) {
	id, err := NewID()
	if err != nil {
		return "", err
	}
	return ProtectedPrefix + id + "-", nil
}

// Contender is a child of a contest directory that takes part in the
// contest.
type Contender struct {
	Name   string // the child's name
	Marker string // the marker its sequence number follows
	Seq    int32  // its sequence number
}

// Parse reports whether name ends in one of markers followed by a sequence
// number as ZooKeeper writes it (Java's "%010d" of a 32-bit counter: ten
// digits, or a minus sign and nine or ten digits once the counter has
// wrapped), and returns it as a Contender. When several markers occur, the
// last one counts.
func Parse(name string, markers []string) (Contender, bool) {
	// The marker that counts is the last one, and the sequence number must
	// follow it to the end of the name: find the last marker just before a
	// sequence-shaped suffix, then make sure no marker starts after it.
	best, marker, seq := -1, "", int32(0)
	for _, n := range [...]int{10, 11} {
		if len(name) < n {
			break
		}
		s, ok := parseSeq(name[len(name)-n:])
		if !ok {
			continue
		}
		rest := name[:len(name)-n]
		for _, m := range markers {
			if at := len(rest) - len(m); at > best && strings.HasSuffix(rest, m) {
				best, marker, seq = at, m, s
			}
		}
	}
	if best < 0 {
		return Contender{}, false
	}
	for _, m := range markers {
		if strings.Contains(name[best+1:], m) {
			return Contender{}, false
		}
	}
	return Contender{Name: name, Marker: marker, Seq: seq}, true
}

// parseSeq parses a sequence suffix in ZooKeeper's format.
func parseSeq(s string) (int32, bool) {
	digits, neg := s, false
	if strings.HasPrefix(s, "-") {
		digits, neg = s[1:], true
		if len(s) != 10 && len(s) != 11 {
			return 0, false
		}
	} else if len(s) != 10 {
		return 0, false
	}
	var n int64
	for i := 0; i < len(digits); i++ {
		d := digits[i]
		if d < '0' || d > '9' {
			return 0, false
		}
		n = n*10 + int64(d-'0')
	}
	if neg {
		n = -n
	}
	if n < math.MinInt32 || n > math.MaxInt32 {
		return 0, false
	}
	return int32(n), true
}

// Before reports whether sequence number a was handed out before b, in
// serial-number arithmetic on the server's 32-bit counter: a wrapped
// (negative) number comes after the positive ones just before the wrap. It
// is exact while the contenders alive at once span fewer than 2³¹ numbers.
func Before(a, b int32) bool {
	return int32(uint32(a)-uint32(b)) < 0
}

// Order returns the children that parse with markers (Parse), sorted by
// sequence number (Before), ties broken by name. Other children are left
// out.
func Order(children []string, markers []string) []Contender {
	out := make([]Contender, 0, len(children))
	for _, name := range children {
		if c, ok := Parse(name, markers); ok {
			out = append(out, c)
		}
	}
	slices.SortStableFunc(out, func(a, b Contender) int {
		switch {
		case Before(a.Seq, b.Seq):
			return -1
		case Before(b.Seq, a.Seq):
			return 1
		}
		return strings.Compare(a.Name, b.Name)
	})
	return out
}

// Rule picks, among the ordered contenders, the one that the contender at
// index own must wait for, or returns −1 if own may proceed (it holds).
type Rule func(ordered []Contender, own int) int

// Predecessor is the Rule of an exclusive lock: wait for the contender just
// before, proceed when first.
func Predecessor(_ []Contender, own int) int { return own - 1 }

// SharedMarkers are the markers of shared lock nodes, the readers of
// Curator's InterProcessReadWriteLock and of kazoo's ReadLock: a shared
// contender waits only for the others, the exclusive ones.
var SharedMarkers = []string{MarkerRead, MarkerKazooRLock}

// Shared is the Rule of the read side of a read/write lock: wait for the
// last exclusive contender (one whose marker is not in SharedMarkers)
// before own, proceed when there is none. Waiting for the last one rather
// than the first wakes the reader once in the common case: the last
// exclusive contender goes only after the ones before it.
func Shared(ordered []Contender, own int) int {
	for i := own - 1; i >= 0; i-- {
		if !slices.Contains(SharedMarkers, ordered[i].Marker) {
			return i
		}
	}
	return -1
}
