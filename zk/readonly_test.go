package zk

import (
	"context"
	"errors"
	"io"
	"net"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// fastProbe makes the search for a read-write server quick for tests.
func fastProbe(c *config) error {
	c.roProbeInitial, c.roProbeMax = 5*time.Millisecond, 20*time.Millisecond
	return nil
}

// gateDialer refuses the addresses marked down and counts dials per
// address.
type gateDialer struct {
	mu    sync.Mutex // guards the fields below
	down  map[string]bool
	dials map[string]int
}

func (g *gateDialer) dial(ctx context.Context, network, addr string) (net.Conn, error) {
	g.mu.Lock()
	g.dials[addr]++
	down := g.down[addr]
	g.mu.Unlock()
	if down {
		return nil, errors.New("test dialer: " + addr + " is down")
	}
	var d net.Dialer
	return d.DialContext(ctx, network, addr)
}

func (g *gateDialer) setDown(addr string, down bool) {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.down[addr] = down
}

func (g *gateDialer) count() int {
	g.mu.Lock()
	defer g.mu.Unlock()
	n := 0
	for _, d := range g.dials {
		n += d
	}
	return n
}

// answerProbe reads the "isro" probe on fc and answers it.
func answerProbe(t *testing.T, fc *fakeConn, answer string) {
	t.Helper()
	_ = fc.nc.SetDeadline(time.Now().Add(10 * time.Second))
	b := make([]byte, 4)
	_, err := io.ReadFull(fc.nc, b)
	require.NoError(t, err)
	require.Equal(t, "isro", string(b), "the probe asks isro")
	_, err = fc.nc.Write([]byte(answer))
	require.NoError(t, err)
	fc.close()
}

// TestReadOnlyMovesToReadWriteServer: a session on a read-only server
// probes the other server with "isro"; while it answers "ro" the Conn
// stays; once it answers "rw" the Conn drops the read-only connection
// (written requests are lost) and re-attaches there first, as a new
// session since the read-only one was the server's local session. Nothing
// is probed once read-write.
func TestReadOnlyMovesToReadWriteServer(t *testing.T) {
	ro, rw := newFakeServer(t), newFakeServer(t)
	g := &gateDialer{down: map[string]bool{rw.addr(): true}, dials: map[string]int{}}
	ctx := testCtx(t)

	type result struct {
		c   *Conn
		err error
	}
	done := make(chan result, 1)
	go func() {
		c, err := Dial(ctx, []string{ro.addr(), rw.addr()}, WithReadOnly(true), WithDialer(g.dial),
			WithSessionTimeout(30*time.Second), WithReconnectBackoff(time.Millisecond, time.Millisecond),
			fastClose, fastProbe)
		done <- result{c, err}
	}()
	fa := ro.accept()
	req := fa.readConnect()
	assert.True(t, req.ReadOnly, "ConnectRequest asks for read-only")
	fa.connectResponse(0x1234, 30000, true)
	r := <-done
	require.NoError(t, r.err)
	c := r.c
	t.Cleanup(func() { _ = c.Close() })
	require.Equal(t, StateReadOnly, c.State())
	events := c.StateEvents(ctx)

	// The read-only server drops the connection; the Conn comes back to
	// it (the other is down) and asks for a new session.
	fa.close()
	fa = ro.accept()
	req = fa.readConnect()
	assert.Zero(t, req.SessionID, "a read-only server's session is not carried to another connection")
	fa.connectResponse(0x2345, 30000, true)

	// A request written on the read-only link, unanswered.
	get := c.GetAsync(ctx, "/x")
	fa.next()

	// The other server comes up, first read-only, then read-write.
	g.setDown(rw.addr(), false)
	answerProbe(t, rw.accept(), "ro")
	answerProbe(t, rw.accept(), "rw")
	fb := rw.accept()
	req = fb.readConnect()
	assert.Zero(t, req.SessionID)
	fb.connectResponse(0x5678, 30000, false)
	fa.expectEOF()

	_, err := get.Wait(ctx)
	assert.ErrorIs(t, err, ErrConnectionLoss, "written on the read-only link: lost")
	assert.ErrorIs(t, err, errReadWriteFound)

	var got []StateEventType
	for ev := range events {
		got = append(got, ev.Type)
		if ev.Type == EventDisconnected && len(got) > 2 {
			assert.ErrorIs(t, ev.Err, errReadWriteFound)
			assert.Equal(t, ro.addr(), ev.Server)
		}
		if ev.Type == EventReconnected {
			assert.Equal(t, rw.addr(), ev.Server)
			assert.Equal(t, int64(0x5678), ev.SessionID)
			break
		}
	}
	assert.Equal(t, []StateEventType{EventDisconnected, EventReadOnly, EventDisconnected, EventReconnected}, got)
	assert.Equal(t, StateConnected, c.State())
	assert.Equal(t, rw.addr(), c.Server())
	assert.Equal(t, int64(0x5678), c.SessionID())

	// Read-write: no probing (the probe would dial every 20 ms).
	n := g.count()
	time.Sleep(200 * time.Millisecond)
	assert.Equal(t, n, g.count(), "no dial while connected read-write")
}
