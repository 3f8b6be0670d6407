package tree

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/coordkit/coordkit/internal/wire"
)

func mCreate(op wire.OpCode, path string, flags int32) wire.MultiOp {
	return wire.MultiOp{Op: op, Body: createReq(path, nil, flags)}
}

func mCreateTTL(path string, flags int32, ttl int64) wire.MultiOp {
	return wire.MultiOp{Op: wire.OpCreateTTL, Body: &wire.CreateTTLRequest{Path: path, ACL: openACL, Flags: flags, TTL: ttl}}
}

func mDelete(path string, version int32) wire.MultiOp {
	return wire.MultiOp{Op: wire.OpDelete, Body: &wire.DeleteRequest{Path: path, Version: version}}
}

func mSetData(path string, data string, version int32) wire.MultiOp {
	return wire.MultiOp{Op: wire.OpSetData, Body: &wire.SetDataRequest{Path: path, Data: []byte(data), Version: version}}
}

func mCheck(path string, version int32) wire.MultiOp {
	return wire.MultiOp{Op: wire.OpCheck, Body: &wire.CheckVersionRequest{Path: path, Version: version}}
}

func (h *harness) multi(ops ...wire.MultiOp) Result {
	return h.write(wire.OpMulti, &wire.MultiRequest{Ops: ops})
}

func multiResults(t *testing.T, res Result) []wire.MultiResult {
	t.Helper()
	require.Equal(t, wire.ErrOK, res.Err)
	return res.Resp.(*wire.MultiResponse).Results
}

// The successful multi of the protocol reference's capture.
func TestMulti(t *testing.T) {
	h := newHarness(t, Options{})
	h.create("/m", 0)
	h.now += 10
	res := h.multi(
		mCreate(wire.OpCreate, "/m/a", 0),
		mCreate(wire.OpCreate2, "/m/b", 0),
		mSetData("/m", "M", 0),
		mCheck("/m", 1),
		mDelete("/m/a", 0),
		mCreate(wire.OpCreateContainer, "/m/c", wire.FlagContainer),
	)
	z := h.zxid
	m := wire.Stat{Czxid: 2, Mzxid: z, Pzxid: z, Ctime: t0, Mtime: t0 + 10, Version: 1, Cversion: 2, DataLength: 1, NumChildren: 2}
	assert.Equal(t, []wire.MultiResult{
		{Op: wire.OpCreate, Path: "/m/a"},
		{Op: wire.OpCreate, Path: "/m/b"}, // create2 answers like create
		{Op: wire.OpSetData, Stat: m},
		{Op: wire.OpCheck},
		{Op: wire.OpDelete},
		{Op: wire.OpCreate2, Path: "/m/c", Stat: wire.Stat{Czxid: z, Mzxid: z, Pzxid: z, Ctime: t0 + 10, Mtime: t0 + 10}},
	}, multiResults(t, res))
	assert.Equal(t, []Event{
		ev(wire.EventNodeCreated, "/m/a"), ev(wire.EventNodeChildrenChanged, "/m"),
		ev(wire.EventNodeCreated, "/m/b"), ev(wire.EventNodeChildrenChanged, "/m"),
		ev(wire.EventNodeDataChanged, "/m"),
		ev(wire.EventNodeDeleted, "/m/a"), ev(wire.EventNodeChildrenChanged, "/m"),
		ev(wire.EventNodeCreated, "/m/c"), ev(wire.EventNodeChildrenChanged, "/m"),
	}, res.Events)
	m.NumChildren, m.Cversion = 2, 3*2-2
	assert.Equal(t, m, h.stat("/m"))
	assert.Equal(t, []string{"b", "c"}, h.children("/m"))
	n, _ := h.tree.Lookup("/m/c")
	assert.True(t, n.Container)
}

// The failed multi of the capture: nothing applied, results 0, code, −2.
func TestMultiFailure(t *testing.T) {
	h := newHarness(t, Options{})
	h.create("/m", 0)
	assertUnchanged(t, h.tree, func() {
		res := h.multi(mCreate(wire.OpCreate, "/m/x", 0), mCheck("/m", 99), mSetData("/m", "x", -1))
		assert.Equal(t, []wire.MultiResult{
			{Op: wire.OpError, Err: wire.ErrOK},
			{Op: wire.OpError, Err: wire.ErrBadVersion},
			{Op: wire.OpError, Err: wire.ErrRuntimeInconsistency},
		}, multiResults(t, res))
		assert.Nil(t, res.Events)
	})
}

func TestMultiEmpty(t *testing.T) {
	h := newHarness(t, Options{})
	assertUnchanged(t, h.tree, func() {
		res := h.multi()
		assert.Empty(t, multiResults(t, res))
		assert.Nil(t, res.Events)
	})
}

func TestMultiSeesEarlierOps(t *testing.T) {
	h := newHarness(t, Options{})
	h.create("/m", 0)
	res := h.multi(
		mCreate(wire.OpCreate, "/m/n", 0),
		mSetData("/m/n", "v", 0),
		mCheck("/m/n", 1),
		mCreate(wire.OpCreate, "/m/n/child", 0),
		mCreate(wire.OpCreate, "/m/s-", wire.FlagPersistentSequential),
		mCreate(wire.OpCreate, "/m/s-", wire.FlagPersistentSequential),
		mDelete("/m/n/child", 0),
		mDelete("/m/n", 1),
	)
	results := multiResults(t, res)
	assert.Equal(t, "/m/s-0000000001", results[4].Path)
	assert.Equal(t, "/m/s-0000000002", results[5].Path)
	assert.Equal(t, []string{"s-0000000001", "s-0000000002"}, h.children("/m"))
	st := h.stat("/m")
	assert.Equal(t, int32(3*2-2), st.Cversion, "3 creations, 2 children")

	// An ephemeral created earlier in the multi refuses children.
	res = h.multi(mCreate(wire.OpCreate, "/m/e", wire.FlagEphemeral), mCreate(wire.OpCreate, "/m/e/x", 0))
	assert.Equal(t, []wire.MultiResult{
		{Op: wire.OpError, Err: wire.ErrOK},
		{Op: wire.OpError, Err: wire.ErrNoChildrenForEphemerals},
	}, multiResults(t, res))
	assert.False(t, h.exists("/m/e"))
}

// Each result's Stat is the node's at the time of its sub-op.
func TestMultiResultStats(t *testing.T) {
	h := newHarness(t, Options{})
	res := h.multi(
		mCreate(wire.OpCreateContainer, "/c", wire.FlagContainer),
		mSetData("/c", "abc", -1),
		mCreate(wire.OpCreate, "/c/x", 0),
		mSetData("/c", "", -1),
	)
	results := multiResults(t, res)
	z := h.zxid
	assert.Equal(t, wire.Stat{Czxid: z, Mzxid: z, Pzxid: z, Ctime: t0, Mtime: t0}, results[0].Stat)
	assert.Equal(t, wire.Stat{Czxid: z, Mzxid: z, Pzxid: z, Ctime: t0, Mtime: t0, Version: 1, DataLength: 3}, results[1].Stat)
	assert.Equal(t, wire.Stat{Czxid: z, Mzxid: z, Pzxid: z, Ctime: t0, Mtime: t0, Version: 2, Cversion: 1, NumChildren: 1}, results[3].Stat)
}

// Inside a multi ZooKeeper rebuilds each create from its flags: flags 4 make
// a container and 5/6 a TTL node whatever the sub-op's opcode; read from a
// ZooKeeper 3.8.0 server.
func TestMultiCreateKinds(t *testing.T) {
	cases := []struct {
		name       string
		op         wire.MultiOp
		ttlOn      bool
		wantType   wire.OpCode // OpError: the sub-op fails with wantErr; 0: the whole multi fails
		wantErr    wire.ErrCode
		container  bool
		ttl        int64
		sequential bool
	}{
		{"op 1 flags 0", mCreate(wire.OpCreate, "/n", 0), true, wire.OpCreate, 0, false, 0, false},
		{"op 15 flags 0", mCreate(wire.OpCreate2, "/n", 0), true, wire.OpCreate, 0, false, 0, false},
		{"op 19 flags 0 is a plain node", mCreate(wire.OpCreateContainer, "/n", 0), true, wire.OpCreate, 0, false, 0, false},
		{"op 19 flags 2", mCreate(wire.OpCreateContainer, "/n", 2), true, wire.OpCreate, 0, false, 0, true},
		{"op 1 flags 4 is a container", mCreate(wire.OpCreate, "/n", 4), true, wire.OpCreate2, 0, true, 0, false},
		{"op 15 flags 4 is a container", mCreate(wire.OpCreate2, "/n", 4), true, wire.OpCreate2, 0, true, 0, false},
		{"op 19 flags 4", mCreate(wire.OpCreateContainer, "/n", 4), true, wire.OpCreate2, 0, true, 0, false},
		{"op 1 flags 5 fails the request", mCreate(wire.OpCreate, "/n", 5), true, 0, wire.ErrMarshallingError, false, 0, false},
		{"op 19 flags 6 fails the request, TTL off", mCreate(wire.OpCreateContainer, "/n", 6), false, 0, wire.ErrMarshallingError, false, 0, false},
		{"op 1 flags 7", mCreate(wire.OpCreate, "/n", 7), true, wire.OpError, wire.ErrBadArguments, false, 0, false},
		{"op 21 flags 0 is a plain node", mCreateTTL("/n", 0, -1), true, wire.OpCreate, 0, false, 0, false},
		{"op 21 flags 0, ttl ignored", mCreateTTL("/n", 0, 100), true, wire.OpCreate, 0, false, 0, false},
		{"op 21 flags 4 is a container", mCreateTTL("/n", 4, 100), true, wire.OpCreate2, 0, true, 0, false},
		{"op 21 flags 7", mCreateTTL("/n", 7, 100), true, wire.OpError, wire.ErrBadArguments, false, 0, false},
		{"op 21 flags 5", mCreateTTL("/n", 5, 100), true, wire.OpCreate2, 0, false, 100, false},
		{"op 21 flags 6", mCreateTTL("/n", 6, 100), true, wire.OpCreate2, 0, false, 100, true},
		{"op 21 flags 5, bad ttl", mCreateTTL("/n", 5, 0), true, wire.OpError, wire.ErrBadArguments, false, 0, false},
		{"op 21 flags 5, TTL off", mCreateTTL("/n", 5, 100), false, wire.OpError, wire.ErrUnimplemented, false, 0, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			h := newHarness(t, Options{TTLEnabled: tc.ttlOn})
			h.create("/first", 0)
			if tc.wantType != wire.OpCreate && tc.wantType != wire.OpCreate2 {
				assertUnchanged(t, h.tree, func() {
					res := h.multi(mCreate(wire.OpCreate, "/before", 0), tc.op)
					if tc.wantType == 0 {
						assert.Equal(t, wire.ErrMarshallingError, res.Err)
						assert.Nil(t, res.Resp)
						return
					}
					assert.Equal(t, []wire.MultiResult{{Op: wire.OpError}, {Op: wire.OpError, Err: tc.wantErr}}, multiResults(t, res))
				})
				return
			}
			results := multiResults(t, h.multi(tc.op))
			require.Len(t, results, 1)
			want := "/n"
			if tc.sequential {
				want = "/n0000000001" // /first was the root's first counted child
			}
			assert.Equal(t, tc.wantType, results[0].Op)
			assert.Equal(t, want, results[0].Path)
			n, ok := h.tree.Lookup(want)
			require.True(t, ok)
			assert.Equal(t, tc.container, n.Container)
			assert.Equal(t, tc.ttl, n.TTL)
			if tc.wantType == wire.OpCreate2 {
				assert.Equal(t, n.Stat, results[0].Stat)
			}
		})
	}
}

// A request-level failure after applied sub-ops undoes them; one after a
// failed sub-op is never reached.
func TestMultiMarshallingError(t *testing.T) {
	h := newHarness(t, Options{TrackChanges: true})
	h.create("/m", 0)
	h.tree.Changes()
	assertUnchanged(t, h.tree, func() {
		res := h.multi(mCreate(wire.OpCreate, "/m/a", 0), mDelete("/m/a", -1), mCreate(wire.OpCreate, "/m/b", 5))
		assert.Equal(t, wire.ErrMarshallingError, res.Err)
		assert.Nil(t, res.Events)
	})
	assert.Nil(t, h.tree.Changes())
	res := h.multi(mCreate(wire.OpCreate, "/nope/a", 0), mCreate(wire.OpCreate, "/m/b", 5))
	assert.Equal(t, []wire.MultiResult{
		{Op: wire.OpError, Err: wire.ErrNoNode},
		{Op: wire.OpError, Err: wire.ErrRuntimeInconsistency},
	}, multiResults(t, res))
	bad := &wire.MultiRequest{Ops: []wire.MultiOp{{Op: wire.OpGetData, Body: &wire.PathWatchRequest{Path: "/m"}}}}
	assert.Equal(t, wire.ErrMarshallingError, h.write(wire.OpMulti, bad).Err)
	wrongBody := &wire.MultiRequest{Ops: []wire.MultiOp{{Op: wire.OpDelete, Body: createReq("/m", nil, 0)}}}
	assert.Equal(t, wire.ErrMarshallingError, h.write(wire.OpMulti, wrongBody).Err)
}

// A failing multi undoes everything: nodes, children lists (and their
// cache), counters, ephemeral/container/TTL indexes, sizes, and the
// changes to persist.
func TestMultiRollback(t *testing.T) {
	h := newHarness(t, Options{TTLEnabled: true, TrackChanges: true})
	h.create("/m", 0)
	h.create("/m/a", 0)
	h.create("/m/e", wire.FlagEphemeral)
	h.create("/m/old", 0)
	h.setData("/m/old", []byte("old data"))
	require.Equal(t, wire.ErrOK, h.createOp(wire.OpCreateContainer, "/m/c", 4, -1).Err)
	require.Equal(t, []string{"a", "c", "e", "old"}, h.children("/m")) // cache built
	h.tree.Changes()

	assertUnchanged(t, h.tree, func() {
		res := h.multi(
			mDelete("/m/a", -1),
			mDelete("/m/e", -1),
			mDelete("/m/c", -1),
			mCreate(wire.OpCreate, "/m/a", wire.FlagEphemeral),
			mCreate(wire.OpCreate, "/m/new", wire.FlagContainer),
			mCreateTTL("/m/t", 5, 1000),
			mCreate(wire.OpCreate, "/m/t/x", 0),
			mSetData("/m/old", "new data, longer", -1),
			mSetData("/m", "parent", -1),
			mDelete("/m/t/x", -1),
			mCreate(wire.OpCreate, "/m/s", wire.FlagPersistentSequential),
			mCreate(wire.OpCreate, "/top", 0),
			mCheck("/m/old", 0), // fails: version is 2 now
		)
		results := multiResults(t, res)
		assert.Equal(t, wire.MultiResult{Op: wire.OpError, Err: wire.ErrBadVersion}, results[12])
	})
	assert.Nil(t, h.tree.Changes())
	assert.Equal(t, []string{"a", "c", "e", "old"}, h.children("/m"))
	assert.Equal(t, []string{"/m/e"}, h.tree.Ephemerals(session))
	assert.Len(t, h.tree.containers, 1)
	assert.Empty(t, h.tree.ttls)

	// The tree works normally afterwards, the counter where it was.
	assert.Equal(t, "/m/s0000000004", h.create("/m/s", wire.FlagPersistentSequential))
}

// A multi that fails at its first sub-op, and one whose ops are all before
// the failure, leave no undo state behind.
func TestMultiStateCleared(t *testing.T) {
	h := newHarness(t, Options{})
	h.multi(mCheck("/nope", -1))
	assert.Nil(t, h.tree.multi)
	h.multi(mCreate(wire.OpCreate, "/a", 0))
	assert.Nil(t, h.tree.multi)
	assert.True(t, h.exists("/a"))
}
