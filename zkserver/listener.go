package zkserver

import (
	"errors"
	"net"
	"time"
)

// addListener registers ln so that Close closes it, and counts its accept
// loop in the wait group.
func (s *Server) addListener(ln net.Listener) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return ErrClosed
	}
	s.listeners = append(s.listeners, ln)
	s.wg.Add(1)
	s.log.Info("listening", "server", ln.Addr().String())
	return nil
}

// acceptLoop accepts connections on ln until it is closed. It returns nil
// when Close closed it. Other accept errors (too many open files, a
// connection aborted before it was accepted) are retried after a pause,
// as net/http does.
func (s *Server) acceptLoop(ln net.Listener) error {
	defer s.wg.Done()
	var pause time.Duration
	for {
		nc, err := ln.Accept()
		if err != nil {
			if s.isClosed() {
				return nil
			}
			if errors.Is(err, net.ErrClosed) {
				return err
			}
			pause = min(max(2*pause, 5*time.Millisecond), time.Second)
			s.log.Warn("accept failed", "err", err, "retry_in", pause)
			select {
			case <-time.After(pause):
			case <-s.quit:
				return nil
			}
			continue
		}
		pause = 0
		s.serveConn(nc)
	}
}

// serveConn starts serving one client connection: its reader goroutine
// now, its writer once the connection turns out to carry a session.
func (s *Server) serveConn(nc net.Conn) {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		_ = nc.Close()
		return
	}
	s.nextConn++
	c := newConn(s, nc, s.nextConn)
	s.conns[c] = struct{}{}
	s.wg.Add(1)
	s.mu.Unlock()
	go c.readLoop()
}

// forget removes a closed connection from the registry.
func (s *Server) forget(c *conn) {
	s.mu.Lock()
	delete(s.conns, c)
	s.mu.Unlock()
}

// connections returns the registered connections (for four-letter words
// and DropConnections).
func (s *Server) connections() []*conn {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]*conn, 0, len(s.conns))
	for c := range s.conns {
		out = append(out, c)
	}
	return out
}
