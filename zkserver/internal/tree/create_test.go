package tree

import (
	"math"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/coordkit/coordkit/internal/wire"
)

// createFixture: /p (open), /noc (everything but CREATE), /e (ephemeral),
// /c (container), /t (TTL, when enabled), /ro/x with /ro read-only.
func createFixture(t *testing.T, opts Options) *harness {
	h := newHarness(t, opts)
	h.create("/p", wire.FlagPersistent)
	h.create("/ro", wire.FlagPersistent)
	h.create("/ro/x", wire.FlagPersistent)
	res := h.write(wire.OpSetACL, &wire.SetACLRequest{Path: "/ro", ACL: readACL, Version: -1})
	require.Equal(t, wire.ErrOK, res.Err)
	h.createACL("/noc", []wire.ACL{acl(wire.PermAll&^wire.PermCreate, "world", "anyone")})
	h.create("/e", wire.FlagEphemeral)
	require.Equal(t, wire.ErrOK, h.createOp(wire.OpCreateContainer, "/c", wire.FlagContainer, -1).Err)
	if opts.TTLEnabled {
		require.Equal(t, wire.ErrOK, h.createOp(wire.OpCreateTTL, "/t", wire.FlagPersistentWithTTL, 1000).Err)
	}
	return h
}

// Each case fails two or more checks; the first in ZooKeeper's order wins.
func TestCreateCheckOrder(t *testing.T) {
	bad := []wire.ACL{acl(31, "world", "nobody")}
	cases := []struct {
		name  string
		ttlOn bool
		op    wire.OpCode
		path  string
		flags int32
		ttl   int64
		acl   []wire.ACL
		want  wire.ErrCode
	}{
		{"flags before everything", true, wire.OpCreate, "nope", 7, -1, nil, wire.ErrBadArguments},
		{"negative flags", true, wire.OpCreate, "/p/x", -1, -1, openACL, wire.ErrBadArguments},
		{"TTL disabled before path", false, wire.OpCreateTTL, "nope", 5, 100, nil, wire.ErrUnimplemented},
		{"TTL disabled, op 1", false, wire.OpCreate, "/p/x", 5, -1, openACL, wire.ErrUnimplemented},
		{"TTL disabled, op 19", false, wire.OpCreateContainer, "/p/x", 6, -1, openACL, wire.ErrUnimplemented},
		{"TTL disabled, bad ttl", false, wire.OpCreateTTL, "/p/x", 5, 0, openACL, wire.ErrUnimplemented},
		{"TTL op 1 has no ttl", true, wire.OpCreate, "/p/x", 5, -1, openACL, wire.ErrBadArguments},
		{"TTL op 15 has no ttl", true, wire.OpCreate2, "/p/x", 6, -1, openACL, wire.ErrBadArguments},
		{"ttl 0 before path", true, wire.OpCreateTTL, "nope", 5, 0, nil, wire.ErrBadArguments},
		{"ttl -1", true, wire.OpCreateTTL, "/p/x", 5, -1, openACL, wire.ErrBadArguments},
		{"ttl 2^40", true, wire.OpCreateTTL, "/p/x", 5, 1 << 40, openACL, wire.ErrBadArguments},
		{"op 21 non-TTL flags, ttl -1", true, wire.OpCreateTTL, "/p/x", 0, -1, openACL, wire.ErrBadArguments},
		{"op 21 non-TTL flags, ttl 100", true, wire.OpCreateTTL, "/p/x", 4, 100, openACL, wire.ErrBadArguments},
		{"op 21 non-TTL flags, TTL off", false, wire.OpCreateTTL, "/p/x", 0, -5, openACL, wire.ErrBadArguments},
		{"no slash before ACL", true, wire.OpCreate, "probe", 0, -1, nil, wire.ErrBadArguments},
		{"empty path", true, wire.OpCreate, "", 0, -1, openACL, wire.ErrBadArguments},
		{"NUL before ACL", true, wire.OpCreate, "/nope/a\x00", 0, -1, nil, wire.ErrBadArguments},
		{"null ACL before parent", true, wire.OpCreate, "/nope/x", 0, -1, nil, wire.ErrInvalidACL},
		{"empty ACL", true, wire.OpCreate, "/p/x", 0, -1, []wire.ACL{}, wire.ErrInvalidACL},
		{"bad ACL before parent", true, wire.OpCreate, "/nope/x", 0, -1, bad, wire.ErrInvalidACL},
		{"auth ACL without identity", true, wire.OpCreate, "/p/x", 0, -1, []wire.ACL{acl(31, "auth", "")}, wire.ErrInvalidACL},
		{"parent missing", true, wire.OpCreate, "/nope/x", 0, -1, openACL, wire.ErrNoNode},
		{"parent with trailing slash", true, wire.OpCreate, "/p//x", 0, -1, openACL, wire.ErrNoNode},
		{"NoAuth before path validation", true, wire.OpCreate, "/noc/.", 0, -1, openACL, wire.ErrNoAuth},
		{"NoAuth before NodeExists", true, wire.OpCreate, "/ro/x", 0, -1, openACL, wire.ErrNoAuth},
		{"NoAuth on /zookeeper/config", true, wire.OpCreate, "/zookeeper/config/x", 0, -1, openACL, wire.ErrNoAuth},
		{"path after parent", true, wire.OpCreate, "/p/", 0, -1, openACL, wire.ErrBadArguments},
		{"dot", true, wire.OpCreate, "/p/.", 0, -1, openACL, wire.ErrBadArguments},
		{"dotdot", true, wire.OpCreate, "/p/..", 0, -1, openACL, wire.ErrBadArguments},
		{"control character", true, wire.OpCreate, "/p/a\x01", 0, -1, openACL, wire.ErrBadArguments},
		{"path before ephemeral parent", true, wire.OpCreate, "/e/.", 0, -1, openACL, wire.ErrBadArguments},
		{"root exists", true, wire.OpCreate, "/", 0, -1, openACL, wire.ErrNodeExists},
		{"exists", true, wire.OpCreate2, "/p", 1, -1, openACL, wire.ErrNodeExists},
		{"zookeeper exists", true, wire.OpCreate, "/zookeeper", 0, -1, openACL, wire.ErrNodeExists},
		{"ephemeral parent", true, wire.OpCreate, "/e/x", 0, -1, openACL, wire.ErrNoChildrenForEphemerals},
		{"ephemeral parent, container", true, wire.OpCreateContainer, "/e/x", 4, -1, openACL, wire.ErrNoChildrenForEphemerals},
		{"container parent", true, wire.OpCreate, "/c/x", 1, -1, openACL, wire.ErrOK},
		{"TTL parent", true, wire.OpCreate, "/t/x", 0, -1, openACL, wire.ErrOK},
		{"sequential of a trailing slash", true, wire.OpCreate, "/p/", 2, -1, openACL, wire.ErrOK},
		{"under /zookeeper", true, wire.OpCreate, "/zookeeper/x", 0, -1, openACL, wire.ErrOK},
		{"max ttl", true, wire.OpCreateTTL, "/p/x", 5, wire.MaxTTL, openACL, wire.ErrOK},
		{"ttl 1", true, wire.OpCreateTTL, "/p/x", 6, 1, openACL, wire.ErrOK},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			h := createFixture(t, Options{TTLEnabled: tc.ttlOn})
			var req wire.Record = &wire.CreateRequest{Path: tc.path, ACL: tc.acl, Flags: tc.flags}
			if tc.op == wire.OpCreateTTL {
				req = &wire.CreateTTLRequest{Path: tc.path, ACL: tc.acl, Flags: tc.flags, TTL: tc.ttl}
			}
			if tc.want != wire.ErrOK {
				assertUnchanged(t, h.tree, func() {
					res := h.write(tc.op, req)
					assert.Equal(t, tc.want, res.Err)
					assert.Nil(t, res.Resp)
					assert.Nil(t, res.Events)
				})
				return
			}
			res := h.write(tc.op, req)
			assert.Equal(t, tc.want, res.Err)
		})
	}
}

func TestCreateModes(t *testing.T) {
	cases := []struct {
		name      string
		op        wire.OpCode
		flags     int32
		ttl       int64
		wantName  string
		ephemeral bool
		container bool
		ttlNode   bool
	}{
		{"persistent", wire.OpCreate, 0, -1, "/p/n", false, false, false},
		{"ephemeral", wire.OpCreate, 1, -1, "/p/n", true, false, false},
		{"persistent sequential", wire.OpCreate, 2, -1, "/p/n0000000001", false, false, false},
		{"ephemeral sequential", wire.OpCreate2, 3, -1, "/p/n0000000001", true, false, false},
		{"op 1 flag 4 is persistent", wire.OpCreate, 4, -1, "/p/n", false, false, false},
		{"op 15 flag 4 is persistent", wire.OpCreate2, 4, -1, "/p/n", false, false, false},
		{"container", wire.OpCreateContainer, 4, -1, "/p/n", false, true, false},
		{"op 19 flag 0 is a container", wire.OpCreateContainer, 0, -1, "/p/n", false, true, false},
		{"op 19 flag 1 is a container", wire.OpCreateContainer, 1, -1, "/p/n", false, true, false},
		{"op 19 flag 3: sequential container", wire.OpCreateContainer, 3, -1, "/p/n0000000001", false, true, false},
		{"TTL", wire.OpCreateTTL, 5, 5000, "/p/n", false, false, true},
		{"sequential TTL", wire.OpCreateTTL, 6, 5000, "/p/n0000000001", false, false, true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			h := newHarness(t, Options{TTLEnabled: true})
			h.create("/p", 0)
			h.create("/p/first", 0) // C = 1
			h.now += 1000
			res := h.createOp(tc.op, "/p/n", tc.flags, tc.ttl)
			require.Equal(t, wire.ErrOK, res.Err)
			zxid := h.zxid
			want := wire.Stat{Czxid: zxid, Mzxid: zxid, Pzxid: zxid, Ctime: h.now, Mtime: h.now}
			if tc.ephemeral {
				want.EphemeralOwner = session
			}
			switch r := res.Resp.(type) {
			case *wire.CreateResponse:
				assert.Equal(t, wire.OpCreate, tc.op)
				assert.Equal(t, tc.wantName, r.Path)
			case *wire.Create2Response:
				assert.NotEqual(t, wire.OpCreate, tc.op)
				assert.Equal(t, tc.wantName, r.Path)
				assert.Equal(t, want, r.Stat)
			default:
				t.Fatalf("response %T", res.Resp)
			}
			assert.Equal(t, []Event{ev(wire.EventNodeCreated, tc.wantName), ev(wire.EventNodeChildrenChanged, "/p")}, res.Events)
			assert.Equal(t, want, h.stat(tc.wantName))
			n, _ := h.tree.Lookup(tc.wantName)
			assert.Equal(t, tc.container, n.Container)
			if tc.ttlNode {
				assert.Equal(t, tc.ttl, n.TTL)
			} else {
				assert.Zero(t, n.TTL)
			}
			if tc.ephemeral {
				assert.Equal(t, []string{tc.wantName}, h.tree.Ephemerals(session))
			} else {
				assert.Empty(t, h.tree.Ephemerals(session))
			}
			assert.Equal(t, tc.container, len(h.tree.containers) == 1)
			assert.Equal(t, tc.ttlNode, len(h.tree.ttls) == 1)
		})
	}
}

func TestCreateStats(t *testing.T) {
	h := newHarness(t, Options{})
	h.create("/p", 0) // zxid 2
	h.setData("/p", []byte("v"))
	res := h.write(wire.OpCreate2, createReq("/p/a", []byte("hello"), 0)) // zxid 4
	require.Equal(t, wire.ErrOK, res.Err)
	assert.Equal(t, wire.Stat{Czxid: 4, Mzxid: 4, Pzxid: 4, Ctime: t0, Mtime: t0, DataLength: 5},
		res.Resp.(*wire.Create2Response).Stat)
	// The parent: child counter +1, pzxid; data, mzxid and version untouched.
	assert.Equal(t, wire.Stat{Czxid: 2, Mzxid: 3, Pzxid: 4, Ctime: t0, Mtime: t0, Version: 1,
		Cversion: 1, DataLength: 1, NumChildren: 1}, h.stat("/p"))
	// The root: /zookeeper is not counted, so cversion 2·1 − 2 = 0.
	assert.Equal(t, wire.Stat{Pzxid: 2, Cversion: 0, NumChildren: 2}, h.stat("/"))

	// Null data stays null; empty stays empty.
	h.create("/p/null", 0)
	assert.Nil(t, h.data("/p/null"))
	require.Equal(t, wire.ErrOK, h.write(wire.OpCreate, createReq("/p/empty", []byte{}, 0)).Err)
	assert.Equal(t, []byte{}, h.data("/p/empty"))
}

// The doc's capture: 6 child creates and 3 deletes leave cversion 9.
func TestCversion(t *testing.T) {
	h := newHarness(t, Options{})
	h.create("/probe", 0)
	for _, c := range []string{"a", "b", "c", "d", "e", "f"} {
		h.create("/probe/"+c, 0)
	}
	for _, c := range []string{"a", "c", "e"} {
		h.delete("/probe/" + c)
	}
	st := h.stat("/probe")
	assert.Equal(t, int32(9), st.Cversion)
	assert.Equal(t, int32(3), st.NumChildren)
	assert.Equal(t, h.zxid, st.Pzxid)
}

func TestSequentialNames(t *testing.T) {
	h := newHarness(t, Options{})
	h.create("/q", 0)
	h.create("/q/a", 0)
	h.create("/q/b", 0)
	h.delete("/q/b")
	assert.Equal(t, "/q/s-0000000002", h.create("/q/s-", wire.FlagPersistentSequential))
	assert.Equal(t, "/q/0000000003", h.create("/q/", wire.FlagEphemeralSequential))
	assert.Equal(t, "/q/s-0000000004", h.create("/q/s-", wire.FlagPersistentSequential))
	// The counter is per parent.
	assert.Equal(t, "/q/s-0000000002/x0000000000", h.create("/q/s-0000000002/x", wire.FlagPersistentSequential))
	// Sequential names of the root's children start at 1: /q came first.
	assert.Equal(t, "/0000000001", h.create("/", wire.FlagPersistentSequential))

	// Near the int32 limit: %010d of the counter, negative after the wrap.
	h.tree.nodes["/q"].cversion = math.MaxInt32
	assert.Equal(t, "/q/w2147483647", h.create("/q/w", wire.FlagPersistentSequential))
	assert.Equal(t, "/q/w-2147483648", h.create("/q/w", wire.FlagPersistentSequential))
	assert.Equal(t, "/q/w-2147483647", h.create("/q/w", wire.FlagPersistentSequential))
	st := h.stat("/q")
	c := int32(math.MinInt32 + 2)
	assert.Equal(t, c*2-st.NumChildren, st.Cversion, "2·C − numChildren wraps as a Java int")
}

func TestEphemeralOfSessionZero(t *testing.T) {
	h := newHarness(t, Options{})
	h.c.Session = 0
	h.create("/e", wire.FlagEphemeral)
	assert.Zero(t, h.stat("/e").EphemeralOwner)
	assert.Empty(t, h.tree.Owners())
	h.create("/e/child", 0)
}

func TestCreateKeepsACL(t *testing.T) {
	h := newHarness(t, Options{})
	h.c.IDs = []wire.ID{ipCaller, bobID}
	h.createACL("/a", []wire.ACL{acl(wire.PermRead, "world", "anyone"), acl(31, "auth", "")})
	res := h.read(wire.OpGetACL, &wire.PathRequest{Path: "/a"})
	require.Equal(t, wire.ErrOK, res.Err)
	assert.Equal(t, []wire.ACL{acl(wire.PermRead, "world", "anyone"), {Perms: 31, ID: bobID}}, res.Resp.(*wire.GetACLResponse).ACL)
}
