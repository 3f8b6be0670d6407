package zk_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/coordkit/coordkit/zk"
	"github.com/coordkit/coordkit/zk/zktest"
)

func TestSmoke(t *testing.T) {
	servers.Each(t, testSmoke)
}

func testSmoke(t *testing.T, srv *zktest.Server) {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	c, err := zk.Dial(ctx, []string{srv.Addr()}, zk.WithSessionTimeout(4*time.Second))
	require.NoError(t, err)
	defer c.Close()
	p, err := c.Create(ctx, "/smoke", []byte("hi"), zk.ModePersistent)
	require.NoError(t, err)
	assert.Equal(t, "/smoke", p)
	d, st, err := c.Get(ctx, "/smoke")
	require.NoError(t, err)
	assert.Equal(t, "hi", string(d))
	assert.Equal(t, int32(2), st.DataLength)
	_, err = c.Create(ctx, "/smoke", nil, zk.ModePersistent)
	assert.ErrorIs(t, err, zk.ErrNodeExists)
	assert.EqualError(t, err, "create /smoke: zk: node already exists")
	require.NoError(t, c.Delete(ctx, "/smoke", -1))
}
