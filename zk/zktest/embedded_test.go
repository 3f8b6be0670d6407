package zktest

import (
	"fmt"
	"net"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/coordkit/coordkit/internal/wire"
	"github.com/coordkit/coordkit/zkserver"
)

func TestRunServes(t *testing.T) {
	s := Run(t)
	assert.True(t, strings.HasPrefix(s.Addr(), "127.0.0.1:"), s.Addr())
	assert.NotEqual(t, "127.0.0.1:0", s.Addr(), "a port was picked")

	r := dialRaw(t, s.Addr(), 0, nil)
	require.Positive(t, r.resp.TimeOut)
	path := uniquePath(t)
	require.Equal(t, wire.ErrOK, r.create(path, []byte("v"), wire.FlagPersistent, nil))
	data, code := r.getData(path)
	require.Equal(t, wire.ErrOK, code)
	assert.Equal(t, "v", string(data))
}

func TestRunDefaultsMatchTheRealServers(t *testing.T) {
	s := Run(t)
	t.Run("session-timeouts", func(t *testing.T) {
		// Two ticks of 200 ms to 60 s, as StartZooKeeper configures.
		for _, tc := range []struct{ ask, want int32 }{
			{ask: 100, want: 400},
			{ask: 4000, want: 4000},
			{ask: 30000, want: 30000},
			{ask: 120000, want: 60000},
		} {
			assert.Equal(t, tc.want, negotiate(t, s.Addr(), tc.ask), "asked for %d ms", tc.ask)
		}
	})
	r := dialRaw(t, s.Addr(), 0, nil)
	t.Run("ttl", func(t *testing.T) {
		path := uniquePath(t)
		var resp wire.Create2Response
		h := r.call(wire.OpCreateTTL, &wire.CreateTTLRequest{
			Path: path, ACL: openACL, Flags: wire.FlagPersistentWithTTL, TTL: 100,
		}, &resp)
		require.Equal(t, wire.ErrOK, h.Err, "TTL nodes are enabled")
		// Reaped within a few container checks of one second.
		Eventually(t, func() bool { return r.exists(path, false) == wire.ErrNoNode }, 10*time.Second,
			"the expired TTL node deleted")
	})
	t.Run("container", func(t *testing.T) {
		path := uniquePath(t)
		var resp wire.Create2Response // containers come from the opcode, not the flag
		h := r.call(wire.OpCreateContainer, &wire.CreateRequest{Path: path, ACL: openACL, Flags: wire.FlagContainer}, &resp)
		require.Equal(t, wire.ErrOK, h.Err)
		require.Equal(t, wire.ErrOK, r.create(path+"/child", nil, wire.FlagPersistent, nil))
		h = r.call(wire.OpDelete, &wire.DeleteRequest{Path: path + "/child", Version: -1}, nil)
		require.Equal(t, wire.ErrOK, h.Err)
		Eventually(t, func() bool { return r.exists(path, false) == wire.ErrNoNode }, 10*time.Second,
			"the emptied container deleted")
	})
}

func TestRunOptionsOverrideTheDefaults(t *testing.T) {
	s := Run(t, zkserver.WithSessionTimeouts(time.Second, 2*time.Second), zkserver.WithTTL(false))
	assert.Equal(t, int32(2000), negotiate(t, s.Addr(), 30000))
	assert.Equal(t, int32(1000), negotiate(t, s.Addr(), 100))
	r := dialRaw(t, s.Addr(), 0, nil)
	var resp wire.Create2Response
	h := r.call(wire.OpCreateTTL, &wire.CreateTTLRequest{
		Path: uniquePath(t), ACL: openACL, Flags: wire.FlagPersistentWithTTL, TTL: 100,
	}, &resp)
	assert.NotEqual(t, wire.ErrOK, h.Err, "TTL nodes are disabled")
}

func TestRunClosedByCleanup(t *testing.T) {
	var addr string
	t.Run("user", func(t *testing.T) {
		addr = Run(t).Addr()
		c, err := net.DialTimeout("tcp", addr, 5*time.Second)
		require.NoError(t, err)
		_ = c.Close()
	})
	_, err := net.DialTimeout("tcp", addr, 5*time.Second)
	assert.Error(t, err, "the server is closed once its test is over")
}

func TestRunFailsTheTestWithTheCause(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	defer ln.Close()
	ft := &fatalRecorder{TB: t}
	ft.run(func() { Run(ft, zkserver.WithListenAddr(ln.Addr().String())) })
	assert.True(t, ft.fatal, "Run failed the test")
	assert.Contains(t, ft.msg, "zktest: cannot start the embedded server")
	assert.Contains(t, ft.msg, ln.Addr().String(), "the cause names the address")
}

func TestStartEmbedded(t *testing.T) {
	s, err := StartEmbedded()
	require.NoError(t, err)
	r := dialRaw(t, s.Addr(), 0, nil)
	require.Positive(t, r.resp.TimeOut)
	require.NoError(t, s.Close())
	require.NoError(t, s.Close(), "Close is idempotent")
	_, err = net.DialTimeout("tcp", s.Addr(), 5*time.Second)
	assert.Error(t, err)
}

// negotiate opens a session asking for timeout ms and returns what the
// server granted.
func negotiate(t *testing.T, addr string, timeout int32) int32 {
	t.Helper()
	c, err := net.DialTimeout("tcp", addr, 5*time.Second)
	require.NoError(t, err)
	defer c.Close()
	require.NoError(t, c.SetDeadline(time.Now().Add(10*time.Second)))
	_, err = c.Write(wire.AppendRecordFrame(nil, &wire.ConnectRequest{
		TimeOut: timeout, Passwd: make([]byte, 16), HasReadOnly: true,
	}))
	require.NoError(t, err)
	p, err := wire.NewFrameReader(c, wire.DefaultMaxPacket).Next()
	require.NoError(t, err)
	var resp wire.ConnectResponse
	require.NoError(t, wire.Unmarshal(p, &resp))
	return resp.TimeOut
}

// fatalRecorder is a testing.TB whose Fatal and Fatalf record the message
// and end the calling goroutine, as a real test's would, without failing
// the test. Its fields are read after run returns.
type fatalRecorder struct {
	testing.TB
	fatal bool
	msg   string
}

func (r *fatalRecorder) Helper() {}

func (r *fatalRecorder) Fatal(args ...any) { r.fail(fmt.Sprint(args...)) }

func (r *fatalRecorder) Fatalf(format string, args ...any) { r.fail(fmt.Sprintf(format, args...)) }

func (r *fatalRecorder) fail(msg string) {
	r.fatal, r.msg = true, msg
	runtime.Goexit()
}

// run calls f on its own goroutine, as a test body, and waits for it.
func (r *fatalRecorder) run(f func()) {
	done := make(chan struct{})
	go func() {
		defer close(done)
		f()
	}()
	<-done
}
