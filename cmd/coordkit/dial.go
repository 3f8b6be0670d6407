package main

import (
	"context"
	"errors"
	"strings"
	"time"

	"github.com/coordkit/coordkit/zk"
)

// Back-off between connection attempts while --timeout allows more.
const (
	redialMin = 100 * time.Millisecond
	redialMax = time.Second
)

// dial establishes a session with g.servers. zk.Dial tries each server
// once; dial tries again, backing off, until one attempt succeeds or
// g.timeout (or ctx) ends, so that coordkit rides out a server restart and
// "coordkit --timeout 30s ls /" can wait for an ensemble to come up. A
// malformed connect string is a usage error.
func (g *globals) dial(ctx context.Context) (*zk.Conn, error) {
	ctx, cancel := context.WithTimeout(ctx, g.timeout)
	defer cancel()
	delay := redialMin
	var last error // the last attempt's error that says more than ctx's end
	for {
		conn, err := zk.Dial(ctx, []string{g.servers})
		if err == nil {
			return conn, nil
		}
		switch {
		case errors.Is(err, zk.ErrInvalidPath), errors.Is(err, zk.ErrInvalidArgument):
			return nil, usagef("--servers %q: %s", g.servers, trimZK(strings.TrimPrefix(err.Error(), "zk: chroot: ")))
		case errors.Is(err, zk.ErrAuthFailed):
			return nil, &connectError{servers: g.servers, err: err}
		case ctx.Err() == nil || last == nil:
			last = err
		}
		t := time.NewTimer(delay)
		select {
		case <-ctx.Done():
			t.Stop()
			return nil, &connectError{servers: g.servers, err: ctx.Err(), last: last}
		case <-t.C:
		}
		delay = min(2*delay, redialMax)
	}
}

// connectError is a failure to establish a session with the servers.
type connectError struct {
	servers string
	err     error // why dial gave up: ctx's error, or a final answer
	last    error // the last attempt's error, if err is ctx's
}

func (e *connectError) Error() string {
	msg := "connect to " + e.servers + ": " + e.err.Error()
	if e.last != nil {
		msg += "; last error: " + e.last.Error()
	}
	return msg
}

func (e *connectError) Unwrap() error { return e.err }

// describe renders e for "coordkit: ...", e.g. "connect to h:2181: timed
// out after 10s; last error: h:2181: dial tcp ...: connection refused".
func (e *connectError) describe(timeout time.Duration) string {
	msg := "connect to " + e.servers + ": " + cause(e.err, timeout)
	if e.last != nil {
		msg += "; last error: " + dialText(e.last)
	}
	return msg
}

// dialText renders an error of zk.Dial on one line: zk.Dial lists every
// server's failure as a multi-line multierror, flattened here with "; ".
func dialText(err error) string {
	var multi interface{ WrappedErrors() []error }
	if errors.As(err, &multi) {
		var parts []string
		for _, e := range multi.WrappedErrors() {
			parts = append(parts, dialText(e))
		}
		return strings.Join(parts, "; ")
	}
	return strings.TrimPrefix(trimZK(err.Error()), "dial: ")
}
