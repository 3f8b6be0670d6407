package integration

import (
	"fmt"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/coordkit/coordkit/zk"
	"github.com/coordkit/coordkit/zk/zktest"
)

// The kazoo Lock scenario: lockContenders processes take the lock
// lockRounds times each, holding it lockHoldMS milliseconds.
const (
	lockContenders = 3
	lockRounds     = 3
	lockHoldMS     = 30
)

// TestPeersKazooLock: kazoo processes contend for kazoo's Lock on one
// path. They queue behind a lock node of ours (named as kazoo names its
// own, so kazoo counts it as a contender), a kazoo contender with a
// timeout gives up and takes its node away, and once we let go every
// contender gets the lock each round, one at a time: the enter/exit
// records the holders append (sequential nodes, so in the server's order)
// never overlap. No lock node is left behind.
func TestPeersKazooLock(t *testing.T) {
	t.Parallel()
	requireKazoo(t)
	servers.Each(t, testPeersKazooLock)
}

func testPeersKazooLock(t *testing.T, srv *zktest.Server) {
	c := dial(t, []string{srv.Addr()})
	base := uniquePath(t)
	lockPath, marker, logPath := base+"/lock", base+"/holder", base+"/log"
	mustCreate(t, c, base, nil)
	mustCreate(t, c, lockPath, nil)
	mustCreate(t, c, logPath, nil)
	ours, err := c.Create(ctxFor(t, opTimeout), lockPath+"/go__lock__", []byte("go"), zk.ModeEphemeralSequential)
	require.NoError(t, err)

	var ids []string
	var procs []*peerProc
	for i := range lockContenders {
		id := fmt.Sprintf("p%d", i)
		ids = append(ids, id)
		procs = append(procs, startKazoo(t, "lock-"+id, "lock.py", srv.Addr(), "contend",
			lockPath, marker, logPath, id, strconv.Itoa(lockRounds), strconv.Itoa(lockHoldMS)))
	}
	for _, p := range procs {
		p.expect(t, "ready")
	}
	for _, p := range procs {
		p.send(t, "go")
	}
	waitChildren(t, c, lockPath, 1+lockContenders, eventTimeout)

	try := startKazoo(t, "lock-try", "lock.py", srv.Addr(), "try", lockPath, "px", "1")
	ev := try.expect(t, "timeout")
	require.NotEmpty(t, ev.IDs)
	assert.Equal(t, "go", ev.IDs[0], "contenders() lists our node first: %q", ev.IDs)
	assert.ElementsMatch(t, append([]string{"go"}, ids...), ev.IDs, "contenders() after giving up")
	try.requireExit(t)
	assert.Len(t, mustChildren(t, c, lockPath), 1+lockContenders, "the contender that gave up took its node away")
	assert.Empty(t, mustChildren(t, c, logPath), "nobody entered while we held the lock")

	require.NoError(t, c.Delete(ctxFor(t, opTimeout), ours, -1))
	for _, p := range procs {
		for round := range lockRounds {
			ev := p.expect(t, "acquired")
			assert.Equal(t, round, ev.Round, "peer %s", p.name)
		}
		p.expect(t, "done")
		p.requireExit(t)
	}

	// The holders' records, in the server's order: enter X, exit X, enter
	// Y, exit Y, ... with every round of every contender.
	entries := mustChildren(t, c, logPath)
	require.Len(t, entries, 2*lockContenders*lockRounds)
	rounds := make(map[string]int)
	var holder string
	for i, name := range entries {
		data, _, err := c.Get(ctxFor(t, opTimeout), logPath+"/"+name)
		require.NoError(t, err)
		what, who, ok := strings.Cut(string(data), " ")
		require.True(t, ok, "record %s: %q", name, data)
		if i%2 == 0 {
			require.Equal(t, "enter", what, "record %s (%q): the lock was taken before %q let go", name, data, holder)
			holder = who
			rounds[strings.Fields(who)[0]]++
		} else {
			require.Equal(t, "exit "+holder, string(data), "record %s: the lock changed hands while %q held it", name, holder)
		}
	}
	for _, id := range ids {
		assert.Equal(t, lockRounds, rounds[id], "rounds of %s", id)
	}

	assert.Empty(t, mustChildren(t, c, lockPath), "lock nodes left behind")
	requireNoNode(t, c, marker)
}
