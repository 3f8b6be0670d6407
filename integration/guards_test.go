package integration

// Chroot and the client-side guards (request size, path rules), on every
// backend.

import (
	"bytes"
	"fmt"
	"strings"
	"testing"

	"github.com/coordkit/coordkit/zk"
	"github.com/coordkit/coordkit/zk/zktest"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestChroot(t *testing.T) {
	servers.Each(t, testChroot)
}

func testChroot(t *testing.T, srv *zktest.Server) {
	c := dial(t, []string{srv.Addr()})
	other := dial(t, []string{srv.Addr()}) // a second session, for changes and checks
	root := uniquePath(t)
	mustCreate(t, c, root, nil)
	cases := []struct {
		name string
		dial func(t *testing.T) *zk.Conn
	}{
		{name: "connect-string", dial: func(t *testing.T) *zk.Conn { return dial(t, []string{srv.Addr() + root}) }},
		{name: "option", dial: func(t *testing.T) *zk.Conn { return dial(t, []string{srv.Addr()}, zk.WithChroot(root)) }},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			ctx := ctxFor(t, opTimeout)
			ch := tc.dial(t)
			dir := "/" + tc.name // inside the chroot
			real := root + dir   // the same node, as the server knows it

			got, err := ch.Create(ctx, dir, []byte("d"), zk.ModePersistent)
			require.NoError(t, err)
			assert.Equal(t, dir, got)
			data, _, err := other.Get(ctx, real)
			require.NoError(t, err, "the node lives under the chroot")
			assert.Equal(t, "d", string(data))

			got, err = ch.Create(ctx, dir+"/s-", nil, zk.ModePersistentSequential)
			require.NoError(t, err)
			assert.Equal(t, dir+"/s-0000000000", got)
			got, _, err = ch.Create2(ctx, dir+"/e", nil, zk.ModeEphemeral)
			require.NoError(t, err)
			assert.Equal(t, dir+"/e", got)

			data, _, err = ch.Get(ctx, dir)
			require.NoError(t, err)
			assert.Equal(t, "d", string(data))
			names, _, err := ch.Children(ctx, dir)
			require.NoError(t, err)
			assert.ElementsMatch(t, []string{"s-0000000000", "e"}, names)
			names, _, err = ch.Children(ctx, "/")
			require.NoError(t, err)
			assert.Contains(t, names, tc.name, "/ is the chroot")
			synced, err := ch.Sync(ctx, dir)
			require.NoError(t, err)
			assert.Equal(t, dir, synced)
			eph, err := ch.Ephemerals(ctx, dir)
			require.NoError(t, err)
			assert.Equal(t, []string{dir + "/e"}, eph)

			res, err := ch.Multi(ctx, zk.CreateOp(dir+"/m", nil, zk.ModePersistent), zk.CheckOp(dir, 0))
			require.NoError(t, err)
			assert.Equal(t, dir+"/m", res[0].Path)

			// Events carry chroot-relative paths.
			_, _, existsCh, err := ch.ExistsW(ctx, dir+"/new")
			require.NoError(t, err)
			w := addWatch(t, ch, dir, zk.AddWatchPersistentRecursive)
			mustCreate(t, other, real+"/new", nil)
			requireEvent(t, existsCh, zk.EventNodeCreated, dir+"/new")
			requireEvent(t, w.Events(), zk.EventNodeCreated, dir+"/new")
			_, err = other.Set(ctx, real, []byte("e"), zk.AnyVersion)
			require.NoError(t, err)
			requireEvent(t, w.Events(), zk.EventNodeDataChanged, dir)
			require.NoError(t, w.Remove(ctx))

			// Errors name the path as the caller wrote it.
			_, _, err = ch.Get(ctx, dir+"/missing")
			require.ErrorIs(t, err, zk.ErrNoNode)
			assert.Equal(t, "get "+dir+"/missing: zk: node does not exist", err.Error())
		})
	}
}

func TestRequestTooLarge(t *testing.T) {
	servers.Each(t, testRequestTooLarge)
}

func testRequestTooLarge(t *testing.T, srv *zktest.Server) {
	c := dial(t, []string{srv.Addr()})
	other := dial(t, []string{srv.Addr()}) // a second session, for changes and checks
	ctx := ctxFor(t, opTimeout)
	p := uniquePath(t)
	mustCreate(t, c, p, []byte("small"))
	sid := c.SessionID()
	huge := make([]byte, 2<<20)
	atLimit := make([]byte, 1048575) // the data alone fills the frame

	before := c.Stats()
	_, err := c.Set(ctx, p, huge, zk.AnyVersion)
	require.ErrorIs(t, err, zk.ErrRequestTooLarge)
	var zerr *zk.Error
	require.ErrorAs(t, err, &zerr)
	assert.Equal(t, p, zerr.Path)
	_, err = c.Create(ctx, p+"/big", atLimit, zk.ModePersistent)
	assert.ErrorIs(t, err, zk.ErrRequestTooLarge)
	half := make([]byte, 600<<10)
	_, err = c.Multi(ctx, zk.SetOp(p, half, zk.AnyVersion), zk.CreateOp(p+"/big", half, zk.ModePersistent))
	assert.ErrorIs(t, err, zk.ErrRequestTooLarge, "a multi over the limit as a whole")
	after := c.Stats()
	assertNothingSent(t, before, after)

	// The connection is fine afterwards, and large requests under the
	// limit go through.
	data, _, err := c.Get(ctx, p)
	require.NoError(t, err)
	assert.Equal(t, "small", string(data))
	big := bytes.Repeat([]byte{0xab}, 1_000_000)
	_, err = c.Set(ctx, p, big, zk.AnyVersion)
	require.NoError(t, err)
	data, _, err = other.Get(ctx, p)
	require.NoError(t, err)
	assert.True(t, bytes.Equal(big, data), "1,000,000 bytes round trip")
	assert.Equal(t, sid, c.SessionID())
	assert.Equal(t, uint64(0), c.Stats().Reconnects-before.Reconnects, "no reconnect")

	t.Run("configured-limit", func(t *testing.T) {
		small := dial(t, []string{srv.Addr()}, zk.WithMaxRequestSize(1024))
		_, err := small.Set(ctx, p, make([]byte, 2000), zk.AnyVersion)
		assert.ErrorIs(t, err, zk.ErrRequestTooLarge)
		_, err = small.Set(ctx, p, make([]byte, 500), zk.AnyVersion)
		assert.NoError(t, err)
	})
}

func TestInvalidPath(t *testing.T) {
	servers.Each(t, testInvalidPath)
}

func testInvalidPath(t *testing.T, srv *zktest.Server) {
	c := dial(t, []string{srv.Addr()})
	ctx := ctxFor(t, opTimeout)
	paths := []string{
		"",
		"relative",
		"/trailing/",
		"//",
		"/a//b",
		"/a/./b",
		"/a/../b",
		"/.",
		"/nul\x00byte",
		"/ctl\x1fchar",
		"/del\x7f",
		"/c1\u0085control",
		"/private\ue000use",
		"/special\ufff0",
	}
	ops := []struct {
		name string
		call func(p string) error
	}{ // every op but multi is an *Error naming the path; multi names it in the message
		{"create", func(p string) error { _, err := c.Create(ctx, p, nil, zk.ModePersistent); return err }},
		{"delete", func(p string) error { return c.Delete(ctx, p, zk.AnyVersion) }},
		{"exists", func(p string) error { _, _, err := c.Exists(ctx, p); return err }},
		{"get", func(p string) error { _, _, err := c.Get(ctx, p); return err }},
		{"getw", func(p string) error { _, _, _, err := c.GetW(ctx, p); return err }},
		{"set", func(p string) error { _, err := c.Set(ctx, p, nil, zk.AnyVersion); return err }},
		{"children", func(p string) error { _, _, err := c.Children(ctx, p); return err }},
		{"getacl", func(p string) error { _, _, err := c.GetACL(ctx, p); return err }},
		{"sync", func(p string) error { _, err := c.Sync(ctx, p); return err }},
		{"addwatch", func(p string) error { _, err := c.AddWatch(ctx, p, zk.AddWatchPersistent); return err }},
		{"multi", func(p string) error { _, err := c.Multi(ctx, zk.CreateOp(p, nil, zk.ModePersistent)); return err }},
	}
	before := c.Stats()
	for _, p := range paths {
		for _, op := range ops {
			t.Run(fmt.Sprintf("%s/%q", op.name, p), func(t *testing.T) {
				err := op.call(p)
				require.ErrorIs(t, err, zk.ErrInvalidPath)
				var zerr *zk.Error
				require.ErrorAs(t, err, &zerr, "an operation error")
				if op.name != "multi" {
					assert.Equal(t, p, zerr.Path, "the error names the path")
				}
				assert.True(t, strings.Contains(err.Error(), p), "message %q names the path", err.Error())
			})
		}
	}
	after := c.Stats()
	assertNothingSent(t, before, after)
	_, _, err := c.Exists(ctx, "/")
	assert.NoError(t, err, "the connection is fine afterwards")
}
