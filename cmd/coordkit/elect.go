package main

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/coordkit/coordkit/recipes/election"
)

func newElect() *verb {
	fs := newFlagSet("elect")
	listen := fs.Bool("listen", false, "do not campaign: print the leader, and every change of leader, until interrupted")
	return &verb{
		name:    "elect",
		summary: "campaign for leadership, or follow the leader",
		args:    []string{"PATH", "[VALUE]"},
		flags:   fs,
		help: `
Elect campaigns in the leader election PATH (the recipes/election Election,
which Curator's LeaderLatch on the same path joins) with VALUE, a string the
others see as the leader's, such as a host and port. It waits until it is the
leader, prints one line to standard output,

  leader TERM VALUE

and stays leader until it is interrupted. TERM is the leadership's fencing
number in decimal: it is larger for every later leader of PATH. A script can
wait for that line and then start its work:

  coordkit elect /app/leader "$(hostname):8080" | while read -r _ term _; do
    echo "leading in term $term"
  done

SIGINT (Ctrl-C) or SIGTERM ends the campaign, or resigns the leadership so
that the next candidate takes over at once, and exits with status 0. If the
leadership is lost (the session expired, the leader's node was deleted, or
the connection to the servers was lost, so that the session may expire and
another be elected before coordkit hears of it), coordkit says why on
standard error and exits with status 3.

With --listen, elect does not campaign: it prints the current leader, then
one line each time the leader changes, until it is interrupted:

  leader TERM VALUE     a candidate leads
  none                  no candidate campaigns

For example, "coordkit elect --listen /app/leader" prints "leader
4294967299 host-a:8080". A VALUE that is empty, starts with a double quote,
or holds control characters or bytes that are not UTF-8 is printed quoted,
in Go syntax. If the session ends, elect --listen says why and exits with
status 1.

--timeout bounds connecting, and resigning. Exit status: 0 when interrupted; 1 on a
failure; 2 on a usage error; 3 if the leadership was lost.`,
		run: func(ctx context.Context, e *env, args []string) error {
			switch {
			case *listen && len(args) > 1:
				return usagef("--listen takes no VALUE")
			case *listen:
				return runListen(ctx, e, args[0])
			case len(args) < 2:
				return usagef("missing VALUE")
			}
			return runElect(ctx, e, args[0], args[1])
		},
	}
}

func runElect(ctx context.Context, e *env, path, value string) error {
	el, end, err := openElection(ctx, e, path)
	if err != nil {
		return err
	}
	defer end()
	fmt.Fprintf(e.stderr, "coordkit: campaigning in %s; interrupt to stop\n", path)
	l, err := el.Campaign(ctx, []byte(value))
	switch {
	case err != nil && ctx.Err() != nil:
		return nil // interrupted before leading; Campaign removed its node
	case err != nil:
		return electError(path, err)
	}
	if _, err := fmt.Fprintf(e.stdout, "leader %d %s\n", l.Term(), showValue(l.Value())); err != nil {
		_ = resign(ctx, e, l)
		return err
	}

	select {
	case <-ctx.Done():
		err := resign(ctx, e, l)
		switch {
		case err == nil:
			return nil
		case errors.Is(err, election.ErrLost):
			return &statusError{code: exitLost, msg: "elect " + path + ": leadership lost (" + lossText(err, election.ErrLost) + ")"}
		}
		return electError(path, err)
	case <-l.Lost():
		why := lossText(l.Err(), election.ErrLost)
		_ = resign(ctx, e, l) // removes the node if a suspension left it
		return &statusError{code: exitLost, msg: "elect " + path + ": leadership lost (" + why + ")"}
	}
}

// resign ends l within --timeout, even after ctx has ended.
func resign(ctx context.Context, e *env, l *election.Leadership) error {
	rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), e.timeout)
	defer cancel()
	return l.Resign(rctx)
}

func runListen(ctx context.Context, e *env, path string) error {
	el, end, err := openElection(ctx, e, path)
	if err != nil {
		return err
	}
	defer end()
	octx, cancel := context.WithCancel(ctx)
	defer cancel()
	for ev := range el.Observe(octx) {
		if ev.Err != nil {
			if ctx.Err() != nil {
				return nil
			}
			return electError(path, ev.Err)
		}
		line := "none"
		if ev.HasLeader() {
			line = fmt.Sprintf("leader %d %s", ev.Term, showValue(ev.Value))
		}
		if _, err := fmt.Fprintln(e.stdout, line); err != nil {
			return err
		}
	}
	return nil
}

// openElection checks path, opens a session (bounded by --timeout) and
// returns the election on it; end closes the session.
func openElection(ctx context.Context, e *env, path string) (*election.Election, func(), error) {
	if err := checkPath(path, false); err != nil {
		return nil, nil, err
	}
	conn, _, end, err := e.session(ctx)
	if err != nil {
		return nil, nil, err
	}
	el, err := election.New(conn, path)
	if err != nil {
		end()
		return nil, nil, err
	}
	return el, end, nil
}

// electError renders a failure of the election recipe, which names the
// operation and the path ("campaign /app/e: ..."), for "coordkit: ...".
func electError(path string, err error) error {
	msg := trimZK(err.Error())
	if _, rest, ok := strings.Cut(msg, path+": "); ok {
		msg = rest
	}
	return &statusError{code: exitError, msg: "elect " + path + ": " + msg}
}

// showValue renders a leader's value for one line of output: as it is,
// unless it is empty, starts with a double quote, or holds control
// characters or bytes that are not UTF-8; then quoted in Go syntax.
func showValue(v []byte) string {
	s := string(v)
	quote := s == "" || strings.HasPrefix(s, `"`) || !utf8.ValidString(s) ||
		strings.ContainsFunc(s, unicode.IsControl)
	if quote {
		return strconv.Quote(s)
	}
	return s
}
