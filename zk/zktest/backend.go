package zktest

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/coordkit/coordkit/zkserver"
)

// Names of the backends, as their subtests are named.
const (
	EmbeddedName  = "embedded"
	ZooKeeperName = "zookeeper"
)

// sharedStartTimeout bounds starting a shared server.
const sharedStartTimeout = 2 * time.Minute

// Backend is a kind of server the same test runs against: the embedded
// server (package zkserver) or a real Apache ZooKeeper. Either kind starts
// with this package's test defaults (see Run and StartZooKeeper).
type Backend struct {
	// Name names the backend's subtests: EmbeddedName or ZooKeeperName.
	Name  string
	start func(ctx context.Context) (*Server, error)
}

// Backends returns every backend: the embedded server, then real Apache
// ZooKeeper.
func Backends() []Backend { return []Backend{EmbeddedBackend(), ZooKeeperBackend()} }

// EmbeddedBackend is the embedded server, in memory.
func EmbeddedBackend() Backend {
	return Backend{Name: EmbeddedName, start: func(context.Context) (*Server, error) {
		s, err := StartEmbedded()
		if err != nil {
			return nil, err
		}
		return &Server{backend: EmbeddedName, embedded: s}, nil
	}}
}

// ZooKeeperBackend is a standalone Apache ZooKeeper 3.8 process.
func ZooKeeperBackend() Backend {
	return Backend{Name: ZooKeeperName, start: func(ctx context.Context) (*Server, error) {
		z, err := Start(ctx)
		if err != nil {
			return nil, err
		}
		return &Server{backend: ZooKeeperName, zookeeper: z}, nil
	}}
}

// Start starts a server of this backend and waits until it serves, until
// ctx is done, or until the backend's start timeout. Close stops it.
func (b Backend) Start(ctx context.Context) (*Server, error) {
	if b.start == nil {
		return nil, errors.New("zktest: Backend not made by Backends")
	}
	return b.start(ctx)
}

// Run starts a server of this backend for the test; t.Cleanup closes it. If
// it cannot start, the test fails with the cause; it never skips.
func (b Backend) Run(t testing.TB) *Server {
	t.Helper()
	s, err := b.Start(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Close)
	return s
}

// Server is a running server of some Backend, with the controls that work
// on every backend. Embedded and ZooKeeper give the backend's own handle
// for what only it can do.
type Server struct {
	backend   string
	embedded  *zkserver.Server // nil unless the embedded backend
	zookeeper *ZooKeeper       // nil unless the ZooKeeper backend
	closeOnce sync.Once
}

// Backend returns the name of the server's backend.
func (s *Server) Backend() string { return s.backend }

// Addr returns the client address, "127.0.0.1:port".
func (s *Server) Addr() string {
	if s.embedded != nil {
		return s.embedded.Addr()
	}
	return s.zookeeper.Addr()
}

// Embedded returns the embedded server, or nil on another backend.
func (s *Server) Embedded() *zkserver.Server { return s.embedded }

// ZooKeeper returns the Apache ZooKeeper process, or nil on another
// backend.
func (s *Server) ZooKeeper() *ZooKeeper { return s.zookeeper }

// Pause freezes the server until Resume; connections stay open. A real
// ZooKeeper is stopped with SIGSTOP; the embedded server (zkserver.Server.
// Pause) likewise stops reading its sockets, processing and expiring
// sessions, so in both a client writing a lot blocks once the socket
// buffers are full.
func (s *Server) Pause() {
	if s.embedded != nil {
		s.embedded.Pause()
		return
	}
	s.zookeeper.Pause()
}

// Resume undoes Pause.
func (s *Server) Resume() {
	if s.embedded != nil {
		s.embedded.Resume()
		return
	}
	s.zookeeper.Resume()
}

// Close stops the server and throws its data away. It is idempotent.
func (s *Server) Close() {
	s.closeOnce.Do(func() {
		if s.embedded != nil {
			_ = s.embedded.Close()
			return
		}
		s.zookeeper.Close()
	})
}

// Servers holds one server per backend for a test package: each is started
// on first use, by whichever test needs it first, and all are closed by
// Close from TestMain. Tests sharing a server must leave it as they found
// it (running, not paused) and keep to their own paths. The zero Servers is
// ready to use; its methods are safe for concurrent use.
type Servers struct {
	mu      sync.Mutex // guards started
	started map[string]*sharedStart
}

// sharedStart is the outcome of starting one backend's shared server.
type sharedStart struct {
	srv *Server
	err error
}

// Each runs f as one subtest per backend, named after the backend, with
// the shared server of that backend; so `go test -run 'TestX/embedded'`
// runs TestX on the embedded server alone.
func (ss *Servers) Each(t *testing.T, f func(t *testing.T, srv *Server)) {
	t.Helper()
	for _, b := range Backends() {
		t.Run(b.Name, func(t *testing.T) { f(t, ss.Get(t, b)) })
	}
}

// Get returns the shared server of backend b, starting it on first use. If
// it could not start, the test fails with the cause (and so does every
// later Get of that backend).
func (ss *Servers) Get(t testing.TB, b Backend) *Server {
	t.Helper()
	ss.mu.Lock()
	defer ss.mu.Unlock()
	sh, ok := ss.started[b.Name]
	if !ok {
		ctx, cancel := context.WithTimeout(context.Background(), sharedStartTimeout)
		srv, err := b.Start(ctx)
		cancel()
		sh = &sharedStart{srv: srv, err: err}
		if ss.started == nil {
			ss.started = make(map[string]*sharedStart)
		}
		ss.started[b.Name] = sh
	}
	if sh.err != nil {
		t.Fatal(sh.err)
	}
	return sh.srv
}

// Close closes every server started by Get. A later Get starts a new one.
func (ss *Servers) Close() {
	ss.mu.Lock()
	started := ss.started
	ss.started = nil
	ss.mu.Unlock()
	for _, sh := range started {
		if sh.srv != nil {
			sh.srv.Close()
		}
	}
}
