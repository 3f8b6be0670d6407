package zkserver

import (
	"io"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/coordkit/coordkit/internal/wire"
)

// fourLetter sends word on a new connection and returns the answer.
func fourLetter(t *testing.T, addr, word string) string {
	t.Helper()
	nc, err := net.DialTimeout("tcp", addr, ioTimeout)
	require.NoError(t, err)
	defer nc.Close()
	require.NoError(t, nc.SetDeadline(time.Now().Add(ioTimeout)))
	_, err = io.WriteString(nc, word)
	require.NoError(t, err)
	out, err := io.ReadAll(nc)
	require.NoError(t, err)
	return string(out)
}

// lines splits an answer into key → value on sep.
func fields(out, sep string) map[string]string {
	m := map[string]string{}
	for _, l := range strings.Split(out, "\n") {
		if k, v, ok := strings.Cut(l, sep); ok {
			m[k] = strings.TrimSpace(v)
		}
	}
	return m
}

func TestFourLetterWords(t *testing.T) {
	s := startServer(t, WithTickTime(time.Second))
	c := sessionClient(t, s)
	c.ping()
	c.ping()

	assert.Equal(t, "imok", fourLetter(t, s.Addr(), "ruok"))
	assert.Equal(t, "rw", fourLetter(t, s.Addr(), "isro"))

	srvr := fields(fourLetter(t, s.Addr(), "srvr"), ": ")
	assert.True(t, strings.HasPrefix(srvr["Zookeeper version"], Version+", built on "), srvr["Zookeeper version"])
	assert.Equal(t, "standalone", srvr["Mode"])
	assert.Equal(t, "0x1", srvr["Zxid"])
	assert.Equal(t, "6", srvr["Received"], "connect, two pings, ruok, isro and this srvr")
	assert.Equal(t, "5", srvr["Sent"], "connect, two pings, ruok and isro")
	assert.Equal(t, "2", srvr["Connections"], "the session's and the asking one")
	assert.Equal(t, "0", srvr["Outstanding"])
	assert.Contains(t, srvr, "Latency min/avg/max")
	assert.Contains(t, srvr, "Node count")

	stat := fourLetter(t, s.Addr(), "stat")
	assert.Contains(t, stat, "Clients:\n /127.0.0.1:")
	assert.Contains(t, stat, "[1](queued=0,recved=3,sent=3)\n")
	assert.Contains(t, stat, "\n\nLatency min/avg/max: ")
	assert.Contains(t, stat, "Mode: standalone\n")

	cons := fourLetter(t, s.Addr(), "cons")
	sid := sessionHex(s.Sessions()[0].ID)
	assert.Contains(t, cons, ",sid="+sid+",lop=PING,est=")
	assert.Contains(t, cons, ",to=10000,lcxid=0xfffffffe,lzxid=0x1,lresp=")
	assert.Contains(t, cons, "[0](queued=0,recved=1,sent=0)\n", "the asking connection")
	assert.True(t, strings.HasSuffix(cons, ")\n\n"), "ends with a blank line")

	mntr := fields(fourLetter(t, s.Addr(), "mntr"), "\t")
	assert.Equal(t, "standalone", mntr["zk_server_state"])
	assert.Equal(t, "1", mntr["zk_global_sessions"])
	assert.Equal(t, "2", mntr["zk_num_alive_connections"])
	for _, k := range []string{"zk_version", "zk_avg_latency", "zk_znode_count", "zk_watch_count", "zk_ephemerals_count", "zk_packets_received", "zk_approximate_data_size"} {
		assert.Contains(t, mntr, k)
	}

	assert.Regexp(t, `^\d+ connections watching \d+ paths\nTotal watches:\d+\n$`, fourLetter(t, s.Addr(), "wchs"))
	conf := fields(fourLetter(t, s.Addr(), "conf"), "=")
	assert.Equal(t, "1000", conf["tickTime"])
	assert.Equal(t, "2000", conf["minSessionTimeout"])
	assert.Equal(t, "20000", conf["maxSessionTimeout"])
	assert.Contains(t, fourLetter(t, s.Addr(), "envi"), "Environment:\nzookeeper.version="+Version)
	dump := fourLetter(t, s.Addr(), "dump")
	assert.Contains(t, dump, "Session Sets (1)/(1):\n1 expire at ")
	assert.Contains(t, dump, "\t"+sid+"\n")
	assert.Equal(t, "wchc is not executed because it is not in the whitelist.\n", fourLetter(t, s.Addr(), "wchc"))

	assert.Equal(t, "Connection stats reset.\n", fourLetter(t, s.Addr(), "crst"))
	assert.Equal(t, "Server stats reset.\n", fourLetter(t, s.Addr(), "srst"))
	srvr = fields(fourLetter(t, s.Addr(), "srvr"), ": ")
	assert.Equal(t, "1", srvr["Received"], "this srvr")
	assert.Equal(t, "1", srvr["Sent"], "srst's answer, written after the reset")
	assert.Equal(t, "0/0.0/0", srvr["Latency min/avg/max"])
	c.ping() // the session's connection is unaffected
}

func TestFourLetterPacketCounts(t *testing.T) {
	// The figures Apache ZooKeeper 3.8.0 gives for the same words.
	s := startServer(t)
	counts := func() (string, string) {
		f := fields(fourLetter(t, s.Addr(), "srvr"), ": ")
		return f["Received"], f["Sent"]
	}
	r, sent := counts()
	assert.Equal(t, []string{"1", "0"}, []string{r, sent}, "srvr counts itself received, not yet sent")
	r, sent = counts()
	assert.Equal(t, []string{"2", "1"}, []string{r, sent})
	fourLetter(t, s.Addr(), "ruok")
	fourLetter(t, s.Addr(), "wchc") // not run: still a packet each way
	nc, err := net.Dial("tcp", s.Addr())
	require.NoError(t, err)
	require.NoError(t, nc.Close()) // says nothing: no packet
	r, sent = counts()
	assert.Equal(t, []string{"5", "4"}, []string{r, sent})
	mntr := fields(fourLetter(t, s.Addr(), "mntr"), "\t")
	assert.Equal(t, []string{"6", "5"}, []string{mntr["zk_packets_received"], mntr["zk_packets_sent"]})
	stat := fourLetter(t, s.Addr(), "stat")
	assert.Contains(t, stat, "[0](queued=0,recved=1,sent=0)\n", "the asking connection")
	assert.Contains(t, stat, "\nReceived: 7\nSent: 6\n")
}

func TestWatchCounts(t *testing.T) {
	s := startServer(t)
	x := sessionClient(t, s)
	a := sessionClient(t, s)
	x.call(1, wire.OpCreate, createReq("/wc", nil, 0))
	x.call(2, wire.OpGetData, &wire.PathWatchRequest{Path: "/wc", Watch: true})
	x.call(3, wire.OpGetChildren, &wire.PathWatchRequest{Path: "/wc", Watch: true})
	x.call(4, wire.OpGetChildren, &wire.PathWatchRequest{Path: "/", Watch: true})
	x.call(5, wire.OpExists, &wire.PathWatchRequest{Path: "/wc2", Watch: true})
	a.call(1, wire.OpExists, &wire.PathWatchRequest{Path: "/wc2", Watch: true})
	x.call(6, wire.OpAddWatch, &wire.AddWatchRequest{Path: "/wc3", Mode: wire.AddWatchPersistent})
	// Apache ZooKeeper 3.8.0's answers to the same requests: wchs counts
	// the data watches (getData, exists, and the persistent watch's data
	// half), mntr the child watches as well.
	assert.Equal(t, "2 connections watching 3 paths\nTotal watches:4\n", fourLetter(t, s.Addr(), "wchs"))
	assert.Equal(t, "7", fields(fourLetter(t, s.Addr(), "mntr"), "\t")["zk_watch_count"])
}

func TestFourLetterUnknownWordIsALength(t *testing.T) {
	s := startServer(t)
	// "xxxx" is no word: read as a frame length (huge), the connection is
	// closed with no output.
	assert.Empty(t, fourLetter(t, s.Addr(), "xxxx"))
}

func TestLatencyFormat(t *testing.T) {
	var l latency
	lo, avg, hi := l.ms()
	assert.Equal(t, []any{int64(0), "0.0", int64(0)}, []any{lo, avg, hi})
	l.add(2e6)
	l.add(3e6)
	l.add(3e6)
	lo, avg, hi = l.ms()
	assert.Equal(t, []any{int64(2), "2.6667", int64(3)}, []any{lo, avg, hi})
	l = latency{}
	l.add(4e6)
	_, avg, _ = l.ms()
	assert.Equal(t, "4.0", avg)
}

func TestOpShortNames(t *testing.T) {
	for op, name := range opShort {
		assert.Len(t, name, 4, op.String())
	}
	assert.Equal(t, "GETD", opShort[wire.OpGetData])
}
