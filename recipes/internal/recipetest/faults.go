package recipetest

import (
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/coordkit/coordkit/internal/wire"
	"github.com/coordkit/coordkit/zk"
	"github.com/coordkit/coordkit/zk/zktest"
	"github.com/coordkit/coordkit/zkserver"
)

// SuspendTimeout is the session timeout of tests that suspend a
// connection: long enough that a reconnection right after the client
// declared the connection dead (after two thirds of it) finds the session
// alive on a busy machine.
const SuspendTimeout = 9 * time.Second

// DialSuspendable opens a session through px whose connections can be cut
// and restored within the session's lifetime: its timeout is
// SuspendTimeout, and a connection attempt made while px drops everything
// gives up after a second, not the session timeout. t.Cleanup closes it.
func DialSuspendable(t testing.TB, px *zktest.Proxy) *zk.Conn {
	t.Helper()
	return Dial(t, px.Addr(), zk.WithSessionTimeout(SuspendTimeout), zk.WithConnectTimeout(time.Second))
}

// DroppedReplies is what DropFirstReplies dropped.
type DroppedReplies struct {
	dropped map[wire.OpCode]*atomic.Bool // only read once made
}

// DropFirstReplies sets srv's hook to drop the reply of the first request
// of each of ops on a path beginning with prefix, after the server applied
// it: to the client the request's outcome is unknown, and the connection
// breaks. It replaces any hook srv had.
func DropFirstReplies(srv *zkserver.Server, prefix string, ops ...wire.OpCode) *DroppedReplies {
	d := &DroppedReplies{dropped: make(map[wire.OpCode]*atomic.Bool, len(ops))}
	for _, op := range ops {
		d.dropped[op] = new(atomic.Bool)
	}
	srv.SetHook(func(r zkserver.Request) zkserver.Action {
		once, ok := d.dropped[wire.OpCode(r.Op)]
		drop := ok && strings.HasPrefix(r.Path, prefix) && once.CompareAndSwap(false, true)
		return zkserver.Action{DropReply: drop}
	})
	return d
}

// Dropped reports whether the reply of a request of op was dropped.
func (d *DroppedReplies) Dropped(op wire.OpCode) bool {
	once, ok := d.dropped[op]
	return ok && once.Load()
}
