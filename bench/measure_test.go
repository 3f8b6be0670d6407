package bench

import (
	"os"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"
)

// meter times one run of a workload: wall-clock time and the process's CPU
// time between start and stop, and optionally the latency of each
// operation. A nil *meter measures nothing (a warm-up or a test run).
type meter struct {
	b       *testing.B // the timer to drive; nil in tests
	t0      time.Time
	cpu0    time.Duration
	elapsed time.Duration
	cpu     time.Duration
	lat     []time.Duration // per-operation latencies when recorded

	io              *ioCounts // the client's reads and writes, if counted
	reads0, reads   uint64
	writes0, writes uint64

	sysr0, sysw0 uint64 // this process's read and write system calls at start
	sysr, sysw   uint64
}

// start collects garbage, then starts the clock and the CPU count.
func (m *meter) start() {
	if m == nil {
		return
	}
	runtime.GC()
	if m.b != nil {
		m.b.ResetTimer()
	}
	if m.io != nil {
		m.reads0, m.writes0 = m.io.reads.Load(), m.io.writes.Load()
	}
	m.sysr0, m.sysw0 = processSyscalls()
	m.cpu0 = processCPU()
	m.t0 = time.Now()
}

// stop stops the clock and the CPU count.
func (m *meter) stop() {
	if m == nil {
		return
	}
	m.elapsed = time.Since(m.t0)
	m.cpu = processCPU() - m.cpu0
	r, w := processSyscalls()
	m.sysr, m.sysw = r-m.sysr0, w-m.sysw0
	if m.io != nil {
		m.reads, m.writes = m.io.reads.Load()-m.reads0, m.io.writes.Load()-m.writes0
	}
	if m.b != nil {
		m.b.StopTimer()
	}
}

// recording reports whether the meter keeps per-operation latencies.
func (m *meter) recording() bool { return m != nil && m.lat != nil }

// report adds the metrics of a run of n operations to the benchmark.
func (m *meter) report(n int) {
	b := m.b
	if n <= 0 || m.elapsed <= 0 {
		return
	}
	b.ReportMetric(float64(n)/m.elapsed.Seconds(), "ops/s")
	b.ReportMetric(float64(m.cpu.Nanoseconds())/float64(n), "cpu-ns/op")
	if m.io != nil {
		b.ReportMetric(float64(m.reads)/float64(n), "reads/op")
		b.ReportMetric(float64(m.writes)/float64(n), "writes/op")
	}
	if m.sysr+m.sysw > 0 {
		b.ReportMetric(float64(m.sysr)/float64(n), "sysreads/op")
		b.ReportMetric(float64(m.sysw)/float64(n), "syswrites/op")
	}
	if len(m.lat) > 0 {
		slices.Sort(m.lat)
		b.ReportMetric(float64(percentile(m.lat, 0.50).Nanoseconds()), "p50-ns")
		b.ReportMetric(float64(percentile(m.lat, 0.99).Nanoseconds()), "p99-ns")
	}
}

// percentile returns the p-quantile (nearest rank) of sorted durations.
func percentile(sorted []time.Duration, p float64) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	i := int(p*float64(len(sorted))+0.5) - 1
	return sorted[min(max(i, 0), len(sorted)-1)]
}

// processCPU returns the user plus system CPU time of this process, all
// threads. The ZooKeeper server is another process and is not counted.
func processCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// processSyscalls returns the read and write system calls this process
// has made, all threads (/proc/self/io; 0, 0 where it is missing). With
// the embedded server in the process they count the server's too.
func processSyscalls() (reads, writes uint64) {
	b, err := os.ReadFile("/proc/self/io")
	if err != nil {
		return 0, 0
	}
	for line := range strings.Lines(string(b)) {
		k, v, ok := strings.Cut(strings.TrimSpace(line), ": ")
		if !ok {
			continue
		}
		n, err := strconv.ParseUint(v, 10, 64)
		if err != nil {
			continue
		}
		switch k {
		case "syscr":
			reads = n
		case "syscw":
			writes = n
		}
	}
	return reads, writes
}

// firstError keeps the first error of many goroutines.
type firstError struct {
	failed atomic.Bool
	once   sync.Once
	err    error // written once; read after the goroutines are done
}

func (f *firstError) set(err error) {
	f.once.Do(func() { f.err = err; f.failed.Store(true) })
}

// parallel calls op n times from conc goroutines, each taking the next
// operation number from a shared counter, so that up to conc operations are
// in flight and exactly n are done. The goroutines are started before m
// starts, and it stops when the last operation returns. If m records
// latencies, each operation's is the time op took. It returns the
// first error, after which no new operations start.
func parallel(n, conc int, m *meter, op func(worker, i int) error) error {
	var (
		next  atomic.Int64
		first firstError
		ready sync.WaitGroup
		done  sync.WaitGroup
		gate  = make(chan struct{})
	)
	ready.Add(conc)
	done.Add(conc)
	for w := range conc {
		go func() {
			defer done.Done()
			ready.Done()
			<-gate
			for !first.failed.Load() {
				i := int(next.Add(1)) - 1
				if i >= n {
					return
				}
				var err error
				if m.recording() {
					t0 := time.Now()
					err = op(w, i)
					m.lat[i] = time.Since(t0)
				} else {
					err = op(w, i)
				}
				if err != nil {
					first.set(err)
					return
				}
			}
		}()
	}
	ready.Wait()
	m.start()
	close(gate)
	done.Wait()
	m.stop()
	return first.err
}

// pipeline does n operations from the calling goroutine keeping depth of
// them in flight: issue(i) sends operation i and returns at once; once
// depth are in flight, the oldest is completed (complete(i, w) waits for it
// and checks it) before the next is issued. ZooKeeper answers a session's
// requests in order, so the oldest is the next to be answered. After an
// error no new operation is issued; the ones in flight are completed, and
// the first error is returned.
func pipeline(n, depth int, m *meter, issue func(i int) waiter, complete func(i int, w waiter) error) error {
	ring := make([]waiter, depth)
	rec := m.recording()
	var sent []time.Time // when each operation in the ring was issued
	if rec {
		sent = make([]time.Time, depth)
	}
	var first error
	issued, completed := 0, 0
	m.start()
	for completed < n {
		for first == nil && issued < n && issued-completed < depth {
			if rec {
				sent[issued%depth] = time.Now()
			}
			ring[issued%depth] = issue(issued)
			issued++
		}
		if completed == issued {
			break // stopped issuing after an error, and all are done
		}
		w := ring[completed%depth]
		ring[completed%depth] = nil
		err := complete(completed, w)
		if rec {
			m.lat[completed] = time.Since(sent[completed%depth])
		}
		if err != nil && first == nil {
			first = err
		}
		completed++
	}
	m.stop()
	return first
}
