package zkserver

import (
	"fmt"
	"net"
	"os"
	"runtime"
	"runtime/debug"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Version is the version the server reports in srvr, stat, mntr and envi:
// the Apache ZooKeeper version whose protocol it speaks, tagged coordkit.
const Version = "3.8.0-coordkit"

// fourLetterTimeout bounds the write of a four-letter word's answer.
const fourLetterTimeout = 5 * time.Second

// fourLetterWords maps each four-letter word ZooKeeper knows to its
// handler; nil means known but not run ("not in the whitelist").
var fourLetterWords = map[string]func(*Server, *conn) string{
	"ruok": func(*Server, *conn) string { return "imok" },
	"isro": func(*Server, *conn) string { return "rw" },
	"srvr": (*Server).srvr,
	"stat": (*Server).stat,
	"mntr": (*Server).mntr,
	"cons": (*Server).cons,
	"wchs": (*Server).wchs,
	"conf": (*Server).conf,
	"envi": (*Server).envi,
	"dump": (*Server).dump,
	"crst": (*Server).crst,
	"srst": (*Server).srst,
	"wchc": nil, "wchp": nil, "dirs": nil, "gtmk": nil, "stmk": nil, "hash": nil,
}

func isFourLetterWord(w string) bool {
	_, ok := fourLetterWords[w]
	return ok
}

// fourLetter answers a four-letter word in plain text; the caller closes
// the connection. As in ZooKeeper, the word is one packet received,
// counted before the answer is made (srvr counts itself), and the answer
// one packet sent, counted once written (srst's answer counts afresh).
func (c *conn) fourLetter(word string) {
	c.recved.Add(1)
	c.s.received.Add(1)
	var out string
	if f := fourLetterWords[word]; f != nil {
		out = f(c.s, c)
	} else {
		out = word + " is not executed because it is not in the whitelist.\n"
	}
	_ = c.nc.SetWriteDeadline(time.Now().Add(fourLetterTimeout))
	_, _ = c.nc.Write([]byte(out))
	c.sent.Add(1)
	c.s.sent.Add(1)
}

// builtOn is the "built on" part of the version line: the VCS time of
// the build when known.
var builtOn = sync.OnceValue(func() string {
	if bi, ok := debug.ReadBuildInfo(); ok {
		for _, kv := range bi.Settings {
			if kv.Key == "vcs.time" {
				if t, err := time.Parse(time.RFC3339, kv.Value); err == nil {
					return t.UTC().Format("2006-01-02 15:04 MST")
				}
			}
		}
	}
	return "unknown"
})

func versionLine() string {
	return Version + ", built on " + builtOn()
}

// serverFigures are the figures of srvr, stat and mntr, read between two
// rounds of processing.
type serverFigures struct {
	lat                latency
	zxid               int64
	nodes, ephemerals  int
	dataSize           int64
	watchConns, paths  int
	dataWatches        int // wchs's total: the data table's watches
	watches            int // mntr's watch_count: both tables'
	sessions           int
	outstanding, conns int
}

func (s *Server) figures() serverFigures {
	var f serverFigures
	s.query(func(p *processor) {
		ts := p.tree.Stats()
		ws := p.watches.Stats()
		f = serverFigures{
			lat: p.lat, zxid: p.last,
			nodes: ts.Nodes, ephemerals: ts.Ephemerals, dataSize: ts.DataSize,
			watchConns: ws.Conns, paths: ws.Paths, dataWatches: ws.DataWatches, watches: ws.Watches,
			sessions: len(p.sessions),
		}
	})
	f.outstanding = s.inbox.len()
	f.conns = len(s.connections())
	return f
}

// srvrTail is the part of srvr that stat repeats after its client list.
func (s *Server) srvrTail(f serverFigures) string {
	lo, avg, hi := f.lat.ms()
	var b strings.Builder
	fmt.Fprintf(&b, "Latency min/avg/max: %d/%s/%d\n", lo, avg, hi)
	fmt.Fprintf(&b, "Received: %d\n", s.received.Load())
	fmt.Fprintf(&b, "Sent: %d\n", s.sent.Load())
	fmt.Fprintf(&b, "Connections: %d\n", f.conns)
	fmt.Fprintf(&b, "Outstanding: %d\n", f.outstanding)
	fmt.Fprintf(&b, "Zxid: 0x%x\n", f.zxid)
	b.WriteString("Mode: standalone\n")
	fmt.Fprintf(&b, "Node count: %d\n", f.nodes)
	return b.String()
}

func (s *Server) srvr(*conn) string {
	return "Zookeeper version: " + versionLine() + "\n" + s.srvrTail(s.figures())
}

func (s *Server) stat(*conn) string {
	f := s.figures()
	var b strings.Builder
	b.WriteString("Zookeeper version: " + versionLine() + "\n")
	b.WriteString("Clients:\n")
	for _, line := range s.connLines(false) {
		b.WriteString(line + "\n")
	}
	b.WriteString("\n")
	b.WriteString(s.srvrTail(f))
	return b.String()
}

func (s *Server) cons(*conn) string {
	var b strings.Builder
	for _, line := range s.connLines(true) {
		b.WriteString(line + "\n")
	}
	b.WriteString("\n")
	return b.String()
}

// connLines describes every connection as stat (brief) or cons (full)
// does, oldest first.
func (s *Server) connLines(full bool) []string {
	conns := s.connections()
	slices.SortFunc(conns, func(a, b *conn) int { return int(a.id) - int(b.id) })
	lines := make([]string, len(conns))
	s.query(func(p *processor) {
		for i, c := range conns {
			lines[i] = s.connLine(p, c, full)
		}
	})
	return lines
}

// connLine runs on the processor (or after it stopped): it reads c's
// processor-owned figures.
func (s *Server) connLine(p *processor, c *conn, full bool) string {
	interest := 0
	if c.session != nil {
		interest = 1
	}
	var b strings.Builder
	fmt.Fprintf(&b, " /%s[%d](queued=%d,recved=%d,sent=%d", c.remote, interest,
		s.inbox.queuedFor(c), c.recved.Load(), c.sent.Load())
	if full && c.session != nil {
		st := &c.stats
		lop := opShort[st.lastOp]
		if st.lastResp == 0 || lop == "" {
			lop = "NA"
		}
		lo, avg, hi := st.lat.ms()
		avgInt, _, _ := strings.Cut(avg, ".")
		fmt.Fprintf(&b, ",sid=%s,lop=%s,est=%d,to=%d", sessionHex(c.session.id), lop, c.est.UnixMilli(), c.session.timeout)
		if st.lastResp != 0 {
			lresp := s.start.Add(time.Duration(st.lastResp)).UnixMilli()
			fmt.Fprintf(&b, ",lcxid=0x%s,lzxid=0x%s,lresp=%d,llat=%d,minlat=%d,avglat=%s,maxlat=%d",
				strconv.FormatUint(uint64(uint32(st.lastXid)), 16), strconv.FormatUint(uint64(st.lastZxid), 16),
				lresp, st.lastLat/1e6, lo, avgInt, hi)
		}
	}
	b.WriteString(")")
	return b.String()
}

func (s *Server) mntr(*conn) string {
	f := s.figures()
	lo, avg, hi := f.lat.ms()
	var b strings.Builder
	kv := func(k string, v any) { fmt.Fprintf(&b, "zk_%s\t%v\n", k, v) }
	kv("version", versionLine())
	kv("server_state", "standalone")
	kv("uptime", time.Since(s.start).Milliseconds())
	kv("avg_latency", avg)
	kv("max_latency", hi)
	kv("min_latency", lo)
	kv("packets_received", s.received.Load())
	kv("packets_sent", s.sent.Load())
	kv("num_alive_connections", f.conns)
	kv("outstanding_requests", f.outstanding)
	kv("znode_count", f.nodes)
	kv("watch_count", f.watches)
	kv("ephemerals_count", f.ephemerals)
	kv("approximate_data_size", f.dataSize)
	kv("global_sessions", f.sessions)
	kv("last_zxid", fmt.Sprintf("0x%x", f.zxid))
	return b.String()
}

func (s *Server) wchs(*conn) string {
	f := s.figures()
	return fmt.Sprintf("%d connections watching %d paths\nTotal watches:%d\n", f.watchConns, f.paths, f.dataWatches)
}

func (s *Server) conf(*conn) string {
	var b strings.Builder
	if _, port, err := net.SplitHostPort(s.Addr()); err == nil {
		fmt.Fprintf(&b, "clientPort=%s\n", port)
	}
	if s.cfg.dataDir != "" {
		fmt.Fprintf(&b, "dataDir=%s\n", s.cfg.dataDir)
	}
	fmt.Fprintf(&b, "tickTime=%d\n", s.cfg.tick.Milliseconds())
	b.WriteString("maxClientCnxns=0\n")
	fmt.Fprintf(&b, "minSessionTimeout=%d\n", s.cfg.minTimeout.Milliseconds())
	fmt.Fprintf(&b, "maxSessionTimeout=%d\n", s.cfg.maxTimeout.Milliseconds())
	b.WriteString("serverId=0\n")
	return b.String()
}

func (s *Server) envi(*conn) string {
	host, _ := os.Hostname()
	dir, _ := os.Getwd()
	var b strings.Builder
	b.WriteString("Environment:\n")
	fmt.Fprintf(&b, "zookeeper.version=%s\n", versionLine())
	fmt.Fprintf(&b, "host.name=%s\n", host)
	fmt.Fprintf(&b, "go.version=%s\n", runtime.Version())
	fmt.Fprintf(&b, "os.name=%s\n", runtime.GOOS)
	fmt.Fprintf(&b, "os.arch=%s\n", runtime.GOARCH)
	fmt.Fprintf(&b, "os.cpus=%d\n", runtime.NumCPU())
	fmt.Fprintf(&b, "user.dir=%s\n", dir)
	return b.String()
}

// dump lists the sessions by expiry time and the ephemeral nodes by
// session, as ZooKeeper's dump does.
func (s *Server) dump(*conn) string {
	var b strings.Builder
	s.query(func(p *processor) {
		byTime := map[int64][]int64{}
		for _, sess := range p.sessions {
			byTime[sess.expireAt] = append(byTime[sess.expireAt], sess.id)
		}
		times := make([]int64, 0, len(byTime))
		for t := range byTime {
			times = append(times, t)
		}
		slices.Sort(times)
		b.WriteString("SessionTracker dump:\n")
		fmt.Fprintf(&b, "Session Sets (%d)/(%d):\n", len(times), len(p.sessions))
		for _, t := range times {
			ids := byTime[t]
			slices.Sort(ids)
			fmt.Fprintf(&b, "%d expire at %s:\n", len(ids), time.UnixMilli(t).UTC().Format("Mon Jan 02 15:04:05 MST 2006"))
			for _, id := range ids {
				fmt.Fprintf(&b, "\t%s\n", sessionHex(id))
			}
		}
		owners := p.tree.Owners()
		slices.Sort(owners)
		b.WriteString("ephemeral nodes dump:\n")
		fmt.Fprintf(&b, "Sessions with Ephemerals (%d):\n", len(owners))
		for _, id := range owners {
			fmt.Fprintf(&b, "%s:\n", sessionHex(id))
			for _, path := range p.tree.Ephemerals(id) {
				fmt.Fprintf(&b, "\t%s\n", path)
			}
		}
	})
	b.WriteString("Connections dump:\n")
	b.WriteString("Connections Sets (0)/(0):\n")
	return b.String()
}

func (s *Server) crst(*conn) string {
	conns := s.connections()
	s.query(func(p *processor) {
		for _, c := range conns {
			c.stats.lat = latency{}
		}
	})
	return "Connection stats reset.\n"
}

func (s *Server) srst(*conn) string {
	s.query(func(p *processor) { p.lat = latency{} })
	s.received.Store(0)
	s.sent.Store(0)
	return "Server stats reset.\n"
}
