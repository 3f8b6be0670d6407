package integration

import (
	"fmt"
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/coordkit/coordkit/zk"
	"github.com/coordkit/coordkit/zk/zktest"
)

// electionSessionTimeout is the session timeout of the kazoo contenders:
// short, since one leader is killed and its successor waits for its
// session to expire.
const electionSessionTimeout = 3 * time.Second

// TestPeersKazooElection: three kazoo processes run kazoo's Election. The
// first is leader alone; the others queue and contenders() lists all three
// in order. Each leader leaves a different way — closing its session,
// being killed (its session expires on the server), resigning — and each
// time exactly one successor takes over, seeing the contenders left. Every
// leader holds an ephemeral marker node that a second leader in office
// would collide with.
func TestPeersKazooElection(t *testing.T) {
	t.Parallel()
	requireKazoo(t)
	servers.Each(t, testPeersKazooElection)
}

func testPeersKazooElection(t *testing.T, srv *zktest.Server) {
	c := dial(t, []string{srv.Addr()})
	base := uniquePath(t)
	elPath, marker := base+"/election", base+"/leader"
	mustCreate(t, c, base, nil)

	procs := make([]*peerProc, 3)
	sessions := make([]int64, 3)
	for i := range procs {
		id := fmt.Sprintf("e%d", i)
		procs[i] = startKazoo(t, "election-"+id, "election.py", srv.Addr(), elPath, marker, id,
			strconv.FormatFloat(electionSessionTimeout.Seconds(), 'f', -1, 64))
		ev := procs[i].expect(t, "contending")
		sessions[i] = ev.Session
		if i == 0 {
			ev = procs[0].expect(t, "leader")
			assert.Equal(t, []string{"e0"}, ev.IDs, "contenders() of the first leader")
			requireLeader(t, c, marker, "e0", sessions[0])
		}
		waitChildren(t, c, elPath, i+1, eventTimeout)
	}
	requireQuiet(t, procs[1], procs[2])
	procs[0].send(t, "contenders")
	ev := procs[0].expect(t, "contenders")
	assert.Equal(t, []string{"e0", "e1", "e2"}, ev.IDs, "contenders() once all three run")

	// The leader closes its session: the next in line takes over.
	procs[0].send(t, "close")
	procs[0].expect(t, "closed")
	procs[0].requireExit(t)
	ev = procs[1].expect(t, "leader")
	assert.Equal(t, []string{"e1", "e2"}, ev.IDs, "contenders() of the second leader")
	requireLeader(t, c, marker, "e1", sessions[1])
	requireQuiet(t, procs[2])

	// The leader is killed: its session lives on until it expires, then
	// the last contender takes over.
	killed := time.Now()
	procs[1].kill(t)
	ev = procs[2].expect(t, "leader")
	took := time.Since(killed)
	t.Logf("the last contender took over %v after the leader was killed", took)
	assert.GreaterOrEqual(t, took, electionSessionTimeout/2,
		"the killed leader's session (timeout %v) ended at once", electionSessionTimeout)
	assert.Equal(t, []string{"e2"}, ev.IDs, "contenders() of the third leader")
	requireLeader(t, c, marker, "e2", sessions[2])

	// The last leader resigns: the election is empty.
	procs[2].send(t, "resign")
	procs[2].expect(t, "resigned")
	procs[2].requireExit(t)
	assert.Empty(t, mustChildren(t, c, elPath), "election nodes left behind")
	requireNoNode(t, c, marker)
}

// requireLeader checks that marker names id as leader and belongs to its
// session.
func requireLeader(t *testing.T, c *zk.Conn, marker, id string, session int64) {
	t.Helper()
	data, st, err := c.Get(ctxFor(t, opTimeout), marker)
	require.NoError(t, err, "leader marker")
	assert.Equal(t, id, string(data), "leader marker")
	assert.Equal(t, session, st.EphemeralOwner, "leader marker's owner is %s's session", id)
}

// requireQuiet checks that none of procs has printed anything (such as a
// second "leader") that the test has not read.
func requireQuiet(t *testing.T, procs ...*peerProc) {
	t.Helper()
	for _, p := range procs {
		select {
		case line, ok := <-p.lines:
			if ok {
				require.FailNow(t, "unexpected peer output", "peer %s: %s", p.name, line)
			}
			require.FailNow(t, "peer ended", "peer %s ended early; stderr:\n%s", p.name, p.stderr.tail(40))
		default:
		}
	}
}
