// Package lock has distributed locks on ZooKeeper that are safe under
// failure — a Mutex, a read/write RWMutex and a counting Semaphore: every
// grant can tell its holder when it may be gone, carries a fencing token,
// and leaves no orphan node behind a lost connection.
//
//	m, err := lock.New(conn, "/app/locks/report")
//	if err != nil {
//		return err
//	}
//	h, err := m.Lock(ctx) // blocks until granted, ctx ends, or the session ends
//	if err != nil {
//		return err
//	}
//	defer h.Unlock(context.WithoutCancel(ctx))
//
//	select {
//	case <-h.Lost(): // the session expired, the node was deleted, or the connection was suspended
//		return h.Err()
//	case res := <-work:
//		// A store that rejects stale tokens stays safe even if h was lost meanwhile.
//		return store.Put(ctx, res, h.Token())
//	}
//
// # Holds and their loss
//
// Lock and TryLock return a *Hold, which is what Unlock releases (a
// Mutex's own Unlock releases its latest hold, for code shaped like
// sync.Mutex). A hold's Lost channel is closed when the hold may be gone:
//
//   - the session ended (expired, closed, or a credential was rejected);
//   - the lock node was deleted by someone else (watched with a watch on
//     the node itself, set by the first call to Lost, Err or Multi);
//   - the connection was suspended (disconnected, or moved to a read-only
//     server) for longer than the grace, which is zero by default.
//
// A zero grace is the only safe default. A zk.Conn declares a connection
// dead only after two thirds of the negotiated session timeout T without
// a word from the server; in a network partition the server may have heard
// the session last up to a ping interval (T/3) before that silence began,
// so it may expire the session, delete the node and let another process
// take the lock about T/3 after the holder sees the suspension — sooner if
// a watch event was the last thing the holder received. WithSuspendGrace
// trades some of that margin for riding out short disconnections (a server
// restart, a leader election): it is clamped to T/6 of the negotiated
// timeout. WithIgnoreSuspension keeps holds until the session is known to
// be over, as Curator's SessionConnectionStateErrorPolicy does; it is safe
// only with fenced writes.
//
// The session's end and suspensions come from the client's own state and
// cost no request. Watching the node costs one request, so a hold sets its
// watch only once its holder asks: from the first call to Lost, Err or
// Multi on. A deletion by another party before that call is noticed by it,
// one round trip later (Lost closes; Err reports it once the server has
// answered); one after it, when the watch fires. A holder that never asks
// learns of a deletion only from Unlock's error — and Multi, like every
// fenced write, fails on a deleted node whenever it happens. An
// uncontended Lock and Unlock thus cost three requests in two round trips:
// the create and the children read (pipelined), and the delete.
//
// # Fencing
//
// Hold.Token is the zxid that created the hold's node. Grants on one path
// are made in the order the nodes were created, so tokens strictly increase
// from one grant to the next, also across a deletion and re-creation of the
// lock's directory and a wrap of its sequence counter. Hold.Multi runs a
// ZooKeeper transaction guarded by a check that the hold's node still
// exists; Hold.Fence is that check, for transactions built by hand.
//
// # Nodes and interoperability
//
// A contender creates the ephemeral sequential node
// "<path>/_c_<uuid>-lock-<seq>", Curator's InterProcessMutex layout with a
// protected name: the random UUID is new for every attempt, so that after a
// create whose reply was lost the contender finds its node again among the
// children rather than leaving an orphan that blocks the lock until its
// session ends. The lock's directory is created as a container node (the
// server deletes it once empty) if missing, its missing ancestors as
// persistent nodes.
//
// Contenders are ordered by the sequence number after the last known
// marker in their names ("-lock-", "__lock__", "__rlock__", "__READ__",
// "__WRIT__"), parsed as a number; children without one are ignored. A
// Mutex waits for every kind of lock node, so it excludes:
//
//   - Curator's InterProcessMutex on the same path, in both directions;
//   - kazoo's Lock, in both directions only if kazoo is told about this
//     package's marker: Lock(client, path, extra_lock_patterns=["-lock-"]);
//     otherwise kazoo ignores coordkit's nodes. kazoo makes sure the lock
//     directory exists only once per Lock object, so when sharing a path
//     with kazoo create the directory as a persistent node first: the
//     container this package would create is deleted once empty, and
//     kazoo's next acquire would then fail with NoNodeError;
//   - the readers and writers of Curator's InterProcessReadWriteLock and
//     kazoo's ReadLock and WriteLock, from this side only.
//
// Sequence numbers are compared as a 32-bit counter in serial-number
// arithmetic, so a counter that wrapped to negative values after 2³¹
// creations under one directory still orders new nodes last; Curator and
// kazoo compare the suffixes as strings and would order them first, so mixed
// peers stay exclusive only while the counter has not wrapped.
//
// # Read/write locks
//
// An RWMutex lets any number of readers (RLock) or one writer (Lock) hold
// a path at once, in Curator's InterProcessReadWriteLock layout: readers
// create "<path>/_c_<uuid>-__READ__<seq>", writers
// "<path>/_c_<uuid>-__WRIT__<seq>", with the same protected names, cleanup
// and holds as a Mutex. Grants follow the order of creation: a reader
// waits for the last writer before it, a writer for its immediate
// predecessor of either kind, so a writer waiting behind readers holds up
// the readers that come after it and is never starved. Curator's readers
// and writers on the same path share and exclude with these as among
// themselves. Nodes of every exclusive kind ("-lock-", "__lock__") count as
// writers, and kazoo's ReadLock nodes ("__rlock__") as readers.
//
// # Semaphores
//
// A Semaphore hands out at most Limit leases on a path, in Curator's
// InterProcessSemaphoreV2 layout and algorithm: an acquirer takes the
// Mutex "<path>/locks", creates "<path>/leases/_c_<uuid>-lease-<seq>",
// waits while more than Limit children exist under "<path>/leases" (it
// alone watches them, so a release wakes one waiter), and releases the
// mutex. A Lease has Lost, Err, Token and fenced writes like a Hold, and
// Release in place of Unlock. The limit is a convention among the users of
// the path; Curator processes with the same limit share the leases.
//
// # Errors
//
// Errors name the operation and the lock ("lock /app/l: ...") and wrap
// their cause: ErrLocked (TryLock, TryRLock), ErrNoLease (TryAcquire),
// ErrNotHeld, ErrLost with ErrNodeDeleted, ErrSuspended or the session's
// error (zk.ErrSessionExpired, zk.ErrClosed), ctx's error, or a zk error.
// Compare with errors.Is.
//
// # Concurrency
//
// A Mutex, RWMutex or Semaphore and its Holds or Leases are safe for
// concurrent use. Each Lock, RLock or Acquire call is a contender of its
// own; a granted hold excludes the others as its kind says, in this
// process or another, so the locks are not reentrant. A hold or lease
// that someone asks about (Lost or Err) runs one goroutine, watching its
// node and the session, until it is released or lost; until then (and
// always for a hold nobody asks about) it costs none, the session's state
// being read when needed. A suspension grace (WithSuspendGrace) needs the
// goroutine from the grant on, to time each suspension.
package lock
