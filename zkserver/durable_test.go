package zkserver

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/coordkit/coordkit/internal/wire"
	"github.com/coordkit/coordkit/zkserver/internal/store"
)

// gatedStore makes a zxid durable only when the test releases it.
type gatedStore struct {
	mu       sync.Mutex // guards the fields below
	appended []store.Batch
	durable  int64
	changed  chan struct{} // closed and replaced when durable moves
}

func newGatedStore() *gatedStore { return &gatedStore{changed: make(chan struct{})} }

func (g *gatedStore) Load() (store.State, error) { return store.State{}, nil }

func (g *gatedStore) Append(b store.Batch) {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.appended = append(g.appended, b)
}

func (g *gatedStore) Durable() int64 {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.durable
}

func (g *gatedStore) Wait(ctx context.Context, zxid int64) error {
	for {
		g.mu.Lock()
		d, ch := g.durable, g.changed
		g.mu.Unlock()
		if d >= zxid {
			return nil
		}
		select {
		case <-ch:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

func (g *gatedStore) Err() error   { return nil }
func (g *gatedStore) Close() error { return nil }

// release makes everything up to zxid durable.
func (g *gatedStore) release(zxid int64) {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.durable = max(g.durable, zxid)
	close(g.changed)
	g.changed = make(chan struct{})
}

func (g *gatedStore) batches() []store.Batch {
	g.mu.Lock()
	defer g.mu.Unlock()
	return append([]store.Batch(nil), g.appended...)
}

// silent asserts that nothing arrives on c for a while.
func silent(t *testing.T, c *rawClient) {
	t.Helper()
	require.NoError(t, c.nc.SetReadDeadline(time.Now().Add(50*time.Millisecond)))
	_, err := c.fr.Next()
	require.Error(t, err, "nothing may be sent before it is durable")
}

func TestRepliesWaitForDurability(t *testing.T) {
	g := newGatedStore()
	s := startServer(t, withStore(g))
	c := dialRaw(t, s.Addr())
	c.write(connectFrame(newSessionRequest(10_000)))
	silent(t, c)
	g.release(1)
	require.NotZero(t, c.connectResponse().SessionID)

	reader := dialRaw(t, s.Addr())
	reader.write(connectFrame(newSessionRequest(10_000)))
	g.release(2)
	reader.connectResponse()

	c.send(1, wire.OpCreate, createReq("/d", []byte("v"), 0))
	eventually(t, func() bool { return s.LastZxid() == 3 }, "create processed")
	// A read that sees the create waits for it too.
	reader.send(1, wire.OpGetData, &wire.PathWatchRequest{Path: "/d"})
	silent(t, c)
	silent(t, reader)
	g.release(3)
	h, _ := c.reply()
	assert.Equal(t, wire.ReplyHeader{Xid: 1, Zxid: 3}, h)
	h, _ = reader.reply()
	assert.Equal(t, wire.ReplyHeader{Xid: 1, Zxid: 3}, h)

	// Every batch covers the zxids up to it, with the session records.
	bs := g.batches()
	require.NotEmpty(t, bs)
	assert.Equal(t, int64(3), bs[len(bs)-1].Zxid)
	var sessions int
	for i, b := range bs {
		if i > 0 {
			assert.Greater(t, b.Zxid, bs[i-1].Zxid, "zxids increase")
		}
		sessions += len(b.Sessions)
	}
	assert.Equal(t, 2, sessions, "one record per new session")
}
