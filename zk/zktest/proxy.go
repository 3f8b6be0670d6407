package zktest

import (
	"context"
	"errors"
	"fmt"
	"net"
	"sync"
	"testing"
	"time"
)

// Proxy is a TCP proxy on 127.0.0.1 that injects network faults between
// clients and a server. Each accepted connection is forwarded to the target
// over its own connection. The fault mode can be switched at any time and
// applies to existing and new connections alike:
//
//   - Pass forwards everything (the initial mode).
//   - Blackhole keeps connections open but forwards nothing: bytes in both
//     directions are read and dropped, and closes are held back until the
//     mode changes, so both peers see silence, as in a network partition.
//   - Delay forwards every chunk of bytes d after the proxy read it.
//   - Refuse closes new connections as soon as they are accepted; existing
//     ones forward as in Pass.
//
// Independently, the server-to-client direction can drop replies
// (DropReplies) or hold them back (HoldReplies) until ReleaseReplies, while
// requests still reach the server: "the request was written, the reply never
// came". Reset resets every current connection with a TCP RST.
//
// A Proxy's methods are safe for concurrent use.
type Proxy struct {
	ln     net.Listener
	ctx    context.Context // canceled by Close
	cancel context.CancelFunc
	once   sync.Once
	wg     sync.WaitGroup // the accept loop and every connection goroutine

	mu      sync.Mutex // guards the fields below
	target  string
	mode    proxyMode
	delay   time.Duration
	replies replyMode
	changed chan struct{} // closed and replaced on every change of mode
	conns   map[*proxyConn]struct{}
}

type proxyMode int

const (
	modePass proxyMode = iota
	modeBlackhole
	modeDelay
	modeRefuse
)

type replyMode int

const (
	repliesPass replyMode = iota
	repliesDrop
	repliesHold
)

// NewProxy starts a proxy to target for the test; t.Cleanup closes it. It
// fails the test if it cannot listen.
func NewProxy(t testing.TB, target string) *Proxy {
	t.Helper()
	p, err := StartProxy(target)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(p.Close)
	return p
}

// StartProxy starts a proxy to target listening on 127.0.0.1:0, in Pass
// mode. Close stops it.
func StartProxy(target string) (*Proxy, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("zktest: proxy listen: %w", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	p := &Proxy{
		ln:      ln,
		ctx:     ctx,
		cancel:  cancel,
		target:  target,
		changed: make(chan struct{}),
		conns:   make(map[*proxyConn]struct{}),
	}
	p.wg.Add(1)
	go p.serve()
	return p, nil
}

// Addr returns the proxy's address, "127.0.0.1:port"; clients dial it.
func (p *Proxy) Addr() string { return p.ln.Addr().String() }

// Target returns the address new connections are forwarded to.
func (p *Proxy) Target() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.target
}

// SetTarget re-points new connections at addr; existing ones keep theirs.
func (p *Proxy) SetTarget(addr string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.target = addr
}

// Conns returns the number of open proxied connections.
func (p *Proxy) Conns() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return len(p.conns)
}

// Pass forwards everything again, in both directions, releasing held
// replies and held-back closes; it also ends DropReplies and HoldReplies.
func (p *Proxy) Pass() {
	p.update(func() { p.mode, p.delay, p.replies = modePass, 0, repliesPass })
}

// Blackhole forwards nothing in either direction: bytes are read and
// dropped, and closes are held back until the mode changes. New connections
// are accepted (and dialed to the target) but see nothing either.
func (p *Proxy) Blackhole() { p.update(func() { p.mode, p.delay = modeBlackhole, 0 }) }

// Delay forwards each chunk of bytes d after the proxy read it, in both
// directions, preserving order. Delay(0) ends the delay (DropReplies and
// HoldReplies stay in force).
func (p *Proxy) Delay(d time.Duration) {
	p.update(func() {
		p.mode, p.delay = modeDelay, d
		if d <= 0 {
			p.mode, p.delay = modePass, 0
		}
	})
}

// Refuse closes new connections as soon as they are accepted. Existing
// connections forward as in Pass.
func (p *Proxy) Refuse() { p.update(func() { p.mode, p.delay = modeRefuse, 0 }) }

// DropReplies keeps forwarding client-to-server bytes but drops
// server-to-client bytes (closes still pass), until Pass or ReleaseReplies.
func (p *Proxy) DropReplies() { p.update(func() { p.replies = repliesDrop }) }

// HoldReplies keeps forwarding client-to-server bytes but holds back
// server-to-client bytes and closes until ReleaseReplies or Pass, which
// deliver them in order.
func (p *Proxy) HoldReplies() { p.update(func() { p.replies = repliesHold }) }

// ReleaseReplies ends DropReplies or HoldReplies; held bytes are delivered.
func (p *Proxy) ReleaseReplies() { p.update(func() { p.replies = repliesPass }) }

// update changes the mode with f and wakes every writer waiting on it.
func (p *Proxy) update(f func()) {
	p.mu.Lock()
	defer p.mu.Unlock()
	f()
	close(p.changed)
	p.changed = make(chan struct{})
}

// Reset resets every current connection: both of its sockets are closed
// with SO_LINGER 0, so the client and the server each get a TCP RST. The
// mode does not change; new connections are accepted as before.
func (p *Proxy) Reset() {
	for _, c := range p.takeConns() {
		c.abort(true)
	}
}

// Close stops accepting, closes every connection, and waits for all of the
// proxy's goroutines to end. It is idempotent.
func (p *Proxy) Close() {
	p.once.Do(func() {
		p.cancel()
		_ = p.ln.Close()
		for _, c := range p.takeConns() {
			c.abort(false)
		}
	})
	p.wg.Wait()
}

func (p *Proxy) takeConns() []*proxyConn {
	p.mu.Lock()
	defer p.mu.Unlock()
	cs := make([]*proxyConn, 0, len(p.conns))
	for c := range p.conns {
		cs = append(cs, c)
	}
	clear(p.conns)
	return cs
}

func (p *Proxy) serve() {
	defer p.wg.Done()
	for {
		c, err := p.ln.Accept()
		if err != nil {
			select {
			case <-p.ctx.Done():
				return
			default:
			}
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() {
				continue
			}
			return
		}
		p.mu.Lock()
		refuse, target := p.mode == modeRefuse, p.target
		p.mu.Unlock()
		if refuse {
			_ = c.Close()
			continue
		}
		p.wg.Add(1)
		go p.handle(c.(*net.TCPConn), target)
	}
}

// handle dials the target for an accepted client and starts forwarding.
func (p *Proxy) handle(client *net.TCPConn, target string) {
	defer p.wg.Done()
	ctx, cancel := context.WithTimeout(p.ctx, 5*time.Second)
	var d net.Dialer
	sc, err := d.DialContext(ctx, "tcp", target)
	cancel()
	if err != nil {
		_ = client.Close()
		return
	}
	pc := &proxyConn{
		p:      p,
		client: client,
		server: sc.(*net.TCPConn),
		done:   make(chan struct{}),
	}
	pc.up = newPipe(client, pc.server, true)
	pc.down = newPipe(pc.server, client, false)
	p.mu.Lock()
	select {
	case <-p.ctx.Done():
		p.mu.Unlock()
		pc.abort(false)
		return
	default:
	}
	p.conns[pc] = struct{}{}
	p.wg.Add(4)
	p.mu.Unlock()
	go pc.read(pc.up)
	go pc.read(pc.down)
	go pc.write(pc.up)
	go pc.write(pc.down)
}

// action is what a writer does with a chunk under the current mode.
type action int

const (
	actForward action = iota
	actDrop
	actWait
)

// decide returns what to do with chunk c travelling toward the server (or
// the client), how long to wait if waiting on a timer, and a channel closed
// on the next change of mode.
func (p *Proxy) decide(toServer bool, c chunk) (action, time.Duration, <-chan struct{}) {
	p.mu.Lock()
	defer p.mu.Unlock()
	data := c.kind == chunkData
	switch {
	case p.mode == modeBlackhole && data:
		return actDrop, 0, nil
	case p.mode == modeBlackhole:
		return actWait, 0, p.changed
	case !toServer && p.replies == repliesHold:
		return actWait, 0, p.changed
	case !toServer && p.replies == repliesDrop && data:
		return actDrop, 0, nil
	case p.mode == modeDelay:
		if w := time.Until(c.at.Add(p.delay)); w > 0 {
			return actWait, w, p.changed
		}
	}
	return actForward, 0, nil
}
