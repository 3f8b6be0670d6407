package zktest

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// ZooKeeper is one Apache ZooKeeper server process: a standalone server
// (StartZooKeeper, Start) or a member of an Ensemble. Its port and data
// directory stay the same across Stop, Kill and Restart. Its methods are
// safe for concurrent use, except that two Restarts of one server must not
// overlap.
type ZooKeeper struct {
	name       string // for messages: "ZooKeeper" or "ensemble member 2"
	dir        string // zoo.cfg, logging configuration, zookeeper.log, data/
	logPath    string
	port       int
	java       string
	args       []string
	standalone bool // ready means Mode: standalone; else ruok only
	timeout    time.Duration
	removeDir  bool // Close removes dir (Start made it)

	mu     sync.Mutex // guards the fields below
	proc   *process   // nil when not running
	paused bool       // Pause was called on proc, and Resume not since
}

// StartZooKeeper starts a standalone Apache ZooKeeper 3.8 server for the
// test, in t.TempDir() on a free 127.0.0.1 port, and waits until it serves
// (at most 60 s unless WithStartTimeout says otherwise). t.Cleanup kills it
// (SIGKILL: its data is thrown away with the directory, so there is nothing
// to shut down cleanly, and cleanup stays fast).
// If the server cannot start — java or the jars are missing, it crashes, it
// never serves — the test fails with the server's log tail; it never skips.
func StartZooKeeper(t testing.TB, opts ...Option) *ZooKeeper {
	t.Helper()
	cfg, err := newConfig(opts)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir() // removed after the Cleanup below has killed the server
	z, err := startStandalone(t.Context(), dir, cfg)
	if err != nil {
		t.Fatalf("zktest: cannot start ZooKeeper: %v", err)
	}
	t.Cleanup(z.Kill)
	return z
}

// Start starts a standalone Apache ZooKeeper 3.8 server in a new temporary
// directory on a free 127.0.0.1 port and waits until it serves, until ctx is
// done, or until the start timeout (60 s by default). It is meant for a
// server shared by a test package's TestMain, or by a benchmark; Close kills
// it and removes its directory.
func Start(ctx context.Context, opts ...Option) (*ZooKeeper, error) {
	cfg, err := newConfig(opts)
	if err != nil {
		return nil, err
	}
	dir, err := os.MkdirTemp("", "zktest-")
	if err != nil {
		return nil, fmt.Errorf("zktest: %w", err)
	}
	z, err := startStandalone(ctx, dir, cfg)
	if err != nil {
		_ = os.RemoveAll(dir)
		return nil, err
	}
	z.removeDir = true
	return z, nil
}

func startStandalone(ctx context.Context, dir string, cfg *config) (*ZooKeeper, error) {
	java, cp, err := locateRuntime()
	if err != nil {
		return nil, err
	}
	return retryOnPortInUse(func() (*ZooKeeper, error) {
		ports, err := allocPorts(1)
		if err != nil {
			return nil, err
		}
		z := newZooKeeper("ZooKeeper", dir, java, cp, cfg, ports[0], nil)
		z.standalone = true
		if err := writeServerFiles(dir, cfg.zooCfg(filepath.Join(dir, "data"), z.port, nil), 0); err != nil {
			return nil, fmt.Errorf("zktest: %w", err)
		}
		if err := z.Restart(ctx); err != nil {
			return nil, err
		}
		return z, nil
	})
}

func newZooKeeper(name, dir, java, classPath string, cfg *config, port int, members []member) *ZooKeeper {
	main := standaloneMain
	if len(members) > 0 {
		main = quorumMain
	}
	return &ZooKeeper{
		name:    name,
		dir:     dir,
		logPath: filepath.Join(dir, "zookeeper.log"),
		port:    port,
		java:    java,
		args:    cfg.javaArgs(dir, classPath, main, filepath.Join(dir, "zoo.cfg"), len(members) > 0),
		timeout: cfg.startTimeout,
	}
}

// Addr returns the client address, "127.0.0.1:port".
func (z *ZooKeeper) Addr() string { return "127.0.0.1:" + strconv.Itoa(z.port) }

// Port returns the client port.
func (z *ZooKeeper) Port() int { return z.port }

// Dir returns the server's directory: zoo.cfg, zookeeper.log and data/.
func (z *ZooKeeper) Dir() string { return z.dir }

// PID returns the server's process id, or 0 if it is not running.
func (z *ZooKeeper) PID() int {
	z.mu.Lock()
	defer z.mu.Unlock()
	if z.proc == nil || z.proc.exited() {
		return 0
	}
	return z.proc.cmd.Process.Pid
}

// Running reports whether the server process is alive (possibly paused).
func (z *ZooKeeper) Running() bool { return z.PID() != 0 }

// Stop stops the server with SIGTERM (resuming it first if paused), waits
// for it to exit, and kills it with SIGKILL if it has not within 10 s. The
// server's data stays; Restart starts it again. Stop does nothing if the
// server is not running.
func (z *ZooKeeper) Stop() { z.stop(true) }

// Kill kills the server with SIGKILL, as a crash would, and waits until it
// has exited. Its connections die without a goodbye; its data stays. Kill
// does nothing if the server is not running.
func (z *ZooKeeper) Kill() { z.stop(false) }

func (z *ZooKeeper) stop(graceful bool) {
	z.mu.Lock()
	p := z.proc
	z.proc, z.paused = nil, false
	z.mu.Unlock()
	if p != nil {
		p.stop(graceful)
	}
}

// Pause freezes the server with SIGSTOP: its sockets stay open but nothing
// is answered, as with a long GC pause or a hung machine. On Linux it
// returns once every thread of the server has stopped. Resume undoes it.
// Pause does nothing if the server is not running.
func (z *ZooKeeper) Pause() {
	z.mu.Lock()
	defer z.mu.Unlock()
	if z.proc != nil && z.proc.pause() == nil {
		z.paused = true
		waitStopped(z.proc.cmd.Process.Pid)
	}
}

// Resume continues a paused server with SIGCONT. It does nothing if the
// server is not running or not paused.
func (z *ZooKeeper) Resume() {
	z.mu.Lock()
	defer z.mu.Unlock()
	if z.proc != nil {
		_ = z.proc.resume()
	}
	z.paused = false
}

// Paused reports whether the server is running but paused by Pause.
func (z *ZooKeeper) Paused() bool {
	z.mu.Lock()
	defer z.mu.Unlock()
	return z.proc != nil && z.paused
}

// Restart stops the server if it is running (as Stop does), starts it again
// on the same port with the same data, and waits until it is up: serving,
// for a standalone server; answering "ruok", for an ensemble member (use
// Ensemble.WaitQuorum to wait for it to serve). It returns an error with the
// server's log tail if the server exits, or does not come up before ctx is
// done or the start timeout passes; the server is then killed.
func (z *ZooKeeper) Restart(ctx context.Context) error {
	z.Stop()
	off := z.logSize()
	p, err := startProcess(z.java, z.args, z.dir, z.logPath)
	if err != nil {
		return err
	}
	z.mu.Lock()
	z.proc = p
	z.mu.Unlock()
	if err := z.waitUp(ctx, p, off); err != nil {
		z.mu.Lock()
		if z.proc == p {
			z.proc = nil
		}
		z.mu.Unlock()
		p.stop(false)
		return err
	}
	return nil
}

// Close kills the server and, for a server made by Start, removes its
// directory. It is idempotent.
func (z *ZooKeeper) Close() {
	z.Kill()
	if z.removeDir {
		_ = os.RemoveAll(z.dir)
	}
}

// waitUp polls the server until it is up, its process exits, ctx is done, or
// the start timeout passes.
func (z *ZooKeeper) waitUp(ctx context.Context, p *process, logOff int64) error {
	ctx, cancel := context.WithTimeout(ctx, z.timeout)
	defer cancel()
	start := time.Now()
	err := poll(ctx, p.done, func() bool {
		qctx, qcancel := context.WithTimeout(ctx, time.Second)
		defer qcancel()
		if !z.standalone {
			return Ruok(qctx, z.Addr())
		}
		st, err := Srvr(qctx, z.Addr())
		return err == nil && st.Mode == "standalone"
	})
	switch {
	case err == nil:
		return nil
	case p.exited():
		if bindFailed(z.logSince(logOff)) {
			return fmt.Errorf("%w: %s on %s exited: %v\n%s", errPortInUse, z.name, z.Addr(), p.err, z.LogTail(30))
		}
		return fmt.Errorf("zktest: %s on %s exited while starting (%v); log tail:\n%s", z.name, z.Addr(), p.err, z.LogTail(40))
	default:
		return fmt.Errorf("zktest: %s on %s not up after %v: %w; log tail:\n%s",
			z.name, z.Addr(), time.Since(start).Round(time.Millisecond), err, z.LogTail(40))
	}
}

// LogTail returns the last n lines of the server's log (its log4j output,
// standard output and standard error, across restarts).
func (z *ZooKeeper) LogTail(n int) string {
	f, err := os.Open(z.logPath)
	if err != nil {
		return fmt.Sprintf("(no log: %v)", err)
	}
	defer f.Close()
	const chunk = 64 << 10
	var buf []byte
	end, _ := f.Seek(0, io.SeekEnd)
	for off := end; off > 0 && bytes.Count(buf, []byte{'\n'}) <= n; {
		size := min(int64(chunk), off)
		off -= size
		b := make([]byte, size)
		if _, err := f.ReadAt(b, off); err != nil {
			break
		}
		buf = append(b, buf...)
	}
	lines := strings.Split(strings.TrimRight(string(buf), "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}

func (z *ZooKeeper) logSize() int64 {
	fi, err := os.Stat(z.logPath)
	if err != nil {
		return 0
	}
	return fi.Size()
}

func (z *ZooKeeper) logSince(off int64) string {
	f, err := os.Open(z.logPath)
	if err != nil {
		return ""
	}
	defer f.Close()
	b, _ := io.ReadAll(io.NewSectionReader(f, off, 1<<30))
	return string(b)
}
