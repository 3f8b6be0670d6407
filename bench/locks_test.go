package bench

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"runtime"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	gozk "github.com/go-zookeeper/zk"

	"github.com/coordkit/coordkit/recipes/lock"
	"github.com/coordkit/coordkit/zk"
	"github.com/coordkit/coordkit/zkserver"
)

// The lock benchmarks compare coordkit's recipes/lock Mutex with
// go-zookeeper's zk.Lock, both clients on the same server, on each of two
// servers in turn: the Apache ZooKeeper the other client benchmarks use
// (on=zookeeper) and the embedded server, in memory (on=embedded; neither
// server syncs its writes to disk). One op is one Lock+Unlock cycle
// (LockUncontended) or one acquisition (Lock8). A checker makes sure every
// run was mutually exclusive, so a broken lock cannot look fast.

var lockWarmupOps = flag.Int("lockwarmup", 300,
	"untimed lock cycles, in the measured shape, before every timed run of a lock benchmark")

// lockDir holds one lock path per lock workload and client.
const lockDir = root + "/locks"

// mutex is one contender's lock on one path, through one session: lock
// blocks until it holds the lock, unlock releases it. Not safe for
// concurrent use (a contender is one goroutine).
type mutex interface {
	lock(ctx context.Context) error
	unlock(ctx context.Context) error
}

// lockSession is a client session that can make mutexes.
type lockSession interface {
	client
	newMutex(path string) (mutex, error)
}

// gozkMutex is go-zookeeper's zk.Lock: create (protected, ephemeral,
// sequential), then children, then (contended) a data watch on the
// predecessor; Unlock deletes.
type gozkMutex struct{ l *gozk.Lock }

func (c *gozkClient) newMutex(path string) (mutex, error) {
	return gozkMutex{gozk.NewLock(c.conn, path, gozkOpenACL)}, nil
}

func (m gozkMutex) lock(context.Context) error   { return m.l.Lock() }
func (m gozkMutex) unlock(context.Context) error { return m.l.Unlock() }

// coordkitMutex is coordkit's lock.Mutex and the Hold of its current grant.
type coordkitMutex struct {
	m *lock.Mutex
	h *lock.Hold
}

func (c *coordkitClient) newMutex(path string) (mutex, error) {
	m, err := lock.New(c.conn, path)
	if err != nil {
		return nil, err
	}
	return &coordkitMutex{m: m}, nil
}

func (m *coordkitMutex) lock(ctx context.Context) error {
	h, err := m.m.Lock(ctx)
	if err != nil {
		return err
	}
	m.h = h
	return nil
}

func (m *coordkitMutex) unlock(ctx context.Context) error {
	h := m.h
	m.h = nil
	return h.Unlock(ctx)
}

// floorMutex is not a lock: Lock creates an ephemeral sequential node and
// Unlock deletes it, waiting for each reply, and nothing else. These are
// the two writes that every Curator-compatible lock pays per cycle when
// its Unlock reports whether the hold was still there: the grant needs
// the create's sequence number, and the report needs the delete's reply.
// Its cycle rate bounds what any such lock could reach on a server
// (client=floor, LockUncontended only: it excludes nobody).
type floorMutex struct {
	conn    *zk.Conn
	prefix  string // "<path>/_c_<fixed uuid>-lock-"
	node    string
	version int32
}

// floorClient is a coordkit session whose mutexes are floorMutexes.
type floorClient struct{ *coordkitClient }

func (c floorClient) newMutex(path string) (mutex, error) {
	return &floorMutex{conn: c.conn, prefix: path + "/_c_00000000-0000-4000-8000-000000000000-lock-"}, nil
}

func (m *floorMutex) lock(ctx context.Context) error {
	p, st, err := m.conn.Create2(ctx, m.prefix, nil, zk.ModeEphemeralSequential)
	if err != nil {
		return err
	}
	m.node, m.version = p, st.Version
	return nil
}

func (m *floorMutex) unlock(ctx context.Context) error {
	return m.conn.Delete(ctx, m.node, m.version)
}

// exclusion checks, cheaply and in the hot path, that no two contenders
// hold the lock at once: a holder count that must be 0 when a contender
// enters and 1 when it leaves, and a grant count incremented by a load, a
// yield and a store, which loses increments whenever two holders overlap.
type exclusion struct {
	holders atomic.Int32
	grants  atomic.Int64 // only loaded and stored: an unguarded increment
}

// enter is called when lock has returned.
func (x *exclusion) enter() error {
	if h := x.holders.Add(1); h != 1 {
		return fmt.Errorf("mutual exclusion violated: %d holders at once", h)
	}
	g := x.grants.Load()
	runtime.Gosched() // let an overlapping holder in, if the lock allows one
	x.grants.Store(g + 1)
	return nil
}

// exit is called before unlock.
func (x *exclusion) exit() error {
	if h := x.holders.Add(-1); h != 0 {
		return fmt.Errorf("mutual exclusion violated: %d other holders at unlock", h)
	}
	return nil
}

// done checks that exactly n grants were counted.
func (x *exclusion) done(n int) error {
	if g := x.grants.Load(); g != int64(n) {
		return fmt.Errorf("mutual exclusion violated: %d of %d grants counted (increments lost to overlapping holders)", g, n)
	}
	return nil
}

// cycle is one acquisition by mu, checked by x.
func cycle(ctx context.Context, mu mutex, x *exclusion) error {
	if err := mu.lock(ctx); err != nil {
		return fmt.Errorf("lock: %w", err)
	}
	errIn := x.enter()
	errOut := x.exit()
	if err := mu.unlock(ctx); err != nil {
		return fmt.Errorf("unlock: %w", err)
	}
	if errIn != nil {
		return errIn
	}
	return errOut
}

// lockWorkload is one lock benchmark's body.
type lockWorkload struct {
	name       string
	contenders int  // sessions per client, one goroutine each
	floor      bool // also run floorMutex, as client=floor
	// run does n ops with mus (one per contender), timed by m, checked by x.
	run func(ctx context.Context, mus []mutex, n int, m *meter, x *exclusion) error
}

var lockWorkloads = []lockWorkload{
	{name: "LockUncontended", contenders: 1, run: lockUncontended, floor: true},
	{name: "Lock8", contenders: 8, run: lockContended},
}

// lockUncontended: one goroutine, one session, Lock+Unlock cycles one
// after the other; one op is one cycle.
func lockUncontended(ctx context.Context, mus []mutex, n int, m *meter, x *exclusion) error {
	rec := m.recording()
	m.start()
	defer m.stop()
	for i := range n {
		var t0 time.Time
		if rec {
			t0 = time.Now()
		}
		if err := cycle(ctx, mus[0], x); err != nil {
			return err
		}
		if rec {
			m.lat[i] = time.Since(t0)
		}
	}
	return nil
}

// lockContended: one goroutine per mutex (each on its own session), all
// looping Lock/Unlock on the same path; one op is one acquisition, and its
// latency is from calling Lock to Unlock's return.
func lockContended(ctx context.Context, mus []mutex, n int, m *meter, x *exclusion) error {
	return parallel(n, len(mus), m, func(w, _ int) error {
		return cycle(ctx, mus[w], x)
	})
}

// lockVariant is one client's contenders for one lock workload.
type lockVariant struct {
	name     string
	sessions []lockSession
	io       *ioCounts
	path     string
	mus      []mutex
}

// run does n ops of wl (a fresh checker each time) and checks that no
// lock node is left.
func (v *lockVariant) run(ctx context.Context, wl lockWorkload, n int, m *meter) error {
	var x exclusion
	if err := wl.run(ctx, v.mus, n, m, &x); err != nil {
		return err
	}
	if err := x.done(n); err != nil {
		return err
	}
	names, err := v.sessions[0].children(ctx, v.path)
	if err != nil {
		return fmt.Errorf("check: children %s: %w", v.path, err)
	}
	if len(names) != 0 {
		return fmt.Errorf("check: %d lock nodes left under %s, e.g. %s", len(names), v.path, names[0])
	}
	return nil
}

// lockServer is a server the lock benchmarks run on.
type lockServer struct{ name, addr string }

// embeddedLockServer is started on first use and stopped by TestMain
// through stopServers.
var embeddedLockServer struct {
	once sync.Once
	addr string
	err  error
}

// lockServers returns the servers of the lock benchmarks: TestMain's Apache
// ZooKeeper and an embedded server holding its data in memory, started here
// once per process, in this process.
func lockServers(tb testing.TB) []lockServer {
	e := &embeddedLockServer
	e.once.Do(func() {
		srv, err := zkserver.New(zkserver.WithMemory())
		if err == nil {
			err = srv.Start()
		}
		if err != nil {
			e.err = fmt.Errorf("embedded server: %w", err)
			return
		}
		servers.stop = append(servers.stop, func() { srv.Close() })
		e.addr = srv.Addr()
	})
	if e.err != nil {
		tb.Fatal("bench:", e.err)
	}
	return []lockServer{{"zookeeper", env.addr}, {"embedded", e.addr}}
}

// ensurePath creates the persistent node p and its missing ancestors
// through s, unless they exist.
func ensurePath(ctx context.Context, s lockSession, p string) error {
	for i := 1; i <= len(p); i++ {
		if i < len(p) && p[i] != '/' {
			continue
		}
		dir := p[:i]
		_, err := s.create(ctx, dir, nil)
		if err != nil && !errors.Is(err, gozk.ErrNodeExists) && !errors.Is(err, zk.ErrNodeExists) {
			return fmt.Errorf("create %s: %w", dir, err)
		}
	}
	return nil
}

// lockVariants makes each client's contenders for wl on srv:
// wl.contenders sessions per client (closed by tb's cleanup), sharing one
// ioCounts. Each client locks a persistent path of its own per workload,
// made here.
func lockVariants(tb testing.TB, wl lockWorkload, srv lockServer) []*lockVariant {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	var vs []*lockVariant
	names := []string{"gozk", "coordkit"}
	if wl.floor {
		names = append(names, "floor")
	}
	for _, name := range names {
		v := &lockVariant{name: name, path: fmt.Sprintf("%s/%s-%s", lockDir, wl.name, name)}
		if *countIO {
			v.io = new(ioCounts)
		}
		for range wl.contenders {
			var s lockSession
			var err error
			switch name {
			case "gozk":
				s, err = dialGozk(ctx, srv.addr, sessionTimeout, v.io)
			case "floor":
				var c *coordkitClient
				c, err = dialCoordkit(ctx, srv.addr, sessionTimeout, v.io)
				s = floorClient{c}
			default:
				s, err = dialCoordkit(ctx, srv.addr, sessionTimeout, v.io)
			}
			if err != nil {
				tb.Fatal("bench:", err)
			}
			tb.Cleanup(func() { s.close() })
			v.sessions = append(v.sessions, s)
		}
		if err := ensurePath(ctx, v.sessions[0], v.path); err != nil {
			tb.Fatalf("bench: %s: %v", srv.name, err)
		}
		for _, s := range v.sessions {
			mu, err := s.newMutex(v.path)
			if err != nil {
				tb.Fatal("bench:", err)
			}
			v.mus = append(v.mus, mu)
		}
		vs = append(vs, v)
	}
	return vs
}

func lockWorkloadNamed(name string) lockWorkload {
	for _, wl := range lockWorkloads {
		if wl.name == name {
			return wl
		}
	}
	panic("bench: no lock workload " + name)
}

// benchmarkLocks runs wl for both clients on each server, as
// sub-benchmarks on=<server>/client=<name>, -rounds times, reversing the
// order of the clients and of the servers every other round (as
// benchmark).
func benchmarkLocks(b *testing.B, wl lockWorkload) {
	srvs := lockServers(b)
	vs := make([][]*lockVariant, len(srvs))
	for i, srv := range srvs {
		vs[i] = lockVariants(b, wl, srv)
	}
	for r := range *rounds {
		reverse := *reverse != (r%2 == 1)
		for i := range srvs {
			if reverse {
				i = len(srvs) - 1 - i
			}
			order := slices.Clone(vs[i])
			if reverse {
				slices.Reverse(order)
			}
			for _, v := range order {
				b.Run("on="+srvs[i].name+"/client="+v.name, func(b *testing.B) {
					ctx := context.Background()
					b.ReportAllocs()
					if err := v.run(ctx, wl, *lockWarmupOps, nil); err != nil {
						b.Fatalf("warm-up: %v", err)
					}
					m := &meter{b: b, io: v.io, lat: make([]time.Duration, b.N)}
					if err := v.run(ctx, wl, b.N, m); err != nil {
						b.Fatal(err)
					}
					m.report(b.N)
				})
			}
		}
	}
}

// BenchmarkLockUncontended: Lock+Unlock cycles by one contender on a path
// of its own; one op is one cycle.
func BenchmarkLockUncontended(b *testing.B) {
	benchmarkLocks(b, lockWorkloadNamed("LockUncontended"))
}

// BenchmarkLock8: 8 contenders, each with its own session, looping
// Lock/Unlock on one path; one op is one acquisition.
func BenchmarkLock8(b *testing.B) {
	benchmarkLocks(b, lockWorkloadNamed("Lock8"))
}
