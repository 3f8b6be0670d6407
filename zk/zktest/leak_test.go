package zktest

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
)

// parkedInLeakTest says it started, then blocks until release is closed;
// its frame names this package, so LeakedGoroutines must report it while it
// runs.
//
//go:noinline
func parkedInLeakTest(started chan<- struct{}, release <-chan struct{}) {
	close(started)
	<-release
}

func TestLeakedGoroutines(t *testing.T) {
	started, release := make(chan struct{}), make(chan struct{})
	go parkedInLeakTest(started, release)
	<-started
	leaked := LeakedGoroutines(100*time.Millisecond, "zktest.parkedInLeakTest")
	assert.Contains(t, leaked, "parkedInLeakTest", "a goroutine still running is reported")

	close(release)
	assert.Empty(t, LeakedGoroutines(5*time.Second, "zktest.parkedInLeakTest"),
		"once it ends, nothing is reported")
	assert.Empty(t, LeakedGoroutines(time.Second, "zktest.LeakedGoroutines"),
		"the calling goroutine is not counted")
}
