package zk

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/coordkit/coordkit/internal/wire"
)

func TestHandshake(t *testing.T) {
	s := newFakeServer(t)
	ctx := testCtx(t)
	done := make(chan error, 1)
	var c *Conn
	go func() {
		var err error
		c, err = Dial(ctx, []string{s.addr()}, WithSessionTimeout(12*time.Second), WithReadOnly(true), fastClose)
		done <- err
	}()
	fc := s.accept()
	req := fc.readConnect()
	assert.Equal(t, int32(0), req.ProtocolVersion)
	assert.Equal(t, int64(0), req.LastZxidSeen)
	assert.Equal(t, int32(12000), req.TimeOut)
	assert.Equal(t, int64(0), req.SessionID)
	assert.Equal(t, make([]byte, 16), req.Passwd)
	assert.True(t, req.HasReadOnly)
	assert.True(t, req.ReadOnly)
	fc.connectResponse(0x42, 9000, false)
	require.NoError(t, <-done)
	defer c.Close()

	assert.Equal(t, int64(0x42), c.SessionID())
	assert.Equal(t, 9*time.Second, c.SessionTimeout())
	assert.Equal(t, []byte{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16}, c.SessionPassword())
	assert.Equal(t, StateConnected, c.State())
	assert.Equal(t, s.addr(), c.Server())
	assert.NoError(t, c.Err())
}

func TestHandshakeWritesConnectRequestAlone(t *testing.T) {
	// Credentials are queued at Dial, yet nothing may follow the
	// ConnectRequest before the ConnectResponse was read.
	s := newFakeServer(t)
	ctx := testCtx(t)
	done := make(chan error, 1)
	go func() {
		c, err := Dial(ctx, []string{s.addr()}, WithDigestAuth("bob", "secret"), fastClose)
		if err == nil {
			t.Cleanup(func() { _ = c.Close() })
		}
		done <- err
	}()
	fc := s.accept()
	fc.readConnect()
	_ = fc.nc.SetReadDeadline(time.Now().Add(100 * time.Millisecond))
	_, err := fc.fr.Next()
	var ne interface{ Timeout() bool }
	require.True(t, errors.As(err, &ne) && ne.Timeout(), "client wrote before the ConnectResponse: %v", err)
	fc.connectResponse(1, 30000, false)
	r := fc.next()
	assert.Equal(t, wire.XidAuth, r.xid)
	assert.Equal(t, wire.OpAuth, r.op)
	var ap wire.AuthPacket
	r.decode(t, &ap)
	assert.Equal(t, "digest", ap.Scheme)
	assert.Equal(t, "bob:secret", string(ap.Auth))
	fc.reply(wire.XidAuth, 0, 0, nil)
	require.NoError(t, <-done)
}

func TestDialFailsOverAndReportsEveryServer(t *testing.T) {
	ln := newFakeServer(t)
	dead := ln.addr()
	require.NoError(t, ln.ln.Close()) // nothing listens there any more
	s := newFakeServer(t)
	ctx := testCtx(t)
	done := make(chan error, 1)
	go func() {
		c, err := Dial(ctx, []string{dead + "," + s.addr()}, fastClose)
		if err == nil {
			t.Cleanup(func() { _ = c.Close() })
		}
		done <- err
	}()
	s.accept().handshake(7, 30*time.Second)
	require.NoError(t, <-done)

	_, err := Dial(ctx, []string{dead}, fastClose)
	require.Error(t, err)
	assert.Contains(t, err.Error(), dead)
}

func TestDialExpiredNewSession(t *testing.T) {
	s := newFakeServer(t)
	ctx := testCtx(t)
	done := make(chan error, 1)
	go func() {
		_, err := Dial(ctx, []string{s.addr()})
		done <- err
	}()
	fc := s.accept()
	fc.readConnect()
	fc.connectResponse(0, 0, false)
	err := <-done
	require.Error(t, err)
	assert.ErrorIs(t, err, ErrProtocol)
}

func TestParseServers(t *testing.T) {
	for _, tc := range []struct {
		name    string
		in      []string
		addrs   []string
		chroot  string
		wantErr bool
	}{
		{"one", []string{"h:1"}, []string{"h:1"}, "", false},
		{"several entries", []string{"h:1", "g:2"}, []string{"h:1", "g:2"}, "", false},
		{"connect string", []string{"h:1,g:2/app"}, []string{"h:1", "g:2"}, "/app", false},
		{"default port", []string{"h"}, []string{"h:2181"}, "", false},
		{"ipv6", []string{"[::1]:5"}, []string{"[::1]:5"}, "", false},
		{"root chroot", []string{"h:1/"}, []string{"h:1"}, "", false},
		{"bad chroot", []string{"h:1/a//b"}, nil, "", true},
		{"empty", []string{""}, nil, "", true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			addrs, root, err := parseServers(tc.in)
			if tc.wantErr {
				assert.Error(t, err)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tc.addrs, addrs)
			assert.Equal(t, tc.chroot, root)
		})
	}
}

func TestOptionsValidated(t *testing.T) {
	ctx := testCtx(t)
	for name, o := range map[string]Option{
		"session timeout": WithSessionTimeout(0),
		"chroot":          WithChroot("app"),
		"logger":          WithLogger(nil),
		"auth":            WithAuth("", nil),
		"request size":    WithMaxRequestSize(1),
		"reply size":      WithMaxReplySize(1),
		"in flight":       WithMaxInFlight(0),
		"dialer":          WithDialer(nil),
		"backoff":         WithReconnectBackoff(time.Second, time.Millisecond),
		"connect timeout": WithConnectTimeout(-1),
	} {
		t.Run(name, func(t *testing.T) {
			_, err := Dial(ctx, []string{"127.0.0.1:1"}, o)
			assert.Error(t, err)
		})
	}
}

func TestCloseIsIdempotentAndSendsCloseSession(t *testing.T) {
	s := newFakeServer(t)
	c, fc := dialFake(t, s)
	events := c.StateEvents(context.Background())
	closed := make(chan error, 1)
	go func() { closed <- c.Close() }()
	r := fc.next()
	assert.Equal(t, wire.OpCloseSession, r.op)
	fc.reply(r.xid, 5, 0, nil)
	require.NoError(t, <-closed)
	require.NoError(t, c.Close())
	<-c.Done()
	assert.ErrorIs(t, c.Err(), ErrClosed)
	assert.Equal(t, StateClosed, c.State())
	ev := <-events
	assert.Equal(t, EventClosed, ev.Type)
	_, ok := <-events
	assert.False(t, ok)

	_, _, err := c.Get(context.Background(), "/x")
	assert.ErrorIs(t, err, ErrClosed)
	assert.False(t, IsRetryable(err))
	late := c.StateEvents(context.Background())
	assert.Equal(t, EventClosed, (<-late).Type)
	fc.expectEOF()
}

func TestXidWraps(t *testing.T) {
	s := newFakeServer(t)
	c, fc := dialFake(t, s)
	c.mu.Lock()
	c.xid = 1<<31 - 2
	c.mu.Unlock()
	ctx := testCtx(t)
	var xids []int32
	for range 3 {
		f := c.SyncAsync(ctx, "/")
		r := fc.next()
		xids = append(xids, r.xid)
		fc.reply(r.xid, 1, 0, &wire.PathRequest{Path: "/"})
		_, err := f.Wait(ctx)
		require.NoError(t, err)
	}
	assert.Equal(t, []int32{1<<31 - 1, 1, 2}, xids)
}
