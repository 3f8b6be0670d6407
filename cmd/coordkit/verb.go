package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/coordkit/coordkit/zk"
)

// A verb is one subcommand: "coordkit VERB [FLAGS] ARGS". Adding a verb means
// one file with a constructor returning a *verb, plus its entry in verbs.
type verb struct {
	name    string // as typed on the command line
	summary string // one line, lower case, for the verb list
	help    string // paragraphs printed after the synopsis by "coordkit help VERB"
	// args names the positional arguments for the synopsis and for the
	// argument count check: "PATH" is required, "[DATA]" optional, and a
	// trailing "..." (as in "[ARGS...]") takes any number of arguments.
	args []string
	// flags holds the verb's own flags; run adds --servers and --timeout
	// after the verb has made it. Its values are fresh for every run.
	flags *flag.FlagSet
	// noSession marks a verb that connects to no server (server itself):
	// --servers and --timeout do not apply to it, and giving either,
	// before or after the verb, is a usage error.
	noSession bool
	// run does the work with the positional arguments, after flags are
	// parsed and the argument count checked. A *usageError it returns exits
	// with status 2, any other error with status 1.
	run func(ctx context.Context, e *env, args []string) error
}

// env is what a verb may touch of the outside world.
type env struct {
	stdin          io.Reader
	stdout, stderr io.Writer
	// dial connects to the servers given by --servers or $COORDKIT_SERVERS,
	// within --timeout (and ctx). The caller closes the Conn.
	dial func(ctx context.Context) (*zk.Conn, error)
	// timeout is --timeout: it bounds connecting plus the operation.
	timeout time.Duration
}

// session connects to the servers and returns the session with a context
// for the operation, derived from ctx, that ends --timeout after session
// was called: the time a verb spends before (reading standard input) does
// not count, and a verb that runs until interrupted (watch) uses the
// context only to set itself up. end closes the session and releases the
// context; it may be called more than once.
func (e *env) session(ctx context.Context) (conn *zk.Conn, opCtx context.Context, end func(), err error) {
	opCtx, cancel := context.WithTimeout(ctx, e.timeout)
	conn, err = e.dial(opCtx)
	if err != nil {
		cancel()
		return nil, nil, nil, err
	}
	return conn, opCtx, func() { _ = conn.Close(); cancel() }, nil
}

// onNode checks path (a usage error if it is invalid), opens a session
// bounded by --timeout, and runs fn with it: the shape of the verbs that
// read one node.
func (e *env) onNode(ctx context.Context, path string, fn func(ctx context.Context, conn *zk.Conn, path string) error) error {
	if err := checkPath(path, false); err != nil {
		return err
	}
	conn, ctx, end, err := e.session(ctx)
	if err != nil {
		return err
	}
	defer end()
	return fn(ctx, conn, path)
}

// verbs lists the verb constructors in the order "coordkit --help" shows
// them. Each call makes a verb with its own flag values.
var verbs = []func() *verb{
	newCreate,
	newGet,
	newSet,
	newStat,
	newLs,
	newRm,
	newWatch,
	newLock,
	newElect,
	newServer,
}

// lookup returns a fresh verb called name, or nil.
func lookup(name string) *verb {
	for _, mk := range verbs {
		if v := mk(); v.name == name {
			return v
		}
	}
	return nil
}

// newFlagSet returns an empty flag set that reports errors only by value:
// run prints them, with the verb's synopsis.
func newFlagSet(name string) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.Usage = func() {}
	return fs
}

// synopsis is the one-line usage: "create [--ephemeral] [--ttl DUR] PATH [DATA]".
func (v *verb) synopsis() string {
	parts := []string{v.name}
	v.ownFlags(func(f *flag.Flag) {
		name, _ := flag.UnquoteUsage(f)
		if name == "" {
			parts = append(parts, "[--"+f.Name+"]")
		} else {
			parts = append(parts, "[--"+f.Name+" "+name+"]")
		}
	})
	return strings.Join(append(parts, v.args...), " ")
}

// ownFlags calls fn for each of the verb's own flags (not the global ones)
// in lexical order.
func (v *verb) ownFlags(fn func(*flag.Flag)) {
	v.flags.VisitAll(func(f *flag.Flag) {
		if !isGlobalFlag(f.Name) {
			fn(f)
		}
	})
}

// checkArgs checks the number of positional arguments against v.args.
func (v *verb) checkArgs(args []string) error {
	required, variadic := 0, false
	for _, a := range v.args {
		if !strings.HasPrefix(a, "[") {
			required++
		}
		if strings.HasSuffix(a, "...") || strings.HasSuffix(a, "...]") {
			variadic = true
		}
	}
	switch {
	case len(args) < required:
		return usagef("missing %s", v.args[len(args)])
	case !variadic && len(args) > len(v.args):
		return usagef("unexpected argument %q", args[len(v.args)])
	}
	return nil
}

// writeHelp prints the verb's full help: synopsis, text, flags.
func (v *verb) writeHelp(w io.Writer) {
	fmt.Fprintf(w, "Usage: coordkit %s\n\n%s\n", v.synopsis(), strings.TrimSpace(v.help))
	var own []*flag.Flag
	v.ownFlags(func(f *flag.Flag) { own = append(own, f) })
	if len(own) > 0 {
		fmt.Fprint(w, "\nFlags:\n")
		writeFlags(w, own)
	}
	if !v.noSession {
		fmt.Fprint(w, "\nGlobal flags --servers HOSTS and --timeout DUR may come before or after the verb;\n"+
			"see \"coordkit --help\".\n")
	}
}

// helpWidth is the width to which flag descriptions are wrapped.
const helpWidth = 80

// writeFlags prints one entry per flag, "  --name TYPE   description", the
// descriptions aligned and wrapped to helpWidth.
func writeFlags(w io.Writer, flags []*flag.Flag) {
	names := make([]string, len(flags))
	col := 0
	for i, f := range flags {
		typ, _ := flag.UnquoteUsage(f)
		names[i] = "  --" + f.Name
		if typ != "" {
			names[i] += " " + typ
		}
		col = max(col, len(names[i])+3)
	}
	for i, f := range flags {
		_, usage := flag.UnquoteUsage(f)
		if f.DefValue != "" && f.DefValue != "false" && f.DefValue != "0" && f.DefValue != "0s" {
			usage += " (default " + f.DefValue + ")"
		}
		line := names[i] + strings.Repeat(" ", col-len(names[i]))
		n := col
		for j, word := range strings.Fields(usage) {
			if j > 0 && n+1+len(word) > helpWidth {
				fmt.Fprintln(w, line)
				line, n = strings.Repeat(" ", col)+word, col+len(word)
				continue
			}
			if j > 0 {
				line += " "
				n++
			}
			line += word
			n += len(word)
		}
		fmt.Fprintln(w, line)
	}
}

// writeMainHelp prints "coordkit --help": the verbs and the global flags.
func writeMainHelp(w io.Writer) {
	fmt.Fprintf(w, "Usage: %s\n\n", mainSynopsis)
	fmt.Fprint(w, "coordkit reads, writes and watches the nodes of a ZooKeeper ensemble, and runs\n"+
		"a ZooKeeper-compatible server of its own (coordkit server).\n\nVerbs:\n")
	tw := tabwriter.NewWriter(w, 0, 4, 3, ' ', 0)
	for _, mk := range verbs {
		v := mk()
		fmt.Fprintf(tw, "  %s\t%s\n", v.name, v.summary)
	}
	fmt.Fprintf(tw, "  help\t%s\n", "show the help of a verb: coordkit help VERB")
	_ = tw.Flush()
	fmt.Fprintf(w, `
Global flags (before or after the verb):
  --servers HOSTS   ZooKeeper connect string "host:port[,host:port...][/chroot]"
                    (default $%s, else %s)
  --timeout DUR     bound on connecting (retried until then) plus the
                    operation, e.g. 500ms, 10s (default %v; for watch it
                    bounds only setting the watch)
The server verb connects to no server and takes neither.

Flags take one dash or two (-ttl, --ttl), "--name value" or "--name=value",
and may come before or after the positional arguments; "--" ends the flags.
A DATA argument of "-" means all of standard input.

Exit status: 0 on success; 1 if the operation failed, with the reason on
standard error as "coordkit: VERB PATH: reason" (for example "coordkit: get
/x: node does not exist"); 2 on a usage error (unknown verb or flag, wrong
arguments), with the verb's synopsis. lock exits with its command's status,
and lock and elect with 3 when the lock or the leadership is lost.

Run "coordkit help VERB" or "coordkit VERB --help" for the details of a verb.
`, envServers, defaultServers, defaultTimeout)
}
