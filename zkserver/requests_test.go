package zkserver

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/coordkit/coordkit/internal/wire"
)

// sessionClient dials s and opens a session; the session is zxid 1 on a
// fresh server.
func sessionClient(t *testing.T, s *Server) *rawClient {
	t.Helper()
	c := dialRaw(t, s.Addr())
	c.session(10_000)
	return c
}

func TestPingAlwaysAnsweredWithXidMinus2(t *testing.T) {
	s := startServer(t)
	c := sessionClient(t, s)
	h, _ := c.call(5, wire.OpPing, nil)
	assert.Equal(t, wire.ReplyHeader{Xid: wire.XidPing, Zxid: 1}, h)
}

func TestSyncEchoesPath(t *testing.T) {
	s := startServer(t)
	c := sessionClient(t, s)
	h, d := c.call(3, wire.OpSync, &wire.PathRequest{Path: "/any/path"})
	assert.Equal(t, wire.ReplyHeader{Xid: 3, Zxid: 1}, h)
	var resp wire.PathRequest
	resp.Decode(d)
	require.NoError(t, d.Err())
	assert.Equal(t, "/any/path", resp.Path)
	assert.Equal(t, int64(1), s.LastZxid(), "sync is no transaction")
}

func decodeWhoAmI(t *testing.T, d *wire.Decoder) []wire.ClientInfo {
	t.Helper()
	var r wire.WhoAmIResponse
	r.Decode(d)
	require.NoError(t, d.Err())
	return r.ClientInfo
}

func TestAuthAndWhoAmI(t *testing.T) {
	s := startServer(t)
	c := sessionClient(t, s)
	h, d := c.call(1, wire.OpWhoAmI, nil)
	require.Equal(t, wire.ErrOK, h.Err)
	assert.Equal(t, []wire.ClientInfo{{AuthScheme: "ip", User: "127.0.0.1"}}, decodeWhoAmI(t, d))

	// Auth replies use xid −4 and zxid 0, whatever xid the packet had.
	h, _ = c.call(9, wire.OpAuth, &wire.AuthPacket{Scheme: "digest", Auth: []byte("bob:secret")})
	assert.Equal(t, wire.ReplyHeader{Xid: wire.XidAuth, Zxid: 0}, h)
	h, _ = c.call(wire.XidAuth, wire.OpAuth, &wire.AuthPacket{Scheme: "digest", Auth: []byte("bob:secret")})
	assert.Equal(t, wire.ReplyHeader{Xid: wire.XidAuth, Zxid: 0}, h, "the same credential twice")
	h, _ = c.call(wire.XidAuth, wire.OpAuth, &wire.AuthPacket{Scheme: "ip"})
	assert.Equal(t, wire.ErrOK, h.Err)
	h, d = c.call(2, wire.OpWhoAmI, nil)
	assert.Equal(t, int32(2), h.Xid)
	assert.Equal(t, []wire.ClientInfo{{AuthScheme: "digest", User: "bob"}, {AuthScheme: "ip", User: "127.0.0.1"}}, decodeWhoAmI(t, d))
	assert.Equal(t, int64(1), c.ping(), "auth is no transaction")
}

func TestWhoAmIListsIdentitiesInZooKeepersOrder(t *testing.T) {
	digest := func(users ...string) []wire.ClientInfo {
		out := make([]wire.ClientInfo, len(users))
		for i, u := range users {
			out[i] = wire.ClientInfo{AuthScheme: "digest", User: u}
			if u == "" {
				out[i] = wire.ClientInfo{AuthScheme: "ip", User: "127.0.0.1"}
			}
		}
		return out
	}
	// The orders Apache ZooKeeper 3.8.0 answers for these credentials
	// ("" marks the ip identity): its identity set's hash order.
	for _, tc := range []struct {
		users []string
		want  []wire.ClientInfo
	}{
		{nil, digest("")},
		{[]string{"bob"}, digest("bob", "")},
		{[]string{"bob", "alice"}, digest("bob", "", "alice")},
		{
			[]string{"zed", "alice", "bob", "carol", "dave", "eve", "mallory", "trent", "peggy", "victor", "walter", "oscar", "u1", "u2"},
			digest("walter", "carol", "trent", "", "u1", "alice", "victor", "eve", "peggy", "oscar", "bob", "u2", "zed", "mallory", "dave"),
		},
	} {
		s := startServer(t)
		c := sessionClient(t, s)
		for _, u := range tc.users {
			h, _ := c.call(wire.XidAuth, wire.OpAuth, &wire.AuthPacket{Scheme: "digest", Auth: []byte(u + ":pw")})
			require.Equal(t, wire.ErrOK, h.Err)
		}
		h, d := c.call(1, wire.OpWhoAmI, nil)
		require.Equal(t, wire.ErrOK, h.Err)
		assert.Equal(t, tc.want, decodeWhoAmI(t, d), "credentials %v", tc.users)
	}
}

func TestAuthUnknownSchemeCloses(t *testing.T) {
	s := startServer(t)
	c := sessionClient(t, s)
	h, _ := c.call(wire.XidAuth, wire.OpAuth, &wire.AuthPacket{Scheme: "kerberos", Auth: []byte("x")})
	assert.Equal(t, wire.ReplyHeader{Xid: wire.XidAuth, Err: wire.ErrAuthFailed}, h)
	c.expectClosed()
	require.Len(t, s.Sessions(), 1, "the session lives on")
}

func TestDigestID(t *testing.T) {
	assert.Equal(t, "bob:fyVmFCwVbTJYrznoSu1koqYEYF0=", digestID([]byte("bob:secret")), "protocol reference §12.2")
	assert.Equal(t, "nocolon:"+digestID([]byte("nocolon"))[len("nocolon:"):], digestID([]byte("nocolon")))
}

func TestSASLAnswersNullToken(t *testing.T) {
	s := startServer(t)
	c := sessionClient(t, s)
	h, d := c.call(4, wire.OpSASL, &wire.SASLToken{Token: []byte("hello")})
	assert.Equal(t, wire.ReplyHeader{Xid: 4, Zxid: 0}, h)
	var tok wire.SASLToken
	tok.Decode(d)
	require.NoError(t, d.Err())
	assert.Nil(t, tok.Token)
}

func TestFailedPipelineOpsConsumeZxids(t *testing.T) {
	s := startServer(t)
	c := sessionClient(t, s)
	h, _ := c.call(1, wire.OpReconfig, &wire.ReconfigRequest{CurConfigID: -1})
	assert.Equal(t, wire.ReplyHeader{Xid: 1, Zxid: 2, Err: wire.ErrReconfigDisabled}, h)

	// deleteContainer (20) has no client record: a raw path body.
	frame := wire.AppendRequest(nil, 2, wire.OpDeleteContainer, &wire.PathRequest{Path: "/dc"})
	c.write(frame)
	h, _ = c.reply()
	assert.Equal(t, wire.ReplyHeader{Xid: 2, Zxid: 3, Err: wire.ErrBadArguments}, h)
	assert.Equal(t, int64(3), c.ping())
}

func TestAddWatchAndWatchChecks(t *testing.T) {
	s := startServer(t)
	c := sessionClient(t, s)
	h, d := c.call(1, wire.OpAddWatch, &wire.AddWatchRequest{Path: "/w", Mode: wire.AddWatchPersistent})
	assert.Equal(t, wire.ReplyHeader{Xid: 1, Zxid: 1}, h)
	assert.Equal(t, 4, d.Remaining(), "ErrorResponse{0} body")
	h, d = c.call(2, wire.OpAddWatch, &wire.AddWatchRequest{Path: "/w", Mode: 7})
	assert.Equal(t, wire.ReplyHeader{Xid: 2, Zxid: 1, Err: wire.ErrMarshallingError}, h)
	assert.Zero(t, d.Remaining(), "no body with an error")
	h, _ = c.call(3, wire.OpCheckWatches, &wire.WatchesRequest{Path: "/none", Type: wire.WatcherAny})
	assert.Equal(t, wire.ErrNoWatcher, h.Err)
	h, _ = c.call(4, wire.OpRemoveWatches, &wire.WatchesRequest{Path: "/none", Type: wire.WatcherData})
	assert.Equal(t, wire.ErrNoWatcher, h.Err)
}

func TestBadInputAfterHandshake(t *testing.T) {
	s := startServer(t, WithMaxPacket(1000))
	bystander := sessionClient(t, s)
	truncatedGetData := []byte{0, 0, 0, 0x0f, 0, 0, 0, 1, 0, 0, 0, 4, 0, 0, 0, 0x0a, '/', 'a', 'b'}
	truncatedSetData := []byte{0, 0, 0, 0x0f, 0, 0, 0, 1, 0, 0, 0, 5, 0, 0, 0, 0x0a, '/', 'a', 'b'}
	multiWithRead := wire.AppendRequest(nil, 1, wire.OpMulti, &wire.MultiRequest{Ops: []wire.MultiOp{{Op: wire.OpGetData, Body: &wire.PathWatchRequest{Path: "/"}}}})
	multiReadWithWrite := wire.AppendRequest(nil, 1, wire.OpMultiRead, &wire.MultiRequest{Ops: []wire.MultiOp{{Op: wire.OpDelete, Body: &wire.DeleteRequest{Path: "/x", Version: -1}}}})
	for _, tc := range []struct {
		name  string
		frame []byte
		reply *wire.ReplyHeader // nil: closed without a reply
		open  bool              // the connection stays open
	}{
		{"unknown-op", wire.AppendRequest(nil, 1, 999, &wire.PathRequest{Path: "/x"}), &wire.ReplyHeader{Xid: 1, Zxid: -1, Err: wire.ErrUnimplemented}, false},
		{"notification-op", wire.AppendRequest(nil, 1, wire.OpNotification, nil), &wire.ReplyHeader{Xid: 1, Zxid: -1, Err: wire.ErrUnimplemented}, false},
		{"create-session-op", wire.AppendRequest(nil, 1, wire.OpCreateSession, nil), &wire.ReplyHeader{Xid: 1, Zxid: -1, Err: wire.ErrUnimplemented}, false},
		{"truncated-read", truncatedGetData, &wire.ReplyHeader{Xid: 1, Zxid: 1, Err: wire.ErrMarshallingError}, true},
		{"truncated-write", truncatedSetData, &wire.ReplyHeader{Xid: 1, Zxid: 2, Err: wire.ErrMarshallingError}, true},
		{"multi-with-read-op", multiWithRead, &wire.ReplyHeader{Xid: 1, Zxid: 2, Err: wire.ErrMarshallingError}, true},
		{"multiRead-with-write-op", multiReadWithWrite, &wire.ReplyHeader{Xid: 1, Zxid: 1, Err: wire.ErrMarshallingError}, true},
		{"truncated-auth", []byte{0, 0, 0, 10, 0xff, 0xff, 0xff, 0xfc, 0, 0, 0, 100, 0, 0}, nil, false},
		{"short-frame", []byte{0, 0, 0, 4, 0, 0, 0, 1}, nil, false},
		{"over-limit", []byte{0, 0, 0x03, 0xe9}, nil, false},
		{"negative-length", []byte{0x80, 0, 0, 0}, nil, false},
		{"four-letter-word-after-handshake", []byte("ruok"), nil, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			// A fresh server per case keeps the zxids predictable.
			s := startServer(t, WithMaxPacket(1000))
			c := sessionClient(t, s)
			c.write(tc.frame)
			if tc.reply != nil {
				h, d := c.reply()
				assert.Equal(t, *tc.reply, h)
				assert.Zero(t, d.Remaining(), "no body with an error")
			}
			if tc.open {
				c.ping()
			} else {
				c.expectClosed()
			}
		})
		bystander.ping()
	}
}

func TestRequestsAnsweredInOrder(t *testing.T) {
	s := startServer(t)
	c := sessionClient(t, s)
	var b []byte
	xids := []int32{10, 5, 7, 7, wire.XidSetWatches, 0, -3}
	for _, x := range xids {
		b = wire.AppendRequest(b, x, wire.OpSync, &wire.PathRequest{Path: "/"})
	}
	b = wire.AppendRequest(b, 99, wire.OpPing, nil)
	c.write(b)
	for _, x := range xids {
		h, _ := c.reply()
		assert.Equal(t, x, h.Xid, "xids echoed in order")
	}
	h, _ := c.reply()
	assert.Equal(t, wire.XidPing, h.Xid)
}
