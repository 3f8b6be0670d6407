package bench

import (
	"bytes"
	"context"
	"encoding/binary"
	"fmt"
	"strconv"
	"sync/atomic"
	"time"
)

// The shape every workload shares.
const (
	dataSize = 128 // bytes of data in every node read or written
	inFlight = 64  // requests in flight in the concurrent workloads
)

// The nodes the workloads use, made by prepare on the fresh server.
const (
	root   = "/bench"
	getDir = root + "/get" // inFlight nodes with known data, read only
	setDir = root + "/set" // inFlight nodes, one per worker, overwritten
	cdDir  = root + "/cd"  // parent of the nodes created and deleted
)

var (
	getPaths = nodePaths(getDir)
	setPaths = nodePaths(setDir)
	// getData[i] is the data of getPaths[i]: distinct per node, so that a
	// reply matched to the wrong request shows.
	getData = nodeData()
	// setData[i] is the data last written to setPaths[i]. Writers change
	// only their own slot, and only while no write of that slot is in
	// flight, so after a run setPaths[i] must hold setData[i].
	setData = nodeData()
	cdData  = bytes.Repeat([]byte{'c'}, dataSize)
	cdSeq   atomic.Uint64 // numbers the created nodes, unique in a process
)

func nodePaths(dir string) []string {
	p := make([]string, inFlight)
	for i := range p {
		p[i] = fmt.Sprintf("%s/n%02d", dir, i)
	}
	return p
}

func nodeData() [][]byte {
	d := make([][]byte, inFlight)
	for i := range d {
		d[i] = make([]byte, dataSize)
		for j := range d[i] {
			d[i][j] = byte('a' + (i+j)%26)
		}
		binary.BigEndian.PutUint64(d[i], uint64(i)<<32)
	}
	return d
}

// prepare creates the workloads' nodes through c on a fresh server.
func prepare(ctx context.Context, c client) error {
	for _, p := range []string{root, getDir, setDir, cdDir} {
		if _, err := c.create(ctx, p, nil); err != nil {
			return fmt.Errorf("prepare: create %s: %w", p, err)
		}
	}
	for i := range inFlight {
		if _, err := c.create(ctx, getPaths[i], getData[i]); err != nil {
			return fmt.Errorf("prepare: create %s: %w", getPaths[i], err)
		}
		if _, err := c.create(ctx, setPaths[i], setData[i]); err != nil {
			return fmt.Errorf("prepare: create %s: %w", setPaths[i], err)
		}
	}
	return nil
}

// workload is one benchmark's operations, in the forms a client can run
// them. Every form does exactly n operations and times them with m.
type workload struct {
	name string
	// sync runs the operations through the synchronous API.
	sync func(ctx context.Context, c client, n int, m *meter) error
	// async keeps as many operations in flight as sync does, from one
	// goroutine; nil if the workload has no asynchronous form.
	async func(ctx context.Context, c asyncClient, n int, m *meter) error
	// check verifies the server's state after a run; nil if none.
	check func(ctx context.Context, c client) error
}

// Every workload records each operation's latency (two clock reads, some
// tens of nanoseconds against tens of microseconds), so that a client that
// saves CPU by holding requests back shows what it costs in latency.
var workloads = []workload{
	{name: "Get64", sync: get64, async: get64Async},
	{name: "GetSeq", sync: getSeq},
	{name: "SetSeq", sync: setSeq, check: checkSet},
	{name: "Set64", sync: set64, async: set64Async, check: checkSet},
	{name: "CreateDelete64", sync: createDelete64, check: checkCreateDelete},
}

// get64: inFlight goroutines each read their own node, compare the data.
func get64(ctx context.Context, c client, n int, m *meter) error {
	return parallel(n, inFlight, m, func(w, _ int) error {
		data, err := c.get(ctx, getPaths[w])
		if err != nil {
			return err
		}
		return checkData(getPaths[w], data, getData[w])
	})
}

// get64Async: one goroutine keeps inFlight reads in flight.
func get64Async(ctx context.Context, c asyncClient, n int, m *meter) error {
	return pipeline(n, inFlight, m,
		func(i int) waiter { return c.getAsync(ctx, getPaths[i%inFlight]) },
		func(i int, w waiter) error {
			data, err := w.wait(ctx)
			if err != nil {
				return err
			}
			return checkData(getPaths[i%inFlight], data, getData[i%inFlight])
		})
}

// getSeq: one goroutine reads one node, one read at a time.
func getSeq(ctx context.Context, c client, n int, m *meter) error {
	return sequential(n, m, func(int) error {
		data, err := c.get(ctx, getPaths[0])
		if err != nil {
			return err
		}
		return checkData(getPaths[0], data, getData[0])
	})
}

// setSeq: one goroutine overwrites one node (the operation number in the
// data's first 8 bytes), one write at a time.
func setSeq(ctx context.Context, c client, n int, m *meter) error {
	return sequential(n, m, func(i int) error {
		binary.BigEndian.PutUint64(setData[0], uint64(i))
		return c.set(ctx, setPaths[0], setData[0])
	})
}

// sequential does op(0), ..., op(n-1) one after the other, timed by m.
func sequential(n int, m *meter, op func(i int) error) error {
	rec := m.recording()
	m.start()
	defer m.stop()
	for i := range n {
		var t0 time.Time
		if rec {
			t0 = time.Now()
		}
		err := op(i)
		if rec {
			m.lat[i] = time.Since(t0)
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// set64: inFlight goroutines each overwrite their own node with new data
// (the operation number in its first 8 bytes).
func set64(ctx context.Context, c client, n int, m *meter) error {
	return parallel(n, inFlight, m, func(w, i int) error {
		binary.BigEndian.PutUint64(setData[w], uint64(i))
		return c.set(ctx, setPaths[w], setData[w])
	})
}

// set64Async: one goroutine keeps inFlight writes in flight, operation i
// writing node i%inFlight (whose previous write has completed by then).
func set64Async(ctx context.Context, c asyncClient, n int, m *meter) error {
	return pipeline(n, inFlight, m,
		func(i int) waiter {
			s := i % inFlight
			binary.BigEndian.PutUint64(setData[s], uint64(i))
			return c.setAsync(ctx, setPaths[s], setData[s])
		},
		func(_ int, w waiter) error {
			_, err := w.wait(ctx)
			return err
		})
}

// checkSet verifies that every written node holds the last data written.
func checkSet(ctx context.Context, c client) error {
	for i, p := range setPaths {
		data, err := c.get(ctx, p)
		if err != nil {
			return fmt.Errorf("check: get %s: %w", p, err)
		}
		if err := checkData(p, data, setData[i]); err != nil {
			return fmt.Errorf("check: %w", err)
		}
	}
	return nil
}

// createDelete64: inFlight goroutines each create a node with a new name,
// check the returned path, then delete it. One operation is both requests.
func createDelete64(ctx context.Context, c client, n int, m *meter) error {
	return parallel(n, inFlight, m, func(_, _ int) error {
		p := cdDir + "/n" + strconv.FormatUint(cdSeq.Add(1), 10)
		got, err := c.create(ctx, p, cdData)
		if err != nil {
			return err
		}
		if got != p {
			return fmt.Errorf("create %s: returned path %q", p, got)
		}
		return c.del(ctx, p)
	})
}

// checkCreateDelete verifies that every created node was deleted.
func checkCreateDelete(ctx context.Context, c client) error {
	names, err := c.children(ctx, cdDir)
	if err != nil {
		return fmt.Errorf("check: children %s: %w", cdDir, err)
	}
	if len(names) != 0 {
		return fmt.Errorf("check: %d nodes left under %s, e.g. %s", len(names), cdDir, names[0])
	}
	return nil
}

func checkData(path string, got, want []byte) error {
	if !bytes.Equal(got, want) {
		return fmt.Errorf("get %s: got %d bytes %.16q, want %d bytes %.16q", path, len(got), got, len(want), want)
	}
	return nil
}
