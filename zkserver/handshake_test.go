package zkserver

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/coordkit/coordkit/internal/wire"
)

func TestHandshakeNegotiatesTimeout(t *testing.T) {
	s := startServer(t, WithTickTime(time.Second)) // bounds 2000 … 20000 ms
	for _, tc := range []struct {
		name      string
		asked     int32
		negotiate int32
	}{
		{"below-min", 1000, 2000},
		{"zero", 0, 2000},
		{"negative", -5, 2000},
		{"within", 7000, 7000},
		{"above-max", 10_000_000, 20000},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := dialRaw(t, s.Addr())
			resp := c.session(tc.asked)
			assert.Equal(t, tc.negotiate, resp.TimeOut)
			assert.Len(t, resp.Passwd, 16)
		})
	}

	t.Run("explicit-bounds", func(t *testing.T) {
		s := startServer(t, WithSessionTimeouts(3*time.Second, 4*time.Second))
		c := dialRaw(t, s.Addr())
		assert.Equal(t, int32(3000), c.session(100).TimeOut)
		c = dialRaw(t, s.Addr())
		assert.Equal(t, int32(4000), c.session(100_000).TimeOut)
	})
}

func TestHandshakeNewSessionIsATransaction(t *testing.T) {
	s := startServer(t)
	c := dialRaw(t, s.Addr())
	resp := c.session(10_000)
	assert.Equal(t, int64(1), c.ping(), "a fresh server's first session is zxid 1")
	assert.Equal(t, int64(1), s.LastZxid())
	assert.Equal(t, byte(serverID), byte(uint64(resp.SessionID)>>56), "server id in the top byte")

	c2 := dialRaw(t, s.Addr())
	resp2 := c2.session(10_000)
	assert.Equal(t, resp.SessionID+1, resp2.SessionID, "ids are consecutive")
	assert.NotEqual(t, resp.Passwd, resp2.Passwd)
	assert.Equal(t, int64(2), c2.ping())

	got := s.Sessions()
	require.Len(t, got, 2)
	assert.Equal(t, Session{ID: resp.SessionID, Timeout: 10_000, Connected: true}, got[0])
}

func TestHandshakeReadOnlyByte(t *testing.T) {
	s := startServer(t)
	for _, tc := range []struct {
		name    string
		has, ro bool
		wantLen int
	}{
		{"absent", false, false, 36},
		{"false", true, false, 37},
		{"true", true, true, 37},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := dialRaw(t, s.Addr())
			c.write(connectFrame(wire.ConnectRequest{TimeOut: 10_000, Passwd: make([]byte, 16), HasReadOnly: tc.has, ReadOnly: tc.ro}))
			p := c.frame()
			assert.Len(t, p, tc.wantLen)
			var resp wire.ConnectResponse
			require.NoError(t, wire.Unmarshal(p, &resp))
			assert.Equal(t, tc.has, resp.HasReadOnly)
			assert.False(t, resp.ReadOnly, "never a read-only server")
			assert.NotZero(t, resp.SessionID)
		})
	}
}

func TestHandshakeReattach(t *testing.T) {
	s := startServer(t)
	first := dialRaw(t, s.Addr())
	resp := first.session(10_000)
	first.ping()

	again := dialRaw(t, s.Addr())
	got := again.connect(wire.ConnectRequest{LastZxidSeen: 1, TimeOut: 12_000, SessionID: resp.SessionID, Passwd: resp.Passwd, HasReadOnly: true})
	assert.Equal(t, resp.SessionID, got.SessionID)
	assert.Equal(t, resp.Passwd, got.Passwd)
	assert.Equal(t, int32(12_000), got.TimeOut, "timeout renegotiated")
	first.expectClosed()
	assert.Equal(t, int64(1), again.ping(), "re-attaching is no transaction")
	assert.Equal(t, []Session{{ID: resp.SessionID, Timeout: 12_000, Connected: true}}, s.Sessions())
}

func TestHandshakeRejects(t *testing.T) {
	s := startServer(t)
	live := dialRaw(t, s.Addr())
	resp := live.session(10_000)
	expired := dialRaw(t, s.Addr())
	gone := expired.session(10_000)
	require.NoError(t, s.ExpireSession(gone.SessionID))
	expired.expectClosed()

	wrong := append([]byte(nil), resp.Passwd...)
	wrong[0] ^= 0xff
	for _, tc := range []struct {
		name   string
		id     int64
		passwd []byte
	}{
		{"wrong-password", resp.SessionID, wrong},
		{"short-password", resp.SessionID, resp.Passwd[:8]},
		{"unknown", resp.SessionID + 100, resp.Passwd},
		{"expired", gone.SessionID, gone.Passwd},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := dialRaw(t, s.Addr())
			got := c.connect(wire.ConnectRequest{TimeOut: 10_000, SessionID: tc.id, Passwd: tc.passwd, HasReadOnly: true})
			assert.Equal(t, wire.ConnectResponse{Passwd: make([]byte, 16), HasReadOnly: true}, got)
			c.expectClosed()
			live.ping() // the live connection of the session is left alone
		})
	}
}

func TestHandshakeClientAhead(t *testing.T) {
	s := startServer(t)
	c := dialRaw(t, s.Addr())
	c.write(connectFrame(wire.ConnectRequest{LastZxidSeen: 5, TimeOut: 10_000, Passwd: make([]byte, 16), HasReadOnly: true}))
	c.expectClosed()
	assert.Empty(t, s.Sessions())
	assert.Zero(t, s.LastZxid())
}

func TestHandshakePipelined(t *testing.T) {
	s := startServer(t)
	c := dialRaw(t, s.Addr())
	var b []byte
	b = append(b, connectFrame(newSessionRequest(10_000))...)
	b = wire.AppendRequest(b, 1, wire.OpSync, &wire.PathRequest{Path: "/x"})
	b = wire.AppendRequest(b, wire.XidPing, wire.OpPing, nil)
	b = wire.AppendRequest(b, 2, wire.OpWhoAmI, nil)
	c.write(b)
	require.NotZero(t, c.connectResponse().SessionID)
	h, d := c.reply()
	assert.Equal(t, wire.ReplyHeader{Xid: 1, Zxid: 1}, h)
	var sync wire.PathRequest
	sync.Decode(d)
	assert.Equal(t, "/x", sync.Path)
	h, _ = c.reply()
	assert.Equal(t, wire.ReplyHeader{Xid: wire.XidPing, Zxid: 1}, h)
	h, _ = c.reply()
	assert.Equal(t, int32(2), h.Xid)
}

func TestHandshakeMalformed(t *testing.T) {
	s := startServer(t, WithMaxPacket(1000))
	for _, tc := range []struct {
		name string
		data []byte
	}{
		{"short-frame", []byte{0, 0, 0, 4, 0, 0, 0, 0}},
		{"truncated-password", []byte{0, 0, 0, 30, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x27, 0x10, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 100, 1, 2}},
		{"over-limit", []byte{0, 0, 0x03, 0xe9}},
		{"negative-length", []byte{0xff, 0xff, 0xff, 0xf0}},
		{"request-before-handshake", wire.AppendRequest(nil, wire.XidPing, wire.OpPing, nil)},
		{"eof-mid-frame", []byte{0, 0, 0, 45, 0, 0}},
		{"three-bytes", []byte{0, 0, 0}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := dialRaw(t, s.Addr())
			c.write(tc.data)
			if tc.name == "eof-mid-frame" || tc.name == "three-bytes" {
				require.NoError(t, c.nc.(interface{ CloseWrite() error }).CloseWrite())
			}
			c.expectClosed()
		})
	}
	assert.Empty(t, s.Sessions())
	fresh := dialRaw(t, s.Addr())
	fresh.session(10_000)
	fresh.ping()
}
