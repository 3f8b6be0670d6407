package zk_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/coordkit/coordkit/zk"
	"github.com/coordkit/coordkit/zk/zktest"
)

// dial connects to addr for the test; t.Cleanup closes the Conn.
func dial(t *testing.T, addr string, opts ...zk.Option) *zk.Conn {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	opts = append([]zk.Option{zk.WithSessionTimeout(4 * time.Second)}, opts...)
	c, err := zk.Dial(ctx, []string{addr}, opts...)
	require.NoError(t, err)
	t.Cleanup(func() { _ = c.Close() })
	return c
}

// ctxFor returns a context bounded for one test.
func ctxFor(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	t.Cleanup(cancel)
	return ctx
}

// root creates a fresh node named after the test through c, a session on
// srv, and returns its path; t.Cleanup deletes it from srv with everything
// under it.
func root(t *testing.T, srv *zktest.Server, c *zk.Conn) string {
	t.Helper()
	ctx := ctxFor(t)
	p := "/" + strings.NewReplacer("/", "_", " ", "_").Replace(t.Name())
	deleteAll(ctx, c, p)
	_, err := c.Create(ctx, p, nil, zk.ModePersistent)
	require.NoError(t, err)
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		cl, err := zk.Dial(ctx, []string{srv.Addr()})
		if err != nil {
			return
		}
		defer cl.Close()
		deleteAll(ctx, cl, p)
	})
	return p
}

func deleteAll(ctx context.Context, c *zk.Conn, p string) {
	children, _, err := c.Children(ctx, p)
	if errors.Is(err, zk.ErrNoNode) {
		return
	}
	for _, ch := range children {
		deleteAll(ctx, c, p+"/"+ch)
	}
	_ = c.Delete(ctx, p, zk.AnyVersion)
}

// next receives one value from ch, failing the test after 10 s.
func next[T any](t *testing.T, ch <-chan T) T {
	t.Helper()
	select {
	case v, ok := <-ch:
		require.True(t, ok, "channel closed")
		return v
	case <-time.After(10 * time.Second):
		t.Fatal("timed out waiting on a channel")
		var zero T
		return zero
	}
}
