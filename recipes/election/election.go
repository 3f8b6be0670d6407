package election

import (
	"context"
	"errors"
	"fmt"
	"path"
	"sync"

	"github.com/coordkit/coordkit/recipes/internal/contend"
	"github.com/coordkit/coordkit/zk"
)

// Errors of this package. Compare with errors.Is.
var (
	// ErrNoLeader is returned by Leader when no candidate is campaigning
	// on the election's path.
	ErrNoLeader = errors.New("election: no leader")
	// ErrNotLeader is returned by Resign when there is nothing to resign:
	// the Election has no leadership that is not resigned yet, or the
	// Leadership was resigned already. Leadership.Err returns it after a
	// resignation.
	ErrNotLeader = errors.New("election: not leader")
	// ErrLost says a leadership ended without Resign: its session ended,
	// its node was deleted, or its connection stayed suspended too long.
	// Errors wrapping it also wrap the cause: ErrNodeDeleted, ErrSuspended,
	// or the session's error (zk.ErrSessionExpired, zk.ErrClosed, ...).
	ErrLost = errors.New("election: leadership lost")
	// ErrNodeDeleted is the cause of a loss when the leader's node was
	// deleted, by another process or by the end of its session.
	ErrNodeDeleted = contend.ErrNodeDeleted
	// ErrSuspended is the cause of a loss when the connection stayed
	// suspended longer than the grace (WithSuspendGrace). The session may
	// live on, and the node with it until Resign deletes it.
	ErrSuspended = contend.ErrSuspended
)

// nodeName is the name of a candidate node before its sequence suffix,
// after the protected prefix: "_c_<uuid>-latch-<seq>", as Curator's
// LeaderLatch names them.
const nodeName = "latch-"

// markers are those of the children that take part in the election.
var markers = []string{contend.MarkerLatch}

// Election is a leader election on a ZooKeeper path, through one session:
// a handle that any number of goroutines may use to campaign, each
// Campaign call being one candidate. The candidate whose node was created
// first is the leader; the others wait, each for the candidate just before
// it.
//
// All methods are safe for concurrent use.
type Election struct {
	conn    *zk.Conn
	path    string
	policy  contend.Policy
	contest contend.Contest // a template: each Campaign copies it with its value

	mu   sync.Mutex  // guards last
	last *Leadership // the latest leadership won and not resigned
}

// New returns an Election on path, whose candidate nodes are created
// through conn's session. It does not contact the server: Campaign creates
// path (as a container) if it is missing. It fails if conn is nil, path is
// not a valid node path, or an option is invalid.
func New(conn *zk.Conn, path string, opts ...Option) (*Election, error) {
	if conn == nil {
		return nil, errors.New("election: nil *zk.Conn")
	}
	if err := zk.ValidatePath(path, false); err != nil {
		return nil, fmt.Errorf("election: %w", err)
	}
	var cfg config
	for _, o := range opts {
		if err := o(&cfg); err != nil {
			return nil, err
		}
	}
	return &Election{
		conn:    conn,
		path:    path,
		policy:  cfg.Policy(),
		contest: cfg.Contest(conn, path, markers),
	}, nil
}

// Path returns the election's path, the directory of its candidate nodes.
func (e *Election) Path() string { return e.path }

// Campaign enters a candidate with value (stored as its node's data, what
// Leader and Observe report) and blocks until it is the leader, or until
// ctx ends, the session ends, or a request fails.
//
// The candidate creates the ephemeral sequential node
// "<path>/_c_<uuid>-latch-<seq>", pipelined with a read of the directory
// (one round trip when nobody else campaigns), and waits for the candidate
// just before it to go (no herd: see the package doc), re-checking the
// directory when needed. A
// create whose reply was lost is found again by its unique name rather
// than left behind.
//
// If it fails or ctx ends, Campaign removes its node before returning,
// detached from ctx and bounded by the cleanup timeout
// (WithCleanupTimeout); the error wraps ctx.Err() or the cause, and says if
// the node could not be removed (it then lives until the session ends).
func (e *Election) Campaign(ctx context.Context, value []byte) (*Leadership, error) {
	c := e.contest
	c.Data = append([]byte(nil), value...)
	node, children, err := c.Join(ctx, nodeName)
	if err != nil {
		return nil, e.fail("campaign", err)
	}
	if err := c.Wait(ctx, node, children, contend.Predecessor); err != nil {
		return nil, e.fail("campaign", c.Leave(ctx, node, err))
	}
	l := &Leadership{
		e:       e,
		contest: &c,
		node:    node,
		value:   c.Data,
		hold:    contend.NewHold(e.conn, node.Path, e.policy, ErrNotLeader, ErrLost),
	}
	// A term is long-lived: watch the node's deletion from the start
	// (one request per term), unlike a lock's hold, which waits to be asked.
	l.hold.Arm()
	e.mu.Lock()
	e.last = l
	e.mu.Unlock()
	return l, nil
}

// Resign gives up the latest leadership won through this Election that is
// not resigned yet; see Leadership.Resign. It fails with ErrNotLeader if
// there is none.
func (e *Election) Resign(ctx context.Context) error {
	e.mu.Lock()
	l := e.last
	e.mu.Unlock()
	if l == nil {
		return e.fail("resign", ErrNotLeader)
	}
	return l.Resign(ctx)
}

// forget drops l as the latest leadership, once resigned.
func (e *Election) forget(l *Leadership) {
	e.mu.Lock()
	if e.last == l {
		e.last = nil
	}
	e.mu.Unlock()
}

// Leader returns the value of the current leader, as its candidate passed
// it to Campaign (or, for a Curator LeaderLatch, its id), or an error
// wrapping ErrNoLeader when no candidate campaigns. It reads the
// directory and the first candidate's node (two round trips), retrying
// reads that were lost or not sent, and blocks until then or until ctx
// ends. The answer may be stale as soon as it is returned; Observe follows
// the changes.
func (e *Election) Leader(ctx context.Context) ([]byte, error) {
	info, err := e.leader(ctx)
	if err != nil {
		return nil, e.fail("leader", err)
	}
	if info.Node == "" {
		return nil, e.fail("leader", ErrNoLeader)
	}
	return info.Value, nil
}

// leader reads the current leader: a LeaderEvent with Node "" when there is
// none.
func (e *Election) leader(ctx context.Context) (LeaderEvent, error) {
	for attempt := 0; ; {
		kids, err := e.contest.Children(ctx)
		if err != nil {
			return LeaderEvent{}, err
		}
		ordered := contend.Order(kids, markers)
		if len(ordered) == 0 {
			return LeaderEvent{}, nil
		}
		p := path.Join(e.path, ordered[0].Name)
		data, st, err := e.conn.Get(ctx, p)
		switch {
		case err == nil:
			return LeaderEvent{Value: data, Node: p, Term: st.Czxid}, nil
		case errors.Is(err, zk.ErrNoNode): // it went meanwhile: read again
		case contend.ReadRetryable(err) && ctx.Err() == nil:
			if err := contend.Pause(ctx, e.conn, attempt); err != nil {
				return LeaderEvent{}, err
			}
			attempt++
		default:
			return LeaderEvent{}, err
		}
	}
}

// fail names the operation and the election in err.
func (e *Election) fail(op string, err error) error {
	return fmt.Errorf("%s %s: %w", op, e.path, err)
}
