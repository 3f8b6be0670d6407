// Package zkserver is an embedded, single-node server that speaks the Apache
// ZooKeeper 3.8 client protocol, for development, tests, demos and
// single-machine use. State lives in bbolt (durable across kill -9) or in
// memory. Many machines means a real Apache ZooKeeper ensemble.
//
//	srv, err := zkserver.New(zkserver.WithDataDir(dir))
//	if err != nil {
//		return err
//	}
//	defer srv.Close()
//	if err := srv.Start(); err != nil { // listens on 127.0.0.1:0
//		return err
//	}
//	conn, err := zk.Dial(ctx, []string{srv.Addr()})
//
// # Semantics
//
// Every request a ZooKeeper 3.8 client can send is answered as a standalone
// Apache ZooKeeper 3.8 server answers it: Stats, zxids (failed writes
// consume one too), sequential names, ephemeral, container and TTL nodes,
// multi, watches and their event order, digest authentication and ACLs,
// session timeouts negotiated into [2, 20] ticks, expiry, re-attachment
// with the session password, and the four-letter words ruok, srvr, stat,
// mntr, cons, isro, wchs, conf, envi and dump. Like the Debian build of
// ZooKeeper 3.8.0 (which carries the CVE-2024-23944 fix), a watch event
// reaches a connection only if it may read the node (the parent, for
// NodeChildrenChanged); a one-shot watch fires either way.
//
// # Durability
//
// With WithDataDir, a reply (or watch event) leaves the server only once
// the transaction it reflects is on disk, so a client never sees state a
// crash could lose; writes that arrive together share one fsync. After a
// restart, sessions that were live get their full timeout to re-attach and
// then expire like any other session, taking their ephemeral nodes with
// them.
//
// # Concurrency
//
// One goroutine processes every request of every connection, in arrival
// order, as a standalone ZooKeeper does; each connection has a reader and a
// writer goroutine. Every method of Server is safe for concurrent use.
// Close stops everything and waits for every goroutine.
//
// # Testing
//
// A Server is also a test fixture: SetHook delays, fails or drops
// individual replies; Pause, Resume, DropConnections and ExpireSession
// inject faults; WithClock with a FakeClock makes session expiry and TTLs
// deterministic; Node, Sessions, Ephemerals and LastZxid read the state
// directly.
package zkserver
