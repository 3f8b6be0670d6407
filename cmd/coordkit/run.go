package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/coordkit/coordkit/zk"
)

// Exit statuses.
const (
	exitOK    = 0 // success
	exitError = 1 // the operation failed; the reason is on standard error
	exitUsage = 2 // the command line is wrong
	exitLost  = 3 // lock, elect: the lock or the leadership was lost
)

// statusError ends a verb with a status of its own choosing, as lock exits
// with its command's status: msg, unless empty, is printed to standard
// error as "coordkit: msg".
type statusError struct {
	code int
	msg  string
}

func (e *statusError) Error() string { return e.msg }

// run is coordkit without the process: it parses args (without the program
// name), runs the verb, writes to stdout and stderr, and returns the exit
// status. getenv supplies $COORDKIT_SERVERS. ctx ends on SIGINT or SIGTERM.
func run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer, getenv func(string) string) int {
	g := newGlobals(getenv)
	fs := newFlagSet("coordkit")
	g.register(fs)
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			writeMainHelp(stdout)
			return exitOK
		}
		return writeUsageError(stderr, nil, err.Error())
	}
	if fs.NArg() == 0 {
		return writeUsageError(stderr, nil, "missing verb")
	}
	name, args := fs.Arg(0), fs.Args()[1:]
	if name == "help" {
		return runHelp(args, stdout, stderr)
	}
	v := lookup(name)
	if v == nil {
		return writeUsageError(stderr, nil, fmt.Sprintf("unknown verb %q", name))
	}
	g.register(v.flags)
	pos, err := parseArgs(v.flags, args)
	if errors.Is(err, flag.ErrHelp) {
		v.writeHelp(stdout)
		return exitOK
	}
	if err == nil {
		err = v.checkArgs(pos)
	}
	switch {
	case err != nil:
	case v.noSession:
		err = noGlobals(v.name, fs, v.flags)
	default:
		err = g.check()
	}
	if err != nil {
		return writeUsageError(stderr, v, err.Error())
	}

	e := &env{stdin: stdin, stdout: stdout, stderr: stderr, dial: g.dial, timeout: g.timeout}
	err = v.run(ctx, e, pos)
	var ue *usageError
	var se *statusError
	switch {
	case err == nil:
		return exitOK
	case errors.As(err, &ue):
		return writeUsageError(stderr, v, ue.msg)
	case errors.As(err, &se):
		if se.msg != "" {
			fmt.Fprintf(stderr, "coordkit: %s\n", se.msg)
		}
		return se.code
	default:
		fmt.Fprintf(stderr, "coordkit: %s\n", describe(err, v.name, g.timeout))
		return exitError
	}
}

// noGlobals returns a usage error if --servers or --timeout was given, on
// any of the flag sets, to verb, which connects to no server.
func noGlobals(verb string, sets ...*flag.FlagSet) error {
	var set string
	for _, fs := range sets {
		fs.Visit(func(f *flag.Flag) {
			if isGlobalFlag(f.Name) && set == "" {
				set = f.Name
			}
		})
	}
	if set != "" {
		return usagef("--%s does not apply to %s: it connects to no server", set, verb)
	}
	return nil
}

// runHelp is "coordkit help [VERB]".
func runHelp(args []string, stdout, stderr io.Writer) int {
	switch {
	case len(args) == 0:
		writeMainHelp(stdout)
		return exitOK
	case len(args) > 1:
		return writeUsageError(stderr, nil, "help takes one verb")
	case args[0] == "-h" || args[0] == "-help" || args[0] == "--help":
		writeMainHelp(stdout)
		return exitOK
	}
	v := lookup(args[0])
	if v == nil {
		return writeUsageError(stderr, nil, fmt.Sprintf("unknown verb %q", args[0]))
	}
	v.writeHelp(stdout)
	return exitOK
}

// describe renders an operation error for "coordkit: ...": the verb and
// the path, then the cause without the "zk: " prefix of ZooKeeper's codes,
// e.g. "ls /x: node does not exist" (where package zk says "children /x:
// zk: node does not exist") or "connect to h:2181: timed out after 10s".
// timeout is --timeout, named when it is what ended the operation.
func describe(err error, verb string, timeout time.Duration) string {
	var ce *connectError
	if errors.As(err, &ce) {
		return ce.describe(timeout)
	}
	var ze *zk.Error
	if errors.As(err, &ze) {
		msg := strings.TrimSpace(verb+" "+ze.Path) + ": " + cause(ze.Err, timeout)
		if writeOps[ze.Op] && outcomeUnknown(ze.Err) {
			msg += "; it may or may not have been applied"
		}
		return msg
	}
	return cause(err, timeout)
}

// writeOps are the operations (as zk.Error names them) that change nodes.
var writeOps = map[string]bool{"create": true, "set": true, "delete": true, "setACL": true, "multi": true}

// outcomeUnknown reports whether err leaves open whether a request took
// effect: it was written, but its reply never came.
func outcomeUnknown(err error) bool {
	if errors.Is(err, zk.ErrConnectionLoss) {
		return true
	}
	ctxEnded := errors.Is(err, context.DeadlineExceeded) || errors.Is(err, context.Canceled)
	return ctxEnded && !errors.Is(err, zk.ErrNotSent)
}

// cause renders the reason part of an error.
func cause(err error, timeout time.Duration) string {
	msg := trimZK(err.Error())
	switch {
	case errors.Is(err, context.DeadlineExceeded):
		return "timed out after " + timeout.String() + detail(msg, context.DeadlineExceeded)
	case errors.Is(err, context.Canceled):
		return "interrupted" + detail(msg, context.Canceled)
	}
	return msg
}

// detail returns what msg says beyond ctxErr's own text, as ": ...", or "".
func detail(msg string, ctxErr error) string {
	msg = strings.TrimSpace(strings.ReplaceAll(msg, ctxErr.Error(), ""))
	msg = strings.Trim(msg, ":; ")
	if msg == "" {
		return ""
	}
	return fmt.Sprintf(" (%s)", msg)
}

// trimZK removes the "zk: " prefix that the zk package's errors carry,
// also where a wrapped error's text follows another's ("auth: zk: ...").
func trimZK(msg string) string {
	return strings.ReplaceAll(strings.TrimPrefix(msg, "zk: "), ": zk: ", ": ")
}
