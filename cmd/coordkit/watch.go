package main

import (
	"context"
	"errors"
	"fmt"

	"github.com/coordkit/coordkit/zk"
)

func newWatch() *verb {
	fs := newFlagSet("watch")
	recursive := fs.Bool("recursive", false, "watch every descendant of PATH too (a persistent recursive watch)")
	return &verb{
		name:    "watch",
		summary: "print a node's changes as they happen",
		args:    []string{"PATH"},
		flags:   fs,
		help: `
Watch sets a persistent watch on PATH (which need not exist) and prints one
line per event, as the server sends them, until it is interrupted:

  NodeCreated /app/x
  NodeDataChanged /app/x
  NodeChildrenChanged /app
  NodeDeleted /app/x

Each line is the event type and the node's path, written at once (no
buffering), so that "coordkit watch /app | while read type path; do ...; done"
sees events as they come. A persistent watch on PATH reports PATH's creation,
deletion and data changes, and changes to its list of children; with
--recursive it reports the creation, deletion and data changes of PATH and
of every node below it, but no NodeChildrenChanged. Events that happen while
coordkit is disconnected from the servers are not reported.

Once the watch is set coordkit says so on standard error; it also reports
there losing and regaining its connection. --timeout bounds connecting and
setting the watch, not how long it runs. SIGINT (Ctrl-C) or SIGTERM stops it
with exit status 0; if the session ends (it expired, or authentication
failed) it says why and exits with status 1.`,
		run: func(ctx context.Context, e *env, args []string) error {
			return runWatch(ctx, e, args, *recursive)
		},
	}
}

func runWatch(ctx context.Context, e *env, args []string, recursive bool) error {
	path := args[0]
	if err := checkPath(path, false); err != nil {
		return err
	}
	mode, what := zk.AddWatchPersistent, path
	if recursive {
		mode, what = zk.AddWatchPersistentRecursive, path+" and its descendants"
	}

	conn, setup, end, err := e.session(ctx)
	if err != nil {
		return err
	}
	defer end()
	states := conn.StateEvents(ctx)
	w, err := conn.AddWatch(setup, path, mode)
	if err != nil {
		return err
	}
	defer func() {
		// End the session first, so that Remove sends nothing; Remove
		// then releases the watch's goroutine, which would otherwise wait
		// for its final event to be read.
		end()
		_ = w.Remove(context.WithoutCancel(ctx))
	}()
	fmt.Fprintf(e.stderr, "coordkit: watching %s; interrupt to stop\n", what)

	for {
		select {
		case <-ctx.Done():
			return nil
		case ev, ok := <-w.Events():
			if !ok {
				return watchEnded(path, w.Err(), conn)
			}
			if ev.Err != nil {
				return watchEnded(path, ev.Err, conn)
			}
			if _, err := fmt.Fprintf(e.stdout, "%s %s\n", ev.Type, ev.Path); err != nil {
				return err
			}
		case st, ok := <-states:
			if !ok {
				states = nil // the session is over; the watch's channel says why
				continue
			}
			reportState(e, st)
		}
	}
}

// reportState tells the user on standard error that the connection was
// lost or regained.
func reportState(e *env, st zk.StateEvent) {
	switch st.Type {
	case zk.EventDisconnected:
		fmt.Fprintf(e.stderr, "coordkit: disconnected from %s; reconnecting\n", orServers(st.Server))
	case zk.EventReconnected:
		fmt.Fprintf(e.stderr, "coordkit: reconnected to %s\n", orServers(st.Server))
	case zk.EventReadOnly:
		fmt.Fprintf(e.stderr, "coordkit: connected to read-only server %s\n", orServers(st.Server))
	}
}

func orServers(server string) string {
	if server == "" {
		return "the server"
	}
	return server
}

// watchEnded returns why the watch's events stopped: err if known, else
// the session's end, as an error naming the watch.
func watchEnded(path string, err error, conn *zk.Conn) error {
	if err == nil {
		err = conn.Err()
	}
	if err == nil {
		err = errors.New("the watch ended")
	}
	var ze *zk.Error
	if errors.As(err, &ze) {
		return err
	}
	return &zk.Error{Op: "watch", Path: path, Err: err}
}
