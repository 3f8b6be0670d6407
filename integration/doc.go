// Package integration holds coordkit's end-to-end acceptance tests: the zk
// client against real Apache ZooKeeper 3.8 (Debian's package), started by
// zk/zktest as a standalone server and as a 3-member ensemble on free
// loopback ports, and against coordkit's embedded server (zkserver).
//
// The package has no code of its own, only tests. The tests of a single
// server run as a table over both backends (subtests named embedded and
// zookeeper: -run 'TestX/embedded' picks one); the ensemble tests run on
// real ZooKeeper only. They check what a user of the client relies on and
// what only a real server can show:
//
//   - failover: a session moves to another ensemble member when the one it
//     is on is killed, keeps its id, its credentials and every watch, and
//     learns through setWatches of changes made while it was away;
//   - no lost wake-ups: one-shot watches re-armed across a server crash
//     always lead to the final state, in zxid order;
//   - batches through a faulty network: requests written before a reset are
//     reported lost (they may have happened), requests still queued are
//     reported not sent, and none of those happened;
//   - session expiry ends the Conn, its watches and its requests, and the
//     server deletes its ephemeral nodes;
//   - every operation of the 3.8 client protocol, on both backends;
//   - differential: seeded random operation sequences (every create mode,
//     versions, multi, ACLs, sessions closing, a second client's watches)
//     applied in lockstep to the embedded server and to real ZooKeeper,
//     every result compared (TestDifferential; -diff.seed, -diff.ops and
//     -diff.trace replay one sequence);
//   - real peer clients on both backends: kazoo's Lock, Election and
//     TreeCache, and zkCli.sh (TestPeers*);
//   - locks and elections under faults on the 3-node ensemble (leader
//     killed, a holder black-holed past its session timeout, a session
//     expired, a create's reply dropped): fencing tokens and terms
//     strictly increase, no two holders or leaders overlap (readers of an
//     RWMutex only with each other, a Semaphore's leases up to its limit),
//     a holder learns of its loss before the next grant, no node is left,
//     and away from the fault the next leader leads within 200 ms of a
//     Resign (TestLockFaults, TestElectionFaults, TestRWMutexFaults,
//     TestSemaphoreFaults); coordkit's Mutex against Curator's and kazoo's
//     locks, and its Election against Curator's LeaderLatch, on the same
//     path (TestInterop*);
//   - durability: kill -9 of `coordkit server --data DIR` keeps every
//     acknowledged write, and the dead sessions' ephemeral nodes go after
//     their timeout (TestDurabilityKill9).
//
// Run them with
//
//	go test -race ./integration/
//
// A test that cannot start ZooKeeper fails; none of them skips. Servers are
// shared between tests where a test does not destroy them, and a test that
// kills an ensemble member restarts it before it ends.
package integration
