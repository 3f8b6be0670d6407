package zktest

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/coordkit/coordkit/internal/wire"
)

func TestExpireSession(t *testing.T) {
	z := sharedServer(t)
	ctx := t.Context()
	path := uniquePath(t)

	owner := dialRaw(t, z.Addr(), 0, nil)
	require.Positive(t, owner.resp.TimeOut)
	require.Equal(t, wire.ErrOK, owner.create(path, []byte("x"), wire.FlagEphemeral, nil))

	watcher := dialRaw(t, z.Addr(), 0, nil)
	require.Equal(t, wire.ErrOK, watcher.exists(path, true))

	require.NoError(t, ExpireSession(ctx, z.Addr(), owner.resp.SessionID, owner.resp.Passwd))

	// The owner's connection was dropped by the re-attach.
	_, _, err := owner.next()
	require.Error(t, err, "the owner's connection must be closed")

	// Its ephemeral node is gone and watchers have been told.
	ev := watcher.waitEvent(path)
	assert.Equal(t, wire.EventNodeDeleted, ev.Type)
	assert.Equal(t, wire.ErrNoNode, watcher.exists(path, false))

	// Re-attaching is answered "expired" (timeout 0).
	again := dialRaw(t, z.Addr(), owner.resp.SessionID, owner.resp.Passwd)
	assert.Zero(t, again.resp.TimeOut)
	assert.Zero(t, again.resp.SessionID)

	// A second expiry, or a session that never was, is ErrNoSession.
	err = ExpireSession(ctx, z.Addr(), owner.resp.SessionID, owner.resp.Passwd)
	require.ErrorIs(t, err, ErrNoSession)
	err = ExpireSession(ctx, z.Addr(), 0x0badc0ffee, make([]byte, 16))
	require.ErrorIs(t, err, ErrNoSession)
}

func TestExpireSessionUnreachable(t *testing.T) {
	addr := closedAddr(t)
	err := ExpireSession(t.Context(), addr, 1, make([]byte, 16))
	require.Error(t, err)
	assert.NotErrorIs(t, err, ErrNoSession)
}
