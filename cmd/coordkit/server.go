package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"os"
	"time"

	"github.com/coordkit/coordkit/zkserver"
)

// Defaults of the server verb.
const (
	defaultListen = "127.0.0.1:2181" // where the other verbs look by default
	defaultTick   = 2 * time.Second  // ZooKeeper's tickTime
)

// serverFlags are the flags of the server verb.
type serverFlags struct {
	listen string
	data   string
	memory bool
	tick   time.Duration
}

func newServer() *verb {
	var sf serverFlags
	fs := newFlagSet("server")
	fs.StringVar(&sf.listen, "listen", defaultListen, "listen on `ADDR`, host:port; port 0 lets the system pick a free port")
	fs.StringVar(&sf.data, "data", "", "keep nodes and sessions in a bbolt file in `DIR` (created if missing), on disk before each write is acknowledged")
	fs.BoolVar(&sf.memory, "memory", false, "keep everything in memory, lost when the server stops (the default without --data)")
	fs.DurationVar(&sf.tick, "tick", defaultTick, "ZooKeeper's tickTime `DUR`: session expiry is checked every tick, and session timeouts are negotiated into 2 to 20 ticks")
	return &verb{
		name:      "server",
		summary:   "run a ZooKeeper-compatible server until interrupted",
		noSession: true,
		flags:     fs,
		help: `
Server runs coordkit's embedded server as a standalone process: one node that
speaks the Apache ZooKeeper 3.8 client protocol, for development, tests, demos
and single-machine use. Any ZooKeeper client can use it, coordkit's other
verbs included. (Many machines need a real Apache ZooKeeper ensemble.)

Once it listens, server prints the address it listens on to standard output
as one line, "host:port" (with port 0, the port the system picked), and
nothing else there; it logs to standard error. Other verbs find the default
address 127.0.0.1:2181 without --servers.

With --data every write is on disk before the server acknowledges it: after a
crash, even kill -9, the server restarts on the same DIR with every
acknowledged write. Sessions that were live get their timeout to reconnect
there, then expire, and their ephemeral nodes go. Without --data, or with
--memory, the nodes live in memory only and are lost when the server stops.

SIGINT (Ctrl-C) or SIGTERM stops the server: it stops listening, closes the
client connections, commits, and exits with status 0. A second signal kills
it at once (with --data no acknowledged write is lost even then).

Example, a server on a free port for a script:

  coproc coordkit server --listen 127.0.0.1:0 --data /tmp/coordkit-data
  read -r addr <&"${COPROC[0]}"
  coordkit --servers "$addr" create /app hello
  kill "$COPROC_PID"; wait "$COPROC_PID"

The global flags --servers and --timeout do not apply to server.`,
		run: func(ctx context.Context, e *env, _ []string) error {
			return runServer(ctx, e, sf)
		},
	}
}

// check validates the flags.
func (sf serverFlags) check() error {
	switch {
	case sf.data != "" && sf.memory:
		return usagef("--data and --memory cannot be combined")
	case sf.tick <= 0:
		return usagef("--tick must be positive, not %v", sf.tick)
	}
	if _, _, err := net.SplitHostPort(sf.listen); err != nil {
		return usagef("--listen %q: want host:port", sf.listen)
	}
	return nil
}

// storage describes where the server keeps its state, for the log.
func (sf serverFlags) storage() string {
	if sf.data == "" {
		return "memory"
	}
	return sf.data
}

// runServer serves until ctx ends (SIGINT, SIGTERM), then closes the
// server. It returns an error if the server cannot start, stops serving on
// its own, or fails to close cleanly.
func runServer(ctx context.Context, e *env, sf serverFlags) error {
	if err := sf.check(); err != nil {
		return err
	}
	log := slog.New(slog.NewTextHandler(e.stderr, nil))
	storage := zkserver.WithMemory()
	if sf.data != "" {
		if err := os.MkdirAll(sf.data, 0o750); err != nil {
			return fmt.Errorf("server: %w", err)
		}
		storage = zkserver.WithDataDir(sf.data)
	}
	ln, err := net.Listen("tcp", sf.listen)
	if err != nil {
		return fmt.Errorf("server: %w", err)
	}
	log.Info("starting", "data", sf.storage(), "tick", sf.tick)
	srv, err := zkserver.New(storage, zkserver.WithTickTime(sf.tick), zkserver.WithLogger(log))
	if err != nil {
		_ = ln.Close()
		return fmt.Errorf("server: %w", err)
	}
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()

	// zkserver logs "listening" with the address.
	if _, err := fmt.Fprintln(e.stdout, ln.Addr().String()); err != nil {
		return errors.Join(fmt.Errorf("server: write the address: %w", err), shutdown(srv, served, log, "standard output failed"))
	}

	select {
	case <-ctx.Done():
		return shutdown(srv, served, log, context.Cause(ctx).Error())
	case err := <-served:
		if err == nil {
			err = errors.New("stopped serving")
		}
		return errors.Join(fmt.Errorf("server: %w", err), closeServer(srv))
	}
}

// shutdown closes srv, waits for Serve to return, and logs the stop.
func shutdown(srv *zkserver.Server, served <-chan error, log *slog.Logger, reason string) error {
	log.Info("shutting down", "reason", reason)
	start := time.Now()
	err := closeServer(srv)
	if serr := <-served; serr != nil {
		err = errors.Join(err, fmt.Errorf("server: %w", serr))
	}
	if err != nil {
		return err // run prints it
	}
	log.Info("stopped", "took", time.Since(start).Round(time.Millisecond))
	return nil
}

func closeServer(srv *zkserver.Server) error {
	if err := srv.Close(); err != nil {
		return fmt.Errorf("server: close: %w", err)
	}
	return nil
}
