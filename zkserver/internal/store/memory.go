package store

import "context"

// memoryStore keeps nothing: a batch is durable once it is appended.
type memoryStore struct {
	progress progress
}

// NewMemory returns a store that keeps nothing: Load returns an empty
// state, Append makes its batch durable at once (Durable is the last
// appended zxid) and Wait returns as soon as its zxid has been appended.
// Err is always nil.
func NewMemory() Store { return &memoryStore{} }

func (m *memoryStore) Load() (State, error) { return State{}, nil }

func (m *memoryStore) Append(b Batch) { m.progress.advance(b.Zxid) }

func (m *memoryStore) Durable() int64 { return m.progress.durable.Load() }

func (m *memoryStore) Wait(ctx context.Context, zxid int64) error {
	return m.progress.wait(ctx, zxid)
}

func (m *memoryStore) Err() error { return nil }

func (m *memoryStore) Close() error {
	m.progress.close()
	return nil
}
