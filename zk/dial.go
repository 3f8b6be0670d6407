package zk

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"strings"
	"time"

	"github.com/hashicorp/go-multierror"

	"github.com/coordkit/coordkit/internal/wire"
)

const defaultPort = "2181"

// errExpired is returned by connect when the server says the session is
// invalid (a ConnectResponse with timeOut 0).
var errExpired = ErrSessionExpired

// parseServers splits the connect strings into host:port addresses and a
// chroot. Entries are joined with "," first, so each may itself be a full
// connect string "h1:p1,h2:p2/chroot"; a missing port is 2181.
func parseServers(servers []string) ([]string, string, error) {
	joined := strings.Join(servers, ",")
	root := ""
	if i := strings.IndexByte(joined, '/'); i >= 0 {
		joined, root = joined[:i], joined[i:]
		if root == "/" {
			root = ""
		}
		if root != "" {
			if err := ValidatePath(root, false); err != nil {
				return nil, "", fmt.Errorf("zk: chroot: %w", err)
			}
		}
	}
	var addrs []string
	for _, s := range strings.Split(joined, ",") {
		s = strings.TrimSpace(s)
		if s == "" {
			continue
		}
		if _, _, err := net.SplitHostPort(s); err != nil {
			s = net.JoinHostPort(strings.Trim(s, "[]"), defaultPort)
			if _, _, err := net.SplitHostPort(s); err != nil {
				return nil, "", fmt.Errorf("zk: bad server address %q: %w", s, err)
			}
		}
		addrs = append(addrs, s)
	}
	if len(addrs) == 0 {
		return nil, "", errors.New("zk: no servers")
	}
	return addrs, root, nil
}

// Dial establishes a new session with one of servers, trying them in a
// random order, each bounded by the connect timeout and ctx. It returns once
// the session is established and any credentials given by WithAuth or
// WithDigestAuth were accepted, or with an error listing every server's
// failure once all failed or ctx ended. The Conn then keeps the session
// alive (pings) and re-attaches it to another server if the connection is
// lost, until Close or expiry.
//
// servers holds "host:port" entries; any entry may be a full connect string
// "h1:p1,h2:p2/chroot", whose "/chroot" suffix roots every path (WithChroot
// overrides it).
func Dial(ctx context.Context, servers []string, opts ...Option) (*Conn, error) {
	cfg, err := newConfig(opts)
	if err != nil {
		return nil, err
	}
	addrs, root, err := parseServers(servers)
	if err != nil {
		return nil, err
	}
	if cfg.chroot != "" {
		root = cfg.chroot
	}
	rand.Shuffle(len(addrs), func(i, j int) { addrs[i], addrs[j] = addrs[j], addrs[i] })

	c := &Conn{
		cfg:     cfg,
		servers: addrs,
		chroot:  chroot(root),
		log:     cfg.logger,
		window:  make(chan struct{}, cfg.maxInFlight),
		done:    make(chan struct{}),
		pumps:   newPumpGroup(),
		auth:    append([]credential(nil), cfg.auth...),
	}
	c.closeCtx, c.cancel = context.WithCancel(context.Background())
	c.watches.init()

	errs := &multierror.Error{ErrorFormat: oneLine}
	for i, addr := range addrs {
		l, err := c.connect(ctx, addr)
		if err != nil {
			errs = multierror.Append(errs, fmt.Errorf("%s: %w", addr, err))
			if ctx.Err() != nil {
				break
			}
			continue
		}
		c.serverIx = i
		auths := c.activate(l)
		if l.readOnly {
			c.setState(StateReadOnly, StateEvent{Type: EventReadOnly, Server: addr})
		} else {
			c.setState(StateConnected, StateEvent{Type: EventConnected, Server: addr})
		}
		c.wg.Add(1)
		go c.run(l)
		if err := c.awaitAuth(ctx, auths); err != nil {
			_ = c.Close()
			return nil, err
		}
		return c, nil
	}
	c.cancel()
	if len(errs.Errors) == 0 {
		return nil, fmt.Errorf("zk: dial: %w", ctx.Err())
	}
	return nil, fmt.Errorf("zk: dial: %w", errs)
}

// oneLine formats the failures of every server on one line.
func oneLine(errs []error) string {
	s := make([]string, len(errs))
	for i, err := range errs {
		s[i] = err.Error()
	}
	return strings.Join(s, "; ")
}

// awaitAuth waits for the replies to the credentials sent at Dial.
func (c *Conn) awaitAuth(ctx context.Context, auths []*call) error {
	for _, k := range auths {
		select {
		case <-k.done:
			if k.err != nil {
				if errors.Is(k.err, ErrConnectionLoss) && c.authFail.Load() {
					return fmt.Errorf("zk: dial: %w", ErrAuthFailed)
				}
				return fmt.Errorf("zk: dial: %w", k.err)
			}
		case <-ctx.Done():
			return fmt.Errorf("zk: dial: waiting for auth: %w", ctx.Err())
		}
	}
	return nil
}

// connectTimeout returns the bound of one connection attempt.
func (c *Conn) connectTimeout() time.Duration {
	if c.cfg.connectTimeout > 0 {
		return c.cfg.connectTimeout
	}
	t := c.SessionTimeout()
	if t == 0 {
		t = c.cfg.sessionTimeout
	}
	t /= time.Duration(len(c.servers))
	return max(t, minConnectTimeout)
}

// connect opens a TCP connection to addr and performs the handshake: the
// ConnectRequest alone, then the ConnectResponse, before anything else is
// written. It returns errExpired if the server says the session is over.
func (c *Conn) connect(ctx context.Context, addr string) (*link, error) {
	ctx, cancel := context.WithTimeout(ctx, c.connectTimeout())
	defer cancel()
	nc, err := c.cfg.dialer(ctx, "tcp", addr)
	if err != nil {
		return nil, err
	}
	ok := false
	defer func() {
		if !ok {
			_ = nc.Close()
		}
	}()
	// Abort the handshake's blocking I/O when ctx ends.
	stop := context.AfterFunc(ctx, func() { _ = nc.SetDeadline(time.Unix(1, 0)) })
	defer stop()
	if dl, ok := ctx.Deadline(); ok {
		_ = nc.SetDeadline(dl)
	}

	c.mu.Lock()
	passwd := c.passwd
	c.mu.Unlock()
	sid := c.sessionID.Load()
	if !c.seenRW.Load() {
		// A session created by a read-only server is that server's local
		// session, unknown to the quorum: ask for a new one, as the Java
		// client does (see WithReadOnly).
		sid, passwd = 0, nil
	}
	if passwd == nil {
		passwd = make([]byte, 16)
	}
	req := wire.ConnectRequest{
		LastZxidSeen: c.lastZxid.Load(),
		TimeOut:      int32(c.cfg.sessionTimeout / time.Millisecond),
		SessionID:    sid,
		Passwd:       passwd,
		ReadOnly:     c.cfg.readOnly,
		HasReadOnly:  true,
	}
	frame := wire.AppendRecordFrame(nil, &req)
	if _, err := nc.Write(frame); err != nil {
		return nil, ctxErr(ctx, err)
	}
	rd := &deadlineReader{nc: nc}
	br := bufio.NewReaderSize(rd, 64<<10)
	fr := wire.NewFrameReader(br, 1024)
	p, err := fr.Next()
	if err != nil {
		if errors.Is(err, io.EOF) {
			return nil, errors.New("server closed the connection during the handshake (it may be behind this session's last zxid, or refuse read-write clients)")
		}
		return nil, ctxErr(ctx, err)
	}
	if refusedReadOnly(p) {
		return nil, errReadOnlyRefused
	}
	var resp wire.ConnectResponse
	if err := wire.Unmarshal(p, &resp); err != nil {
		return nil, errProtocol("malformed ConnectResponse", err)
	}
	if resp.TimeOut <= 0 {
		if sid != 0 {
			return nil, errExpired
		}
		return nil, errProtocol("server refused a new session (timeOut 0)", nil)
	}
	if sid != 0 && resp.SessionID != sid {
		return nil, errProtocol(fmt.Sprintf("server re-attached session %#x as %#x", sid, resp.SessionID), nil)
	}
	if len(resp.Passwd) == 0 {
		return nil, errProtocol("ConnectResponse without a password", nil)
	}
	if !stop() {
		return nil, ctxErr(ctx, context.Canceled)
	}
	if err := nc.SetDeadline(time.Time{}); err != nil {
		return nil, err
	}
	ok = true

	if old := c.sessionID.Load(); old != 0 && old != resp.SessionID {
		c.log.Info("zk: provisional read-only session replaced", "server", addr, "session_id", resp.SessionID, "old_session_id", old)
	}
	if !resp.ReadOnly {
		c.seenRW.Store(true)
	}
	c.sessionID.Store(resp.SessionID)
	c.timeoutMS.Store(int64(resp.TimeOut))
	c.mu.Lock()
	c.passwd = resp.Passwd
	c.mu.Unlock()

	t := time.Duration(resp.TimeOut) * time.Millisecond
	rd.timeout, rd.set = t*2/3, time.Time{}
	l := &link{
		c: c, nc: nc, addr: addr, br: br, rd: rd,
		pingEvery:   t / 3,
		readTimeout: t * 2 / 3,
		readOnly:    resp.ReadOnly,
		wake:        make(chan struct{}, 1),
		dead:        make(chan struct{}),
	}
	c.log.Info("zk: connected", "server", addr, "session_id", resp.SessionID, "timeout", t, "read_only", resp.ReadOnly)
	return l, nil
}

// ctxErr prefers ctx's error over the I/O error it caused.
func ctxErr(ctx context.Context, err error) error {
	if ctx.Err() != nil {
		return fmt.Errorf("%w (%v)", ctx.Err(), err)
	}
	return err
}
