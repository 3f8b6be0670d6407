package store

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestMemoryLoadIsEmpty(t *testing.T) {
	m := NewMemory()
	defer m.Close()
	st, err := m.Load()
	require.NoError(t, err)
	assert.Equal(t, State{}, st)
	assert.Zero(t, m.Durable())
	assert.NoError(t, m.Err())
}

func TestMemoryAppendIsDurableAtOnce(t *testing.T) {
	m := NewMemory()
	defer m.Close()
	for z := int64(1); z <= 3; z++ {
		m.Append(Batch{Zxid: z, Nodes: []KV{{Key: "/a", Value: []byte("x")}}})
		assert.Equal(t, z, m.Durable())
		assert.NoError(t, m.Wait(testCtx(t), z))
	}
	canceled, cancel := context.WithCancel(context.Background())
	cancel()
	assert.NoError(t, m.Wait(canceled, 2), "an already durable zxid needs no live ctx")
}

func TestMemoryWaitWakesOnAppend(t *testing.T) {
	m := NewMemory()
	defer m.Close()
	m.Append(Batch{Zxid: 4})
	short, cancel := context.WithTimeout(context.Background(), 10*time.Millisecond)
	defer cancel()
	assert.ErrorIs(t, m.Wait(short, 5), context.DeadlineExceeded, "zxid 5 was not appended")

	done := make(chan error, 1)
	go func() { done <- m.Wait(testCtx(t), 5) }()
	m.Append(Batch{Zxid: 5})
	assert.NoError(t, <-done)
}

func TestMemoryWaitEnds(t *testing.T) {
	t.Run("ctx", func(t *testing.T) {
		m := NewMemory()
		defer m.Close()
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Millisecond)
		defer cancel()
		assert.ErrorIs(t, m.Wait(ctx, 1), context.DeadlineExceeded)
	})
	t.Run("close", func(t *testing.T) {
		m := NewMemory()
		m.Append(Batch{Zxid: 1})
		done := make(chan error, 1)
		go func() { done <- m.Wait(testCtx(t), 2) }()
		require.NoError(t, m.Close())
		assert.ErrorIs(t, <-done, ErrClosed)
		assert.NoError(t, m.Wait(testCtx(t), 1), "zxid 1 stays durable after Close")
		assert.NoError(t, m.Close(), "Close is idempotent")
		m.Append(Batch{Zxid: 2})
		assert.Equal(t, int64(1), m.Durable(), "Append after Close is dropped")
		assert.NoError(t, m.Err())
	})
}
