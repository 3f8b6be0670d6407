// Package bench compares coordkit's ZooKeeper client with
// github.com/go-zookeeper/zk in the same run, on the same real Apache
// ZooKeeper server.
//
// It is its own module so that the library's go.mod never carries the peer
// client. Everything is in the package's tests:
//
//	cd bench && ./run.sh            # rounds of every benchmark, then ratios
//	cd bench && go test ./...       # each workload a few times, as a test
//
// # Method
//
// TestMain starts one standalone Apache ZooKeeper (zk/zktest) on a free
// 127.0.0.1 port, dials one session per client, creates the nodes the
// workloads use and, when benchmarks run, warms the server with both
// clients. Each benchmark has one sub-benchmark per client (client=gozk,
// client=coordkit, and client=coordkit-async where coordkit keeps the same
// number of requests in flight from one goroutine), so that
// benchstat -col /client prints them side by side.
//
// Every timed run does the same number of operations in the same shape for
// every client, after an untimed warm-up of the same shape and a GC. It
// checks every reply (data read equals data written, a created path is the
// one asked for) without logging, and checks the server's state after the
// timed region. Besides ns/op it reports ops/s, cpu-ns/op (the process's
// user+system CPU time from getrusage over the timed region, divided by the
// operations; the server is another process), the p50 and p99 latency of
// the operations, and the Read and Write calls per operation on the
// client's connection.
//
// The machine running the benchmarks is usually shared, so absolute numbers
// are noisy; the ratios between clients measured in the same rounds are
// what the results report. run.sh runs the benchmarks in several rounds,
// alternating which client goes first, so that a slow minute hurts both.
package bench
