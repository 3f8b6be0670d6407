package zktest

import (
	"context"
	"errors"
	"fmt"
	"net"
	"time"

	"github.com/coordkit/coordkit/internal/wire"
)

// ErrNoSession is returned (wrapped) by ExpireSession when the server does
// not know the session: it has already expired or been closed, or the
// password is wrong.
var ErrNoSession = errors.New("zktest: no such session")

// expireTimeout bounds ExpireSession when ctx has no earlier deadline.
const expireTimeout = 10 * time.Second

// expireAttempts bounds the retries of ExpireSession (see there).
const expireAttempts = 5

// ExpireSession ends the session sessionID (with password passwd) on the
// server at addr — any member, for an ensemble — the way the server's own
// expiry would, but at once: it opens a TCP connection, re-attaches the
// session with a ConnectRequest (which makes the server close the
// connection currently serving it), then sends closeSession and waits for
// its reply. When it returns nil the session is gone: its ephemeral nodes
// are deleted and other sessions' watches on them have fired.
//
// What the session's owner sees: its connection drops without a reply to
// anything in flight (connection loss), and when its client reconnects the
// server answers the re-attach with a timeout of 0, i.e. the session has
// expired. An owner that does not reconnect sees only the dropped
// connection.
//
// If the owner reconnects before closeSession is read, the server drops this
// helper's connection instead; ExpireSession then tries again, a few times.
// It returns an error wrapping ErrNoSession if the server does not know the
// session (and it had not itself closed it in an earlier try), and fails
// when ctx is done, or after 10 s without a deadline in ctx.
func ExpireSession(ctx context.Context, addr string, sessionID int64, passwd []byte) error {
	ctx, cancel := context.WithTimeout(ctx, expireTimeout)
	defer cancel()
	closeSent := false
	pipeline := true
	var lastErr error
	for range expireAttempts {
		sent, err := expireOnce(ctx, addr, sessionID, passwd, pipeline)
		closeSent = closeSent || sent
		switch {
		case err == nil:
			return nil
		case errors.Is(err, ErrNoSession):
			if closeSent {
				return nil // an earlier try closed it; only its reply was lost
			}
			return fmt.Errorf("zktest: expire session 0x%x on %s: %w", sessionID, addr, err)
		case ctx.Err() != nil:
			return fmt.Errorf("zktest: expire session 0x%x on %s: %w (last error: %v)", sessionID, addr, ctx.Err(), err)
		}
		lastErr = err
		// A rejected re-attach closes the connection at once, and the
		// closeSession bytes it did not read can turn that close into a
		// reset that destroys the answer: ask again without pipelining.
		pipeline = false
	}
	return fmt.Errorf("zktest: expire session 0x%x on %s: %w", sessionID, addr, lastErr)
}

// expireOnce makes one attempt. sent reports whether closeSession was
// written after the server accepted the re-attach, or pipelined with it.
func expireOnce(ctx context.Context, addr string, sessionID int64, passwd []byte, pipeline bool) (sent bool, err error) {
	var d net.Dialer
	c, err := d.DialContext(ctx, "tcp", addr)
	if err != nil {
		return false, err
	}
	defer c.Close()
	if dl, ok := ctx.Deadline(); ok {
		_ = c.SetDeadline(dl)
	}
	stop := context.AfterFunc(ctx, func() { _ = c.SetDeadline(time.Unix(1, 0)) })
	defer stop()

	const closeXid = 1
	req := wire.AppendRecordFrame(nil, &wire.ConnectRequest{
		TimeOut:     30000,
		SessionID:   sessionID,
		Passwd:      passwd,
		HasReadOnly: true,
	})
	closeReq := wire.AppendRequest(nil, closeXid, wire.OpCloseSession, nil)
	if pipeline {
		// Both in one write: the server reads closeSession right after it
		// has set up the session, leaving the owner no time to re-attach.
		req = append(req, closeReq...)
	}
	if _, err := c.Write(req); err != nil {
		return false, err
	}
	fr := wire.NewFrameReader(c, wire.DefaultMaxPacket)
	payload, err := fr.Next()
	if err != nil {
		return false, fmt.Errorf("read ConnectResponse: %w", err)
	}
	var resp wire.ConnectResponse
	if err := wire.Unmarshal(payload, &resp); err != nil {
		return false, fmt.Errorf("decode ConnectResponse: %w", err)
	}
	if resp.TimeOut <= 0 {
		return false, ErrNoSession
	}
	sent = pipeline
	if !pipeline {
		if _, err := c.Write(closeReq); err != nil {
			return false, err
		}
		sent = true
	}
	for {
		payload, err := fr.Next()
		if err != nil {
			return sent, fmt.Errorf("read closeSession reply: %w", err)
		}
		var h wire.ReplyHeader
		if err := wire.Unmarshal(payload, &h); err != nil {
			return sent, fmt.Errorf("decode reply header: %w", err)
		}
		if h.Xid != closeXid {
			continue // a notification or a ping; this connection asked nothing else
		}
		if h.Err != wire.ErrOK {
			return sent, fmt.Errorf("closeSession: %v", h.Err)
		}
		return sent, nil
	}
}
