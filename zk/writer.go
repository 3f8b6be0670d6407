package zk

import (
	"encoding/binary"
	"runtime"
	"time"

	"github.com/coordkit/coordkit/internal/wire"
)

// pingFrame is a complete ping request: xid −2, opcode 11, no body.
var pingFrame = [...]byte{0, 0, 0, 8, 0xff, 0xff, 0xff, 0xfe, 0, 0, 0, byte(wire.OpPing)}

const (
	writeBufSize    = 64 << 10
	maxKeptWriteBuf = 4 << 20
)

// nextXid returns the next ordinary xid: 1 … 2³¹−1, wrapping to 1.
// Called with c.mu held.
func (c *Conn) nextXid() int32 {
	c.xid++
	if c.xid <= 0 {
		c.xid = 1
	}
	return c.xid
}

// writeLoop is the link's writer: it coalesces every queued frame into one
// write, and pings when nothing was sent for a third of the session
// timeout.
func (l *link) writeLoop() {
	c := l.c
	defer c.wg.Done()
	buf := make([]byte, 0, writeBufSize)
	var batch, expired []*call
	var gen uint64
	corkTimer := time.NewTimer(time.Hour)
	corkTimer.Stop()
	defer corkTimer.Stop()
	timer := time.NewTimer(l.pingEvery)
	defer timer.Stop()
	lastSend := time.Now()
	for {
		select {
		case <-l.dead:
			return
		case <-timer.C:
			idle := time.Since(lastSend)
			if idle < l.pingEvery {
				timer.Reset(l.pingEvery - idle)
				continue
			}
			if _, err := l.nc.Write(pingFrame[:]); err != nil {
				l.fail(err)
				return
			}
			c.stats.requests.Add(1)
			c.stats.bytesSent.Add(uint64(len(pingFrame)))
			lastSend = time.Now()
			timer.Reset(l.pingEvery)
			continue
		case <-l.wake:
			// Let submitters that are ready to run queue their requests
			// too, so that one write carries them all.
			runtime.Gosched()
			if d := l.writePause(); d > 0 {
				corkTimer.Reset(d)
				select {
				case <-corkTimer.C:
				case <-l.dead:
					return
				}
			}
		}

		buf = buf[:0]
		batch, expired = batch[:0], expired[:0]
		gen++
		c.mu.Lock()
		if l.failed {
			c.mu.Unlock()
			return
		}
		for i, k := range l.wq {
			l.wq[i] = nil
			if k.ctx != nil && k.ctx.Err() != nil {
				k.state = stDone
				expired = append(expired, k)
				continue
			}
			frame := *k.frame
			if k.op == wire.OpAuth {
				k.xid = wire.XidAuth
				l.authq = append(l.authq, k)
			} else {
				k.xid = c.nextXid()
				l.pending.push(k)
			}
			binary.BigEndian.PutUint32(frame[4:], uint32(k.xid))
			k.state = stPending
			k.batch = gen
			buf = append(buf, frame...)
			k.wend = len(buf)
			c.putFrame(k.frame)
			k.frame = nil
			batch = append(batch, k)
		}
		l.wq = l.wq[:0]
		if len(buf) > 0 {
			l.writing = gen
		}
		c.mu.Unlock()

		for _, k := range expired {
			k.complete(k.opErr(&notSentError{reason: k.ctx.Err()}))
		}
		if len(buf) == 0 {
			continue
		}
		n, err := l.nc.Write(buf)
		c.stats.bytesSent.Add(uint64(n))
		c.mu.Lock()
		l.writing = 0
		orphans, cause := l.orphans, l.err
		l.orphans = nil
		if err != nil && !l.failed {
			for _, k := range batch {
				if k.wend > n {
					k.unwritten = true
				}
			}
		}
		c.mu.Unlock()
		// Calls of this write whose link failed while it was in progress:
		// lost if their frame went out whole, else not sent.
		for _, k := range orphans {
			if k.wend <= n {
				k.complete(k.opErr(&lostError{cause: cause}))
			} else {
				k.complete(k.opErr(&notSentError{reason: cause}))
			}
		}
		if err != nil {
			l.fail(err)
			return
		}
		c.stats.requests.Add(uint64(len(batch)))
		lastSend = time.Now()
		if cap(buf) > maxKeptWriteBuf {
			buf = make([]byte, 0, writeBufSize)
		}
		clear(batch)
	}
}
