package zk_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/coordkit/coordkit/zk"
	"github.com/coordkit/coordkit/zk/zktest"
)

// coreGoroutines counts the session's own goroutines.
func coreGoroutines() int {
	n := 0
	for _, g := range zkGoroutines() {
		// The reader and writer are started by link.start, the session
		// goroutine by Dial (their own frames may be inlined away).
		if strings.Contains(g, "created by github.com/coordkit/coordkit/zk.(*link).start") ||
			strings.Contains(g, "created by github.com/coordkit/coordkit/zk.Dial") {
			n++
		}
	}
	return n
}

// noZKGoroutines polls briefly: a goroutine lingers for a few instructions
// after the WaitGroup.Done that Close waits for.
func noZKGoroutines() bool {
	for range 100 {
		if len(zkGoroutines()) == 0 {
			return true
		}
		time.Sleep(time.Millisecond)
	}
	return false
}

func TestCloseWaitsForItsGoroutines(t *testing.T) {
	servers.Each(t, testCloseWaitsForItsGoroutines)
}

func testCloseWaitsForItsGoroutines(t *testing.T, srv *zktest.Server) {
	require.True(t, noZKGoroutines())
	ctx := ctxFor(t)
	c, err := zk.Dial(ctx, []string{srv.Addr()})
	require.NoError(t, err)
	assert.Equal(t, 3, coreGoroutines(), "session, reader and writer")
	events := c.StateEvents(ctx)
	_, _, w, err := c.ExistsW(ctx, "/close-test")
	require.NoError(t, err)
	pw, err := c.AddWatch(ctx, "/close-test", zk.AddWatchPersistent)
	require.NoError(t, err)

	// Nobody reads events or pw: Close must still end the goroutines that
	// feed them, not leave them waiting for a receiver.
	require.NoError(t, c.Close())
	assert.True(t, noZKGoroutines(), "Close returned before its goroutines ended")
	require.NoError(t, c.Close())
	assert.ErrorIs(t, c.Err(), zk.ErrClosed)

	ev := <-w
	assert.Equal(t, zk.EventNotWatching, ev.Type)
	assert.ErrorIs(t, ev.Err, zk.ErrClosed)
	for range pw.Events() {
	}
	assert.ErrorIs(t, pw.Err(), zk.ErrClosed)
	for range events { // closed by Close; what was not taken is dropped
	}

	// The session is gone on the server: closeSession was answered.
	other := dial(t, srv.Addr())
	_, err = other.Create(context.Background(), "/close-test", nil, zk.ModePersistent)
	require.NoError(t, err)
	require.NoError(t, other.Delete(context.Background(), "/close-test", -1))
}
