package zkserver

import (
	"sync"
	"time"

	"github.com/coordkit/coordkit/internal/wire"
)

const (
	// maxQueued bounds the bytes waiting for a connection's writer: a
	// client that stops reading is disconnected rather than allowed to
	// grow the server's memory without bound.
	maxQueued = 64 << 20
	// maxKeptBuf bounds the write buffer a writer keeps between batches.
	maxKeptBuf = 4 << 20
)

// outQueue holds the frames queued for a connection's writer, back to
// back, and one mark per frame.
type outQueue struct {
	mu    sync.Mutex // guards buf and marks
	buf   []byte
	marks []mark
	wake  chan struct{} // a token when frames were queued
}

// mark describes one queued frame (or a close with no frame).
type mark struct {
	end  int       // where the frame ends in buf
	zxid int64     // written only once this zxid is durable
	hold time.Time // if set, written no earlier (Hook Delay)
	shut bool      // close the connection after this frame
}

// The methods below that queue are called by the processor only.

// queueReply queues a reply frame that depends on zxid dep.
func (c *conn) queueReply(h wire.ReplyHeader, body wire.Record, dep int64) {
	q := &c.out
	q.mu.Lock()
	q.buf = wire.AppendReply(q.buf, h, body)
	q.marks = append(q.marks, mark{end: len(q.buf), zxid: dep, hold: c.takeHold()})
	n := len(q.buf)
	q.mu.Unlock()
	c.queued(n)
}

// queueFrame queues an encoded frame that depends on zxid dep.
func (c *conn) queueFrame(frame []byte, dep int64) {
	q := &c.out
	q.mu.Lock()
	q.buf = append(q.buf, frame...)
	q.marks = append(q.marks, mark{end: len(q.buf), zxid: dep, hold: c.takeHold()})
	n := len(q.buf)
	q.mu.Unlock()
	c.queued(n)
}

// queueRecord queues a frame holding r alone (the ConnectResponse).
func (c *conn) queueRecord(r wire.Record, dep int64, shut bool) {
	q := &c.out
	q.mu.Lock()
	q.buf = wire.AppendRecordFrame(q.buf, r)
	q.marks = append(q.marks, mark{end: len(q.buf), zxid: dep, hold: c.takeHold(), shut: shut})
	q.mu.Unlock()
	if shut {
		c.dead = true
	}
	c.touchOutput()
}

// queueClose queues the end of the connection: the writer sends what is
// queued before it (once zxid dep is durable), then closes. Nothing of c
// is processed afterwards.
func (c *conn) queueClose(dep int64) {
	q := &c.out
	q.mu.Lock()
	q.marks = append(q.marks, mark{end: len(q.buf), zxid: dep, hold: c.takeHold(), shut: true})
	q.mu.Unlock()
	c.dead = true
	c.touchOutput()
}

func (c *conn) takeHold() time.Time {
	h := c.hold
	c.hold = time.Time{}
	return h
}

// queued notes output for the writer and disconnects a client that has let
// too much pile up.
func (c *conn) queued(n int) {
	c.touchOutput()
	if n > maxQueued && !c.dead {
		c.s.log.Warn("client not reading, closing", "client", c.remote, "queued", n)
		c.dead = true
		c.close()
	}
}

// touchOutput puts c on the list of connections whose writers the
// processor wakes at the end of the round.
func (c *conn) touchOutput() {
	if !c.dirty {
		c.dirty = true
		p := c.s.proc
		p.dirty = append(p.dirty, c)
	}
}

// wakeWriter tells the writer frames are queued.
func (c *conn) wakeWriter() {
	select {
	case c.out.wake <- struct{}{}:
	default:
	}
}

// writeLoop is the connection's writer: it takes everything queued and
// writes it in one system call, once the zxids it depends on are durable.
func (c *conn) writeLoop() {
	defer c.s.wg.Done()
	defer c.close()
	var buf []byte
	var marks []mark
	for {
		select {
		case <-c.ctx.Done():
			return
		case <-c.out.wake:
		}
		c.out.mu.Lock()
		buf, c.out.buf = c.out.buf, buf[:0]
		marks, c.out.marks = c.out.marks, marks[:0]
		c.out.mu.Unlock()
		if !c.flush(buf, marks) {
			return
		}
		if cap(buf) > maxKeptBuf {
			buf = nil
		}
		clear(marks)
	}
}

// flush writes buf, frame by frame as marks describe them: each run of
// frames in one write, held back as Hook delays ask, and closes the
// connection after a shut mark. It reports false when the connection is
// finished.
func (c *conn) flush(buf []byte, marks []mark) bool {
	start, end, frames := 0, 0, 0
	var dep int64
	for _, m := range marks {
		if !m.hold.IsZero() {
			if !c.write(buf[start:end], dep, frames) || !c.sleepUntil(m.hold) {
				return false
			}
			start, frames = end, 0
		}
		if m.end > end {
			frames++
		}
		end = m.end
		dep = max(dep, m.zxid)
		if m.shut {
			c.write(buf[start:end], dep, frames)
			return false
		}
	}
	return c.write(buf[start:end], dep, frames)
}

// write writes p, which holds frames frames, once zxid dep is durable.
func (c *conn) write(p []byte, dep int64, frames int) bool {
	st := c.s.store
	if st.Durable() < dep {
		if err := st.Wait(c.ctx, dep); err != nil {
			if c.ctx.Err() == nil {
				c.s.log.Error("storage failed, closing connection", "client", c.remote, "err", err)
			}
			return false
		}
	}
	if len(p) == 0 {
		return true
	}
	c.sent.Add(int64(frames))
	c.s.sent.Add(int64(frames))
	if _, err := c.nc.Write(p); err != nil {
		c.s.log.Debug("write failed", "client", c.remote, "err", err)
		return false
	}
	return true
}

// sleepUntil waits until t (real time) or the connection's end.
func (c *conn) sleepUntil(t time.Time) bool {
	d := time.Until(t)
	if d <= 0 {
		return true
	}
	timer := time.NewTimer(d)
	defer timer.Stop()
	select {
	case <-timer.C:
		return true
	case <-c.ctx.Done():
		return false
	}
}
