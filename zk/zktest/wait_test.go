package zktest

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestWaitUntil(t *testing.T) {
	calls := 0
	require.NoError(t, WaitUntil(t.Context(), func() bool { calls++; return calls == 3 }))
	assert.Equal(t, 3, calls)

	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Millisecond)
	defer cancel()
	err := WaitUntil(ctx, func() bool { return false })
	require.ErrorIs(t, err, context.DeadlineExceeded)

	abort := make(chan struct{})
	close(abort)
	require.ErrorIs(t, poll(t.Context(), abort, func() bool { return false }), errAborted)
}

// fatalTB records Fatalf instead of ending the test.
type fatalTB struct {
	testing.TB
	msg string
}

func (f *fatalTB) Helper() {}

func (f *fatalTB) Fatalf(format string, args ...any) { f.msg = fmt.Sprintf(format, args...) }

func TestEventually(t *testing.T) {
	ok := &fatalTB{TB: t}
	n := 0
	Eventually(ok, func() bool { n++; return n > 1 }, time.Second)
	assert.Empty(t, ok.msg)

	bad := &fatalTB{TB: t}
	Eventually(bad, func() bool { return false }, 20*time.Millisecond, "leader %d elected", 2)
	assert.Contains(t, bad.msg, "not met within 20ms: leader 2 elected")
}
