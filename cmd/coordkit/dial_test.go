package main

import (
	"io"
	"net"
	"regexp"
	"testing"
	"time"

	"github.com/coordkit/coordkit/zk/zktest"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestChroot(t *testing.T) {
	t.Parallel()
	ns := newNamespace(t)
	// ns.servers carries the chroot; --servers overrides $COORDKIT_SERVERS.
	code, stdout, stderr := runCLI(t, t.Context(), "127.0.0.1:1", "",
		"--servers", ns.servers, "create", "/c", "in chroot")
	require.Equal(t, exitOK, code, stderr)
	assert.Equal(t, "/c\n", stdout)
	top := dial(t, ns.addr)
	data, _, err := top.Get(t.Context(), ns.root+"/c")
	require.NoError(t, err)
	assert.Equal(t, "in chroot", string(data))
}

func TestTimeoutUnansweringServer(t *testing.T) {
	t.Parallel()
	ns := newNamespace(t)
	proxy := zktest.NewProxy(t, ns.addr)
	servers := proxy.Addr() + ns.root
	code, _, stderr := runCLI(t, t.Context(), servers, "", "--timeout=5s", "create", "/p", "x")
	require.Equal(t, exitOK, code, stderr)

	// The server accepts connections but never answers.
	proxy.HoldReplies()
	start := time.Now()
	code, stdout, stderr := runCLI(t, t.Context(), servers, "", "--timeout=1500ms", "get", "/p")
	elapsed := time.Since(start)
	proxy.Pass()
	assert.Equal(t, exitError, code)
	assert.Empty(t, stdout)
	assert.Less(t, elapsed, 5*time.Second)
	assert.GreaterOrEqual(t, elapsed, 1500*time.Millisecond)
	assert.Regexp(t, `^coordkit: connect to `+regexp.QuoteMeta(servers)+`: timed out after 1.5s`, stderr)
}

// TestUnreachable points coordkit at a port nobody listens on: it gives up
// after --timeout with status 1 and says where it could not connect.
func TestUnreachable(t *testing.T) {
	t.Parallel()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	addr := ln.Addr().String()
	require.NoError(t, ln.Close())
	coordkitBin(t) // built before the clock starts

	start := time.Now()
	code, stdout, stderr := execCLI(t, addr, "", "--timeout", "700ms", "get", "/x")
	elapsed := time.Since(start)
	assert.Equal(t, exitError, code)
	assert.Empty(t, stdout)
	assert.Regexp(t, `^coordkit: connect to `+regexp.QuoteMeta(addr)+`: timed out after 700ms.*\n$`, stderr)
	assert.Less(t, elapsed, 5*time.Second)

	// In-process too, through --servers.
	code, _, stderr = runCLI(t, t.Context(), "", "", "--servers", addr, "--timeout=300ms", "ls", "/")
	assert.Equal(t, exitError, code)
	assert.Regexp(t, `^coordkit: connect to `+regexp.QuoteMeta(addr)+`: timed out after 300ms.*\n$`, stderr)
}

// TestDialRetries starts coordkit while its server refuses connections:
// it keeps trying within --timeout and succeeds once the server serves.
func TestDialRetries(t *testing.T) {
	t.Parallel()
	ns := newNamespace(t)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	refused := make(chan struct{})
	serve := make(chan struct{})
	go relay(ln, ns.addr, refused, serve)
	t.Cleanup(func() { _ = ln.Close() })

	code := make(chan int, 1)
	go func() {
		c, _, _ := runCLI(t, t.Context(), ln.Addr().String()+ns.root, "", "--timeout=20s", "create", "/late")
		code <- c
	}()
	<-refused // coordkit has tried and been turned away at least once
	close(serve)
	select {
	case c := <-code:
		assert.Equal(t, exitOK, c)
	case <-time.After(30 * time.Second):
		t.Fatal("coordkit did not connect once the server served")
	}
	_, ok, err := ns.conn.Exists(t.Context(), "/late")
	require.NoError(t, err)
	assert.True(t, ok)
}

// relay accepts connections on ln until it is closed: until serve is
// closed it closes them at once (closing refused after the first), then it
// relays them to target.
func relay(ln net.Listener, target string, refused, serve chan struct{}) {
	first := true
	for {
		c, err := ln.Accept()
		if err != nil {
			return
		}
		select {
		case <-serve:
		default:
			_ = c.Close()
			if first {
				close(refused)
				first = false
			}
			continue
		}
		s, err := net.Dial("tcp", target)
		if err != nil {
			_ = c.Close()
			continue
		}
		go func() { _, _ = io.Copy(s, c); _ = s.Close() }()
		go func() { _, _ = io.Copy(c, s); _ = c.Close() }()
	}
}
