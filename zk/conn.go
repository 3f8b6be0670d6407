package zk

import (
	"context"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"
)

// Conn is one ZooKeeper session. It may move across TCP connections and
// servers while it lives; when the session ends (Close, expiry, or a
// rejected credential) the Conn is finished for good: Done is closed, Err
// says why, and it never opens a new session.
//
// All methods are safe for concurrent use.
type Conn struct {
	cfg     *config
	servers []string
	chroot  chroot
	log     *slog.Logger
	window  chan struct{} // in-flight window: a slot per user request
	frames  sync.Pool     // *[]byte request frames

	watches watchSet
	hub     stateHub
	pumps   *pumpGroup // feeds StateEvents and Watch channels
	stats   counters

	sessionID atomic.Int64
	timeoutMS atomic.Int64 // negotiated session timeout
	lastZxid  atomic.Int64
	state     atomic.Int32
	authFail  atomic.Bool // a credential was rejected
	seenRW    atomic.Bool // the session was ever attached to a read-write server

	mu       sync.Mutex // guards the fields below and every link's queues
	cur      *link      // the connection requests go to; nil while disconnected
	waiting  []*call    // submitted while disconnected
	endErr   error      // why the session is over (nil while it lives)
	xid      int32      // last xid used
	auth     []credential
	passwd   []byte
	server   string
	serverIx int // index in servers of the last server tried

	closeCtx context.Context // cancelled by Close
	cancel   context.CancelFunc
	done     chan struct{} // closed when the session is over
	wg       sync.WaitGroup
}

type counters struct {
	requests, replies, events atomic.Uint64
	bytesSent, bytesReceived  atomic.Uint64
	reconnects                atomic.Uint64
}

// Stats are counters of a Conn's traffic since Dial.
type Stats struct {
	Requests      uint64 // requests written (pings and internal requests included)
	Replies       uint64 // replies matched to requests
	Events        uint64 // watch events received
	BytesSent     uint64
	BytesReceived uint64
	Reconnects    uint64 // successful re-attachments of the session
	InFlight      int    // requests written, awaiting a reply
	Queued        int    // requests queued, not yet written
}

// Stats returns a snapshot of the counters. It does not block on I/O.
func (c *Conn) Stats() Stats {
	s := Stats{
		Requests:      c.stats.requests.Load(),
		Replies:       c.stats.replies.Load(),
		Events:        c.stats.events.Load(),
		BytesSent:     c.stats.bytesSent.Load(),
		BytesReceived: c.stats.bytesReceived.Load(),
		Reconnects:    c.stats.reconnects.Load(),
	}
	c.mu.Lock()
	s.Queued = len(c.waiting)
	if l := c.cur; l != nil {
		s.Queued += len(l.wq)
		s.InFlight = l.pending.len() + len(l.authq)
	}
	c.mu.Unlock()
	return s
}

// Done returns a channel that is closed when the session is over: after
// Close, when the server declared the session expired, or when it rejected
// a credential. Err then says which.
func (c *Conn) Done() <-chan struct{} { return c.done }

// Err returns nil while the session lives, and afterwards an error wrapping
// ErrClosed, ErrSessionExpired or ErrAuthFailed.
func (c *Conn) Err() error {
	select {
	case <-c.done:
	default:
		return nil
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.endErr
}

// SessionID returns the session id (0 only before the first connection).
func (c *Conn) SessionID() int64 { return c.sessionID.Load() }

// SessionPassword returns a copy of the session password.
func (c *Conn) SessionPassword() []byte {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]byte(nil), c.passwd...)
}

// SessionTimeout returns the session timeout negotiated with the server.
func (c *Conn) SessionTimeout() time.Duration {
	return time.Duration(c.timeoutMS.Load()) * time.Millisecond
}

// State returns the current connection state.
func (c *Conn) State() State { return State(c.state.Load()) }

// Server returns the address of the server the session is connected to, or
// "" while disconnected.
func (c *Conn) Server() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.server
}

// LastZxid returns the highest zxid seen in a reply; the session never
// re-attaches to a server that is behind it.
func (c *Conn) LastZxid() int64 { return c.lastZxid.Load() }

// Close ends the session: it sends closeSession after every request already
// queued, waits for its reply (bounded by one second, or the connect timeout
// if set), closes the connection and waits for every goroutine the Conn
// started. Requests still unanswered then fail with ErrClosed (queued ones
// also wrap ErrNotSent, written ones ErrConnectionLoss). One-shot watch
// channels receive an event whose Err wraps ErrClosed. StateEvents and
// Watch channels are closed before Close returns; events their receivers
// had not yet taken are dropped, and Watch.Err wraps ErrClosed.
//
// If the Conn is disconnected the session is not closed on the server and
// its ephemeral nodes live until it expires. Close is idempotent and always
// returns nil; calling it after the session expired only releases
// resources.
func (c *Conn) Close() error {
	c.cancel()
	c.wg.Wait()
	c.pumps.stop()
	return nil
}

func (c *Conn) getFrame() *[]byte {
	if p, ok := c.frames.Get().(*[]byte); ok {
		return p
	}
	b := make([]byte, 0, 256)
	return &b
}

func (c *Conn) putFrame(p *[]byte) {
	if cap(*p) > 64<<10 {
		return
	}
	*p = (*p)[:0]
	c.frames.Put(p)
}
