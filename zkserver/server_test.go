package zkserver

import (
	"bytes"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestNewRejectsBadOptions(t *testing.T) {
	for _, tc := range []struct {
		name string
		opt  Option
	}{
		{"listen", WithListenAddr("")},
		{"data-dir", WithDataDir("")},
		{"tick", WithTickTime(0)},
		{"timeouts-order", WithSessionTimeouts(5*time.Second, time.Second)},
		{"timeouts-zero", WithSessionTimeouts(0, time.Second)},
		{"packet", WithMaxPacket(3)},
		{"container-check", WithContainerCheckInterval(0)},
		{"super", WithSuperDigest("", "x")},
		{"clock", WithClock(nil)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s, err := New(tc.opt)
			assert.Error(t, err)
			assert.Nil(t, s)
		})
	}
	s, err := New(WithTickTime(time.Second), WithSessionTimeouts(time.Second, 2*time.Second), nil)
	require.NoError(t, err, "nil options are skipped")
	require.NoError(t, s.Close())
}

func TestLifecycle(t *testing.T) {
	s, err := New()
	require.NoError(t, err)
	assert.Empty(t, s.Addr(), "New does not listen")
	require.NoError(t, s.Start())
	addr := s.Addr()
	require.NotEmpty(t, addr)
	host, _, err := net.SplitHostPort(addr)
	require.NoError(t, err)
	assert.Equal(t, "127.0.0.1", host)
	c := sessionClient(t, s)
	c.ping()

	var wg sync.WaitGroup
	for range 3 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			assert.NoError(t, s.Close())
		}()
	}
	wg.Wait()
	require.NoError(t, s.Close(), "idempotent")
	c.expectClosed()
	_, err = net.DialTimeout("tcp", addr, time.Second)
	assert.Error(t, err, "no longer listening")
	assert.NoError(t, checkLeaks(time.Second), "every goroutine is gone")

	assert.ErrorIs(t, s.Start(), ErrClosed)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	assert.ErrorIs(t, s.Serve(ln), ErrClosed)
	assert.ErrorIs(t, s.ExpireSession(1), ErrClosed)
	assert.Equal(t, int64(1), s.LastZxid(), "state readable after Close")
	assert.Len(t, s.Sessions(), 1)
}

func TestServeReturnsNilAfterClose(t *testing.T) {
	s, err := New()
	require.NoError(t, err)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	served := make(chan error, 1)
	go func() { served <- s.Serve(ln) }()
	eventually(t, func() bool { return s.Addr() != "" }, "serving")
	assert.Equal(t, ln.Addr().String(), s.Addr())
	c := sessionClient(t, s)
	c.ping()
	require.NoError(t, s.Close())
	select {
	case err := <-served:
		assert.NoError(t, err)
	case <-time.After(ioTimeout):
		t.Fatal("Serve did not return")
	}
}

func TestCloseWithBlockedReaders(t *testing.T) {
	// Processing held with the outstanding limit reached, readers wait for
	// room; Close must still finish.
	s, err := New()
	require.NoError(t, err)
	require.NoError(t, s.Start())
	c := sessionClient(t, s)
	holdProcessing(s)
	var b []byte
	for range maxOutstanding + 10 {
		b = appendPing(b)
	}
	c.write(b)
	eventually(t, func() bool { return s.inbox.len() >= maxOutstanding }, "queue full")
	require.NoError(t, s.Close())
}

func TestListenAddrInUse(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	defer ln.Close()
	s, err := New(WithListenAddr(ln.Addr().String()))
	require.NoError(t, err)
	defer s.Close()
	assert.Error(t, s.Start())
}

func TestDataDirIsCreated(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "a", "b")
	s, err := New(WithDataDir(dir))
	require.NoError(t, err)
	require.NoError(t, s.Close())
	_, err = os.Stat(filepath.Join(dir, DataFile))
	assert.NoError(t, err)
}

func TestLogLinesSayTheyComeFromTheServer(t *testing.T) {
	var buf syncBuffer
	s := startServer(t, WithLogger(slog.New(slog.NewTextHandler(&buf, &slog.HandlerOptions{Level: slog.LevelDebug}))))
	sessionClient(t, s)
	require.NoError(t, s.Close())
	out := buf.String()
	assert.Contains(t, out, "msg=listening component=zkserver server="+s.Addr())
	assert.Contains(t, out, `msg="session created" component=zkserver session_id=0x`)
	assert.NotContains(t, out, "zkserver:", "no prefix in messages")
}

// syncBuffer is a bytes.Buffer safe for concurrent writers.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (w *syncBuffer) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.b.Write(p)
}

func (w *syncBuffer) String() string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.b.String()
}
