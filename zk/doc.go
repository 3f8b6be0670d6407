// Package zk is a ZooKeeper 3.8 client: one *Conn is one session,
// pipelined, with asynchronous and synchronous forms of every operation,
// watches that survive reconnections, and errors that say whether an
// operation may have happened.
//
//	conn, err := zk.Dial(ctx, []string{"127.0.0.1:2181"}, zk.WithSessionTimeout(10*time.Second))
//	if err != nil {
//		return err
//	}
//	defer conn.Close()
//
//	data, stat, err := conn.Get(ctx, "/app/config")    // sync form
//	f := conn.GetAsync(ctx, "/app/config")              // async form
//	r, err := f.Wait(ctx)
//	_, err = conn.Multi(ctx,
//		zk.CheckOp("/app/config", stat.Version),
//		zk.SetOp("/app/config", next, stat.Version),
//	)
//
// # Sessions and expiry
//
// Dial connects to one of the servers (in random order), negotiates the
// session timeout and returns once the session exists. The Conn pings when
// nothing was sent for a third of the timeout, declares a connection dead
// when nothing arrived for two thirds of it, and re-attaches the same
// session to the next server with bounded exponential backoff
// (WithReconnectBackoff). On every new connection it first re-sends every
// credential, then re-registers every watch (setWatches or setWatches2)
// relative to the last zxid it saw, so that changes made while it was
// disconnected fire the one-shot watches they concern, and only then sends
// the requests that were waiting.
//
// StateEvents reports Connected, Disconnected (the session is suspended: it
// may live on, or expire), Reconnected, ReadOnly, and the final Expired,
// Closed or AuthFailed, in order, to any number of subscribers.
//
// A Conn never opens a second session. When the server says the session
// expired, when it rejects a credential, or after Close, the Conn is over:
// Done is closed, Err wraps ErrSessionExpired, ErrAuthFailed or ErrClosed,
// every pending request fails, and every watcher is told. A new session
// needs a new Dial (and whatever ephemeral nodes and locks it re-creates).
//
// # Errors
//
// Every operation error is an *Error naming the operation and path, e.g.
// "create /app/x: zk: node already exists". Its cause is one of:
//
//   - a Code returned by the server (ErrNoNode, ErrNodeExists,
//     ErrBadVersion, ...): the request was answered and, being an error,
//     changed nothing;
//   - ErrConnectionLoss: the request was written but the connection died
//     before its reply: it MAY have happened (the request is "lost");
//   - ErrNotSent: it was never written (the connection was cut while it was
//     queued, or its ctx ended first); IsRetryable reports true;
//   - ErrInvalidPath, ErrInvalidArgument, ErrRequestTooLarge: refused before
//     sending;
//   - ErrClosed, ErrSessionExpired, ErrAuthFailed: the session is over;
//   - the ctx's error, when a sync call stopped waiting: the request may
//     still complete and may have happened.
//
// Compare with errors.Is. A failed Multi returns a *MultiError wrapping the
// first failing op's code, with every op's result.
//
// # Concurrency
//
// Every method is safe for concurrent use, and many requests may be in
// flight on one session. Requests are encoded and validated on the
// caller's goroutine, queued, written by one writer goroutine per
// connection that coalesces everything queued into one write, and matched
// to replies by one reader goroutine (ZooKeeper answers a session's requests
// in order). WithMaxInFlight bounds the requests queued or awaiting replies;
// an XxxAsync call waits for room, bounded by its ctx, and otherwise returns
// at once with a Future. A Future's ctx bounds only queueing: once written,
// a request completes whatever happens to the ctx. No user code runs on the
// reader goroutine.
//
// When many requests await replies (a server with a backlog), the writer and
// the reader may wait a fraction of the server's expected work, at most a
// millisecond, before their next system call, so that each carries several
// requests or replies; with few requests in flight nothing waits.
//
// # Watches
//
// The W forms (GetW, ExistsW, ChildrenW) return a one-shot channel,
// buffered 1, that receives exactly one Event and is closed. AddWatch sets
// a persistent or persistent-recursive watch whose Events channel has an
// unbounded buffer and delivers every event in server order until Remove.
// Events of one path arrive in the order the server sent them, and before
// the reply of any later request. When the session ends, every watch
// receives an EventNotWatching event whose Err says why.
//
// ZooKeeper sends no catch-up events for persistent watches after a
// reconnection: a cache built on them must re-read what it mirrors when it
// sees EventReconnected.
//
// # Batches
//
// Batch writes several requests back to back and reports, for each, one of
// three outcomes: Answered (a result or a ZooKeeper error), Lost (sent, the
// outcome is unknown) or NotSent (safe to retry if IsRetryable). An
// optional callback sees each response as it arrives, in order.
package zk
