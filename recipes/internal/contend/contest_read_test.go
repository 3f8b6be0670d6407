package contend

import (
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/coordkit/coordkit/internal/wire"
	"github.com/coordkit/coordkit/zk"
	"github.com/coordkit/coordkit/zk/zktest"
	"github.com/coordkit/coordkit/zkserver"
)

// TestUnchangedSince checks when a read of the directory sent before a
// create still tells the children just after it.
func TestUnchangedSince(t *testing.T) {
	// 40 creations so far, 30 of them deleted: cversion 2·40 − 10.
	dir := zk.Stat{Cversion: 70, NumChildren: 10, Pzxid: 1000}
	for _, tc := range []struct {
		name  string
		dir   zk.Stat
		seq   int32
		czxid int64
		want  bool
	}{
		{"the next transaction", dir, 40, 1001, true},
		{"other transactions between, too few to remake the directory", dir, 40, 1041, true},
		{"enough transactions between to remake it with as many creations", dir, 40, 1043, false},
		{"one transaction fewer", dir, 40, 1042, true},
		{"a child created between", dir, 41, 1001, false},
		{"a read after the create", dir, 39, 999, false},
		{"a count past 2^31", zk.Stat{Cversion: -5, NumChildren: 1, Pzxid: 1000}, -2, 1001, false},
		{"an impossible Stat", zk.Stat{Cversion: 70, NumChildren: 11, Pzxid: 1000}, 40, 1001, false},
		{"a new epoch", dir, 40, 2<<32 | 1, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			assert.Equal(t, tc.want, unchangedSince(tc.dir, tc.seq, tc.czxid))
		})
	}
}

// TestJoinReadsFirst checks that Join returns the children just after its
// create from the read it sends before it, on both backends: alone, and
// behind other contenders.
func TestJoinReadsFirst(t *testing.T) {
	servers.Each(t, func(t *testing.T, srv *zktest.Server) {
		ctx := ctxFor(t, opTimeout)
		c := newContest(t, srv)
		first, kids, err := c.Join(ctx, "lock-")
		require.NoError(t, err)
		assert.Equal(t, []string{first.Name}, kids)
		second, kids, err := c.Join(ctx, "lock-")
		require.NoError(t, err)
		assert.ElementsMatch(t, []string{first.Name, second.Name}, kids)
		require.NoError(t, c.Leave(ctx, first, nil))
		third, kids, err := c.Join(ctx, "lock-")
		require.NoError(t, err)
		assert.ElementsMatch(t, []string{second.Name, third.Name}, kids, "a deletion before the read")
	})
}

// TestJoinSendsOneReadThenTheCreate follows a Join's requests through the
// embedded server's hook: the read of the children, then the create, and
// nothing after it.
func TestJoinSendsOneReadThenTheCreate(t *testing.T) {
	srv := zktest.Run(t)
	ctx := ctxFor(t, opTimeout)
	c := &Contest{Conn: dial(t, srv.Addr()), Dir: "/contendtest/" + t.Name(), Markers: LockMarkers}
	node, _, err := c.Join(ctx, "lock-") // the directory exists from here on
	require.NoError(t, err)
	require.NoError(t, c.Leave(ctx, node, nil))

	var mu sync.Mutex
	var ops []wire.OpCode
	sid := c.Conn.SessionID()
	srv.SetHook(func(r zkserver.Request) zkserver.Action {
		if r.Session == sid {
			mu.Lock()
			ops = append(ops, wire.OpCode(r.Op))
			mu.Unlock()
		}
		return zkserver.Action{}
	})
	node, kids, err := c.Join(ctx, "lock-")
	require.NoError(t, err)
	srv.SetHook(nil)
	assert.Equal(t, []string{node.Name}, kids)
	mu.Lock()
	defer mu.Unlock()
	assert.Equal(t, []wire.OpCode{wire.OpGetChildren2, wire.OpCreate2}, ops)
}
