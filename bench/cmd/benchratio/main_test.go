package main

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const sample = `goos: linux
goarch: amd64
pkg: github.com/coordkit/coordkit/bench
BenchmarkGet64/client=gozk-2         	   10000	     20000 ns/op	     50000 ops/s	     10000 cpu-ns/op	     500 B/op	       8 allocs/op
BenchmarkGet64/client=coordkit-2     	   10000	     10000 ns/op	    100000 ops/s	      5000 cpu-ns/op	     200 B/op	       3 allocs/op
BenchmarkGet64/client=coordkit-async-2         	   10000	      8000 ns/op	    125000 ops/s	      7000 cpu-ns/op	     200 B/op	       3 allocs/op
BenchmarkGet64/client=coordkit-2     	   10000	     12000 ns/op	     90000 ops/s	      6000 cpu-ns/op	     200 B/op	       3 allocs/op
BenchmarkGet64/client=gozk-2         	   10000	     22000 ns/op	     40000 ops/s	     12000 cpu-ns/op	     500 B/op	       8 allocs/op
BenchmarkGetSeq/client=gozk-2       	    1000	     50000 ns/op	     20000 ops/s	     30000 cpu-ns/op	     45000 p50-ns	     90000 p99-ns	     500 B/op	       8 allocs/op
BenchmarkGetSeq/client=coordkit-2   	    1000	     40000 ns/op	     25000 ops/s	     20000 cpu-ns/op	     38000 p50-ns	     70000 p99-ns	     200 B/op	       3 allocs/op
PASS
ok  	github.com/coordkit/coordkit/bench	10.0s
`

func TestParse(t *testing.T) {
	res, err := parse(strings.NewReader(sample))
	require.NoError(t, err)
	assert.Equal(t, []string{"Get64", "GetSeq"}, res.benches)
	assert.Equal(t, []string{"gozk", "coordkit", "coordkit-async"}, res.clients["Get64"])
	assert.Equal(t, []float64{50000, 40000}, res.samples[key{"Get64", "gozk", "ops/s"}])
	assert.Equal(t, []float64{45000}, res.samples[key{"GetSeq", "gozk", "p50-ns"}])
}

func TestReport(t *testing.T) {
	res, err := parse(strings.NewReader(sample))
	require.NoError(t, err)
	var b strings.Builder
	report(&b, res)
	out := b.String()
	// ops/s: coordkit median 95000 / gozk 45000; rounds 2.00 and 2.25.
	assert.Regexp(t, `Get64\s+ops/s\s+coordkit\s+95000\s+2\s+2\.11x\s+2\.00\.\.2\.25\s+higher\s+ok \(>=1\.20\)`, out)
	// cpu: 5500 / 11000.
	assert.Regexp(t, `Get64\s+cpu-ns/op\s+coordkit\s+5500\s+2\s+0\.50x\s+0\.50\.\.0\.50\s+lower\s+ok \(<=0\.60\)`, out)
	assert.Regexp(t, `Get64\s+cpu-ns/op\s+coordkit-async\s+7000\s+1\s+0\.64x\s+0\.70\.\.0\.70\s+lower\s+MISS \(<=0\.60\)`, out)
	assert.Regexp(t, `GetSeq\s+p99-ns\s+coordkit\s+70000\s+1\s+0\.78x`, out)
}

func TestMedian(t *testing.T) {
	assert.Equal(t, 2.0, median([]float64{3, 1, 2}))
	assert.Equal(t, 2.5, median([]float64{4, 1, 2, 3}))
	assert.Equal(t, 0.0, median(nil))
}

const serverSample = `BenchmarkServerGet64/server=zookeeper-2  	   10000	     20000 ns/op	     30000 ops/s
BenchmarkServerGet64/server=embedded-2   	   10000	     10000 ns/op	     75000 ops/s
BenchmarkServerSet64/server=zookeeper-2  	   10000	     20000 ns/op	     10000 ops/s
BenchmarkServerSet64/server=embedded-2   	   10000	     10000 ns/op	      9000 ops/s
`

func TestReportServers(t *testing.T) {
	res, err := parse(strings.NewReader(serverSample))
	require.NoError(t, err)
	assert.Equal(t, "zookeeper", res.base["ServerGet64"])
	var b strings.Builder
	report(&b, res)
	out := b.String()
	assert.Regexp(t, `ServerGet64\s+ops/s\s+zookeeper\s+30000\s+1\s+\(base\)`, out)
	assert.Regexp(t, `ServerGet64\s+ops/s\s+embedded\s+75000\s+1\s+2\.50x\s+2\.50\.\.2\.50\s+higher\s+ok \(>=2\.00\)`, out)
	assert.Regexp(t, `ServerSet64\s+ops/s\s+embedded\s+9000\s+1\s+0\.90x\s+0\.90\.\.0\.90\s+higher\s+MISS \(>=1\.00\)`, out)
}

const lockSample = `BenchmarkLockUncontended/on=zookeeper/client=gozk-2      	    1000	   1000000 ns/op	      1000 ops/s
BenchmarkLockUncontended/on=zookeeper/client=coordkit-2  	    1000	    500000 ns/op	      1700 ops/s
BenchmarkLockUncontended/on=embedded/client=gozk-2       	    1000	   1000000 ns/op	      1000 ops/s
BenchmarkLockUncontended/on=embedded/client=coordkit-2   	    1000	    500000 ns/op	      1500 ops/s
BenchmarkLock8/on=zookeeper/client=coordkit-2            	    1000	    800000 ns/op	      1200 ops/s
BenchmarkLock8/on=zookeeper/client=gozk-2                	    1000	   1000000 ns/op	      1000 ops/s
`

func TestReportLocks(t *testing.T) {
	res, err := parse(strings.NewReader(lockSample))
	require.NoError(t, err)
	var b strings.Builder
	report(&b, res)
	out := b.String()
	assert.Equal(t, []string{"LockUncontended/on=zookeeper", "LockUncontended/on=embedded", "Lock8/on=zookeeper"}, res.benches)
	// The targets apply per server.
	assert.Regexp(t, `LockUncontended/on=zookeeper\s+ops/s\s+coordkit\s+1700\s+1\s+1\.70x\s+1\.70\.\.1\.70\s+higher\s+ok \(>=1\.60\)`, out)
	assert.Regexp(t, `LockUncontended/on=embedded\s+ops/s\s+coordkit\s+1500\s+1\s+1\.50x\s+1\.50\.\.1\.50\s+higher\s+MISS \(>=1\.60\)`, out)
	assert.Regexp(t, `Lock8/on=zookeeper\s+ops/s\s+coordkit\s+1200\s+1\s+1\.20x\s+1\.20\.\.1\.20\s+higher\s+MISS \(>=1\.30\)`, out)
}
