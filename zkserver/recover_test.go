package zkserver

import (
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/coordkit/coordkit/internal/wire"
	"github.com/coordkit/coordkit/zkserver/internal/store"
)

// newDataServer starts a server on dir with its own fake clock; the test
// closes it.
func newDataServer(t *testing.T, dir string) (*Server, *FakeClock) {
	t.Helper()
	clk := NewFakeClock(fakeStart)
	s, err := New(WithDataDir(dir), WithClock(clk), WithTickTime(time.Second))
	require.NoError(t, err)
	require.NoError(t, s.Start())
	return s, clk
}

func TestRestartRecovers(t *testing.T) {
	dir := t.TempDir()
	s1, _ := newDataServer(t, dir)
	c := dialRaw(t, s1.Addr())
	resp := c.session(4000)
	h, _ := c.call(1, wire.OpCreate, createReq("/a", []byte("x"), 0))
	require.Equal(t, wire.ErrOK, h.Err)
	h, _ = c.call(2, wire.OpCreate, createReq("/e", []byte("eph"), wire.FlagEphemeral))
	require.Equal(t, wire.ErrOK, h.Err)
	h, _ = c.call(3, wire.OpCreate, createReq("/a", nil, 0))
	require.Equal(t, wire.ErrNodeExists, h.Err)
	last := s1.LastZxid()
	require.Equal(t, int64(4), last)
	require.NoError(t, s1.Close())
	c.expectClosed()

	s2, clk := newDataServer(t, dir)
	defer func() { require.NoError(t, s2.Close()) }()
	assert.Equal(t, last, s2.LastZxid(), "failed writes' zxids are kept too")
	n, ok := s2.Node("/a")
	require.True(t, ok)
	assert.Equal(t, "x", string(n.Data))
	assert.Equal(t, int64(2), n.Czxid)
	e, ok := s2.Node("/e")
	require.True(t, ok)
	assert.Equal(t, resp.SessionID, e.Owner)
	assert.Equal(t, []Session{{ID: resp.SessionID, Timeout: 4000}}, s2.Sessions(), "live, detached")

	// The session may re-attach within its timeout, counted from the
	// restart...
	advance(t, clk, 3*time.Second)
	again := dialRaw(t, s2.Addr())
	got := again.connect(wire.ConnectRequest{LastZxidSeen: last, TimeOut: 4000, SessionID: resp.SessionID, Passwd: resp.Passwd, HasReadOnly: true})
	require.Equal(t, resp.SessionID, got.SessionID)
	assert.Equal(t, last, again.ping())
	fresh := sessionClient(t, s2)
	assert.Equal(t, last+1, fresh.ping(), "new sessions continue the zxids")
	require.NoError(t, again.nc.Close())

	// ...and then expires like any session, its ephemerals with it.
	eventually(t, func() bool {
		clk.Advance(time.Second)
		_, ok := s2.Node("/e")
		return !ok
	}, "the ephemeral node goes after the timeout")
	for _, sess := range s2.Sessions() {
		assert.NotEqual(t, resp.SessionID, sess.ID, "expired")
	}
	zxid := s2.LastZxid()
	require.NoError(t, s2.Close())

	s3, _ := newDataServer(t, dir)
	defer func() { require.NoError(t, s3.Close()) }()
	assert.Equal(t, zxid, s3.LastZxid())
	_, ok = s3.Node("/e")
	assert.False(t, ok, "the expiry is durable")
	for _, sess := range s3.Sessions() {
		assert.NotEqual(t, resp.SessionID, sess.ID)
	}
}

func TestRestartUnattachedSessionExpires(t *testing.T) {
	dir := t.TempDir()
	s1, _ := newDataServer(t, dir)
	c := dialRaw(t, s1.Addr())
	c.session(2000)
	c.call(1, wire.OpCreate, createReq("/e", nil, wire.FlagEphemeral))
	require.NoError(t, s1.Close())

	s2, clk := newDataServer(t, dir)
	defer func() { require.NoError(t, s2.Close()) }()
	advance(t, clk, 2999*time.Millisecond)
	_, ok := s2.Node("/e")
	require.True(t, ok, "its full timeout from the restart")
	advance(t, clk, time.Millisecond)
	_, ok = s2.Node("/e")
	assert.False(t, ok)
	assert.Empty(t, s2.Sessions())
}

func TestRestartClosesOwnersWithoutSession(t *testing.T) {
	dir := t.TempDir()
	s1, _ := newDataServer(t, dir)
	c := dialRaw(t, s1.Addr())
	resp := c.session(10_000)
	c.call(1, wire.OpCreate, createReq("/orphan", nil, wire.FlagEphemeral))
	last := s1.LastZxid()
	require.NoError(t, s1.Close())

	// Lose the session record, keep the node.
	st, err := store.Open(filepath.Join(dir, DataFile))
	require.NoError(t, err)
	_, err = st.Load()
	require.NoError(t, err)
	st.Append(store.Batch{Zxid: last + 1, Sessions: []store.KV{{Key: sessionKey(resp.SessionID)}}})
	require.NoError(t, st.Close())

	s2, _ := newDataServer(t, dir)
	defer func() { require.NoError(t, s2.Close()) }()
	_, ok := s2.Node("/orphan")
	assert.False(t, ok)
	assert.Empty(t, s2.Sessions())
	assert.Equal(t, last+2, s2.LastZxid(), "closed as a transaction")
}

func TestSessionRecords(t *testing.T) {
	sess := &session{id: 0x0100_0006_0c68_0001, timeout: 30000}
	copy(sess.passwd[:], "0123456789abcdef")
	p := &processor{}
	p.saveSession(sess)
	require.Len(t, p.pendingSessions, 1)
	kv := p.pendingSessions[0]
	assert.Equal(t, "010000060c680001", kv.Key)
	got, err := decodeSession(kv)
	require.NoError(t, err)
	assert.Equal(t, sess, got)
	for _, bad := range []store.KV{
		{Key: "xyz", Value: kv.Value},
		{Key: "1", Value: kv.Value},
		{Key: kv.Key, Value: kv.Value[:5]},
	} {
		_, err := decodeSession(bad)
		assert.Error(t, err)
	}
}
