// Package zktest holds test helpers for code that talks to ZooKeeper:
// coordkit's embedded server in-process, real Apache ZooKeeper 3.8 servers
// and ensembles started as child processes, one table over both, a
// fault-injecting TCP proxy, four-letter-word queries, deterministic
// server-side session expiry, and bounded polling.
//
// It never imports the client package (zk); the zk package's own tests
// import it.
//
//	func TestSomething(t *testing.T) {
//		srv := zktest.Run(t) // embedded server on 127.0.0.1:0, closed by t.Cleanup
//		conn := dial(t, srv.Addr())
//		...
//	}
//
// # Embedded server
//
// Run (for one test) and StartEmbedded (for a server shared from TestMain)
// start a zkserver.Server in memory on a free 127.0.0.1 port, with the same
// defaults as the real-ZooKeeper helpers below (tick 200 ms, session
// timeouts 400 ms to 60 s, containers and TTL nodes checked every second,
// TTL nodes enabled); zkserver options override them. No JVM, no files:
// this is the default for unit tests and Examples. The Server it returns
// also injects faults (SetHook, Pause, DropConnections, ExpireSession) and
// reads state directly (Node, Sessions).
//
// # Both backends
//
// Backends lists the embedded server and real ZooKeeper; a Servers value
// shared by a package starts each on first use, and Servers.Each runs a test
// once per backend as subtests named "embedded" and "zookeeper", so a
// difference between the two shows as a failing subtest.
//
// # Real ZooKeeper
//
// StartZooKeeper (for one test) and Start (for a server shared by a whole
// package from TestMain, or by a benchmark) run Debian's Apache ZooKeeper 3.8
// with java directly, with a generated zoo.cfg in a temporary directory, on
// a free 127.0.0.1 port. They wait until the server answers "ruok" and its
// "srvr" says Mode: standalone. A test that cannot start ZooKeeper fails with
// the server's log tail; it never skips. scripts/install-zookeeper.sh installs
// what is needed.
//
// The defaults favour fast tests: tickTime 200 ms (so the smallest session
// timeout is 400 ms and the largest 60 s), every four-letter word enabled,
// TTL nodes enabled, containers checked every second, no admin server, a
// small serial-GC JVM. Options change them.
//
// The environment variables ZOOKEEPER_JAVA (the java binary) and
// ZOOKEEPER_CLASSPATH (the full class path; by default Debian's
// /usr/share/java jars) point the helpers at another installation.
//
// A server can be stopped (SIGTERM), killed (SIGKILL), paused and resumed
// (SIGSTOP, SIGCONT) and restarted on the same port with the same data.
// The child processes die with the test binary even if it is killed.
//
// # Ensembles
//
// StartEnsemble runs an N-member quorum on loopback with fast elections;
// Leader and WaitQuorum read each member's role with the "srvr" word, and
// every member can be stopped, killed, paused or restarted on its own.
//
// # Sessions and expiry
//
// ExpireSession ends a session from the server side, the way a real expiry
// ends it: the owner's connection is dropped, its ephemeral nodes are
// deleted, and the owner's client learns that its session has expired when
// it reconnects.
//
// # Faults
//
// Proxy sits between a client and a server and can pass, delay, blackhole,
// refuse or reset connections, and drop or hold back the server's replies,
// switching at any time for existing and new connections.
//
// # Waiting
//
// Eventually and WaitUntil poll a condition with a short, growing interval
// up to a bound. Tests synchronise on them, never on sleeps.
package zktest
