package tree

import (
	"math/rand"
	"strconv"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/coordkit/coordkit/internal/wire"
)

// randomOps drives seeded random writes from several callers. After every
// write: a failed write (or failed multi) changed nothing; the stored
// changes rebuild, at any point, a tree identical to the live one; Stats
// agree with a recount.
func TestRandomOps(t *testing.T) {
	for seed := int64(1); seed <= 8; seed++ {
		t.Run("seed="+strconv.FormatInt(seed, 10), func(t *testing.T) { randomOps(t, seed, 600) })
	}
}

func randomOps(t *testing.T, seed int64, steps int) {
	rng := rand.New(rand.NewSource(seed))
	opts := Options{TTLEnabled: true, TrackChanges: true}
	h := newHarness(t, opts)
	callers := []Caller{
		{Session: 11, IDs: []wire.ID{ipCaller}},
		{Session: 12, IDs: []wire.ID{ipCaller, bobID}},
		{Session: 13, IDs: []wire.ID{ipCaller}, Super: true},
	}
	st := store{}
	paths := []string{"/a", "/a", "/a/b", "/a/c", "/a/b/d", "/b", "/b", "/b/x", "/zookeeper/z", "/", "", "/a/", "/nope/x"}
	pick := func() string { return paths[rng.Intn(len(paths))] }
	acls := [][]wire.ACL{openACL, openACL, openACL, openACL, readACL, {{Perms: 31, ID: bobID}}, {acl(31, "auth", "")},
		{acl(wire.PermAll&^wire.PermDelete, "world", "anyone")}, nil}
	create := func() (wire.OpCode, wire.Record) {
		op := []wire.OpCode{wire.OpCreate, wire.OpCreate2, wire.OpCreateContainer, wire.OpCreateTTL}[rng.Intn(4)]
		p := pick()
		if rng.Intn(3) == 0 {
			p += "/s"
		}
		flags := []int32{0, 0, 0, 1, 1, 2, 3, 4, 5, 6, 7}[rng.Intn(11)]
		a := acls[rng.Intn(len(acls))]
		if op == wire.OpCreateTTL {
			return op, &wire.CreateTTLRequest{Path: p, ACL: a, Flags: 5 + int32(rng.Intn(3)), TTL: int64(rng.Intn(4)) * 1000}
		}
		return op, &wire.CreateRequest{Path: p, Data: []byte("d")[:rng.Intn(2)], ACL: a, Flags: flags}
	}
	sub := func() wire.MultiOp {
		switch rng.Intn(4) {
		case 0:
			op, body := create()
			return wire.MultiOp{Op: op, Body: body}
		case 1:
			return mDelete(pick(), int32(rng.Intn(3)-2))
		case 2:
			return mSetData(pick(), "v", int32(rng.Intn(3)-2))
		}
		return mCheck(pick(), int32(rng.Intn(3)-2))
	}
	okCount := 0
	defer func() { t.Logf("%d of %d writes succeeded, %d nodes", okCount, steps, len(h.tree.nodes)) }()
	for step := 0; step < steps; step++ {
		h.c = callers[rng.Intn(len(callers))]
		h.now += int64(rng.Intn(100))
		var op wire.OpCode
		var req wire.Record
		switch r := rng.Intn(100); {
		case r < 35:
			op, req = create()
		case r < 50:
			op, req = wire.OpDelete, &wire.DeleteRequest{Path: pick(), Version: int32(rng.Intn(3) - 1)}
		case r < 60:
			op, req = wire.OpSetData, &wire.SetDataRequest{Path: pick(), Data: []byte("xyz")[:rng.Intn(4)], Version: -1}
		case r < 65:
			op, req = wire.OpSetACL, &wire.SetACLRequest{Path: pick(), ACL: acls[rng.Intn(len(acls))], Version: -1}
		case r < 90:
			ops := make([]wire.MultiOp, rng.Intn(4))
			for i := range ops {
				ops[i] = sub()
			}
			op, req = wire.OpMulti, &wire.MultiRequest{Ops: ops}
		case r < 95:
			before := snapshot(t, h.tree)
			res := h.tree.CloseSession(h.txn())
			assert.Len(t, res.Events, 2*(len(before)-len(snapshot(t, h.tree))))
			st.apply(h.tree.Changes())
			continue
		default:
			for _, p := range h.tree.Reapable(h.now, 0) {
				require.Equal(t, wire.ErrOK, h.tree.Reap(p, h.txn()).Err)
			}
			st.apply(h.tree.Changes())
			continue
		}
		before := snapshot(t, h.tree)
		stats := h.tree.Stats()
		res := h.write(op, req)
		failed := res.Err != wire.ErrOK
		if m, ok := res.Resp.(*wire.MultiResponse); ok && len(m.Results) > 0 && m.Results[0].Op == wire.OpError {
			failed = true
		}
		if !failed {
			okCount++
		}
		if failed {
			require.Equal(t, before, snapshot(t, h.tree), "step %d: failed %v changed the tree", step, op)
			require.Equal(t, stats, h.tree.Stats())
			require.Nil(t, res.Events)
		}
		st.apply(h.tree.Changes())
		if step%50 == 49 {
			r, err := Restore(opts, st.records(seed+int64(step)))
			require.NoError(t, err)
			require.Equal(t, snapshot(t, h.tree), snapshot(t, r), "step %d", step)
			require.Equal(t, h.tree.Stats(), r.Stats())
			require.Equal(t, h.tree.Owners(), r.Owners())
			recount(t, h.tree)
		}
	}
}

// recount checks the incremental counts against the nodes.
func recount(t *testing.T, tr *Tree) {
	t.Helper()
	var size int64
	eph, containers, ttls := 0, 0, 0
	for p, n := range tr.nodes {
		size += nodeSize(p, n.data)
		switch n.kind {
		case ephemeral:
			eph++
		case container:
			containers++
		case ttlNode:
			ttls++
		}
	}
	assert.Equal(t, Stats{Nodes: len(tr.nodes) + 1, Ephemerals: eph, DataSize: size}, tr.Stats())
	assert.Len(t, tr.containers, containers)
	assert.Len(t, tr.ttls, ttls)
}
