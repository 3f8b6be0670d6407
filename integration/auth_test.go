package integration

// whoAmI, digest authentication and ACLs, on every backend.

import (
	"testing"

	"github.com/coordkit/coordkit/zk"
	"github.com/coordkit/coordkit/zk/zktest"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestWhoAmI(t *testing.T) {
	servers.Each(t, testWhoAmI)
}

func testWhoAmI(t *testing.T, srv *zktest.Server) {
	c := dial(t, []string{srv.Addr()})
	ctx := ctxFor(t, opTimeout)
	ids, err := c.WhoAmI(ctx)
	require.NoError(t, err)
	assert.Contains(t, ids, zk.ClientInfo{Scheme: "ip", User: "127.0.0.1"})

	bob := dial(t, []string{srv.Addr()}, zk.WithDigestAuth("bob", "secret"))
	ids, err = bob.WhoAmI(ctx)
	require.NoError(t, err)
	assert.Contains(t, ids, zk.ClientInfo{Scheme: "digest", User: "bob"})
	assert.Contains(t, ids, zk.ClientInfo{Scheme: "ip", User: "127.0.0.1"})
}

func TestDigestAuth(t *testing.T) {
	servers.Each(t, testDigestAuth)
}

func testDigestAuth(t *testing.T, srv *zktest.Server) {
	c := dial(t, []string{srv.Addr()})
	acl := zk.DigestACL(zk.PermAll, "bob", "secret")
	t.Run("acl-id", func(t *testing.T) {
		assert.Equal(t, zk.ACL{Perms: zk.PermAll, Scheme: "digest", ID: bobDigest}, acl)
	})

	// A node only bob may read.
	ctx := ctxFor(t, opTimeout)
	p := uniquePath(t)
	bob := dial(t, []string{srv.Addr()}, zk.WithDigestAuth("bob", "secret"))
	_, err := bob.Create(ctx, p, []byte("bob's"), zk.ModePersistent, zk.WithACL([]zk.ACL{acl}))
	require.NoError(t, err)

	t.Run("dial-option", func(t *testing.T) {
		got, _, err := bob.GetACL(ctx, p)
		require.NoError(t, err)
		assert.Equal(t, []zk.ACL{acl}, got)
		data, _, err := bob.Get(ctx, p)
		require.NoError(t, err)
		assert.Equal(t, "bob's", string(data))
	})

	t.Run("no-auth", func(t *testing.T) {
		anon := dial(t, []string{srv.Addr()})
		_, _, err := anon.Get(ctx, p)
		require.ErrorIs(t, err, zk.ErrNoAuth, "readable only by bob")
		var zerr *zk.Error
		require.ErrorAs(t, err, &zerr)
		assert.Equal(t, p, zerr.Path)
		_, ok, err := anon.Exists(ctx, p)
		require.NoError(t, err, "exists needs no permission")
		assert.True(t, ok)

		mallory := dial(t, []string{srv.Addr()}, zk.WithDigestAuth("bob", "wrong"))
		_, _, err = mallory.Get(ctx, p)
		assert.ErrorIs(t, err, zk.ErrNoAuth, "wrong password")
	})

	t.Run("add-auth", func(t *testing.T) {
		anon := dial(t, []string{srv.Addr()})
		_, _, err := anon.Get(ctx, p)
		require.ErrorIs(t, err, zk.ErrNoAuth)
		require.NoError(t, anon.AddAuth(ctx, "digest", []byte("bob:secret")))
		data, _, err := anon.Get(ctx, p)
		require.NoError(t, err, "readable after AddAuth")
		assert.Equal(t, "bob's", string(data))
		ids, err := anon.WhoAmI(ctx)
		require.NoError(t, err)
		assert.Contains(t, ids, zk.ClientInfo{Scheme: "digest", User: "bob"})
		assert.Equal(t, uint64(0), anon.Stats().Reconnects, "AddAuth kept the connection")
	})

	t.Run("auth-scheme", func(t *testing.T) {
		// The "auth" scheme stands for every identity of the caller.
		q := uniquePath(t)
		_, err := bob.Create(ctx, q, nil, zk.ModePersistent, zk.WithACL(zk.CreatorAllACL))
		require.NoError(t, err)
		got, _, err := bob.GetACL(ctx, q)
		require.NoError(t, err)
		assert.Equal(t, []zk.ACL{acl}, got)
		_, err = c.Create(ctx, uniquePath(t), nil, zk.ModePersistent, zk.WithACL(zk.CreatorAllACL))
		assert.ErrorIs(t, err, zk.ErrInvalidACL, "auth scheme without an identity")
	})
}
