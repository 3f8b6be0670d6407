package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"strings"
	"time"

	"github.com/coordkit/coordkit/zk"
)

// Defaults of the global flags.
const (
	envServers     = "COORDKIT_SERVERS"
	defaultServers = "127.0.0.1:2181"
	defaultTimeout = 10 * time.Second
)

// globals are the flags every verb accepts, before or after the verb.
type globals struct {
	servers string        // a connect string, passed to zk.Dial as one entry
	timeout time.Duration // bounds connecting plus the operation
}

// newGlobals returns the defaults: $COORDKIT_SERVERS or 127.0.0.1:2181, 10s.
func newGlobals(getenv func(string) string) *globals {
	g := &globals{servers: defaultServers, timeout: defaultTimeout}
	if s := strings.TrimSpace(getenv(envServers)); s != "" {
		g.servers = s
	}
	return g
}

// register adds --servers and --timeout to fs, with the current values as
// defaults so that parsing a later flag set keeps what an earlier one set.
func (g *globals) register(fs *flag.FlagSet) {
	fs.StringVar(&g.servers, "servers", g.servers, "ZooKeeper connect string `HOSTS`")
	fs.DurationVar(&g.timeout, "timeout", g.timeout, "bound on connecting plus the operation, `DUR`")
}

// check validates the parsed values.
func (g *globals) check() error {
	switch {
	case g.timeout <= 0:
		return usagef("--timeout must be positive, not %v", g.timeout)
	}
	return checkServers(g.servers)
}

// checkServers checks the syntax of a connect string,
// "host[:port][,host[:port]...][/chroot]", as zk.Dial will read it.
func checkServers(servers string) error {
	hosts, chroot, hasChroot := strings.Cut(servers, "/")
	if hasChroot {
		if err := zk.ValidatePath("/"+chroot, false); err != nil && chroot != "" {
			return usagef("--servers %q: chroot: %s", servers, trimZK(err.Error()))
		}
	}
	n := 0
	for _, h := range strings.Split(hosts, ",") {
		h = strings.TrimSpace(h)
		if h == "" {
			continue
		}
		n++
		if _, _, err := net.SplitHostPort(h); err != nil {
			if _, _, err := net.SplitHostPort(net.JoinHostPort(strings.Trim(h, "[]"), "2181")); err != nil {
				return usagef("--servers %q: bad address %q", servers, h)
			}
		}
	}
	if n == 0 {
		return usagef("--servers %q names no server", servers)
	}
	return nil
}

func isGlobalFlag(name string) bool { return name == "servers" || name == "timeout" }

// parseArgs parses a verb's arguments into fs and returns the positional
// ones. Flags take one dash or two, as "--name value" or "--name=value" (a
// boolean flag only the latter), and may come before, between or after the
// positional arguments; "--" ends the flags, and a lone "-" is positional.
// The error wraps flag.ErrHelp for -h, -help and --help.
func parseArgs(fs *flag.FlagSet, args []string) ([]string, error) {
	var flags, pos []string
	for i := 0; i < len(args); i++ {
		a := args[i]
		switch {
		case a == "--":
			pos = append(pos, args[i+1:]...)
			return pos, parseFlags(fs, flags)
		case len(a) > 1 && a[0] == '-':
			flags = append(flags, a)
			name := strings.TrimPrefix(a[1:], "-")
			if strings.Contains(name, "=") {
				continue
			}
			if f := fs.Lookup(name); f != nil && !isBoolFlag(f) && i+1 < len(args) {
				i++
				flags = append(flags, args[i])
			}
		default:
			pos = append(pos, a)
		}
	}
	return pos, parseFlags(fs, flags)
}

// parseFlags parses flags, which holds only flags and their values, so
// that fs.Parse consumes all of it.
func parseFlags(fs *flag.FlagSet, flags []string) error {
	if err := fs.Parse(flags); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		return &usageError{msg: err.Error()}
	}
	if fs.NArg() > 0 { // cannot happen: every element is a flag or a value
		return usagef("unexpected argument %q", fs.Arg(0))
	}
	return nil
}

func isBoolFlag(f *flag.Flag) bool {
	b, ok := f.Value.(interface{ IsBoolFlag() bool })
	return ok && b.IsBoolFlag()
}

// usageError is a mistake on the command line: exit status 2 with the
// verb's synopsis.
type usageError struct{ msg string }

func (e *usageError) Error() string { return e.msg }

func usagef(format string, args ...any) error {
	return &usageError{msg: fmt.Sprintf(format, args...)}
}

// mainSynopsis is the usage line of coordkit itself.
const mainSynopsis = "coordkit [--servers HOSTS] [--timeout DUR] VERB [ARGS...]"

// writeUsageError prints a usage error and the synopsis of v (of coordkit
// itself when v is nil) to w, and returns exit status 2.
func writeUsageError(w io.Writer, v *verb, msg string) int {
	if v == nil {
		fmt.Fprintf(w, "coordkit: %s\nusage: %s\nRun \"coordkit --help\" for the list of verbs.\n", msg, mainSynopsis)
		return exitUsage
	}
	fmt.Fprintf(w, "coordkit: %s: %s\nusage: coordkit %s\nRun \"coordkit help %s\" for details.\n",
		v.name, msg, v.synopsis(), v.name)
	return exitUsage
}
