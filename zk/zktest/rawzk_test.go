package zktest

import (
	"context"
	"fmt"
	"net"
	"os"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/coordkit/coordkit/internal/wire"
)

// shared is one standalone server for the tests that do not stop or
// reconfigure theirs (one JVM per package keeps the run short).
var shared *ZooKeeper

func TestMain(m *testing.M) {
	code := m.Run()
	if shared != nil {
		shared.Close()
	}
	if code == 0 {
		if leaks := waitNoLeaks(5 * time.Second); leaks != "" {
			fmt.Fprintf(os.Stderr, "zktest: leaked goroutines:\n%s\n", leaks)
			code = 1
		}
	}
	os.Exit(code)
}

// sharedServer starts the shared server on first use.
func sharedServer(t *testing.T) *ZooKeeper {
	t.Helper()
	if shared == nil {
		z, err := Start(context.Background())
		require.NoError(t, err, "start the shared ZooKeeper")
		shared = z
	}
	return shared
}

// waitNoLeaks waits until no goroutine of this package but the caller's is
// left, and returns the stacks of those that stay.
func waitNoLeaks(timeout time.Duration) string {
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	var leaks []string
	_ = WaitUntil(ctx, func() bool {
		buf := make([]byte, 1<<20)
		buf = buf[:runtime.Stack(buf, true)]
		leaks = leaks[:0]
		for _, g := range strings.Split(string(buf), "\n\n") {
			if strings.Contains(g, "coordkit/zk/zktest.") && !strings.Contains(g, "zktest.TestMain") {
				leaks = append(leaks, g)
			}
		}
		return len(leaks) == 0
	})
	return strings.Join(leaks, "\n\n")
}

// rawConn is a minimal hand-driven ZooKeeper session for these tests: one
// request at a time, notifications collected on the side.
type rawConn struct {
	t       testing.TB
	c       net.Conn
	fr      *wire.FrameReader
	xid     int32
	resp    wire.ConnectResponse
	events  []wire.WatcherEvent
	timeout time.Duration
}

// dialRaw opens a connection and creates (sessionID 0) or re-attaches a
// session. The caller checks resp.TimeOut for a rejected re-attach.
func dialRaw(t testing.TB, addr string, sessionID int64, passwd []byte) *rawConn {
	t.Helper()
	c, err := net.DialTimeout("tcp", addr, 5*time.Second)
	require.NoError(t, err)
	t.Cleanup(func() { _ = c.Close() })
	if passwd == nil {
		passwd = make([]byte, 16)
	}
	r := &rawConn{t: t, c: c, fr: wire.NewFrameReader(c, 4<<20), timeout: 10 * time.Second}
	_, err = c.Write(wire.AppendRecordFrame(nil, &wire.ConnectRequest{
		TimeOut: 30000, SessionID: sessionID, Passwd: passwd, HasReadOnly: true,
	}))
	require.NoError(t, err)
	require.NoError(t, c.SetReadDeadline(time.Now().Add(r.timeout)))
	p, err := r.fr.Next()
	require.NoError(t, err, "read ConnectResponse")
	require.NoError(t, wire.Unmarshal(p, &r.resp))
	return r
}

// call sends one request and returns its reply header, decoding the body
// into resp when the reply carries no error.
func (r *rawConn) call(op wire.OpCode, req, resp wire.Record) wire.ReplyHeader {
	r.t.Helper()
	r.xid++
	_, err := r.c.Write(wire.AppendRequest(nil, r.xid, op, req))
	require.NoError(r.t, err)
	for {
		h, body, err := r.next()
		require.NoError(r.t, err, "reply to %v", op)
		if h.Xid != r.xid {
			continue
		}
		if h.Err == wire.ErrOK && resp != nil {
			require.NoError(r.t, wire.Unmarshal(body, resp))
		}
		return h
	}
}

// next reads one frame; notifications are recorded in r.events as well.
func (r *rawConn) next() (wire.ReplyHeader, []byte, error) {
	var h wire.ReplyHeader
	if err := r.c.SetReadDeadline(time.Now().Add(r.timeout)); err != nil {
		return h, nil, err
	}
	p, err := r.fr.Next()
	if err != nil {
		return h, nil, err
	}
	d := wire.NewDecoder(p)
	h.Decode(d)
	if err := d.Err(); err != nil {
		return h, nil, err
	}
	body := p[wire.ReplyHeaderLen:]
	if h.Xid == wire.XidWatchEvent {
		var ev wire.WatcherEvent
		if err := wire.Unmarshal(body, &ev); err != nil {
			return h, nil, err
		}
		r.events = append(r.events, ev)
	}
	return h, body, nil
}

// waitEvent reads frames until a notification for path arrives.
func (r *rawConn) waitEvent(path string) wire.WatcherEvent {
	r.t.Helper()
	for {
		for i, ev := range r.events {
			if ev.Path == path {
				r.events = append(r.events[:i], r.events[i+1:]...)
				return ev
			}
		}
		_, _, err := r.next()
		require.NoError(r.t, err, "waiting for an event on %s", path)
	}
}

var openACL = []wire.ACL{{Perms: wire.PermAll, ID: wire.ID{Scheme: "world", ID: "anyone"}}}

func (r *rawConn) create(path string, data []byte, flags int32, acl []wire.ACL) wire.ErrCode {
	r.t.Helper()
	if acl == nil {
		acl = openACL
	}
	var resp wire.CreateResponse
	return r.call(wire.OpCreate, &wire.CreateRequest{Path: path, Data: data, ACL: acl, Flags: flags}, &resp).Err
}

func (r *rawConn) exists(path string, watch bool) wire.ErrCode {
	r.t.Helper()
	var resp wire.StatResponse
	return r.call(wire.OpExists, &wire.PathWatchRequest{Path: path, Watch: watch}, &resp).Err
}

func (r *rawConn) getData(path string) ([]byte, wire.ErrCode) {
	r.t.Helper()
	var resp wire.GetDataResponse
	h := r.call(wire.OpGetData, &wire.PathWatchRequest{Path: path}, &resp)
	return resp.Data, h.Err
}

// auth adds a credential; the server answers it with xid −4.
func (r *rawConn) auth(scheme, cred string) wire.ErrCode {
	r.t.Helper()
	_, err := r.c.Write(wire.AppendRequest(nil, wire.XidAuth, wire.OpAuth,
		&wire.AuthPacket{Scheme: scheme, Auth: []byte(cred)}))
	require.NoError(r.t, err)
	for {
		h, _, err := r.next()
		require.NoError(r.t, err, "auth reply")
		if h.Xid == wire.XidAuth {
			return h.Err
		}
	}
}

// uniquePath returns a znode path no other test uses on a shared server.
func uniquePath(t testing.TB) string {
	return "/" + strings.NewReplacer("/", "-", " ", "_").Replace(t.Name()) + fmt.Sprintf("-%d", time.Now().UnixNano())
}
