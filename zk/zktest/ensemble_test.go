package zktest

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/coordkit/coordkit/internal/wire"
)

func TestEnsembleFailover(t *testing.T) {
	// The first attempt finds member 0's election port taken and is retried.
	calls := loseFirstPortRace(t, 2)
	e := StartEnsemble(t, 3)
	assert.Equal(t, 2, *calls)
	ctx := t.Context()
	require.Equal(t, 3, e.Size())
	require.Len(t, e.Servers(), 3)
	assert.Equal(t, e.Servers()[0]+","+e.Servers()[1]+","+e.Servers()[2], e.ConnectString())

	leader, err := e.Leader(ctx)
	require.NoError(t, err)
	modes := e.modes(ctx)
	followers := 0
	for _, m := range modes {
		if m == "follower" {
			followers++
		}
	}
	assert.Equal(t, 2, followers, "modes %v", modes)

	// A session made on one member is expired through another.
	a, b := (leader+1)%3, (leader+2)%3
	owner := dialRaw(t, e.Member(a).Addr(), 0, nil)
	require.Positive(t, owner.resp.TimeOut)
	require.Equal(t, wire.ErrOK, owner.create("/eph", nil, wire.FlagEphemeral, nil))
	require.NoError(t, ExpireSession(ctx, e.Member(b).Addr(), owner.resp.SessionID, owner.resp.Passwd))
	check := dialRaw(t, e.Member(a).Addr(), 0, nil)
	require.Equal(t, wire.ErrOK, check.call(wire.OpSync, &wire.PathRequest{Path: "/"}, &wire.PathRequest{}).Err)
	assert.Equal(t, wire.ErrNoNode, check.exists("/eph", false))
	require.Equal(t, wire.ErrOK, check.create("/kept", []byte("v"), wire.FlagPersistent, nil))

	// Kill the leader: the other two elect a new one.
	e.Member(leader).Kill()
	newLeader, err := e.WaitLeader(ctx, leader)
	require.NoError(t, err)
	assert.NotEqual(t, leader, newLeader)
	require.NoError(t, e.WaitQuorum(ctx))

	// The old leader comes back as a follower with the data.
	require.NoError(t, e.Member(leader).Restart(ctx))
	require.NoError(t, e.WaitQuorum(ctx))
	now, err := e.Leader(ctx)
	require.NoError(t, err)
	assert.Equal(t, newLeader, now)
	r := dialRaw(t, e.Member(leader).Addr(), 0, nil)
	data, code := r.getData("/kept")
	assert.Equal(t, wire.ErrOK, code)
	assert.Equal(t, "v", string(data))

	// A paused follower is left out of WaitQuorum and Leader.
	follower := (now + 1) % 3
	e.Member(follower).Pause()
	require.NoError(t, e.WaitQuorum(ctx))
	assert.Equal(t, "paused", e.modes(ctx)[follower])
	e.Member(follower).Resume()
	require.NoError(t, e.WaitQuorum(ctx))
}
