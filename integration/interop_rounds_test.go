package integration

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/coordkit/coordkit/recipes/lock"
	"github.com/coordkit/coordkit/zk"
	"github.com/coordkit/coordkit/zk/zktest"
)

// The mixed rounds of TestInteropMutex: one peer process and interopOurs
// Mutexes (each on a session of its own) take the lock interopRounds times
// each, holding it interopHoldMS milliseconds.
const (
	interopOurs   = 2
	interopRounds = 4
	interopHoldMS = 20
)

// testInteropRounds runs the mixed rounds on srv. Every holder appends
// "enter WHO ROUND" and "exit WHO ROUND" records (sequential nodes, so in
// the server's order) around its hold: the records must alternate enter
// X, exit X, enter Y, exit Y, ..., with every round of every contender.
// The tokens of the Mutexes' grants grow in the order of their records.
func testInteropRounds(t *testing.T, srv *zktest.Server, name string, start peerStart) {
	c := dial(t, []string{srv.Addr()})
	base := uniquePath(t)
	lockPath, logPath := base+"/lock", base+"/log"
	mustCreate(t, c, base, nil)
	mustCreate(t, c, logPath, nil)
	// A persistent lock directory, not the container a Mutex would create:
	// kazoo's Lock makes sure of its directory once per Lock object, and
	// its next acquire fails with NoNodeError if the server has deleted
	// the empty container in between (TestInteropKazooContainer).
	mustCreate(t, c, lockPath, nil)

	p := start(t, srv.Addr(), lockPath, "rounds", strconv.Itoa(interopRounds), logPath, strconv.Itoa(interopHoldMS))
	p.expect(t, "ready")
	conns := make([]*zk.Conn, interopOurs)
	mutexes := make([]*lock.Mutex, interopOurs)
	for i := range mutexes {
		conns[i] = dial(t, []string{srv.Addr()})
		m, err := lock.New(conns[i], lockPath)
		require.NoError(t, err)
		mutexes[i] = m
	}

	ctx := ctxFor(t, peerTimeout)
	errs := make(chan error, interopOurs)
	p.send(t, "go")
	for i, m := range mutexes {
		go func() { errs <- contendRounds(ctx, conns[i], m, fmt.Sprintf("go%d", i), logPath) }()
	}
	for round := range interopRounds {
		ev := p.expect(t, "acquired")
		assert.Equal(t, round, ev.Round, "peer %s", name)
	}
	p.expect(t, "done")
	p.requireExit(t)
	for range mutexes {
		select {
		case err := <-errs:
			require.NoError(t, err)
		case <-time.After(opTimeout):
			require.FailNow(t, "Mutex contenders still running", "%v after %s was done", opTimeout, name)
		}
	}

	entries := mustChildren(t, c, logPath)
	require.Len(t, entries, 2*(interopOurs+1)*interopRounds)
	rounds := make(map[string]int)
	var holder string
	var lastToken int64
	var order []string
	for i, entry := range entries {
		data, _, err := c.Get(ctxFor(t, opTimeout), logPath+"/"+entry)
		require.NoError(t, err)
		fields := strings.Fields(string(data))
		require.GreaterOrEqual(t, len(fields), 3, "record %s: %q", entry, data)
		if i%2 == 1 {
			require.Equal(t, "exit "+holder, string(data), "record %s: the lock changed hands while %q held it", entry, holder)
			continue
		}
		require.Equal(t, "enter", fields[0], "record %s (%q): the lock was taken before %q let go", entry, data, holder)
		holder = strings.TrimPrefix(string(data), "enter ")
		rounds[fields[1]]++
		order = append(order, fields[1])
		if len(fields) == 4 { // one of ours, with its token
			token, err := strconv.ParseInt(fields[3], 10, 64)
			require.NoError(t, err, "record %s", entry)
			assert.Greater(t, token, lastToken, "record %s: the token of a later grant", entry)
			lastToken = token
		}
	}
	t.Logf("holders in the server's order: %s", strings.Join(order, " "))
	assert.Equal(t, interopRounds, rounds[name], "rounds of %s", name)
	for i := range mutexes {
		assert.Equal(t, interopRounds, rounds[fmt.Sprintf("go%d", i)], "rounds of go%d", i)
	}
	assert.Empty(t, lockNodesLeft(t, c, lockPath), "lock nodes left behind")
}

// contendRounds takes m (on c's session) interopRounds times as who,
// appending "enter who ROUND TOKEN" and, fenced by the hold, "exit who
// ROUND TOKEN" to logPath around each hold.
func contendRounds(ctx context.Context, c *zk.Conn, m *lock.Mutex, who, logPath string) error {
	for round := range interopRounds {
		h, err := m.Lock(ctx)
		if err != nil {
			return fmt.Errorf("%s round %d: %w", who, round, err)
		}
		rec := fmt.Sprintf("%s %d %d", who, round, h.Token())
		if _, err := c.Create(ctx, logPath+"/e-", []byte("enter "+rec), zk.ModePersistentSequential); err != nil {
			return fmt.Errorf("%s round %d: %w", who, round, err)
		}
		time.Sleep(interopHoldMS * time.Millisecond)
		if _, err := h.Multi(ctx, zk.CreateOp(logPath+"/e-", []byte("exit "+rec), zk.ModePersistentSequential)); err != nil {
			return fmt.Errorf("%s round %d: fenced exit record: %w", who, round, err)
		}
		if err := h.Unlock(ctx); err != nil {
			return fmt.Errorf("%s round %d: %w", who, round, err)
		}
	}
	return nil
}
