package tree

import (
	"math/rand"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/coordkit/coordkit/internal/wire"
)

// store is what a server keeps: the latest value of every path.
type store map[string][]byte

func (s store) apply(changes []Change) {
	for _, c := range changes {
		if c.Value == nil {
			delete(s, c.Path)
		} else {
			s[c.Path] = c.Value
		}
	}
}

func (s store) records(seed int64) []Change {
	out := make([]Change, 0, len(s))
	for p, v := range s {
		out = append(out, Change{Path: p, Value: v})
	}
	rand.New(rand.NewSource(seed)).Shuffle(len(out), func(i, j int) { out[i], out[j] = out[j], out[i] })
	return out
}

func TestChangesOff(t *testing.T) {
	h := newHarness(t, Options{})
	h.create("/a", 0)
	assert.Nil(t, h.tree.Changes())
}

func TestChanges(t *testing.T) {
	h := newHarness(t, Options{TrackChanges: true})
	assert.Nil(t, h.tree.Changes(), "a fresh tree has nothing to store")
	h.create("/a", 0)
	h.create("/a/b", 0)
	changes := h.tree.Changes()
	paths := []string{}
	for _, c := range changes {
		paths = append(paths, c.Path)
		assert.NotNil(t, c.Value)
	}
	assert.Equal(t, []string{"/", "/a", "/a/b"}, paths)
	assert.Nil(t, h.tree.Changes(), "Changes forgets what it returned")

	h.setData("/a/b", []byte("x"))
	assert.Equal(t, []string{"/a/b"}, changePaths(h.tree.Changes()))
	h.write(wire.OpSetACL, &wire.SetACLRequest{Path: "/a", ACL: []wire.ACL{acl(31, "ip", "127.0.0.1")}, Version: -1})
	assert.Equal(t, []string{"/a"}, changePaths(h.tree.Changes()))
	h.delete("/a/b")
	changes = h.tree.Changes()
	require.Len(t, changes, 2)
	assert.Equal(t, "/a", changes[0].Path)
	assert.Equal(t, Change{Path: "/a/b"}, changes[1], "a deleted node has a nil value")

	// Failed writes and reads change nothing.
	h.write(wire.OpCreate, createReq("/a", nil, 0))
	h.read(wire.OpGetData, &wire.PathWatchRequest{Path: "/a"})
	assert.Nil(t, h.tree.Changes())
}

func changePaths(cs []Change) []string {
	var out []string
	for _, c := range cs {
		out = append(out, c.Path)
	}
	return out
}

// A tree restored from what Changes reported, in any order, is identical.
func TestRestoreRoundTrip(t *testing.T) {
	opts := Options{TTLEnabled: true, TrackChanges: true}
	h := newHarness(t, opts)
	st := store{}
	step := func() { st.apply(h.tree.Changes()) }

	h.setData("/", []byte("root data"))
	h.create("/p", 0)
	h.setData("/p", []byte{})
	h.create("/p/null", 0)
	h.create("/p/gone", 0)
	h.delete("/p/gone")
	step()
	h.create("/p/s-", wire.FlagPersistentSequential)
	h.create("/p/e", wire.FlagEphemeral)
	h.as(Caller{Session: 9, IDs: []wire.ID{ipCaller, bobID}}, func() {
		h.create("/p/e9", wire.FlagEphemeralSequential)
		h.createACL("/acl", []wire.ACL{acl(wire.PermRead, "world", "anyone"), acl(31, "auth", ""), acl(3, "ip", "10.0.0.0/8")})
	})
	require.Equal(t, wire.ErrOK, h.createOp(wire.OpCreateContainer, "/c", 4, -1).Err)
	h.create("/c/x", 0)
	h.delete("/c/x")
	require.Equal(t, wire.ErrOK, h.createOp(wire.OpCreateContainer, "/c2", 4, -1).Err)
	require.Equal(t, wire.ErrOK, h.createOp(wire.OpCreateTTL, "/t", 6, 12345).Err)
	h.create("/zookeeper/mine", 0)
	h.write(wire.OpSetACL, &wire.SetACLRequest{Path: "/p", ACL: []wire.ACL{{Perms: 31, ID: bobID}, acl(1, "world", "anyone")}, Version: 0})
	h.as(Caller{Super: true}, func() {
		h.setData("/zookeeper/config", []byte("server.1=x"))
	})
	res := h.multi(mCreate(wire.OpCreate, "/m", 0), mCreate(wire.OpCreate, "/m/a", 0), mDelete("/m/a", -1))
	require.Len(t, multiResults(t, res), 3)
	step()
	h.multi(mCreate(wire.OpCreate, "/failed", 0), mCheck("/nope", -1))
	step()

	for seed := int64(0); seed < 5; seed++ {
		r, err := Restore(opts, st.records(seed))
		require.NoError(t, err)
		assert.Equal(t, snapshot(t, h.tree), snapshot(t, r))
		assert.Equal(t, h.tree.Stats(), r.Stats())
		assert.Equal(t, h.tree.Owners(), r.Owners())
		for _, s := range h.tree.Owners() {
			assert.Equal(t, h.tree.Ephemerals(s), r.Ephemerals(s))
		}
		assert.Equal(t, h.tree.Reapable(h.now+1e6, 0), r.Reapable(h.now+1e6, 0))
		assert.Nil(t, r.Changes(), "a restored tree has nothing new to store")
	}

	// The restored tree goes on as the original would.
	r, err := Restore(opts, st.records(1))
	require.NoError(t, err)
	h2 := &harness{t: t, tree: r, zxid: h.zxid, now: h.now, c: h.c}
	for _, h := range []*harness{h, h2} {
		h.c = Caller{Session: 9, IDs: []wire.ID{ipCaller, bobID}}
	}
	ops := []struct {
		op  wire.OpCode
		req wire.Record
	}{
		{wire.OpCreate, createReq("/p/s-", nil, wire.FlagPersistentSequential)},
		{wire.OpCreate, createReq("/c/x", nil, wire.FlagEphemeralSequential)},
		{wire.OpCreate, createReq("/", nil, wire.FlagPersistentSequential)},
		{wire.OpDelete, &wire.DeleteRequest{Path: "/p/null", Version: 0}},
		{wire.OpSetData, &wire.SetDataRequest{Path: "/acl", Version: 0}},
		{wire.OpSetACL, &wire.SetACLRequest{Path: "/acl", ACL: openACL, Version: 0}},
	}
	for _, op := range ops {
		assert.Equal(t, h.write(op.op, op.req), h2.write(op.op, op.req))
	}
	assert.Equal(t, h.tree.CloseSession(h.txn()), h2.tree.CloseSession(h2.txn()))
	assert.Equal(t, snapshot(t, h.tree), snapshot(t, r))
	assert.Equal(t, h.tree.Stats(), r.Stats())
}

func TestRestoreEmpty(t *testing.T) {
	r, err := Restore(Options{}, nil)
	require.NoError(t, err)
	assert.Equal(t, snapshot(t, New(Options{})), snapshot(t, r))
	r, err = Restore(Options{}, []Change{{Path: "/gone"}})
	require.NoError(t, err, "deletions are skipped")
	assert.Equal(t, snapshot(t, New(Options{})), snapshot(t, r))
}

func TestRestoreErrors(t *testing.T) {
	good := encodeNode(&node{data: []byte("x"), acl: openACL})
	eph := encodeNode(&node{acl: openACL, kind: ephemeral, owner: 5})
	mutate := func(f func(b []byte) []byte) []byte { return f(append([]byte(nil), good...)) }
	cases := []struct {
		name    string
		records []Change
		want    string
	}{
		{"truncated", []Change{{Path: "/a", Value: good[:len(good)-1]}}, "malformed"},
		{"too short", []Change{{Path: "/a", Value: []byte{1, 0}}}, "malformed"},
		{"empty", []Change{{Path: "/a", Value: []byte{}}}, "malformed"},
		{"format", []Change{{Path: "/a", Value: mutate(func(b []byte) []byte { b[0] = 9; return b })}}, "format 9"},
		{"kind", []Change{{Path: "/a", Value: mutate(func(b []byte) []byte { b[1] = 7; return b })}}, "kind 7"},
		{"trailing bytes", []Change{{Path: "/a", Value: append(append([]byte(nil), good...), 0)}}, "trailing"},
		{"owner on a persistent node", []Change{{Path: "/a", Value: mutate(func(b []byte) []byte { b[9] = 1; return b })}}, "owner"},
		{"ephemeral without session", []Change{{Path: "/a", Value: encodeNode(&node{acl: openACL, kind: ephemeral})}}, "session"},
		{"TTL out of range", []Change{{Path: "/a", Value: encodeNode(&node{acl: openACL, kind: ttlNode, owner: 1 << 40})}}, "ttl"},
		{"null ACL", []Change{{Path: "/a", Value: mutate(func(b []byte) []byte {
			n := len(b) - (4 + 4 + 4 + 5 + 4 + 6) // the ACL list
			return append(b[:n], 0xff, 0xff, 0xff, 0xff)
		})}}, "null ACL"},
		{"missing parent", []Change{{Path: "/a/b", Value: good}}, "parent /a is missing"},
		{"missing root-level parent", []Change{{Path: "/a", Value: good}, {Path: "/b/c/d", Value: good}}, "parent /b/c is missing"},
		{"invalid path", []Change{{Path: "a", Value: good}}, "invalid path"},
		{"invalid path 2", []Change{{Path: "/a/", Value: good}}, "invalid path"},
		{"twice", []Change{{Path: "/a", Value: good}, {Path: "/a", Value: good}}, "twice"},
		{"special ephemeral", []Change{{Path: "/zookeeper", Value: eph}}, "ephemeral node in place"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Restore(Options{}, tc.records)
			require.Error(t, err)
			assert.Contains(t, err.Error(), tc.want)
			assert.Contains(t, err.Error(), "tree: restore")
			if strings.Contains(tc.want, "malformed") {
				assert.ErrorIs(t, err, errMalformed)
			}
		})
	}
}

func TestEncodeDecode(t *testing.T) {
	cases := []*node{
		{data: []byte("x"), acl: openACL, czxid: 1, mzxid: 2, pzxid: 3, ctime: 4, mtime: 5, version: 6, cversion: -7, aversion: 8},
		{data: nil, acl: []wire.ACL{{Perms: 31, ID: bobID}, acl(0, "ip", "1.2.3.4")}, kind: ephemeral, owner: -5},
		{data: []byte{}, acl: []wire.ACL{}, kind: container},
		{acl: readACL, kind: ttlNode, owner: wire.MaxTTL},
	}
	for _, n := range cases {
		got, err := decodeNode(encodeNode(n))
		require.NoError(t, err)
		assert.Equal(t, n, got)
	}
}
