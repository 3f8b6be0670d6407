package zkserver

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/coordkit/coordkit/internal/wire"
)

var openACL = []wire.ACL{{Perms: wire.PermAll, ID: wire.ID{Scheme: "world", ID: "anyone"}}}

func createReq(path string, data []byte, flags int32) *wire.CreateRequest {
	return &wire.CreateRequest{Path: path, Data: data, ACL: openACL, Flags: flags}
}

func TestEventsBeforeTheirWritesReply(t *testing.T) {
	s := startServer(t)
	c := sessionClient(t, s)
	other := sessionClient(t, s)
	h, _ := c.call(1, wire.OpCreate, createReq("/w", []byte("a"), 0))
	require.Equal(t, wire.ErrOK, h.Err)
	h, _ = c.call(2, wire.OpGetData, &wire.PathWatchRequest{Path: "/w", Watch: true})
	require.Equal(t, wire.ErrOK, h.Err)
	h, _ = other.call(1, wire.OpExists, &wire.PathWatchRequest{Path: "/w", Watch: true})
	require.Equal(t, wire.ErrOK, h.Err)

	h, _ = c.call(3, wire.OpSetData, &wire.SetDataRequest{Path: "/w", Data: []byte("b"), Version: -1})
	assert.Equal(t, wire.XidWatchEvent, h.Xid, "the event comes first")
	h, _ = c.reply()
	assert.Equal(t, wire.ReplyHeader{Xid: 3, Zxid: 4}, h)
	assert.Equal(t, wire.WatcherEvent{Type: wire.EventNodeDataChanged, State: wire.StateSyncConnected, Path: "/w"}, other.event())

	// One-shot: a second setData tells nobody.
	h, _ = c.call(4, wire.OpSetData, &wire.SetDataRequest{Path: "/w", Data: []byte("c"), Version: -1})
	assert.Equal(t, int32(4), h.Xid)
	other.ping()
}

func TestWatchRegistrationRules(t *testing.T) {
	s := startServer(t)
	c := sessionClient(t, s)
	writer := sessionClient(t, s)
	// exists leaves an exist watch on a missing node; a failed getData or
	// getChildren leaves nothing.
	h, _ := c.call(1, wire.OpExists, &wire.PathWatchRequest{Path: "/x", Watch: true})
	require.Equal(t, wire.ErrNoNode, h.Err)
	h, _ = c.call(2, wire.OpGetData, &wire.PathWatchRequest{Path: "/y", Watch: true})
	require.Equal(t, wire.ErrNoNode, h.Err)
	h, _ = c.call(3, wire.OpGetChildren, &wire.PathWatchRequest{Path: "/y", Watch: true})
	require.Equal(t, wire.ErrNoNode, h.Err)
	h, _ = c.call(4, wire.OpCheckWatches, &wire.WatchesRequest{Path: "/x", Type: wire.WatcherData})
	assert.Equal(t, wire.ErrOK, h.Err)
	h, _ = c.call(5, wire.OpCheckWatches, &wire.WatchesRequest{Path: "/y", Type: wire.WatcherAny})
	assert.Equal(t, wire.ErrNoWatcher, h.Err)

	writer.call(1, wire.OpCreate, createReq("/y", nil, 0))
	writer.call(2, wire.OpCreate, createReq("/x", nil, 0))
	assert.Equal(t, wire.WatcherEvent{Type: wire.EventNodeCreated, State: wire.StateSyncConnected, Path: "/x"}, c.event())
	c.ping() // nothing for /y
}

func TestWatchesBelongToTheConnection(t *testing.T) {
	s := startServer(t)
	c := dialRaw(t, s.Addr())
	resp := c.session(10_000)
	writer := sessionClient(t, s)
	writer.call(1, wire.OpCreate, createReq("/n", nil, 0))
	c.call(1, wire.OpGetData, &wire.PathWatchRequest{Path: "/n", Watch: true})
	c.call(2, wire.OpAddWatch, &wire.AddWatchRequest{Path: "/", Mode: wire.AddWatchPersistentRecursive})

	again := dialRaw(t, s.Addr())
	again.connect(newSessionRequestFor(resp.SessionID, resp.Passwd))
	c.expectClosed()
	writer.call(2, wire.OpSetData, &wire.SetDataRequest{Path: "/n", Version: -1})
	again.ping() // the old connection's watches are gone with it
	h, _ := again.call(3, wire.OpCheckWatches, &wire.WatchesRequest{Path: "/", Type: wire.WatcherAny})
	assert.Equal(t, wire.ErrNoWatcher, h.Err)
}

func TestSetWatchesCatchUp(t *testing.T) {
	s := startServer(t)
	w := sessionClient(t, s)                                    // zxid 1
	w.call(1, wire.OpCreate, createReq("/w", nil, 0))           // 2
	w.call(2, wire.OpCreate, createReq("/gone", nil, 0))        // 3
	w.call(3, wire.OpSetData, &wire.SetDataRequest{Path: "/w"}) // 4
	w.call(4, wire.OpCreate, createReq("/w/c", nil, 0))         // 5
	w.call(5, wire.OpDelete, &wire.DeleteRequest{Path: "/gone", Version: -1})
	c := sessionClient(t, s)
	var b []byte
	b = wire.AppendRequest(b, wire.XidSetWatches, wire.OpSetWatches2, &wire.SetWatches{
		V2: true, RelativeZxid: 1,
		Data:       []string{"/w", "/gone"},
		Exist:      []string{"/w", "/gone2"},
		Child:      []string{"/w"},
		Persistent: []string{"/w"},
	})
	b = wire.AppendRequest(b, 9, wire.OpSync, &wire.PathRequest{Path: "/"})
	c.write(b)
	assert.Equal(t, ev(wire.EventNodeDataChanged, "/w"), c.event())
	assert.Equal(t, ev(wire.EventNodeDeleted, "/gone"), c.event())
	assert.Equal(t, ev(wire.EventNodeCreated, "/w"), c.event())
	assert.Equal(t, ev(wire.EventNodeChildrenChanged, "/w"), c.event())
	h, d := c.reply()
	assert.Equal(t, wire.ReplyHeader{Xid: wire.XidSetWatches, Zxid: s.LastZxid()}, h, "xid echoed, after the catch-up events")
	assert.Zero(t, d.Remaining())
	h, _ = c.reply()
	assert.Equal(t, int32(9), h.Xid)

	w.call(6, wire.OpCreate, createReq("/gone2", nil, 0))
	assert.Equal(t, ev(wire.EventNodeCreated, "/gone2"), c.event(), "the exist watch was installed")
}

func TestPipelinedMixedRequests(t *testing.T) {
	s := startServer(t)
	c := sessionClient(t, s)
	var b []byte
	b = wire.AppendRequest(b, 1, wire.OpCreate, createReq("/p", []byte("0"), 0))
	b = wire.AppendRequest(b, 2, wire.OpGetData, &wire.PathWatchRequest{Path: "/p"})
	b = wire.AppendRequest(b, 3, wire.OpCreate, createReq("/p", nil, 0))
	b = wire.AppendRequest(b, 4, wire.OpSetData, &wire.SetDataRequest{Path: "/p", Data: []byte("1"), Version: 0})
	b = wire.AppendRequest(b, wire.XidPing, wire.OpPing, nil)
	b = wire.AppendRequest(b, 5, wire.OpGetData, &wire.PathWatchRequest{Path: "/p"})
	c.write(b)
	want := []wire.ReplyHeader{
		{Xid: 1, Zxid: 2},
		{Xid: 2, Zxid: 2},
		{Xid: 3, Zxid: 3, Err: wire.ErrNodeExists},
		{Xid: 4, Zxid: 4},
		{Xid: wire.XidPing, Zxid: 4},
		{Xid: 5, Zxid: 4},
	}
	for _, w := range want {
		h, _ := c.reply()
		assert.Equal(t, w, h)
	}
}

func TestCloseSessionDeletesEphemerals(t *testing.T) {
	s := startServer(t)
	c := sessionClient(t, s)
	watcher := sessionClient(t, s)
	h, _ := c.call(1, wire.OpCreate, createReq("/e", nil, wire.FlagEphemeral))
	require.Equal(t, wire.ErrOK, h.Err)
	watcher.call(1, wire.OpExists, &wire.PathWatchRequest{Path: "/e", Watch: true})
	h, _ = c.call(2, wire.OpCloseSession, nil)
	assert.Equal(t, wire.ReplyHeader{Xid: 2, Zxid: 4}, h)
	c.expectClosed()
	assert.Equal(t, wire.EventNodeDeleted, watcher.event().Type)
	_, ok := s.Node("/e")
	assert.False(t, ok)
}

// ev is a watch event as a connected client receives it.
func ev(typ int32, path string) wire.WatcherEvent {
	return wire.WatcherEvent{Type: typ, State: wire.StateSyncConnected, Path: path}
}

// digestACL grants everything to user:password alone.
func digestACL(user, password string) []wire.ACL {
	return []wire.ACL{{Perms: wire.PermAll, ID: wire.ID{Scheme: "digest", ID: digestID([]byte(user + ":" + password))}}}
}

// authed opens a session authenticated as user:password.
func authed(t *testing.T, s *Server, user, password string) *rawClient {
	t.Helper()
	c := sessionClient(t, s)
	h, _ := c.call(wire.XidAuth, wire.OpAuth, &wire.AuthPacket{Scheme: "digest", Auth: []byte(user + ":" + password)})
	require.Equal(t, wire.ErrOK, h.Err)
	return c
}

// do sends a request that must succeed and come back before anything else.
func do(t *testing.T, c *rawClient, op wire.OpCode, body wire.Record) {
	t.Helper()
	h, _ := c.call(1, op, body)
	require.Equal(t, wire.ReplyHeader{Xid: 1, Zxid: h.Zxid}, h, "%v", op)
}

// op is one request of a test script.
type op struct {
	code wire.OpCode
	body wire.Record
}

func TestWatchEventsNeedRead(t *testing.T) {
	alice := digestACL("alice", "pw")
	ipRead := []wire.ACL{{Perms: wire.PermRead, ID: wire.ID{Scheme: "ip", ID: "127.0.0.1"}}}
	create := func(path string, acl []wire.ACL, flags int32) op {
		return op{wire.OpCreate, &wire.CreateRequest{Path: path, ACL: acl, Flags: flags}}
	}
	setACL := func(path string, acl []wire.ACL) op {
		return op{wire.OpSetACL, &wire.SetACLRequest{Path: path, ACL: acl, Version: -1}}
	}
	exists := op{wire.OpExists, &wire.PathWatchRequest{Path: "/n", Watch: true}}
	children := op{wire.OpGetChildren, &wire.PathWatchRequest{Path: "/n", Watch: true}}
	recursive := op{wire.OpAddWatch, &wire.AddWatchRequest{Path: "/", Mode: wire.AddWatchPersistentRecursive}}
	for _, tc := range []struct {
		name    string
		before  []op // by the admin, before the watches
		watch   op   // by each watcher; its outcome is not checked
		trigger []op // by the admin
		// readers are what alice (READ through her digest) and the super
		// user receive; others what a connection with its ip alone does.
		readers, others []wire.WatcherEvent
	}{
		{
			name:    "NodeCreated of an unreadable node",
			watch:   exists,
			trigger: []op{create("/n", alice, 0)},
			readers: []wire.WatcherEvent{ev(wire.EventNodeCreated, "/n")},
		},
		{
			name:    "the ip identity grants READ",
			watch:   exists,
			trigger: []op{create("/n", ipRead, 0)},
			readers: []wire.WatcherEvent{ev(wire.EventNodeCreated, "/n")},
			others:  []wire.WatcherEvent{ev(wire.EventNodeCreated, "/n")},
		},
		{
			name:    "NodeDataChanged of an unreadable node",
			before:  []op{create("/n", alice, 0)},
			watch:   exists,
			trigger: []op{{wire.OpSetData, &wire.SetDataRequest{Path: "/n", Version: -1}}},
			readers: []wire.WatcherEvent{ev(wire.EventNodeDataChanged, "/n")},
		},
		{
			name:    "NodeDeleted checks the ACL the node had",
			before:  []op{create("/n", openACL, 0)},
			watch:   exists,
			trigger: []op{setACL("/n", alice), {wire.OpDelete, &wire.DeleteRequest{Path: "/n", Version: -1}}},
			readers: []wire.WatcherEvent{ev(wire.EventNodeDeleted, "/n")},
		},
		{
			name:    "NodeDeleted of an ephemeral by closeSession",
			before:  []op{create("/n", alice, wire.FlagEphemeral)},
			watch:   exists,
			trigger: []op{{wire.OpCloseSession, nil}},
			readers: []wire.WatcherEvent{ev(wire.EventNodeDeleted, "/n")},
		},
		{
			name:    "NodeChildrenChanged of an unreadable parent",
			before:  []op{create("/n", openACL, 0)},
			watch:   children,
			trigger: []op{setACL("/n", alice), create("/n/c", openACL, 0)},
			readers: []wire.WatcherEvent{ev(wire.EventNodeChildrenChanged, "/n")},
		},
		{
			name:    "NodeChildrenChanged checks the parent, not the child",
			before:  []op{create("/n", openACL, 0)},
			watch:   children,
			trigger: []op{create("/n/c", alice, 0)},
			readers: []wire.WatcherEvent{ev(wire.EventNodeChildrenChanged, "/n")},
			others:  []wire.WatcherEvent{ev(wire.EventNodeChildrenChanged, "/n")},
		},
		{
			name:    "persistent recursive watch, node by node",
			watch:   recursive,
			trigger: []op{create("/n", alice, 0), create("/n/c", openACL, 0), create("/n/c/d", alice, 0)},
			readers: []wire.WatcherEvent{ev(wire.EventNodeCreated, "/n"), ev(wire.EventNodeCreated, "/n/c"), ev(wire.EventNodeCreated, "/n/c/d")},
			others:  []wire.WatcherEvent{ev(wire.EventNodeCreated, "/n/c")},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := startServer(t, WithSuperDigest("super", "secret"))
			admin := authed(t, s, "super", "secret")
			watchers := []struct {
				name string
				c    *rawClient
				want []wire.WatcherEvent
			}{
				{"alice", authed(t, s, "alice", "pw"), tc.readers},
				{"super", authed(t, s, "super", "secret"), tc.readers},
				{"ip only", sessionClient(t, s), tc.others},
			}
			for _, o := range tc.before {
				do(t, admin, o.code, o.body)
			}
			for _, w := range watchers {
				w.c.call(1, tc.watch.code, tc.watch.body)
			}
			for _, o := range tc.trigger {
				do(t, admin, o.code, o.body)
			}
			for _, w := range watchers {
				for _, want := range w.want {
					assert.Equal(t, want, w.c.event(), w.name)
				}
				w.c.ping() // and nothing else
			}
		})
	}
}

func TestUnreadableEventUsesUpTheWatch(t *testing.T) {
	s := startServer(t, WithSuperDigest("super", "secret"))
	admin := authed(t, s, "super", "secret")
	w := sessionClient(t, s)
	do(t, admin, wire.OpCreate, &wire.CreateRequest{Path: "/n", ACL: digestACL("alice", "pw")})
	do(t, w, wire.OpExists, &wire.PathWatchRequest{Path: "/n", Watch: true})
	do(t, admin, wire.OpSetData, &wire.SetDataRequest{Path: "/n", Data: []byte("1"), Version: -1})
	w.ping()
	h, _ := w.call(2, wire.OpCheckWatches, &wire.WatchesRequest{Path: "/n", Type: wire.WatcherData})
	assert.Equal(t, wire.ErrNoWatcher, h.Err, "the watch fired")

	// READ granted now: the old watch is gone, a new one tells.
	do(t, admin, wire.OpSetACL, &wire.SetACLRequest{Path: "/n", ACL: openACL, Version: -1})
	do(t, admin, wire.OpSetData, &wire.SetDataRequest{Path: "/n", Data: []byte("2"), Version: -1})
	w.ping()
	do(t, w, wire.OpGetData, &wire.PathWatchRequest{Path: "/n", Watch: true})
	do(t, admin, wire.OpSetData, &wire.SetDataRequest{Path: "/n", Data: []byte("3"), Version: -1})
	assert.Equal(t, ev(wire.EventNodeDataChanged, "/n"), w.event())
}

func TestWatchReadCheckedWhenTheEventHappens(t *testing.T) {
	s := startServer(t, WithSuperDigest("super", "secret"))
	admin := authed(t, s, "super", "secret")
	w := sessionClient(t, s)
	w.call(1, wire.OpExists, &wire.PathWatchRequest{Path: "/n", Watch: true})
	h, _ := w.call(wire.XidAuth, wire.OpAuth, &wire.AuthPacket{Scheme: "digest", Auth: []byte("alice:pw")})
	require.Equal(t, wire.ErrOK, h.Err)
	do(t, admin, wire.OpCreate, &wire.CreateRequest{Path: "/n", ACL: digestACL("alice", "pw")})
	assert.Equal(t, ev(wire.EventNodeCreated, "/n"), w.event(), "an identity added after the watch counts")
}

func TestSetWatchesCatchUpIgnoresACLs(t *testing.T) {
	s := startServer(t, WithSuperDigest("super", "secret"))
	admin := authed(t, s, "super", "secret")
	alice := digestACL("alice", "pw")
	do(t, admin, wire.OpCreate, &wire.CreateRequest{Path: "/d", ACL: alice})
	do(t, admin, wire.OpCreate, &wire.CreateRequest{Path: "/e", ACL: alice})
	do(t, admin, wire.OpCreate, &wire.CreateRequest{Path: "/d/c", ACL: openACL})
	do(t, admin, wire.OpSetData, &wire.SetDataRequest{Path: "/d", Version: -1})
	w := sessionClient(t, s)
	w.send(wire.XidSetWatches, wire.OpSetWatches, &wire.SetWatches{
		RelativeZxid: 1, Data: []string{"/d"}, Exist: []string{"/e"}, Child: []string{"/d"},
	})
	assert.Equal(t, ev(wire.EventNodeDataChanged, "/d"), w.event())
	assert.Equal(t, ev(wire.EventNodeCreated, "/e"), w.event())
	assert.Equal(t, ev(wire.EventNodeChildrenChanged, "/d"), w.event())
	h, _ := w.reply()
	assert.Equal(t, wire.XidSetWatches, h.Xid)
	assert.Equal(t, wire.ErrOK, h.Err)
}

func TestWatchesRequestWithBadTypeIsMarshallingError(t *testing.T) {
	s := startServer(t)
	c := sessionClient(t, s)
	do(t, c, wire.OpCreate, createReq("/w", nil, 0))
	do(t, c, wire.OpGetData, &wire.PathWatchRequest{Path: "/w", Watch: true})
	for _, op := range []wire.OpCode{wire.OpCheckWatches, wire.OpRemoveWatches} {
		for _, typ := range []int32{0, 4, -1} {
			for _, path := range []string{"/w", "/unwatched"} {
				h, d := c.call(7, op, &wire.WatchesRequest{Path: path, Type: typ})
				assert.Equal(t, wire.ReplyHeader{Xid: 7, Zxid: 2, Err: wire.ErrMarshallingError}, h, "%v type %d on %s", op, typ, path)
				assert.Zero(t, d.Remaining())
			}
		}
	}
	h, _ := c.call(8, wire.OpCheckWatches, &wire.WatchesRequest{Path: "/w", Type: wire.WatcherData})
	assert.Equal(t, wire.ErrOK, h.Err, "the connection stays open and its watch in place")
}

func TestCheckWatchesSeesAnyConnectionsWatch(t *testing.T) {
	s := startServer(t)
	owner := sessionClient(t, s)
	other := sessionClient(t, s)
	do(t, owner, wire.OpCreate, createReq("/w", nil, 0))
	do(t, owner, wire.OpGetChildren, &wire.PathWatchRequest{Path: "/w", Watch: true})
	for _, tc := range []struct {
		typ  int32
		want wire.ErrCode
	}{
		{wire.WatcherChildren, wire.ErrOK},
		{wire.WatcherAny, wire.ErrOK},
		{wire.WatcherData, wire.ErrNoWatcher},
	} {
		h, _ := other.call(1, wire.OpCheckWatches, &wire.WatchesRequest{Path: "/w", Type: tc.typ})
		assert.Equal(t, tc.want, h.Err, "checkWatches type %d", tc.typ)
	}
	h, _ := other.call(2, wire.OpRemoveWatches, &wire.WatchesRequest{Path: "/w", Type: wire.WatcherAny})
	assert.Equal(t, wire.ErrNoWatcher, h.Err, "removeWatches removes the connection's own only")
	do(t, other, wire.OpCreate, createReq("/w/c", nil, 0))
	assert.Equal(t, ev(wire.EventNodeChildrenChanged, "/w"), owner.event())
}

func TestNoWatchOutlivesItsConnection(t *testing.T) {
	s := startServer(t)
	c := sessionClient(t, s)
	// Requests read before the client hung up are processed after it did.
	holdProcessing(s)
	var b []byte
	b = wire.AppendRequest(b, 1, wire.OpCreate, createReq("/n", nil, 0))
	b = wire.AppendRequest(b, 2, wire.OpGetData, &wire.PathWatchRequest{Path: "/n", Watch: true})
	b = wire.AppendRequest(b, 3, wire.OpGetChildren, &wire.PathWatchRequest{Path: "/n", Watch: true})
	b = wire.AppendRequest(b, 4, wire.OpExists, &wire.PathWatchRequest{Path: "/missing", Watch: true})
	b = wire.AppendRequest(b, 5, wire.OpAddWatch, &wire.AddWatchRequest{Path: "/", Mode: wire.AddWatchPersistentRecursive})
	c.write(b)
	require.NoError(t, c.nc.Close())
	eventually(t, func() bool { return s.inbox.len() == 6 }, "the requests and the hang-up queued")
	s.Resume() // processes what is held
	_, ok := s.Node("/n")
	require.True(t, ok, "the requests were processed")
	f := s.figures()
	assert.Zero(t, f.watches, "watches left")
	assert.Zero(t, f.watchConns, "connections with watches left")
	assert.Equal(t, "0 connections watching 0 paths\nTotal watches:0\n", fourLetter(t, s.Addr(), "wchs"))
}
