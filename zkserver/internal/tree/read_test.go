package tree

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/coordkit/coordkit/internal/wire"
)

// readFixture: /a/{b,c}/… with data, /secret (ALL for bob only),
// /admin (ADMIN for everybody, READ for nobody), /mixed (READ for all,
// ALL for bob).
func readFixture(t *testing.T) *harness {
	h := newHarness(t, Options{})
	h.create("/a", 0)
	h.setData("/a", []byte("data"))
	h.create("/a/c", 0)
	h.create("/a/b", 0)
	h.create("/a/b/x", 0)
	h.create("/a/b/x/y", 0)
	h.createACL("/secret", []wire.ACL{{Perms: wire.PermAll, ID: bobID}})
	h.createACL("/admin", []wire.ACL{acl(wire.PermAdmin, "world", "anyone"), {Perms: wire.PermAll, ID: bobID}})
	h.createACL("/mixed", []wire.ACL{acl(wire.PermRead, "world", "anyone"), {Perms: wire.PermAll, ID: bobID}})
	return h
}

func TestReadErrors(t *testing.T) {
	cases := []struct {
		name string
		op   wire.OpCode
		path string
		want wire.ErrCode
	}{
		{"exists missing", wire.OpExists, "/nope", wire.ErrNoNode},
		{"exists has no ACL check", wire.OpExists, "/secret", wire.ErrOK},
		{"exists invalid path", wire.OpExists, "/a/", wire.ErrNoNode},
		{"exists relative path", wire.OpExists, "a", wire.ErrNoNode},
		{"exists NUL", wire.OpExists, "/a\x00", wire.ErrBadArguments},
		{"exists root alias", wire.OpExists, "", wire.ErrOK},
		{"getData missing", wire.OpGetData, "/nope", wire.ErrNoNode},
		{"getData NUL is just missing", wire.OpGetData, "/a\x00", wire.ErrNoNode},
		{"getData no READ", wire.OpGetData, "/secret", wire.ErrNoAuth},
		{"getData only ADMIN", wire.OpGetData, "/admin", wire.ErrNoAuth},
		{"getData root alias", wire.OpGetData, "", wire.ErrOK},
		{"getData dot", wire.OpGetData, "/a/.", wire.ErrNoNode},
		{"getACL missing", wire.OpGetACL, "/nope", wire.ErrNoNode},
		{"getACL no READ nor ADMIN", wire.OpGetACL, "/secret", wire.ErrNoAuth},
		{"getACL with ADMIN only", wire.OpGetACL, "/admin", wire.ErrOK},
		{"getChildren missing", wire.OpGetChildren, "/nope", wire.ErrNoNode},
		{"getChildren no READ", wire.OpGetChildren, "/secret", wire.ErrNoAuth},
		{"getChildren2 missing", wire.OpGetChildren2, "/nope", wire.ErrNoNode},
		{"getChildren2 no READ", wire.OpGetChildren2, "/admin", wire.ErrNoAuth},
		{"getAllChildrenNumber missing", wire.OpGetAllChildrenNumber, "/nope", wire.ErrNoNode},
		{"getAllChildrenNumber no READ", wire.OpGetAllChildrenNumber, "/secret", wire.ErrNoAuth},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			h := readFixture(t)
			var req wire.Record = &wire.PathWatchRequest{Path: tc.path, Watch: true}
			if tc.op == wire.OpGetACL || tc.op == wire.OpGetAllChildrenNumber {
				req = &wire.PathRequest{Path: tc.path}
			}
			res := h.read(tc.op, req)
			assert.Equal(t, tc.want, res.Err)
			if tc.want != wire.ErrOK {
				assert.Nil(t, res.Resp)
			}
			assert.Nil(t, res.Events)
		})
	}
}

func TestReadResponses(t *testing.T) {
	h := readFixture(t)
	a := h.stat("/a")
	assert.Equal(t, int32(2), a.NumChildren)

	res := h.read(wire.OpGetData, &wire.PathWatchRequest{Path: "/a"})
	assert.Equal(t, &wire.GetDataResponse{Data: []byte("data"), Stat: a}, res.Resp)

	res = h.read(wire.OpGetChildren, &wire.PathWatchRequest{Path: "/a"})
	assert.Equal(t, &wire.StringsResponse{Strings: []string{"b", "c"}}, res.Resp)
	res = h.read(wire.OpGetChildren2, &wire.PathWatchRequest{Path: "/a"})
	assert.Equal(t, &wire.GetChildren2Response{Children: []string{"b", "c"}, Stat: a}, res.Resp)

	// No children: an empty vector, not a null one.
	res = h.read(wire.OpGetChildren, &wire.PathWatchRequest{Path: "/a/c"})
	got := res.Resp.(*wire.StringsResponse).Strings
	assert.NotNil(t, got)
	assert.Empty(t, got)

	// The sorted list is cached and rebuilt after a change.
	first := h.children("/a")
	h.create("/a/a", 0)
	assert.Equal(t, []string{"a", "b", "c"}, h.children("/a"))
	assert.Equal(t, []string{"b", "c"}, first, "a list handed out is never modified")
	h.delete("/a/a")
	assert.Equal(t, []string{"b", "c"}, h.children("/a"))
}

func TestGetACLMasking(t *testing.T) {
	h := readFixture(t)
	bob := Caller{IDs: []wire.ID{ipCaller, bobID}}
	getACL := func(c Caller, path string) []wire.ACL {
		res := h.tree.Read(wire.OpGetACL, &wire.PathRequest{Path: path}, c)
		require.Equal(t, wire.ErrOK, res.Err)
		return res.Resp.(*wire.GetACLResponse).ACL
	}
	masked := []wire.ACL{acl(wire.PermRead, "world", "anyone"), acl(wire.PermAll, "digest", "bob:x")}
	full := []wire.ACL{acl(wire.PermRead, "world", "anyone"), {Perms: wire.PermAll, ID: bobID}}
	assert.Equal(t, masked, getACL(h.c, "/mixed"), "READ without ADMIN masks digests")
	assert.Equal(t, full, getACL(bob, "/mixed"), "ADMIN sees them")
	assert.Equal(t, full, getACL(Caller{Super: true}, "/mixed"), "super sees them")
	assert.Equal(t, []wire.ACL{acl(wire.PermAdmin, "world", "anyone"), {Perms: wire.PermAll, ID: bobID}}, getACL(h.c, "/admin"))
	res := h.read(wire.OpGetACL, &wire.PathRequest{Path: "/mixed"})
	assert.Equal(t, h.stat("/mixed"), res.Resp.(*wire.GetACLResponse).Stat)
}

func TestGetAllChildrenNumber(t *testing.T) {
	h := readFixture(t)
	count := func(path string) int32 {
		res := h.read(wire.OpGetAllChildrenNumber, &wire.PathRequest{Path: path})
		require.Equal(t, wire.ErrOK, res.Err, path)
		return res.Resp.(*wire.CountResponse).Count
	}
	// 12 nodes: /, /zookeeper{,/quota,/config}, /a, /a/b, /a/c, /a/b/x,
	// /a/b/x/y, /secret, /admin, /mixed.
	assert.Equal(t, int32(11), count("/"))
	assert.Equal(t, int32(12), count(""), "ZooKeeper counts the keys under \"/\", the root's among them")
	assert.Equal(t, int32(4), count("/a"))
	assert.Equal(t, int32(2), count("/a/b"))
	assert.Equal(t, int32(0), count("/a/b/x/y"))
	assert.Equal(t, int32(2), count("/zookeeper"))
}

func TestGetEphemerals(t *testing.T) {
	h := newHarness(t, Options{})
	h.create("/app", 0)
	h.create("/app/e1", wire.FlagEphemeral)
	h.create("/app/e2", wire.FlagEphemeral)
	h.create("/apple", wire.FlagEphemeral)
	h.create("/b", wire.FlagEphemeral)
	h.create("/app/p", 0)
	h.as(Caller{Session: 99, IDs: []wire.ID{ipCaller}}, func() { h.create("/app/other", wire.FlagEphemeral) })
	get := func(session int64, prefix string) []string {
		res := h.tree.Read(wire.OpGetEphemerals, &wire.PathRequest{Path: prefix}, Caller{Session: session})
		require.Equal(t, wire.ErrOK, res.Err)
		out := res.Resp.(*wire.StringsResponse).Strings
		require.NotNil(t, out)
		return out
	}
	all := []string{"/app/e1", "/app/e2", "/b", "/apple"} // ZooKeeper's order, that of closeSession
	cases := []struct {
		prefix string
		want   []string
	}{
		{"", all},
		{"/", all},
		{"  / \t", all},
		{" ", all},
		{"/app", []string{"/app/e1", "/app/e2", "/apple"}},
		{"/app/", []string{"/app/e1", "/app/e2"}},
		{"/app/e1", []string{"/app/e1"}},
		{" /app", []string{}},
		{"/zzz", []string{}},
		{"app", []string{}},
	}
	for _, tc := range cases {
		assert.Equal(t, tc.want, get(session, tc.prefix), "%q", tc.prefix)
	}
	assert.Equal(t, []string{"/app/other"}, get(99, ""))
	assert.Equal(t, []string{}, get(7, ""))
}

func TestMultiRead(t *testing.T) {
	h := readFixture(t)
	req := &wire.MultiRequest{Read: true, Ops: []wire.MultiOp{
		{Op: wire.OpGetData, Body: &wire.PathWatchRequest{Path: "/a", Watch: true}},
		{Op: wire.OpGetChildren, Body: &wire.PathWatchRequest{Path: "/a"}},
		{Op: wire.OpGetData, Body: &wire.PathWatchRequest{Path: "/nope"}},
		{Op: wire.OpGetChildren, Body: &wire.PathWatchRequest{Path: "/secret"}},
		{Op: wire.OpGetChildren, Body: &wire.PathWatchRequest{Path: ""}},
	}}
	res := h.read(wire.OpMultiRead, req)
	require.Equal(t, wire.ErrOK, res.Err)
	assert.Equal(t, &wire.MultiResponse{Results: []wire.MultiResult{
		{Op: wire.OpGetData, Data: []byte("data"), Stat: h.stat("/a")},
		{Op: wire.OpGetChildren, Children: []string{"b", "c"}},
		{Op: wire.OpError, Err: wire.ErrNoNode},
		{Op: wire.OpError, Err: wire.ErrNoAuth},
		{Op: wire.OpGetChildren, Children: []string{"a", "admin", "mixed", "secret", "zookeeper"}},
	}}, res.Resp)

	res = h.read(wire.OpMultiRead, &wire.MultiRequest{Read: true})
	require.Equal(t, wire.ErrOK, res.Err)
	assert.Empty(t, res.Resp.(*wire.MultiResponse).Results)

	bad := &wire.MultiRequest{Read: true, Ops: []wire.MultiOp{{Op: wire.OpSetData, Body: &wire.SetDataRequest{Path: "/a"}}}}
	assert.Equal(t, wire.ErrMarshallingError, h.read(wire.OpMultiRead, bad).Err)
}

// Reads allocate nothing but their response.
func TestReadAllocations(t *testing.T) {
	h := readFixture(t)
	h.children("/a") // builds the cache
	c := Caller{IDs: []wire.ID{ipCaller, bobID}}
	cases := []struct {
		op  wire.OpCode
		req wire.Record
	}{
		{wire.OpGetData, &wire.PathWatchRequest{Path: "/a/b/x"}},
		{wire.OpGetData, &wire.PathWatchRequest{Path: "/secret"}},
		{wire.OpExists, &wire.PathWatchRequest{Path: "/a"}},
		{wire.OpGetChildren, &wire.PathWatchRequest{Path: "/a"}},
		{wire.OpGetChildren2, &wire.PathWatchRequest{Path: "/a"}},
		{wire.OpGetACL, &wire.PathRequest{Path: "/mixed"}},
	}
	for _, tc := range cases {
		allocs := testing.AllocsPerRun(100, func() { h.tree.Read(tc.op, tc.req, c) })
		assert.LessOrEqual(t, allocs, 1.0, tc.op.String())
	}
	allocs := testing.AllocsPerRun(100, func() { h.tree.Read(wire.OpGetData, &wire.PathWatchRequest{Path: "/nope"}, c) })
	assert.Zero(t, allocs)
}
