package tree

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/coordkit/coordkit/internal/wire"
)

// dataFixture: /p (version 1), /ro (READ only for everybody), /bob (ALL
// for bob's digest only).
func dataFixture(t *testing.T) *harness {
	h := newHarness(t, Options{})
	h.create("/p", 0)
	h.setData("/p", []byte("one"))
	h.createACL("/ro", readACL)
	h.createACL("/bob", []wire.ACL{{Perms: wire.PermAll, ID: bobID}})
	return h
}

func TestSetDataCheckOrder(t *testing.T) {
	cases := []struct {
		name    string
		path    string
		version int32
		want    wire.ErrCode
	}{
		{"empty path", "", 5, wire.ErrBadArguments},
		{"no slash", "p", -1, wire.ErrBadArguments},
		{"trailing slash", "/p/", -1, wire.ErrBadArguments},
		{"dot", "/p/.", -1, wire.ErrBadArguments},
		{"missing", "/nope", 5, wire.ErrNoNode},
		{"NoAuth before BadVersion", "/ro", 5, wire.ErrNoAuth},
		{"NoAuth", "/bob", -1, wire.ErrNoAuth},
		{"BadVersion", "/p", 0, wire.ErrBadVersion},
		{"config is read-only", "/zookeeper/config", -1, wire.ErrNoAuth},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			h := dataFixture(t)
			assertUnchanged(t, h.tree, func() {
				res := h.write(wire.OpSetData, &wire.SetDataRequest{Path: tc.path, Data: []byte("x"), Version: tc.version})
				assert.Equal(t, tc.want, res.Err)
				assert.Nil(t, res.Events)
			})
		})
	}
}

func TestSetData(t *testing.T) {
	h := dataFixture(t)
	h.create("/p/child", 0)
	before := h.stat("/p")
	h.now += 500
	res := h.write(wire.OpSetData, &wire.SetDataRequest{Path: "/p", Data: []byte("hello"), Version: 1})
	require.Equal(t, wire.ErrOK, res.Err)
	want := before
	want.Version = 2
	want.Mzxid = h.zxid
	want.Mtime = h.now
	want.DataLength = 5
	assert.Equal(t, want, res.Resp.(*wire.StatResponse).Stat)
	assert.Equal(t, want, h.stat("/p"))
	assert.Equal(t, []Event{ev(wire.EventNodeDataChanged, "/p")}, res.Events)
	assert.Equal(t, []byte("hello"), h.data("/p"))

	// Null data.
	h.setData("/p", nil)
	assert.Nil(t, h.data("/p"))
	assert.Zero(t, h.stat("/p").DataLength)

	// The root's data can be set, and its event names "/".
	res = h.write(wire.OpSetData, &wire.SetDataRequest{Path: "/", Data: []byte("r"), Version: 0})
	require.Equal(t, wire.ErrOK, res.Err)
	assert.Equal(t, []Event{ev(wire.EventNodeDataChanged, "/")}, res.Events)
	assert.Equal(t, []byte("r"), h.data(""))

	// The digest owner may write.
	h.as(Caller{Session: session, IDs: []wire.ID{ipCaller, bobID}}, func() {
		h.setData("/bob", []byte("b"))
	})
	// So may super.
	h.as(Caller{Session: session, IDs: []wire.ID{ipCaller}, Super: true}, func() {
		h.setData("/bob", []byte("s"))
		h.setData("/zookeeper/config", []byte("c"))
	})
}

func TestSetACLCheckOrder(t *testing.T) {
	bad := []wire.ACL{acl(31, "world", "nobody")}
	cases := []struct {
		name    string
		path    string
		acl     []wire.ACL
		version int32
		want    wire.ErrCode
	}{
		{"path before ACL", "/p/", bad, -1, wire.ErrBadArguments},
		{"empty path", "", openACL, -1, wire.ErrBadArguments},
		{"ACL before NoNode", "/nope", bad, -1, wire.ErrInvalidACL},
		{"null ACL", "/p", nil, -1, wire.ErrInvalidACL},
		{"auth without identity", "/p", []wire.ACL{acl(31, "auth", "")}, -1, wire.ErrInvalidACL},
		{"missing", "/nope", openACL, 3, wire.ErrNoNode},
		{"NoAuth before BadVersion", "/ro", openACL, 7, wire.ErrNoAuth},
		{"NoAuth on config", "/zookeeper/config", openACL, -1, wire.ErrNoAuth},
		{"BadVersion against aversion", "/p", openACL, 1, wire.ErrBadVersion},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			h := dataFixture(t)
			assertUnchanged(t, h.tree, func() {
				res := h.write(wire.OpSetACL, &wire.SetACLRequest{Path: tc.path, ACL: tc.acl, Version: tc.version})
				assert.Equal(t, tc.want, res.Err)
			})
		})
	}
}

func TestSetACL(t *testing.T) {
	h := dataFixture(t)
	before := h.stat("/p")
	res := h.write(wire.OpSetACL, &wire.SetACLRequest{Path: "/p", ACL: []wire.ACL{acl(wire.PermRead|wire.PermAdmin, "ip", "127.0.0.1")}, Version: 0})
	require.Equal(t, wire.ErrOK, res.Err)
	assert.Nil(t, res.Events, "setACL fires nothing")
	want := before
	want.Aversion = 1
	assert.Equal(t, want, res.Resp.(*wire.StatResponse).Stat, "only aversion changes")
	assert.Equal(t, want, h.stat("/p"))
	// Now WRITE is gone.
	res = h.write(wire.OpSetData, &wire.SetDataRequest{Path: "/p", Version: -1})
	assert.Equal(t, wire.ErrNoAuth, res.Err)

	// /zookeeper/config's aversion −1 goes to 0 (super only).
	h.as(Caller{Super: true}, func() {
		res := h.write(wire.OpSetACL, &wire.SetACLRequest{Path: "/zookeeper/config", ACL: openACL, Version: -1})
		require.Equal(t, wire.ErrOK, res.Err)
		assert.Equal(t, int32(0), res.Resp.(*wire.StatResponse).Stat.Aversion)
	})
}

func TestBareCheck(t *testing.T) {
	h := dataFixture(t)
	cases := []struct {
		path    string
		version int32
		want    wire.ErrCode
	}{
		{"/p", 1, wire.ErrOK},
		{"/p", -1, wire.ErrOK},
		{"/p", 0, wire.ErrBadVersion},
		{"/nope", 0, wire.ErrNoNode},
		{"/p/", 1, wire.ErrBadArguments},
		{"", 1, wire.ErrBadArguments},
		{"/bob", 9, wire.ErrNoAuth},
	}
	for _, tc := range cases {
		assertUnchanged(t, h.tree, func() {
			res := h.write(wire.OpCheck, &wire.CheckVersionRequest{Path: tc.path, Version: tc.version})
			assert.Equal(t, tc.want, res.Err, "%s v%d", tc.path, tc.version)
			assert.Nil(t, res.Resp)
			assert.Nil(t, res.Events)
		})
	}
}
