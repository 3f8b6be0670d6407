package bench

import (
	"context"
	"encoding/binary"
	"net"
	"sync"
	"testing"
	"time"

	gozk "github.com/go-zookeeper/zk"
	"github.com/stretchr/testify/require"

	"github.com/coordkit/coordkit/zk"
)

// rttCounts follows the ZooKeeper frames on one connection to count
// requests (xid >= 0: no pings, no watch events) and round trips: the
// times a request was sent while none was outstanding. Requests sent while
// others are outstanding (pipelined) share their round trip.
type rttCounts struct {
	mu          sync.Mutex
	requests    int
	roundTrips  int
	outstanding int
	out, in     frameScanner
}

// frameScanner splits a byte stream into ZooKeeper frames (a 4-byte
// length, then the frame, whose first 4 bytes are the xid, except in the
// first frame of a connection: the connect request or response).
type frameScanner struct {
	hdr     [8]byte
	have    int // bytes of hdr read
	skip    int // bytes of the current frame body still to skip
	started bool
}

// feed calls frame with the xid of every frame that p completes the
// header of.
func (s *frameScanner) feed(p []byte, frame func(xid int32)) {
	for len(p) > 0 {
		if s.skip > 0 {
			k := min(s.skip, len(p))
			s.skip -= k
			p = p[k:]
			continue
		}
		need := 8
		if !s.started {
			need = 4
		}
		k := copy(s.hdr[s.have:need], p)
		s.have += k
		p = p[k:]
		if s.have < need {
			return
		}
		n := int(binary.BigEndian.Uint32(s.hdr[:4]))
		s.have = 0
		if !s.started {
			s.started = true
			s.skip = n
			continue
		}
		frame(int32(binary.BigEndian.Uint32(s.hdr[4:8])))
		s.skip = n - 4
	}
}

type rttConn struct {
	net.Conn
	c *rttCounts
}

func (c rttConn) Write(p []byte) (int, error) {
	c.c.mu.Lock()
	c.c.out.feed(p, func(xid int32) {
		if xid < 0 {
			return
		}
		c.c.requests++
		if c.c.outstanding == 0 {
			c.c.roundTrips++
		}
		c.c.outstanding++
	})
	c.c.mu.Unlock()
	return c.Conn.Write(p)
}

func (c rttConn) Read(p []byte) (int, error) {
	n, err := c.Conn.Read(p)
	c.c.mu.Lock()
	c.c.in.feed(p[:n], func(xid int32) {
		if xid >= 0 && c.c.outstanding > 0 {
			c.c.outstanding--
		}
	})
	c.c.mu.Unlock()
	return n, err
}

func (c *rttCounts) snapshot() (requests, roundTrips int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.requests, c.roundTrips
}

// dialRTT opens a session of client name whose frames are counted.
func dialRTT(t *testing.T, name string) (lockSession, *rttCounts) {
	counts := new(rttCounts)
	var d net.Dialer
	dial := func(ctx context.Context, network, addr string) (net.Conn, error) {
		nc, err := d.DialContext(ctx, network, addr)
		if err != nil {
			return nil, err
		}
		return rttConn{Conn: nc, c: counts}, nil
	}
	var s lockSession
	if name == "gozk" {
		conn, _, err := gozk.Connect([]string{env.addr}, sessionTimeout,
			gozk.WithLogger(quietLogger{}), gozk.WithLogInfo(false),
			gozk.WithDialer(func(network, addr string, timeout time.Duration) (net.Conn, error) {
				ctx, cancel := context.WithTimeout(context.Background(), timeout)
				defer cancel()
				return dial(ctx, network, addr)
			}))
		require.NoError(t, err)
		s = &gozkClient{conn: conn, drained: make(chan struct{})}
	} else {
		conn, err := zk.Dial(t.Context(), []string{env.addr}, zk.WithSessionTimeout(sessionTimeout),
			zk.WithDialer(dial))
		require.NoError(t, err)
		s = &coordkitClient{conn: conn}
	}
	t.Cleanup(func() { s.close() })
	return s, counts
}

// TestLockRoundTrips counts the requests and round trips of an uncontended
// Lock+Unlock cycle of each client, on a session of its own, and the
// requests per acquisition with 8 contenders, and logs them (go test -v
// -run LockRoundTrips).
func TestLockRoundTrips(t *testing.T) {
	const n = 200
	ctx := t.Context()
	for _, wl := range lockWorkloads {
		for _, name := range []string{"gozk", "coordkit"} {
			t.Run(wl.name+"/client="+name, func(t *testing.T) {
				v := &lockVariant{name: name, path: lockDir + "/RoundTrips-" + wl.name + "-" + name}
				var counts []*rttCounts
				for range wl.contenders {
					s, c := dialRTT(t, name)
					mu, err := s.newMutex(v.path)
					require.NoError(t, err)
					v.sessions = append(v.sessions, s)
					v.mus = append(v.mus, mu)
					counts = append(counts, c)
				}
				require.NoError(t, ensurePath(ctx, v.sessions[0], v.path))
				total := func() (req, rt int) {
					for _, c := range counts {
						q, r := c.snapshot()
						req, rt = req+q, rt+r
					}
					return req, rt
				}
				require.NoError(t, v.run(ctx, wl, 20, nil)) // the sessions are up, the path in use
				time.Sleep(50 * time.Millisecond)           // outstanding background requests answered
				req0, rt0 := total()
				require.NoError(t, v.run(ctx, wl, n, nil))
				time.Sleep(50 * time.Millisecond)
				req1, rt1 := total()
				// v.run's check after the ops is one more round trip.
				if wl.contenders == 1 {
					t.Logf("%s: %.2f requests and %.2f round trips per uncontended Lock+Unlock cycle",
						name, float64(req1-req0-1)/n, float64(rt1-rt0-1)/n)
				} else {
					t.Logf("%s: %.2f requests per acquisition with %d contenders",
						name, float64(req1-req0-1)/n, wl.contenders)
				}
				require.Positive(t, rt1-rt0)
			})
		}
	}
}
