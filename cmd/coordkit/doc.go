// Command coordkit is the command line of the coordkit framework: it reads,
// writes and watches the nodes of a ZooKeeper ensemble, and runs coordkit's
// embedded ZooKeeper-compatible server as a standalone process.
//
//	coordkit [--servers HOSTS] [--timeout DUR] VERB [ARGS...]
//
// HOSTS is a ZooKeeper connect string, "host:port[,host:port...][/chroot]",
// from --servers, else $COORDKIT_SERVERS, else 127.0.0.1:2181. --timeout
// (default 10s) bounds connecting plus the operation; coordkit keeps trying
// to connect, backing off, until it runs out.
//
// # Verbs
//
//	create [--ephemeral] [--sequential] [--container] [--ttl DUR] PATH [DATA]
//	get PATH                       the data, byte for byte, no newline added
//	set [--version N] PATH DATA
//	stat PATH                      "name: value" lines, zxids in 0x hex, RFC 3339 UTC ms times
//	ls PATH                        children, sorted, one per line
//	rm [--recursive] PATH
//	watch [--recursive] PATH       one "NodeDataChanged /app/x" line per event until SIGINT/SIGTERM
//	lock [--grace DUR] [--try] [--wait DUR] PATH -- CMD [ARGS...]
//	                               run CMD holding the lock; exits with CMD's status
//	elect [--listen] PATH [VALUE]  campaign (or follow) the leader; "leader TERM VALUE" lines
//	server [--data DIR] [--listen ADDR] [--memory] [--tick DUR]
//	                               serve until SIGINT/SIGTERM; prints "host:port", logs to stderr
//	help [VERB]
//
// A DATA argument of "-" reads all of standard input. Flags take one dash or
// two and may follow the positional arguments; "--" ends the flags. "coordkit
// help VERB" (or "coordkit VERB --help") prints a verb's details.
//
// # Exit status
//
// 0 on success (for watch and server, also when interrupted); 1 when the
// operation fails, with "coordkit: VERB PATH: reason" on standard error, for
// example "coordkit: get /x: node does not exist"; 2 on a usage error, with
// the verb's synopsis on standard error. lock exits with its command's
// status (126 or 127 if it could not be started), and lock and elect with 3
// when the lock or the leadership was lost.
//
// # Adding a verb
//
// A verb is one file: a constructor returning a *verb (name, one-line
// summary, help text, positional argument names, flag set, and a run
// function taking (ctx, *env, args)), listed in verbs in verb.go. run parses
// the flags, checks the argument count, and turns the verb's error into the
// exit status and message; the verb opens its session with env.session,
// which applies --timeout. A verb that connects to no server (server) sets
// noSession, and the global flags do not apply to it.
package main
