package zkserver

import (
	"math"
	"strconv"

	"github.com/coordkit/coordkit/internal/wire"
)

// latency accumulates request latencies, in ns.
type latency struct {
	count, sum, min, max int64
}

func (l *latency) add(ns int64) {
	if l.count == 0 || ns < l.min {
		l.min = ns
	}
	l.max = max(l.max, ns)
	l.count++
	l.sum += ns
}

// ms returns min/avg/max in ms as ZooKeeper prints them: whole min and
// max, the average with up to four decimals.
func (l *latency) ms() (lo int64, avg string, hi int64) {
	if l.count == 0 {
		return 0, "0.0", 0
	}
	a := float64(l.sum) / float64(l.count) / 1e6
	a = math.Round(a*1e4) / 1e4
	avg = strconv.FormatFloat(a, 'f', -1, 64)
	if a == math.Trunc(a) {
		avg += ".0"
	}
	return l.min / 1e6, avg, l.max / 1e6
}

// connStats are a connection's figures for cons. Owned by the processor.
type connStats struct {
	lastOp   wire.OpCode
	lastXid  int32
	lastZxid int64
	lastResp int64 // ns since the server started; 0: never
	lastLat  int64 // ns
	lat      latency
}

// opShort is the four-letter name cons shows as a connection's last
// operation (lop).
var opShort = map[wire.OpCode]string{
	wire.OpCreate: "CREA", wire.OpCreate2: "CREA", wire.OpCreateContainer: "CREA",
	wire.OpCreateTTL: "CREA", wire.OpDelete: "DELE", wire.OpExists: "EXIS",
	wire.OpGetData: "GETD", wire.OpSetData: "SETD", wire.OpGetACL: "GETA",
	wire.OpSetACL: "SETA", wire.OpGetChildren: "GETC", wire.OpGetChildren2: "GETC",
	wire.OpSync: "SYNC", wire.OpPing: "PING", wire.OpCheck: "CHEC",
	wire.OpMulti: "MULT", wire.OpMultiRead: "MLTR", wire.OpReconfig: "RCFG",
	wire.OpCheckWatches: "CHKW", wire.OpRemoveWatches: "REMW", wire.OpAuth: "AUTH",
	wire.OpSetWatches: "SETW", wire.OpSetWatches2: "SETW", wire.OpSASL: "SASL",
	wire.OpGetEphemerals: "GETE", wire.OpGetAllChildrenNumber: "GETN",
	wire.OpAddWatch: "ADDW", wire.OpWhoAmI: "HOMI", wire.OpCloseSession: "CLOS",
}
