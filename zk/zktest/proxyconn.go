package zktest

import (
	"errors"
	"io"
	"net"
	"sync"
	"sync/atomic"
	"time"
)

// proxyConn is one proxied connection: the accepted client socket, the
// socket dialed to the server, and one pipe per direction. Each pipe has a
// reader goroutine, which reads from its source as fast as it can and queues
// what it reads, and a writer goroutine, which applies the proxy's mode to
// each queued chunk. Reading never waits on the mode, so a held or delayed
// direction does not stall its sender.
type proxyConn struct {
	p              *Proxy
	client, server *net.TCPConn
	up, down       *pipe         // client→server, server→client
	done           chan struct{} // closed by abort
	once           sync.Once
	finished       atomic.Int32 // pipes whose writer has forwarded the close
}

type chunkKind int

const (
	chunkData  chunkKind = iota
	chunkEOF             // the source closed its sending side
	chunkReset           // the source failed (reset); reset the destination
)

type chunk struct {
	kind chunkKind
	data []byte
	at   time.Time // when the proxy read it
}

// pipe is one direction of a proxyConn.
type pipe struct {
	src, dst *net.TCPConn
	toServer bool

	mu    sync.Mutex    // guards q
	q     []chunk       // read, not yet written
	ready chan struct{} // capacity 1: a chunk was queued
}

func newPipe(src, dst *net.TCPConn, toServer bool) *pipe {
	return &pipe{src: src, dst: dst, toServer: toServer, ready: make(chan struct{}, 1)}
}

func (pp *pipe) push(c chunk) {
	pp.mu.Lock()
	pp.q = append(pp.q, c)
	pp.mu.Unlock()
	select {
	case pp.ready <- struct{}{}:
	default:
	}
}

// pop returns the oldest queued chunk, waiting for one; false once done is
// closed.
func (pp *pipe) pop(done <-chan struct{}) (chunk, bool) {
	for {
		pp.mu.Lock()
		if len(pp.q) > 0 {
			c := pp.q[0]
			pp.q[0] = chunk{}
			pp.q = pp.q[1:]
			pp.mu.Unlock()
			return c, true
		}
		pp.mu.Unlock()
		select {
		case <-pp.ready:
		case <-done:
			return chunk{}, false
		}
	}
}

// read copies from the pipe's source into its queue until the source ends.
func (pc *proxyConn) read(pp *pipe) {
	defer pc.p.wg.Done()
	buf := make([]byte, 32<<10)
	for {
		n, err := pp.src.Read(buf)
		if n > 0 {
			pp.push(chunk{kind: chunkData, data: append([]byte(nil), buf[:n]...), at: time.Now()})
		}
		if err == nil {
			continue
		}
		select {
		case <-pc.done:
			return // torn down by the proxy: nothing to forward
		default:
		}
		kind := chunkReset
		if errors.Is(err, io.EOF) {
			kind = chunkEOF
		}
		pp.push(chunk{kind: kind, at: time.Now()})
		return
	}
}

// write forwards the pipe's queue to its destination, as the mode says.
func (pc *proxyConn) write(pp *pipe) {
	defer pc.p.wg.Done()
	for {
		c, ok := pp.pop(pc.done)
		if !ok {
			return
		}
		act := pc.await(pp, c)
		switch {
		case act == actDrop:
			continue
		case act != actForward:
			return // torn down
		}
		switch c.kind {
		case chunkData:
			if _, err := pp.dst.Write(c.data); err != nil {
				pc.abort(false)
				return
			}
		case chunkEOF:
			_ = pp.dst.CloseWrite()
			if pc.finished.Add(1) == 2 {
				pc.abort(false)
			}
			return
		case chunkReset:
			pc.abort(true)
			return
		}
	}
}

// await waits until the mode lets c be forwarded or says to drop it, and
// returns actForward or actDrop; or actWait if the connection was torn down
// meanwhile.
func (pc *proxyConn) await(pp *pipe, c chunk) action {
	for {
		act, wait, changed := pc.p.decide(pp.toServer, c)
		if act != actWait {
			return act
		}
		var timer *time.Timer
		var timeout <-chan time.Time
		if wait > 0 {
			timer = time.NewTimer(wait)
			timeout = timer.C
		}
		select {
		case <-timeout:
		case <-changed:
		case <-pc.done:
		}
		if timer != nil {
			timer.Stop()
		}
		select {
		case <-pc.done:
			return actWait
		default:
		}
	}
}

// abort tears the connection down once: it closes both sockets, with
// SO_LINGER 0 (a TCP RST to each peer) when rst is set, and ends its
// goroutines.
func (pc *proxyConn) abort(rst bool) {
	pc.once.Do(func() {
		close(pc.done)
		if rst {
			_ = pc.client.SetLinger(0)
			_ = pc.server.SetLinger(0)
		}
		_ = pc.client.Close()
		_ = pc.server.Close()
		pc.p.mu.Lock()
		delete(pc.p.conns, pc)
		pc.p.mu.Unlock()
	})
}
