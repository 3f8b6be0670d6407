// Package election is leader election on ZooKeeper that is safe under
// failure: a leader learns when its leadership may be gone, each term
// carries a fencing number, a resigning leader hands over at once, and a
// lost connection leaves no orphan candidate behind.
//
//	e, err := election.New(conn, "/app/election")
//	if err != nil {
//		return err
//	}
//	l, err := e.Campaign(ctx, []byte("host-a:8080")) // blocks until leader, ctx ends, or the session ends
//	if err != nil {
//		return err
//	}
//	defer l.Resign(context.WithoutCancel(ctx)) // the next candidate takes over at once
//
//	select {
//	case <-l.Lost(): // the session expired, the node was deleted, or the connection was suspended
//		return l.Err()
//	case <-ctx.Done():
//		return nil
//	}
//
// # Candidates and leaders
//
// Each Campaign is a candidate: it creates the ephemeral sequential node
// "<path>/_c_<uuid>-latch-<seq>" holding its value, and the candidate with
// the lowest sequence number leads. The others wait, each for the one just
// before it (and, while that one waits too, for the one before that), so
// that when a leader goes its successor takes over at once and at most one
// other candidate wakes up: never a herd. Campaign returns a *Leadership, which
// Resign ends (an Election's own Resign ends its latest one).
//
// A leadership's Lost channel is closed when it may be gone:
//
//   - the session ended (expired, closed, or a credential was rejected);
//   - the leader's node was deleted by someone else;
//   - the connection was suspended (disconnected, or moved to a read-only
//     server) for longer than the grace, which is zero by default.
//
// A zero grace steps down before the server could expire the session and
// elect another leader: the client declares a silent connection dead after
// two thirds of the negotiated session timeout T, and a partitioned server
// may expire the session about T/3 after that. WithSuspendGrace rides out
// short disconnections, clamped to T/6; WithIgnoreSuspension keeps the
// leadership until the session is known to be over, which is safe only
// with fenced writes.
//
// # Terms and fencing
//
// Leadership.Term is the zxid that created the leader's node. Leaders are
// elected in the order their nodes were created, so terms strictly increase
// from one leader to the next on a path, also across a re-created directory
// or a wrapped sequence counter: a downstream store that rejects terms
// smaller than the largest it saw cannot be written to by a deposed leader.
// Leadership.Fence is a check operation that makes a zk.Conn.Multi apply
// only while the leader's node exists.
//
// # Handover and observers
//
// Resign deletes the leader's node in one transaction that writes the
// node's name as the directory's data: the next candidate, watching the
// node, takes over at once, and observers can tell a resignation from a
// node that vanished with its session. (The directory's data is the
// election's: do not keep anything else there.) A process that shuts down gracefully should
// Resign rather than let the end of its session (seconds later, on expiry)
// remove the node.
//
// Leader reads the current leader's value. Observe follows the changes of
// leader: each LeaderEvent names the new leader (its value, node and term,
// or none) and the Reason the previous one stopped (ReasonResigned,
// ReasonDeleted, ...). Observers watch the leader's node, not the
// candidates.
//
// # Interoperability
//
// The node names and data are those of Apache Curator's LeaderLatch
// ("_c_<uuid>-latch-<seq>", the participant id as data), ordered by the
// sequence number after "-latch-" (children of other names are ignored), so
// that coordkit candidates and LeaderLatch participants on the same path
// take part in one election, and LeaderLatch.getLeader reports a coordkit
// leader's value as its id. (Curator orders the suffixes as strings, which
// agrees until the directory's sequence counter wraps after 2³¹ creations.) The election's directory is created as a
// container node (the server deletes it once empty) if missing, its
// missing ancestors as persistent nodes.
//
// # Errors
//
// Errors name the operation and the path ("campaign /app/e: ...") and wrap
// their cause: ErrNoLeader (Leader), ErrNotLeader (Resign), ErrLost with
// ErrNodeDeleted, ErrSuspended or the session's error (zk.ErrSessionExpired,
// zk.ErrClosed), ctx's error, or a zk error. Compare with errors.Is.
//
// # Concurrency
//
// An Election and its Leaderships are safe for concurrent use. Each
// Campaign call is a candidate of its own, so two Campaigns through one
// Election are two candidates, the second waiting for the first. Each
// leadership runs one goroutine, watching its node and the session, until
// it is resigned or lost; each Observe runs one until its ctx ends or the
// session ends.
package election
