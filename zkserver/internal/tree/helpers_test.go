package tree

import (
	"maps"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/coordkit/coordkit/internal/wire"
)

// harness drives a tree as the server does: every write gets the next
// zxid, the current time and the current caller.
type harness struct {
	t    *testing.T
	tree *Tree
	zxid int64
	now  int64
	c    Caller
}

const (
	t0      = int64(1_700_000_000_000)
	session = int64(0x0100_0000_0000_0001)
)

var (
	ipCaller = wire.ID{Scheme: "ip", ID: "127.0.0.1"}
	bobID    = wire.ID{Scheme: "digest", ID: "bob:fyVmFCwVbTJYrznoSu1koqYEYF0="}
	aliceID  = wire.ID{Scheme: "digest", ID: "alice:9b0ebtcMtPIjMPhHzEqo0vBKXkI="}
)

func newHarness(t *testing.T, opts Options) *harness {
	return &harness{
		t:    t,
		tree: New(opts),
		zxid: 1, // a fresh server's first session takes zxid 1
		now:  t0,
		c:    Caller{Session: session, IDs: []wire.ID{ipCaller}},
	}
}

func (h *harness) txn() Txn {
	h.zxid++
	return Txn{Zxid: h.zxid, Time: h.now, Caller: h.c}
}

func (h *harness) write(op wire.OpCode, req wire.Record) Result {
	return h.tree.Write(op, req, h.txn())
}

func (h *harness) read(op wire.OpCode, req wire.Record) Result {
	return h.tree.Read(op, req, h.c)
}

// as runs f with the harness acting as caller c.
func (h *harness) as(c Caller, f func()) {
	saved := h.c
	h.c = c
	defer func() { h.c = saved }()
	f()
}

func createReq(path string, data []byte, flags int32) *wire.CreateRequest {
	return &wire.CreateRequest{Path: path, Data: data, ACL: openACL, Flags: flags}
}

func (h *harness) create(path string, flags int32) string {
	h.t.Helper()
	res := h.write(wire.OpCreate, createReq(path, nil, flags))
	require.Equal(h.t, wire.ErrOK, res.Err, "create %s", path)
	return res.Resp.(*wire.CreateResponse).Path
}

func (h *harness) createACL(path string, acl []wire.ACL) {
	h.t.Helper()
	res := h.write(wire.OpCreate, &wire.CreateRequest{Path: path, ACL: acl})
	require.Equal(h.t, wire.ErrOK, res.Err, "create %s", path)
}

func (h *harness) createOp(op wire.OpCode, path string, flags int32, ttl int64) Result {
	if op == wire.OpCreateTTL {
		return h.write(op, &wire.CreateTTLRequest{Path: path, ACL: openACL, Flags: flags, TTL: ttl})
	}
	return h.write(op, createReq(path, nil, flags))
}

func (h *harness) delete(path string) {
	h.t.Helper()
	res := h.write(wire.OpDelete, &wire.DeleteRequest{Path: path, Version: -1})
	require.Equal(h.t, wire.ErrOK, res.Err, "delete %s", path)
}

func (h *harness) setData(path string, data []byte) wire.Stat {
	h.t.Helper()
	res := h.write(wire.OpSetData, &wire.SetDataRequest{Path: path, Data: data, Version: -1})
	require.Equal(h.t, wire.ErrOK, res.Err, "setData %s", path)
	return res.Resp.(*wire.StatResponse).Stat
}

func (h *harness) stat(path string) wire.Stat {
	h.t.Helper()
	res := h.read(wire.OpExists, &wire.PathWatchRequest{Path: path})
	require.Equal(h.t, wire.ErrOK, res.Err, "exists %s", path)
	return res.Resp.(*wire.StatResponse).Stat
}

func (h *harness) exists(path string) bool {
	return h.read(wire.OpExists, &wire.PathWatchRequest{Path: path}).Err == wire.ErrOK
}

func (h *harness) children(path string) []string {
	h.t.Helper()
	res := h.read(wire.OpGetChildren, &wire.PathWatchRequest{Path: path})
	require.Equal(h.t, wire.ErrOK, res.Err, "getChildren %s", path)
	return res.Resp.(*wire.StringsResponse).Strings
}

func (h *harness) data(path string) []byte {
	h.t.Helper()
	res := h.read(wire.OpGetData, &wire.PathWatchRequest{Path: path})
	require.Equal(h.t, wire.ErrOK, res.Err, "getData %s", path)
	return res.Resp.(*wire.GetDataResponse).Data
}

func acl(perms int32, scheme, id string) wire.ACL {
	return wire.ACL{Perms: perms, ID: wire.ID{Scheme: scheme, ID: id}}
}

// ev is an event on a node (or parent) whose ACL is OPEN_ACL_UNSAFE, as
// every node the harness makes has.
func ev(typ int32, path string) Event { return Event{Type: typ, Path: path, ACL: openACL} }

// snapshot is every node of a tree as Lookup sees it, for comparisons.
func snapshot(t *testing.T, tr *Tree) map[string]Node {
	t.Helper()
	out := make(map[string]Node)
	for p := range tr.nodes {
		n, ok := tr.Lookup(p)
		require.True(t, ok)
		out[p] = n
	}
	return out
}

// ephSets is a copy of every session's ephemeral set.
func ephSets(tr *Tree) map[int64]ephSet {
	out := make(map[int64]ephSet, len(tr.ephemerals))
	for id, s := range tr.ephemerals {
		out[id] = ephSet{paths: maps.Clone(s.paths), cap: s.cap}
	}
	return out
}

// assertUnchanged checks that f leaves the tree as it was (nodes, indexes,
// ephemeral sets, counts, and the changes to persist).
func assertUnchanged(t *testing.T, tr *Tree, f func()) {
	t.Helper()
	before := snapshot(t, tr)
	stats := tr.Stats()
	owners := tr.Owners()
	sets := ephSets(tr)
	dirty := len(tr.dirty)
	f()
	assert.Equal(t, before, snapshot(t, tr))
	assert.Equal(t, stats, tr.Stats())
	assert.Equal(t, owners, tr.Owners())
	assert.Equal(t, sets, ephSets(tr))
	assert.Equal(t, dirty, len(tr.dirty))
}
