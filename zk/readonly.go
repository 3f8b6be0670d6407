package zk

import (
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/coordkit/coordkit/internal/wire"
)

// Defaults of the search for a read-write server while connected to a
// read-only one (the Java client's pingRwTimeout bounds).
const (
	defaultROProbeInitial = 100 * time.Millisecond
	defaultROProbeMax     = 60 * time.Second
)

// errReadWriteFound is the cause given to a read-only connection dropped
// because a read-write server answered the probe: requests queued on it fail
// as not sent, requests written and unanswered as lost.
var errReadWriteFound = errors.New("zk: left the read-only server: a read-write server was found")

// roProbe searches, in its own goroutine, for a server that answers the
// "isro" four-letter word with "rw", while the session goroutine holds a
// read-only connection. The session goroutine starts it and stops it (and
// waits for it) before it changes connection.
type roProbe struct {
	found  chan string // receives the read-write server's address, once
	cancel context.CancelFunc
	done   chan struct{}
}

// startROProbe starts probing every server but cur (cur too when it is the
// only one), one server per round, with a pause that doubles from
// roProbeInitial up to roProbeMax. The probe ends when it finds a
// read-write server, on stop, or when the Conn is closed.
func (c *Conn) startROProbe(cur string) *roProbe {
	ctx, cancel := context.WithCancel(c.closeCtx)
	p := &roProbe{found: make(chan string, 1), cancel: cancel, done: make(chan struct{})}
	var addrs []string
	for _, a := range c.servers {
		if a != cur {
			addrs = append(addrs, a)
		}
	}
	if len(addrs) == 0 {
		addrs = []string{cur}
	}
	start := c.serverIx + 1
	go func() {
		defer close(p.done)
		delay := c.cfg.roProbeInitial
		for i := start; ; i++ {
			t := time.NewTimer(delay)
			select {
			case <-t.C:
			case <-ctx.Done():
				t.Stop()
				return
			}
			addr := addrs[i%len(addrs)]
			rw, err := c.isReadWrite(ctx, addr)
			if ctx.Err() != nil {
				return
			}
			if err != nil {
				c.log.Debug("zk: read-write probe failed", "server", addr, "err", err)
			}
			if rw {
				c.log.Info("zk: read-write server found", "server", addr, "session_id", c.sessionID.Load())
				p.found <- addr
				return
			}
			delay = min(2*delay, c.cfg.roProbeMax)
		}
	}()
	return p
}

// stop ends the probe and waits for its goroutine. A nil probe is a no-op.
func (p *roProbe) stop() {
	if p == nil {
		return
	}
	p.cancel()
	<-p.done
}

// foundCh returns the channel on which the probe reports a read-write
// server; nil (never ready) for a nil probe.
func (p *roProbe) foundCh() <-chan string {
	if p == nil {
		return nil
	}
	return p.found
}

// isReadWrite asks addr "isro" over a TCP connection of its own (made by
// the Conn's dialer), bounded by the connect timeout and ctx, and reports
// whether it answered "rw".
func (c *Conn) isReadWrite(ctx context.Context, addr string) (bool, error) {
	ctx, cancel := context.WithTimeout(ctx, c.connectTimeout())
	defer cancel()
	nc, err := c.cfg.dialer(ctx, "tcp", addr)
	if err != nil {
		return false, err
	}
	defer nc.Close()
	stop := context.AfterFunc(ctx, func() { _ = nc.SetDeadline(time.Unix(1, 0)) })
	defer stop()
	if dl, ok := ctx.Deadline(); ok {
		_ = nc.SetDeadline(dl)
	}
	if _, err := nc.Write([]byte("isro")); err != nil {
		return false, ctxErr(ctx, err)
	}
	b, err := io.ReadAll(io.LimitReader(nc, 16))
	if err != nil {
		return false, ctxErr(ctx, err)
	}
	switch s := string(b); s {
	case "rw":
		return true, nil
	case "ro":
		return false, nil
	default:
		return false, fmt.Errorf("unexpected isro answer %q", s)
	}
}

// indexOf returns the index of addr in c.servers, or -1.
func (c *Conn) indexOf(addr string) int {
	for i, a := range c.servers {
		if a == addr {
			return i
		}
	}
	return -1
}

// errReadOnlyRefused: a read-only server answered a request for a new
// session with a bare reply header carrying ZNOTREADONLY instead of a
// ConnectResponse. ZooKeeper 3.5+ servers create sessions in read-only mode
// only with localSessionsEnabled=true.
var errReadOnlyRefused = errors.New("zk: read-only server refused a new session (it creates sessions only with localSessionsEnabled=true)")

// refusedReadOnly reports whether the handshake reply p is the reply header
// {xid 0, ZNOTREADONLY} a read-only server sends when it cannot create a
// session.
func refusedReadOnly(p []byte) bool {
	if len(p) != wire.ReplyHeaderLen {
		return false
	}
	var h wire.ReplyHeader
	return wire.Unmarshal(p, &h) == nil && h.Xid == 0 && h.Err == wire.ErrNotReadOnly
}
