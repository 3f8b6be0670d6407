package zk

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
)

func TestReplyRateFallsFastRisesSlowly(t *testing.T) {
	var r replyRate
	r.sample(100 * time.Microsecond)
	assert.Equal(t, int64(100*time.Microsecond), r.perOp.Load())
	r.sample(20 * time.Microsecond) // halfway down at once
	assert.Equal(t, int64(60*time.Microsecond), r.perOp.Load())
	r.sample(220 * time.Microsecond) // a sixteenth of the way up
	assert.Equal(t, int64(70*time.Microsecond), r.perOp.Load())
}

func TestBacklogPause(t *testing.T) {
	c := &Conn{}
	l := &link{c: c}
	assert.Zero(t, l.backlogPause(), "nothing measured")
	l.rate.perOp.Store(int64(100 * time.Microsecond))
	for range corkMinPending - 1 {
		l.pending.push(&call{})
	}
	assert.Zero(t, l.backlogPause(), "shallow backlog")
	l.pending.push(&call{})
	assert.Equal(t, 400*time.Microsecond, l.backlogPause())
	assert.Equal(t, 400*time.Microsecond, l.writePause())
	for range 4 {
		l.wq = append(l.wq, &call{})
	}
	assert.Zero(t, l.writePause(), "enough queued for one write")
	for range 100 {
		l.pending.push(&call{})
	}
	assert.Equal(t, corkMaxDelay, l.backlogPause())
}
