package zkserver

import (
	"errors"
	"fmt"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"time"

	"github.com/coordkit/coordkit/zkserver/internal/store"
)

// ErrClosed is returned by Start, Serve and ExpireSession once the Server
// is closed.
var ErrClosed = errors.New("zkserver: server closed")

// Server is one embedded ZooKeeper-compatible server. Its methods are safe
// for concurrent use.
type Server struct {
	cfg   *config
	log   *slog.Logger
	clock Clock
	store store.Store
	proc  *processor
	inbox inbox
	gate  pauseGate
	hook  atomic.Pointer[Hook]
	start time.Time // real time, for latency and uptime

	received, sent atomic.Int64 // packets, as srvr counts them
	panics         atomic.Int64 // requests whose handling panicked (a bug)

	mu        sync.Mutex // guards the fields below
	listeners []net.Listener
	conns     map[*conn]struct{}
	nextConn  uint64
	closed    bool

	quit      chan struct{} // closed by Close: the processor stops
	wg        sync.WaitGroup
	closeOnce sync.Once
	closeErr  error
}

// New opens the server's storage and recovers its state: the nodes, and
// the sessions that were live, each of which gets its full timeout from
// now to re-attach. It does not listen; Start or Serve does. The caller
// must Close the Server.
func New(opts ...Option) (*Server, error) {
	cfg, err := newConfig(opts)
	if err != nil {
		return nil, err
	}
	st, err := openStore(cfg)
	if err != nil {
		return nil, err
	}
	s := &Server{
		cfg:   cfg,
		log:   cfg.log.With("component", "zkserver"),
		clock: cfg.clock,
		store: st,
		start: time.Now(),
		conns: make(map[*conn]struct{}),
		quit:  make(chan struct{}),
	}
	s.inbox.init()
	if cfg.hook != nil {
		h := cfg.hook
		s.hook.Store(&h)
	}
	p, err := recoverState(s)
	if err != nil {
		return nil, errors.Join(err, st.Close())
	}
	s.proc = p
	s.wg.Add(1)
	go p.run()
	return s, nil
}

func openStore(cfg *config) (store.Store, error) {
	if cfg.store != nil {
		return cfg.store, nil
	}
	if cfg.dataDir == "" {
		return store.NewMemory(), nil
	}
	if err := os.MkdirAll(cfg.dataDir, 0o755); err != nil {
		return nil, fmt.Errorf("zkserver: data dir: %w", err)
	}
	st, err := store.Open(filepath.Join(cfg.dataDir, DataFile))
	if err != nil {
		return nil, fmt.Errorf("zkserver: %w", err)
	}
	return st, nil
}

// Start listens on the configured address (WithListenAddr) and serves in
// the background until Close.
func (s *Server) Start() error {
	ln, err := net.Listen("tcp", s.cfg.listenAddr)
	if err != nil {
		return fmt.Errorf("zkserver: %w", err)
	}
	if err := s.addListener(ln); err != nil {
		_ = ln.Close()
		return err
	}
	go func() {
		if err := s.acceptLoop(ln); err != nil {
			s.log.Error("stopped accepting", "server", ln.Addr().String(), "err", err)
		}
	}()
	return nil
}

// Serve serves ln until Close and returns nil after Close, or the error
// that stopped it accepting. The Server closes ln.
func (s *Server) Serve(ln net.Listener) error {
	if err := s.addListener(ln); err != nil {
		_ = ln.Close()
		return err
	}
	return s.acceptLoop(ln)
}

// Addr returns the address of the first listener (host:port), "" before
// Start or Serve.
func (s *Server) Addr() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.listeners) == 0 {
		return ""
	}
	return s.listeners[0].Addr().String()
}

// Close stops listening, closes every connection, commits and closes the
// storage and waits for every goroutine the Server started. Sessions are
// not closed: with WithDataDir they are recovered by the next New on the
// same directory. Idempotent; a second call waits for the first and
// returns its result.
func (s *Server) Close() error {
	s.closeOnce.Do(func() {
		s.mu.Lock()
		s.closed = true
		lns := s.listeners
		conns := make([]*conn, 0, len(s.conns))
		for c := range s.conns {
			conns = append(conns, c)
		}
		s.mu.Unlock()
		for _, ln := range lns {
			_ = ln.Close()
		}
		for _, c := range conns {
			c.close()
		}
		close(s.quit)
		s.inbox.shutdown()
		s.wg.Wait()
		s.closeErr = s.store.Close()
		if s.closeErr != nil {
			s.closeErr = fmt.Errorf("zkserver: close: %w", s.closeErr)
		}
		s.log.Info("closed", "zxid", s.proc.last)
	})
	return s.closeErr
}

// isClosed reports whether Close has begun.
func (s *Server) isClosed() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.closed
}
