package zktest

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// ErrNoLeader is returned by Ensemble.Leader when no running member says it
// leads.
var ErrNoLeader = errors.New("zktest: no ensemble member is leading")

// Ensemble is an N-member Apache ZooKeeper quorum on 127.0.0.1, each member
// a ZooKeeper process with its own client, quorum and election ports and
// its own directory. Member i (0-based) has myid i+1. Elections are tuned to
// finish in about a second (tickTime 200 ms, short connect timeouts and
// notification intervals).
type Ensemble struct {
	members   []*ZooKeeper
	dir       string
	removeDir bool
}

// StartEnsemble starts an n-member ensemble for the test in t.TempDir() and
// waits until every member serves as leader or follower (WaitQuorum).
// t.Cleanup kills its members. If it cannot start, the test fails with the
// members' log tails; it never skips.
func StartEnsemble(t testing.TB, n int, opts ...Option) *Ensemble {
	t.Helper()
	cfg, err := newConfig(opts)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	e, err := startEnsemble(t.Context(), dir, n, cfg)
	if err != nil {
		t.Fatalf("zktest: cannot start a %d-member ensemble: %v", n, err)
	}
	t.Cleanup(e.Kill)
	return e
}

// StartEnsembleCtx starts an n-member ensemble in a new temporary directory
// and waits until every member serves as leader or follower, until ctx is
// done, or until the start timeout (60 s by default). Close kills its
// members and removes its directory.
func StartEnsembleCtx(ctx context.Context, n int, opts ...Option) (*Ensemble, error) {
	cfg, err := newConfig(opts)
	if err != nil {
		return nil, err
	}
	dir, err := os.MkdirTemp("", "zktest-ensemble-")
	if err != nil {
		return nil, fmt.Errorf("zktest: %w", err)
	}
	e, err := startEnsemble(ctx, dir, n, cfg)
	if err != nil {
		_ = os.RemoveAll(dir)
		return nil, err
	}
	e.removeDir = true
	return e, nil
}

func startEnsemble(ctx context.Context, dir string, n int, cfg *config) (*Ensemble, error) {
	if n < 1 {
		return nil, fmt.Errorf("zktest: ensemble of %d members", n)
	}
	java, cp, err := locateRuntime()
	if err != nil {
		return nil, err
	}
	return retryOnPortInUse(func() (*Ensemble, error) {
		return tryEnsemble(ctx, dir, n, cfg, java, cp)
	})
}

// tryEnsemble makes one attempt with fresh ports and empty data.
func tryEnsemble(ctx context.Context, dir string, n int, cfg *config, java, cp string) (*Ensemble, error) {
	ports, err := allocPorts(3 * n)
	if err != nil {
		return nil, err
	}
	members := make([]member, n)
	for i := range members {
		members[i] = member{id: i + 1, clientPort: ports[3*i], quorum: ports[3*i+1], election: ports[3*i+2]}
	}
	e := &Ensemble{dir: dir}
	offsets := make([]int64, n)
	for i, m := range members {
		mdir := filepath.Join(dir, fmt.Sprintf("member-%d", m.id))
		if err := os.MkdirAll(mdir, 0o755); err != nil {
			return nil, fmt.Errorf("zktest: %w", err)
		}
		if err := writeServerFiles(mdir, cfg.zooCfg(filepath.Join(mdir, "data"), m.clientPort, members), m.id); err != nil {
			return nil, fmt.Errorf("zktest: %w", err)
		}
		z := newZooKeeper(fmt.Sprintf("ensemble member %d (myid %d)", i, m.id), mdir, java, cp, cfg, m.clientPort, members)
		offsets[i] = z.logSize()
		e.members = append(e.members, z)
	}
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i, z := range e.members {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[i] = z.Restart(ctx)
		}()
	}
	wg.Wait()
	err = errors.Join(errs...)
	if err == nil {
		// Wait for the quorum, but give up at once if a member could not
		// bind its quorum or election port (it may keep running).
		var failed *ZooKeeper
		bindFailure := func() bool {
			for i, z := range e.members {
				if bindFailed(z.logSince(offsets[i])) {
					failed = z
					return true
				}
			}
			return false
		}
		wctx, cancel := context.WithTimeout(ctx, cfg.startTimeout)
		err = WaitUntil(wctx, func() bool { return bindFailure() || quorate(e.modes(wctx)) })
		cancel()
		switch {
		case failed != nil:
			err = fmt.Errorf("%w: %s could not bind a port", errPortInUse, failed.name)
		case err != nil:
			err = e.noQuorum(ctx, err)
		}
	}
	if err != nil {
		e.Kill()
		return nil, err
	}
	return e, nil
}

// Size returns the number of members, running or not.
func (e *Ensemble) Size() int { return len(e.members) }

// Member returns member i (0-based; its myid is i+1). Stop, Kill, Pause,
// Resume and Restart act on that member alone.
func (e *Ensemble) Member(i int) *ZooKeeper { return e.members[i] }

// Servers returns every member's client address, in member order.
func (e *Ensemble) Servers() []string {
	addrs := make([]string, len(e.members))
	for i, z := range e.members {
		addrs[i] = z.Addr()
	}
	return addrs
}

// ConnectString returns the members' client addresses joined by commas.
func (e *Ensemble) ConnectString() string { return strings.Join(e.Servers(), ",") }

// Leader asks each running, unpaused member for its mode ("srvr") and
// returns the index of the one that leads, or an error wrapping ErrNoLeader.
// It does not wait for an election; use WaitQuorum or WaitLeader for that.
func (e *Ensemble) Leader(ctx context.Context) (int, error) {
	modes := e.modes(ctx)
	for i, m := range modes {
		if m == "leader" {
			return i, nil
		}
	}
	return -1, fmt.Errorf("%w (modes %s)", ErrNoLeader, strings.Join(modes, ", "))
}

// WaitLeader waits until some running member other than those in exclude
// leads, and returns its index. It fails when ctx is done.
func (e *Ensemble) WaitLeader(ctx context.Context, exclude ...int) (int, error) {
	leader := -1
	err := WaitUntil(ctx, func() bool {
		i, err := e.Leader(ctx)
		if err != nil {
			return false
		}
		for _, x := range exclude {
			if x == i {
				return false
			}
		}
		leader = i
		return true
	})
	if err != nil {
		return -1, fmt.Errorf("zktest: no new leader (modes %s): %w", strings.Join(e.modes(ctx), ", "), err)
	}
	return leader, nil
}

// WaitQuorum waits until every running, unpaused member serves as leader
// or follower, with exactly one leader among them. It returns an error with
// the members' modes and log tails when ctx is done first; with a majority
// of members stopped it cannot succeed.
func (e *Ensemble) WaitQuorum(ctx context.Context) error {
	if err := WaitUntil(ctx, func() bool { return quorate(e.modes(ctx)) }); err != nil {
		return e.noQuorum(ctx, err)
	}
	return nil
}

// quorate reports whether every member that is up leads or follows, with
// exactly one leader.
func quorate(modes []string) bool {
	leaders, up := 0, 0
	for _, m := range modes {
		switch m {
		case "leader":
			leaders++
		case "follower", "observer":
		case "stopped", "paused":
			continue
		default:
			return false
		}
		up++
	}
	return up > 0 && leaders == 1
}

// noQuorum describes a failed wait: the members' modes and log tails.
func (e *Ensemble) noQuorum(ctx context.Context, cause error) error {
	qctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 2*time.Second)
	defer cancel()
	var b strings.Builder
	fmt.Fprintf(&b, "zktest: ensemble has no quorum (modes %s): %v", strings.Join(e.modes(qctx), ", "), cause)
	for _, z := range e.members {
		fmt.Fprintf(&b, "\n--- %s on %s:\n%s", z.name, z.Addr(), z.LogTail(15))
	}
	return errors.New(b.String())
}

// modes returns each member's mode: a srvr Mode, "stopped", "paused",
// "not serving", or "unreachable".
func (e *Ensemble) modes(ctx context.Context) []string {
	modes := make([]string, len(e.members))
	var wg sync.WaitGroup
	for i, z := range e.members {
		if !z.Running() {
			modes[i] = "stopped"
			continue
		}
		if z.Paused() {
			modes[i] = "paused"
			continue
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			qctx, cancel := context.WithTimeout(ctx, time.Second)
			defer cancel()
			st, err := Srvr(qctx, z.Addr())
			switch {
			case err == nil:
				modes[i] = st.Mode
			case errors.Is(err, ErrNotServing):
				modes[i] = "not serving"
			default:
				modes[i] = "unreachable"
			}
		}()
	}
	wg.Wait()
	return modes
}

// Stop stops every member, in parallel, as ZooKeeper.Stop does (SIGTERM).
// Their data stays; each member's Restart starts it again.
func (e *Ensemble) Stop() { e.each((*ZooKeeper).Stop) }

// Kill kills every member, in parallel, as ZooKeeper.Kill does (SIGKILL).
// Their data stays; each member's Restart starts it again.
func (e *Ensemble) Kill() { e.each((*ZooKeeper).Kill) }

func (e *Ensemble) each(f func(*ZooKeeper)) {
	var wg sync.WaitGroup
	for _, z := range e.members {
		wg.Add(1)
		go func() {
			defer wg.Done()
			f(z)
		}()
	}
	wg.Wait()
}

// Close kills every member and, for an ensemble made by StartEnsembleCtx,
// removes its directory. It is idempotent.
func (e *Ensemble) Close() {
	e.Kill()
	if e.removeDir {
		_ = os.RemoveAll(e.dir)
	}
}
