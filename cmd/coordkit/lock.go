package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/coordkit/coordkit/recipes/lock"
	"github.com/coordkit/coordkit/zk"
)

// The environment variables lock adds for its command.
const (
	envLockPath      = "COORDKIT_LOCK_PATH"
	envFencingToken  = "COORDKIT_FENCING_TOKEN"
	defaultLockGrace = 10 * time.Second
)

// Exit statuses of lock when its command could not be started, as the
// shells and env(1) have them.
const (
	exitCannotRun = 126 // CMD was found but could not be started
	exitNotFound  = 127 // CMD was not found
)

// signalWait bounds the wait, once the context of a run has ended, for the
// signal that ended it to reach lock's own signal channel: the one passed
// on to CMD, SIGTERM if none comes.
const signalWait = 200 * time.Millisecond

// lockFlags are the flags of the lock verb.
type lockFlags struct {
	try   bool
	wait  time.Duration
	grace time.Duration
}

func newLock() *verb {
	var lf lockFlags
	fs := newFlagSet("lock")
	fs.BoolVar(&lf.try, "try", false, "fail at once, with status 1, if another process holds or waits for the lock")
	fs.DurationVar(&lf.wait, "wait", 0, "give up, with status 1, if the lock is not acquired within `DUR` (default: wait as long as it takes)")
	fs.DurationVar(&lf.grace, "grace", defaultLockGrace, "give CMD `DUR` to exit after SIGTERM before sending SIGKILL")
	return &verb{
		name:    "lock",
		summary: "run a command while holding a lock",
		args:    []string{"PATH", "CMD", "[ARGS...]"},
		flags:   fs,
		help: `
Lock takes the exclusive lock PATH (the recipes/lock Mutex, which Curator's
InterProcessMutex on the same path respects), runs CMD with ARGS while it holds
it, then releases it. Put "--" before CMD so that CMD's own flags are not read
as coordkit's. Standard input, output and error are CMD's, and coordkit exits
with CMD's status (128+N if a signal N killed it), so that the lock is
transparent to scripts:

  coordkit lock /app/locks/migrate -- ./migrate --all

CMD's environment has two more variables: COORDKIT_LOCK_PATH, the lock's
PATH, and COORDKIT_FENCING_TOKEN, the hold's fencing token in decimal: it is
larger for every later holder of the lock, so a store that rejects tokens
smaller than the largest it has seen cannot be written by a holder that lost
the lock.

Lock waits for the lock as long as it takes, unless --wait bounds the wait or
--try asks it not to wait at all; --timeout bounds connecting, --try's
attempt and releasing the lock. CMD does not run if the lock is not acquired:
coordkit exits with status 1 and says why.

If the lock is lost while CMD runs (the session expired, the lock node was
deleted, or the connection to the servers was lost, so that the session may
expire before coordkit hears of it), coordkit says so on standard error, sends
SIGTERM to CMD's process group, SIGKILL --grace later if CMD has not exited,
and exits with status 3.

SIGINT (Ctrl-C) or SIGTERM to coordkit is passed on to CMD's process group,
SIGKILL following --grace later; a second signal sends SIGKILL at once. CMD
runs in a process group of its own, so that the signals reach its children
too; a CMD that reads from the terminal is therefore stopped, as under
timeout(1).

coordkit releases the lock (deletes its node) after CMD has exited, whatever
the way. Exit status: CMD's; 1 if the lock was not acquired; 2 on a usage
error; 3 if the lock was lost while CMD ran; 126 if CMD could not be started,
127 if it was not found.`,
		run: func(ctx context.Context, e *env, args []string) error {
			return runLock(ctx, e, lf, args)
		},
	}
}

// check validates the flags.
func (lf lockFlags) check() error {
	switch {
	case lf.try && lf.wait != 0:
		return usagef("--try and --wait cannot be combined")
	case lf.wait < 0:
		return usagef("--wait must be positive, not %v", lf.wait)
	case lf.grace < 0:
		return usagef("--grace must not be negative, not %v", lf.grace)
	}
	return nil
}

func runLock(ctx context.Context, e *env, lf lockFlags, args []string) error {
	path, argv := args[0], args[1:]
	if err := checkPath(path, false); err != nil {
		return err
	}
	if err := lf.check(); err != nil {
		return err
	}
	conn, setup, end, err := e.session(ctx)
	if err != nil {
		return err
	}
	defer end()
	m, err := lock.New(conn, path)
	if err != nil {
		return err
	}
	h, err := acquire(ctx, setup, m, lf)
	if err != nil {
		return err
	}

	status, lost, err := supervise(ctx, e, h, path, argv, lf.grace)

	uctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), e.timeout)
	defer cancel()
	uerr := h.Unlock(uctx)
	switch {
	case uerr == nil:
	case errors.Is(uerr, lock.ErrLost):
		if lost == "" {
			lost = "lost the lock (" + lossText(uerr, lock.ErrLost) + ") before " + argv[0] + " exited"
		}
	default:
		// Closing the session deletes the node all the same.
		fmt.Fprintf(e.stderr, "coordkit: lock %s: unlock: %s; the lock goes with the session\n", path, cause(uerr, e.timeout))
	}
	switch {
	case err != nil:
		return err
	case lost != "":
		return &statusError{code: exitLost, msg: "lock " + path + ": " + lost}
	case status != exitOK:
		return &statusError{code: status}
	}
	return nil
}

// acquire takes the lock as the flags say: TryLock within --timeout, or
// Lock within --wait (if given) and until ctx ends.
func acquire(ctx, setup context.Context, m *lock.Mutex, lf lockFlags) (*lock.Hold, error) {
	if lf.try {
		h, err := m.TryLock(setup)
		if errors.Is(err, lock.ErrLocked) {
			return nil, &statusError{code: exitError, msg: "lock " + m.Path() + ": held by another process"}
		}
		return h, lockError(m.Path(), err)
	}
	if lf.wait > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, lf.wait)
		defer cancel()
	}
	h, err := m.Lock(ctx)
	switch {
	case err == nil:
		return h, nil
	case errors.Is(err, context.DeadlineExceeded) && ctx.Err() != nil:
		return nil, &statusError{code: exitError, msg: fmt.Sprintf("lock %s: not acquired within %v", m.Path(), lf.wait)}
	case errors.Is(err, context.Canceled) && ctx.Err() != nil:
		return nil, &statusError{code: exitError, msg: "lock " + m.Path() + ": interrupted while waiting for the lock"}
	}
	return nil, lockError(m.Path(), err)
}

// lockError renders a failure of the lock recipe, which names the lock
// itself ("lock /app/l: ..."), for "coordkit: ...".
func lockError(path string, err error) error {
	if err == nil {
		return nil
	}
	msg := trimZK(err.Error())
	if !strings.HasPrefix(msg, "lock "+path) {
		msg = "lock " + path + ": " + msg
	}
	return &statusError{code: exitError, msg: msg}
}

// supervise runs argv while h holds the lock and returns its exit status.
// If the hold is lost, or ctx ends (SIGINT, SIGTERM), it stops the command
// (see the verb's help); lost then says how the lock was lost. err is set
// if the command could not be started.
func supervise(ctx context.Context, e *env, h *lock.Hold, path string, argv []string, grace time.Duration) (status int, lost string, err error) {
	cmd := exec.Command(argv[0], argv[1:]...)
	cmd.Env = append(cmd.Environ(), envLockPath+"="+path, envFencingToken+"="+strconv.FormatInt(h.Token(), 10))
	cmd.Stdin, cmd.Stdout, cmd.Stderr = e.stdin, e.stdout, e.stderr
	cmd.SysProcAttr = commandProcAttr()
	// Should CMD leave a child behind that holds its output open, stop
	// copying it soon after CMD exits.
	cmd.WaitDelay = time.Second

	// Signals are caught here too, to pass on the one received and to
	// catch a second one, which the context no longer reports.
	sigs := make(chan os.Signal, 4)
	signal.Notify(sigs, os.Interrupt, syscall.SIGTERM)
	defer signal.Stop(sigs)

	if err := cmd.Start(); err != nil {
		code := exitCannotRun
		if errors.Is(err, exec.ErrNotFound) {
			code = exitNotFound
		}
		return 0, "", &statusError{code: code, msg: "lock " + path + ": " + err.Error()}
	}
	done := make(chan struct{})
	go func() { _ = cmd.Wait(); close(done) }()

	pgid := cmd.Process.Pid
	var (
		lostCh   = h.Lost()
		ctxDone  = ctx.Done()
		kill     <-chan time.Time
		stopping bool // CMD was sent its first signal
		signals  int  // signals received by coordkit
	)
	stop := func(sig syscall.Signal) {
		if stopping {
			return
		}
		stopping = true
		_ = syscall.Kill(-pgid, sig)
		kill = time.After(grace)
	}
	for {
		select {
		case <-done:
			if lost == "" {
				select {
				case <-h.Lost():
					lost = "lost the lock (" + lossText(h.Err(), lock.ErrLost) + ") as " + argv[0] + " exited"
				default:
				}
			}
			if lost != "" {
				// Leave nothing of CMD running without the lock.
				_ = syscall.Kill(-pgid, syscall.SIGKILL)
			}
			return exitStatus(cmd.ProcessState), lost, nil
		case <-lostCh:
			lostCh = nil
			why := lossText(h.Err(), lock.ErrLost)
			lost = fmt.Sprintf("lost the lock (%s) while %s ran; it was stopped", why, argv[0])
			if stopping {
				fmt.Fprintf(e.stderr, "coordkit: lock %s: lock lost (%s) while %s was stopping\n", path, why, argv[0])
				continue
			}
			fmt.Fprintf(e.stderr, "coordkit: lock %s: lock lost (%s); sending SIGTERM to %s, SIGKILL after %v\n",
				path, why, argv[0], grace)
			stop(syscall.SIGTERM)
		case <-ctxDone:
			ctxDone = nil
			if stopping {
				continue // the signal came first, through sigs
			}
			// A signal that ended ctx reaches sigs too, perhaps a moment
			// later; if none comes, ctx was cancelled otherwise.
			select {
			case s := <-sigs:
				signals++
				stop(s.(syscall.Signal))
			case <-time.After(signalWait):
				stop(syscall.SIGTERM)
			}
		case s := <-sigs:
			signals++
			if signals > 1 {
				_ = syscall.Kill(-pgid, syscall.SIGKILL)
				continue
			}
			stop(s.(syscall.Signal))
		case <-kill:
			kill = nil
			_ = syscall.Kill(-pgid, syscall.SIGKILL)
		}
	}
}

// exitStatus is the status a shell would report for a process: its exit
// code, or 128+N if signal N killed it.
func exitStatus(ps *os.ProcessState) int {
	if ws, ok := ps.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
		return 128 + int(ws.Signal())
	}
	return ps.ExitCode()
}

// lossText says why a hold or a leadership was lost, from its Err, which
// wraps lost (lock.ErrLost, election.ErrLost) and the cause.
func lossText(err, lost error) string {
	switch {
	case err == nil:
		return "unknown cause"
	case errors.Is(err, lock.ErrNodeDeleted):
		return "its node was deleted"
	case errors.Is(err, zk.ErrSessionExpired):
		return "session expired"
	case errors.Is(err, lock.ErrSuspended):
		return "connection to the servers lost"
	}
	msg := err.Error()
	if i := strings.Index(msg, lost.Error()+": "); i >= 0 {
		msg = msg[i+len(lost.Error())+2:]
	}
	return trimZK(msg)
}
