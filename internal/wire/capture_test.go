//go:build capture

package wire

// The capture generator: it sends hand-built frames for every opcode of the
// client protocol to a real Apache ZooKeeper 3.8 server and writes what
// crossed the socket to testdata/golden/real-*.hex, which the ordinary tests
// then decode. Run it with
//
//	go test -tags capture -run Capture ./internal/wire/
//
// to start a private server from the Debian jars (/usr/share/java) on a free
// 127.0.0.1 port, or point it at a running one with -zkaddr 127.0.0.1:PORT
// (or ZK_CAPTURE_ADDR). That server must run with
// -Dzookeeper.extendedTypesEnabled=true (TTL nodes) and default settings
// otherwise. Each scenario works under its own paths, so a server that has
// seen an earlier run is fine as long as those paths are gone (sessions of
// an earlier run have expired).

import (
	"bufio"
	"encoding/binary"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

var (
	zkAddrFlag = flag.String("zkaddr", "", "ZooKeeper 3.8 server to capture from (default: start one)")
	zkJarsFlag = flag.String("zkjars", "/usr/share/java", "directory holding zookeeper.jar and its dependencies")
)

func TestCapture(t *testing.T) {
	addr := *zkAddrFlag
	if addr == "" {
		addr = os.Getenv("ZK_CAPTURE_ADDR")
	}
	server := "an external server at " + addr
	if addr == "" {
		addr = startZooKeeper(t)
		server = "a private standalone server started by capture_test.go"
	}
	version := fourLetterWord(t, addr, "srvr")
	if v, _, ok := strings.Cut(version, "\n"); ok {
		version = strings.TrimSpace(strings.TrimPrefix(v, "Zookeeper version:"))
	}
	require.True(t, strings.HasPrefix(version, "3.8.") || strings.Contains(version, "not in the whitelist"),
		"want a ZooKeeper 3.8 server, srvr says %q", version)
	t.Logf("capturing from %s, version %s", addr, version)

	for _, sc := range captureScenarios {
		t.Run(sc.name, func(t *testing.T) {
			s := dialCapture(t, addr)
			if !sc.raw {
				s.handshake(ConnectRequest{TimeOut: 30000, Passwd: make([]byte, 16), HasReadOnly: true})
			}
			sc.run(s)
			require.NotEmpty(t, s.frames, "scenario recorded nothing")
			s.conn.Close()

			comments := wrapWords(fmt.Sprintf("real-%s.hex: %s", sc.name, sc.desc), 76)
			comments = append(comments, "",
				"Captured from Apache ZooKeeper "+version,
				"("+server+"; standalone, NIO,",
				"tickTime 3000, -Dzookeeper.extendedTypesEnabled=true) by capture_test.go:",
				"go test -tags capture -run Capture ./internal/wire/")
			text := formatCapture(comments, s.frames, s.notes)
			_, err := parseCapture("real-"+sc.name+".hex", text)
			require.NoError(t, err)
			require.NoError(t, os.WriteFile(filepath.Join(goldenDir, "real-"+sc.name+".hex"), text, 0o644))
		})
	}
}

// startZooKeeper runs a standalone ZooKeeper from the jars on a free
// loopback port and stops it (by its PID) when the test ends.
func startZooKeeper(t *testing.T) string {
	java, err := exec.LookPath("java")
	require.NoError(t, err, "java is needed to start ZooKeeper")
	jar := filepath.Join(*zkJarsFlag, "zookeeper.jar")
	require.FileExists(t, jar)
	cp := jar // its manifest names its dependencies
	if simple := filepath.Join(*zkJarsFlag, "slf4j-simple.jar"); fileExists(simple) {
		cp += string(os.PathListSeparator) + simple
	}

	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	port := l.Addr().(*net.TCPAddr).Port
	require.NoError(t, l.Close())

	dir := t.TempDir()
	cfg := filepath.Join(dir, "zoo.cfg")
	require.NoError(t, os.WriteFile(cfg, []byte(fmt.Sprintf(`tickTime=3000
dataDir=%s
clientPort=%d
clientPortAddress=127.0.0.1
admin.enableServer=false
4lw.commands.whitelist=srvr
`, filepath.Join(dir, "data"), port)), 0o644))
	logf, err := os.Create(filepath.Join(dir, "zookeeper.log"))
	require.NoError(t, err)
	cmd := exec.Command(java, "-Dzookeeper.extendedTypesEnabled=true", "-Xmx256m", "-cp", cp,
		"org.apache.zookeeper.server.ZooKeeperServerMain", cfg)
	cmd.Stdout, cmd.Stderr = logf, logf
	require.NoError(t, cmd.Start())
	t.Logf("started ZooKeeper, pid %d, 127.0.0.1:%d", cmd.Process.Pid, port)
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
		_ = logf.Close()
	})

	addr := fmt.Sprintf("127.0.0.1:%d", port)
	deadline := time.Now().Add(60 * time.Second)
	for {
		if c, err := net.DialTimeout("tcp", addr, time.Second); err == nil {
			_ = c.SetDeadline(time.Now().Add(2 * time.Second))
			_, _ = c.Write([]byte("srvr")) // ruok says imok before the server serves
			b, _ := io.ReadAll(c)
			_ = c.Close()
			if strings.HasPrefix(string(b), "Zookeeper version:") {
				return addr
			}
		}
		if time.Now().After(deadline) {
			log, _ := os.ReadFile(logf.Name())
			t.Fatalf("ZooKeeper did not start in time; log:\n%s", log)
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// wrapWords splits s into lines of at most width characters.
func wrapWords(s string, width int) []string {
	var lines []string
	line := ""
	for _, w := range strings.Fields(s) {
		if line != "" && len(line)+1+len(w) > width {
			lines = append(lines, line)
			line = ""
		}
		if line != "" {
			line += " "
		}
		line += w
	}
	return append(lines, line)
}

func fileExists(p string) bool { _, err := os.Stat(p); return err == nil }

func fourLetterWord(t *testing.T, addr, cmd string) string {
	c, err := net.DialTimeout("tcp", addr, 5*time.Second)
	require.NoError(t, err)
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(5 * time.Second))
	_, err = c.Write([]byte(cmd))
	require.NoError(t, err)
	b, _ := io.ReadAll(bufio.NewReader(c))
	return string(b)
}

// capSession is one connection to the server; frames are recorded once
// record is called.
type capSession struct {
	t         *testing.T
	conn      net.Conn
	fr        *FrameReader
	xid       int32
	recording bool
	frames    []captureFrame
	notes     []string
	sessionID int64
	passwd    []byte
	lastZxid  int64
}

func dialCapture(t *testing.T, addr string) *capSession {
	c, err := net.DialTimeout("tcp", addr, 5*time.Second)
	require.NoError(t, err)
	t.Cleanup(func() { _ = c.Close() })
	return &capSession{t: t, conn: c, fr: NewFrameReader(c, 4<<20)}
}

func (s *capSession) record() { s.recording = true }

func (s *capSession) add(f captureFrame, note string) {
	if s.recording {
		f.Index = len(s.frames)
		s.frames = append(s.frames, f)
		s.notes = append(s.notes, note)
	}
}

func (s *capSession) write(frame []byte) {
	_ = s.conn.SetWriteDeadline(time.Now().Add(5 * time.Second))
	_, err := s.conn.Write(frame)
	require.NoError(s.t, err)
}

func (s *capSession) read() []byte {
	_ = s.conn.SetReadDeadline(time.Now().Add(10 * time.Second))
	p, err := s.fr.Next()
	require.NoError(s.t, err, "reading a frame")
	frame := binary.BigEndian.AppendUint32(nil, uint32(len(p)))
	return append(frame, p...)
}

// handshake sends req and reads the ConnectResponse.
func (s *capSession) handshake(req ConnectRequest) ConnectResponse {
	frame := AppendRecordFrame(nil, &req)
	s.add(captureFrame{Dir: '>', Kind: kindConnect, Bytes: frame},
		fmt.Sprintf("ConnectRequest: lastZxidSeen %#x, timeOut %d, sessionId %#x, readOnly byte %v",
			req.LastZxidSeen, req.TimeOut, req.SessionID, describeReadOnly(req.HasReadOnly, req.ReadOnly)))
	s.write(frame)
	resp := s.read()
	var r ConnectResponse
	require.NoError(s.t, Unmarshal(resp[4:], &r))
	s.add(captureFrame{Dir: '<', Kind: kindConnect, Bytes: resp},
		fmt.Sprintf("ConnectResponse: timeOut %d, sessionId %#x, readOnly byte %v",
			r.TimeOut, r.SessionID, describeReadOnly(r.HasReadOnly, r.ReadOnly)))
	if r.TimeOut > 0 {
		s.sessionID, s.passwd = r.SessionID, r.Passwd
	}
	return r
}

func describeReadOnly(has, v bool) string {
	if !has {
		return "absent"
	}
	return fmt.Sprint(v)
}

func (s *capSession) nextXid() int32 { s.xid++; return s.xid }

// do sends a request with the next xid and requires the reply's error code.
func (s *capSession) do(op OpCode, body Record, want ErrCode) (ReplyHeader, []byte) {
	return s.doXid(s.nextXid(), op, body, want)
}

// doXid sends a request with the given xid, records the events that arrive
// before its reply, and returns the reply's header and body.
func (s *capSession) doXid(xid int32, op OpCode, body Record, want ErrCode) (ReplyHeader, []byte) {
	frame := AppendRequest(nil, xid, op, body)
	return s.sendFrame(frame, op, "", want)
}

// sendFrame sends a hand-built request frame and reads up to its reply.
func (s *capSession) sendFrame(frame []byte, op OpCode, expect string, want ErrCode) (ReplyHeader, []byte) {
	var h RequestHeader
	require.NoError(s.t, Unmarshal(frame[4:], &h))
	s.add(captureFrame{Dir: '>', Kind: kindRequest, Expect: expect, Bytes: frame},
		fmt.Sprintf("xid %d, %v (%d)", h.Xid, h.Op, int32(h.Op)))
	s.write(frame)
	for {
		reply := s.read()
		var rh ReplyHeader
		d := NewDecoder(reply[4:])
		rh.Decode(d)
		require.NoError(s.t, d.Err())
		if rh.Xid == XidWatchEvent {
			var ev WatcherEvent
			ev.Decode(d)
			require.NoError(s.t, d.Err())
			s.add(captureFrame{Dir: '<', Kind: kindEvent, Bytes: reply},
				fmt.Sprintf("event type %d, state %d, path %q", ev.Type, ev.State, ev.Path))
			continue
		}
		f := captureFrame{Dir: '<', Kind: kindReply, Op: op, Bytes: reply}
		if rh.Err != ErrOK && d.Remaining() > 0 {
			f.Quirk = quirkStrayBody
		}
		s.add(f, fmt.Sprintf("xid %d, zxid %#x, err %d (%v)", rh.Xid, rh.Zxid, int32(rh.Err), rh.Err))
		require.Equal(s.t, want, rh.Err, "%v: reply error", op)
		if rh.Zxid > 0 {
			s.lastZxid = rh.Zxid
		}
		return rh, reply[4+ReplyHeaderLen:]
	}
}

// expectClosed requires the server to close the connection without sending
// anything more.
func (s *capSession) expectClosed() {
	_ = s.conn.SetReadDeadline(time.Now().Add(10 * time.Second))
	p, err := s.fr.Next()
	require.Error(s.t, err, "unexpected frame % x", p)
	var ne net.Error
	require.False(s.t, errors.As(err, &ne) && ne.Timeout(), "the server did not close the connection")
}

// decodeBody decodes the body of a successful reply.
func decodeBody[T any, P interface {
	*T
	Record
}](t *testing.T, body []byte) *T {
	var r T
	require.NoError(t, Unmarshal(body, P(&r)))
	return &r
}

func (s *capSession) create(path string, data []byte, flags int32) {
	s.do(OpCreate, &CreateRequest{Path: path, Data: data, ACL: openACL, Flags: flags}, ErrOK)
}

func mustMulti(ops ...MultiOp) *MultiRequest { return &MultiRequest{Ops: ops} }

func createOp(op OpCode, path, data string, flags int32) MultiOp {
	return MultiOp{Op: op, Body: &CreateRequest{Path: path, Data: []byte(data), ACL: openACL, Flags: flags}}
}

type captureScenario struct {
	name string
	desc string
	raw  bool // no handshake before run
	run  func(s *capSession)
}

var captureScenarios = []captureScenario{
	{name: "connect", raw: true,
		desc: "new session, readOnly byte present (45-byte request, 37-byte response), then a ping.",
		run: func(s *capSession) {
			s.record()
			r := s.handshake(ConnectRequest{TimeOut: 30000, Passwd: make([]byte, 16), HasReadOnly: true})
			require.True(s.t, r.HasReadOnly)
			require.Equal(s.t, int32(30000), r.TimeOut)
			s.doXid(XidPing, OpPing, nil, ErrOK)
		}},
	{name: "connect-no-readonly", raw: true,
		desc: "new session without the readOnly byte (44-byte request): the response has none either (36 bytes); timeout 1000 is raised to minSessionTimeout 6000.",
		run: func(s *capSession) {
			s.record()
			r := s.handshake(ConnectRequest{TimeOut: 1000, Passwd: make([]byte, 16)})
			require.False(s.t, r.HasReadOnly)
			require.Equal(s.t, int32(6000), r.TimeOut)
		}},
	{name: "connect-readonly-true", raw: true,
		desc: "new session with readOnly=true; timeout 10,000,000 is lowered to maxSessionTimeout 60000; a read-write server answers readOnly=false.",
		run: func(s *capSession) {
			s.record()
			r := s.handshake(ConnectRequest{TimeOut: 10_000_000, Passwd: make([]byte, 16), ReadOnly: true, HasReadOnly: true})
			require.Equal(s.t, int32(60000), r.TimeOut)
			require.False(s.t, r.ReadOnly)
		}},
	{name: "reattach",
		desc: "re-attach of a live session from a new connection with its id, password and last zxid: same id and password back.",
		run: func(s *capSession) {
			s.create("/reattach", nil, FlagEphemeral)
			s.conn.Close()
			s2 := dialCapture(s.t, s.conn.RemoteAddr().String())
			s2.record()
			r := s2.handshake(ConnectRequest{LastZxidSeen: s.lastZxid, TimeOut: 30000, SessionID: s.sessionID, Passwd: s.passwd, HasReadOnly: true})
			require.Equal(s.t, s.sessionID, r.SessionID)
			s2.doXid(XidPing, OpPing, nil, ErrOK)
			s.frames, s.notes = s2.frames, s2.notes
		}},
	{name: "reattach-rejected",
		desc: "re-attach with a wrong password: timeOut 0, sessionId 0, 16 zero bytes, then the server closes the connection.",
		run: func(s *capSession) {
			s.conn.Close()
			s2 := dialCapture(s.t, s.conn.RemoteAddr().String())
			s2.record()
			wrong := make([]byte, 16)
			for i := range wrong {
				wrong[i] = byte(i + 1)
			}
			r := s2.handshake(ConnectRequest{TimeOut: 30000, SessionID: s.sessionID, Passwd: wrong, HasReadOnly: true})
			require.Zero(s.t, r.TimeOut)
			s2.expectClosed()
			s.frames, s.notes = s2.frames, s2.notes
		}},
	{name: "ping",
		desc: "ping with xid -2, and a ping with xid 7: the reply always carries xid -2.",
		run: func(s *capSession) {
			s.record()
			s.doXid(XidPing, OpPing, nil, ErrOK)
			s.doXid(7, OpPing, nil, ErrOK)
		}},
	{name: "create",
		desc: "create (op 1): plain, NodeExists, null and empty data, sequential (suffix = parent's creation counter), ephemeral, empty and null ACL (InvalidACL), missing parent (NoNode), relative path and flags 7 (BadArguments).",
		run: func(s *capSession) {
			s.record()
			s.do(OpCreate, &CreateRequest{Path: "/create", Data: []byte("hello"), ACL: openACL}, ErrOK)
			s.do(OpCreate, &CreateRequest{Path: "/create", Data: []byte("hello"), ACL: openACL}, ErrNodeExists)
			s.do(OpCreate, &CreateRequest{Path: "/create/null", ACL: openACL}, ErrOK)
			s.do(OpCreate, &CreateRequest{Path: "/create/empty", Data: []byte{}, ACL: openACL}, ErrOK)
			_, body := s.do(OpCreate, &CreateRequest{Path: "/create/seq-", Data: []byte("s"), ACL: openACL, Flags: FlagPersistentSequential}, ErrOK)
			require.Equal(s.t, "/create/seq-0000000002", decodeBody[CreateResponse](s.t, body).Path)
			s.do(OpCreate, &CreateRequest{Path: "/create/eph", Data: []byte("e"), ACL: openACL, Flags: FlagEphemeral}, ErrOK)
			s.do(OpCreate, &CreateRequest{Path: "/create/noacl", ACL: []ACL{}}, ErrInvalidACL)
			s.do(OpCreate, &CreateRequest{Path: "/create/nullacl"}, ErrInvalidACL)
			s.do(OpCreate, &CreateRequest{Path: "/nope/child", ACL: openACL}, ErrNoNode)
			s.do(OpCreate, &CreateRequest{Path: "create", ACL: openACL}, ErrBadArguments)
			s.do(OpCreate, &CreateRequest{Path: "/create/f7", ACL: openACL, Flags: 7}, ErrBadArguments)
		}},
	{name: "create2",
		desc: "create2 (op 15): Create2Response with the new node's Stat; sequential; ephemeral sequential (ephemeralOwner = session id).",
		run: func(s *capSession) {
			s.record()
			s.do(OpCreate2, &CreateRequest{Path: "/create2", Data: []byte("two"), ACL: openACL}, ErrOK)
			_, body := s.do(OpCreate2, &CreateRequest{Path: "/create2/seq-", ACL: openACL, Flags: FlagPersistentSequential}, ErrOK)
			require.Equal(s.t, "/create2/seq-0000000000", decodeBody[Create2Response](s.t, body).Path)
			_, body = s.do(OpCreate2, &CreateRequest{Path: "/create2/eph-", Data: []byte("e"), ACL: openACL, Flags: FlagEphemeralSequential}, ErrOK)
			require.Equal(s.t, s.sessionID, decodeBody[Create2Response](s.t, body).Stat.EphemeralOwner)
		}},
	{name: "createContainer",
		desc: "createContainer (op 19, flags 4): Create2Response; ephemeralOwner masked to 0.",
		run: func(s *capSession) {
			s.record()
			_, body := s.do(OpCreateContainer, &CreateRequest{Path: "/container", Data: []byte("c"), ACL: openACL, Flags: FlagContainer}, ErrOK)
			require.Zero(s.t, decodeBody[Create2Response](s.t, body).Stat.EphemeralOwner)
		}},
	{name: "createTTL",
		desc: "createTTL (op 21, server run with extendedTypesEnabled): flags 5 and 6 with ttl 60000 (ephemeralOwner masked to 0); ttl 0 and 2^40, and flags 5 on op 1, are BadArguments.",
		run: func(s *capSession) {
			s.record()
			_, body := s.do(OpCreateTTL, &CreateTTLRequest{Path: "/ttl", Data: []byte("t"), ACL: openACL, Flags: FlagPersistentWithTTL, TTL: 60000}, ErrOK)
			require.Zero(s.t, decodeBody[Create2Response](s.t, body).Stat.EphemeralOwner)
			s.do(OpCreateTTL, &CreateTTLRequest{Path: "/ttlseq-", ACL: openACL, Flags: FlagPersistentSequentialWithTTL, TTL: 60000}, ErrOK)
			s.do(OpCreateTTL, &CreateTTLRequest{Path: "/ttl0", ACL: openACL, Flags: FlagPersistentWithTTL, TTL: 0}, ErrBadArguments)
			s.do(OpCreateTTL, &CreateTTLRequest{Path: "/ttlbig", ACL: openACL, Flags: FlagPersistentWithTTL, TTL: MaxTTL + 1}, ErrBadArguments)
			s.do(OpCreate, &CreateRequest{Path: "/ttlop1", ACL: openACL, Flags: FlagPersistentWithTTL}, ErrBadArguments)
		}},
	{name: "delete",
		desc: "delete (op 2): BadVersion, success, NoNode, NotEmpty, and the root (BadArguments).",
		run: func(s *capSession) {
			s.create("/delete", nil, 0)
			s.create("/delete/a", nil, 0)
			s.create("/delete/b", nil, 0)
			s.create("/delete/b/c", nil, 0)
			s.record()
			s.do(OpDelete, &DeleteRequest{Path: "/delete/a", Version: 5}, ErrBadVersion)
			s.do(OpDelete, &DeleteRequest{Path: "/delete/a", Version: -1}, ErrOK)
			s.do(OpDelete, &DeleteRequest{Path: "/delete/a", Version: -1}, ErrNoNode)
			s.do(OpDelete, &DeleteRequest{Path: "/delete/b", Version: 0}, ErrNotEmpty)
			s.do(OpDelete, &DeleteRequest{Path: "/", Version: -1}, ErrBadArguments)
		}},
	{name: "exists",
		desc: "exists (op 3) with watch: a Stat; NoNode with no body for a missing node.",
		run: func(s *capSession) {
			s.create("/exists", []byte("x"), 0)
			s.record()
			s.do(OpExists, &PathWatchRequest{Path: "/exists", Watch: true}, ErrOK)
			s.do(OpExists, &PathWatchRequest{Path: "/exists/missing", Watch: true}, ErrNoNode)
		}},
	{name: "getData",
		desc: "getData (op 4): data + Stat; null data (ff ff ff ff, dataLength 0); empty data; NoNode; the empty path reads the root.",
		run: func(s *capSession) {
			s.create("/getData", []byte("hello"), 0)
			s.create("/getData/null", nil, 0)
			s.create("/getData/empty", []byte{}, 0)
			s.record()
			s.do(OpGetData, &PathWatchRequest{Path: "/getData", Watch: true}, ErrOK)
			_, body := s.do(OpGetData, &PathWatchRequest{Path: "/getData/null"}, ErrOK)
			require.Nil(s.t, decodeBody[GetDataResponse](s.t, body).Data)
			s.do(OpGetData, &PathWatchRequest{Path: "/getData/empty"}, ErrOK)
			s.do(OpGetData, &PathWatchRequest{Path: "/getData/missing", Watch: true}, ErrNoNode)
			s.do(OpGetData, &PathWatchRequest{Path: ""}, ErrOK)
		}},
	{name: "setData",
		desc: "setData (op 5) on a watched node: the NodeDataChanged event arrives before the reply (a Stat); BadVersion; null data; NoNode.",
		run: func(s *capSession) {
			s.create("/setData", []byte("v0"), 0)
			s.record()
			s.do(OpGetData, &PathWatchRequest{Path: "/setData", Watch: true}, ErrOK)
			s.do(OpSetData, &SetDataRequest{Path: "/setData", Data: []byte("v1"), Version: -1}, ErrOK)
			s.do(OpSetData, &SetDataRequest{Path: "/setData", Data: []byte("v2"), Version: 99}, ErrBadVersion)
			s.do(OpSetData, &SetDataRequest{Path: "/setData", Version: 1}, ErrOK)
			s.do(OpSetData, &SetDataRequest{Path: "/setData/missing", Version: -1}, ErrNoNode)
		}},
	{name: "getACL",
		desc: "getACL (op 6): world:anyone; a digest ACL read without ADMIN comes back masked (bob:x); NoNode.",
		run: func(s *capSession) {
			s.create("/getACL", nil, 0)
			s.do(OpCreate, &CreateRequest{Path: "/getACL/digest", ACL: []ACL{
				{Perms: PermAll, ID: ID{Scheme: "digest", ID: "bob:fyVmFCwVbTJYrznoSu1koqYEYF0="}},
				{Perms: PermRead, ID: ID{Scheme: "world", ID: "anyone"}},
			}}, ErrOK)
			s.record()
			s.do(OpGetACL, &PathRequest{Path: "/getACL"}, ErrOK)
			_, body := s.do(OpGetACL, &PathRequest{Path: "/getACL/digest"}, ErrOK)
			require.Equal(s.t, "bob:x", decodeBody[GetACLResponse](s.t, body).ACL[0].ID.ID)
			s.do(OpGetACL, &PathRequest{Path: "/getACL/missing"}, ErrNoNode)
		}},
	{name: "setACL",
		desc: "setACL (op 7): success (aversion 0 -> 1), BadVersion against aversion, empty ACL (InvalidACL).",
		run: func(s *capSession) {
			s.create("/setACL", nil, 0)
			s.record()
			_, body := s.do(OpSetACL, &SetACLRequest{Path: "/setACL", ACL: []ACL{
				{Perms: PermRead, ID: ID{Scheme: "world", ID: "anyone"}},
				{Perms: PermAll, ID: ID{Scheme: "ip", ID: "127.0.0.1"}},
			}, Version: 0}, ErrOK)
			require.Equal(s.t, int32(1), decodeBody[StatResponse](s.t, body).Stat.Aversion)
			s.do(OpSetACL, &SetACLRequest{Path: "/setACL", ACL: openACL, Version: 0}, ErrBadVersion)
			s.do(OpSetACL, &SetACLRequest{Path: "/setACL", ACL: []ACL{}, Version: -1}, ErrInvalidACL)
		}},
	{name: "getChildren",
		desc: "getChildren (op 8): child names in the server's order; an empty vector (count 0) for a leaf; NoNode.",
		run: func(s *capSession) {
			s.create("/getChildren", nil, 0)
			for _, c := range []string{"a", "b", "c"} {
				s.create("/getChildren/"+c, nil, 0)
			}
			s.record()
			s.do(OpGetChildren, &PathWatchRequest{Path: "/getChildren", Watch: true}, ErrOK)
			_, body := s.do(OpGetChildren, &PathWatchRequest{Path: "/getChildren/a"}, ErrOK)
			require.Equal(s.t, []string{}, decodeBody[StringsResponse](s.t, body).Strings)
			s.do(OpGetChildren, &PathWatchRequest{Path: "/getChildren/missing"}, ErrNoNode)
		}},
	{name: "getChildren2",
		desc: "getChildren2 (op 12): child names and the Stat of the parent; a leaf; NoNode.",
		run: func(s *capSession) {
			s.create("/getChildren2", []byte("p"), 0)
			s.create("/getChildren2/x", nil, 0)
			s.create("/getChildren2/y", nil, 0)
			s.record()
			s.do(OpGetChildren2, &PathWatchRequest{Path: "/getChildren2", Watch: true}, ErrOK)
			s.do(OpGetChildren2, &PathWatchRequest{Path: "/getChildren2/x"}, ErrOK)
			s.do(OpGetChildren2, &PathWatchRequest{Path: "/getChildren2/missing"}, ErrNoNode)
		}},
	{name: "sync",
		desc: "sync (op 9): the path is echoed, existing or not.",
		run: func(s *capSession) {
			s.record()
			s.do(OpSync, &SyncRequest{Path: "/"}, ErrOK)
			_, body := s.do(OpSync, &SyncRequest{Path: "/sync/not-there"}, ErrOK)
			require.Equal(s.t, "/sync/not-there", decodeBody[SyncResponse](s.t, body).Path)
		}},
	{name: "check",
		desc: "bare check (op 13), failing cases only (a successful bare check is never answered by 3.8.0, §8.10): BadVersion, NoNode.",
		run: func(s *capSession) {
			s.create("/check", nil, 0)
			s.record()
			s.do(OpCheck, &CheckVersionRequest{Path: "/check", Version: 7}, ErrBadVersion)
			s.do(OpCheck, &CheckVersionRequest{Path: "/check/missing", Version: -1}, ErrNoNode)
		}},
	{name: "multi",
		desc: "successful multi (op 14) with every write op: create, create2, setData, check, delete, createContainer, createTTL. create2 comes back as a type-1 result without a Stat; container and TTL as type 15.",
		run: func(s *capSession) {
			s.create("/multi", []byte("M"), 0)
			s.record()
			_, body := s.do(OpMulti, mustMulti(
				createOp(OpCreate, "/multi/a", "A", 0),
				createOp(OpCreate2, "/multi/b", "B", 0),
				MultiOp{Op: OpSetData, Body: &SetDataRequest{Path: "/multi", Data: []byte("M2"), Version: -1}},
				MultiOp{Op: OpCheck, Body: &CheckVersionRequest{Path: "/multi", Version: 1}},
				MultiOp{Op: OpDelete, Body: &DeleteRequest{Path: "/multi/a", Version: -1}},
				createOp(OpCreateContainer, "/multi/c", "", FlagContainer),
				MultiOp{Op: OpCreateTTL, Body: &CreateTTLRequest{Path: "/multi/t", Data: []byte("T"), ACL: openACL, Flags: FlagPersistentWithTTL, TTL: 60000}},
			), ErrOK)
			var types []OpCode
			for _, r := range decodeBody[MultiResponse](s.t, body).Results {
				types = append(types, r.Op)
			}
			require.Equal(s.t, []OpCode{OpCreate, OpCreate, OpSetData, OpCheck, OpDelete, OpCreate2, OpCreate2}, types)
		}},
	{name: "multi-failed",
		desc: "failed multi: create, check with a wrong version, setData. Header err 0; results -1/0, -1/-103, -1/-2; nothing applied (exists -> NoNode).",
		run: func(s *capSession) {
			s.create("/multi-failed", nil, 0)
			s.record()
			s.do(OpMulti, mustMulti(
				createOp(OpCreate, "/multi-failed/x", "x", 0),
				MultiOp{Op: OpCheck, Body: &CheckVersionRequest{Path: "/multi-failed", Version: 99}},
				MultiOp{Op: OpSetData, Body: &SetDataRequest{Path: "/multi-failed", Data: []byte("y"), Version: -1}},
			), ErrOK)
			s.do(OpExists, &PathWatchRequest{Path: "/multi-failed/x"}, ErrNoNode)
		}},
	{name: "multi-empty",
		desc: "empty multi (just the end marker): accepted, answered with the end marker alone.",
		run: func(s *capSession) {
			s.record()
			s.do(OpMulti, &MultiRequest{}, ErrOK)
		}},
	{name: "multi-readop",
		desc: "multi holding a read op (getData): MarshallingError (-5), header only.",
		run: func(s *capSession) {
			s.record()
			frame := AppendRequest(nil, s.nextXid(), OpMulti, mustMulti(MultiOp{Op: OpGetData, Body: &PathWatchRequest{Path: "/"}}))
			s.sendFrame(frame, OpMulti, expectBadMulti, ErrMarshallingError)
		}},
	{name: "multiRead",
		desc: "multiRead (op 22): getData, getChildren, getData of a missing node (error result -101); header err 0.",
		run: func(s *capSession) {
			s.create("/multiRead", []byte("R"), 0)
			s.create("/multiRead/b", nil, 0)
			s.record()
			s.do(OpMultiRead, &MultiRequest{Read: true, Ops: []MultiOp{
				{Op: OpGetData, Body: &PathWatchRequest{Path: "/multiRead"}},
				{Op: OpGetChildren, Body: &PathWatchRequest{Path: "/multiRead"}},
				{Op: OpGetData, Body: &PathWatchRequest{Path: "/multiRead/nope"}},
			}}, ErrOK)
		}},
	{name: "multiRead-writeop",
		desc: "multiRead holding a write op (create): MarshallingError (-5) followed by a stray 9-byte empty multi body (quirk, §4).",
		run: func(s *capSession) {
			s.record()
			frame := AppendRequest(nil, s.nextXid(), OpMultiRead, mustMulti(createOp(OpCreate, "/multiRead-writeop", "", 0)))
			s.sendFrame(frame, OpMultiRead, expectBadMulti, ErrMarshallingError)
		}},
	{name: "reconfig",
		desc: "reconfig (op 16) with reconfig disabled (the default): ReconfigDisabled (-123), with a joining server and with all-null fields.",
		run: func(s *capSession) {
			s.record()
			s.do(OpReconfig, &ReconfigRequest{JoiningServers: "server.2=127.0.0.1:2888:3888:participant;127.0.0.1:2182", CurConfigID: -1}, ErrReconfigDisabled)
			s.do(OpReconfig, &ReconfigRequest{CurConfigID: -1}, ErrReconfigDisabled)
		}},
	{name: "checkWatches",
		desc: "checkWatches (op 17) after a data watch: Data and Any find it, Children answers NoWatcher (-121).",
		run: func(s *capSession) {
			s.create("/checkWatches", nil, 0)
			s.record()
			s.do(OpGetData, &PathWatchRequest{Path: "/checkWatches", Watch: true}, ErrOK)
			s.do(OpCheckWatches, &WatchesRequest{Path: "/checkWatches", Type: WatcherData}, ErrOK)
			s.do(OpCheckWatches, &WatchesRequest{Path: "/checkWatches", Type: WatcherChildren}, ErrNoWatcher)
			s.do(OpCheckWatches, &WatchesRequest{Path: "/checkWatches", Type: WatcherAny}, ErrOK)
		}},
	{name: "removeWatches",
		desc: "removeWatches (op 18) of a child watch: removed once, then NoWatcher (-121); no event is sent.",
		run: func(s *capSession) {
			s.create("/removeWatches", nil, 0)
			s.record()
			s.do(OpGetChildren, &PathWatchRequest{Path: "/removeWatches", Watch: true}, ErrOK)
			s.do(OpRemoveWatches, &WatchesRequest{Path: "/removeWatches", Type: WatcherChildren}, ErrOK)
			s.do(OpRemoveWatches, &WatchesRequest{Path: "/removeWatches", Type: WatcherChildren}, ErrNoWatcher)
			s.do(OpRemoveWatches, &WatchesRequest{Path: "/removeWatches", Type: WatcherAny}, ErrNoWatcher)
		}},
	{name: "auth",
		desc: "auth (op 100, xid -4) digest bob:secret: err 0, zxid 0; then whoAmI, a create with the auth: ACL and getACL (unmasked: the caller has ADMIN).",
		run: func(s *capSession) {
			s.record()
			s.doXid(XidAuth, OpAuth, &AuthPacket{Scheme: "digest", Auth: []byte("bob:secret")}, ErrOK)
			s.do(OpWhoAmI, nil, ErrOK)
			s.do(OpCreate, &CreateRequest{Path: "/auth", ACL: []ACL{{Perms: PermAll, ID: ID{Scheme: "auth", ID: ""}}}}, ErrOK)
			_, body := s.do(OpGetACL, &PathRequest{Path: "/auth"}, ErrOK)
			require.Equal(s.t, "bob:fyVmFCwVbTJYrznoSu1koqYEYF0=", decodeBody[GetACLResponse](s.t, body).ACL[0].ID.ID)
		}},
	{name: "auth-failed",
		desc: "auth with an unknown scheme: AuthFailed (-115), zxid 0, then the server closes the connection.",
		run: func(s *capSession) {
			s.record()
			s.doXid(XidAuth, OpAuth, &AuthPacket{Scheme: "nosuchscheme", Auth: []byte("x")}, ErrAuthFailed)
			s.expectClosed()
		}},
	{name: "setWatches",
		desc: "setWatches (op 101, xid -8) after changes past relativeZxid: catch-up events (data, exist, child order) precede the reply; the exist watch on a missing node fires later.",
		run: func(s *capSession) {
			s.create("/sw", []byte("0"), 0)
			s.create("/sw-gone", nil, 0)
			h, _ := s.do(OpExists, &PathWatchRequest{Path: "/sw"}, ErrOK)
			rel := h.Zxid
			s.do(OpSetData, &SetDataRequest{Path: "/sw", Data: []byte("1"), Version: -1}, ErrOK)
			s.create("/sw/c", nil, 0)
			s.do(OpDelete, &DeleteRequest{Path: "/sw-gone", Version: -1}, ErrOK)
			s.record()
			s.doXid(XidSetWatches, OpSetWatches, &SetWatches{RelativeZxid: rel,
				Data:  []string{"/sw", "/sw-gone"},
				Exist: []string{"/sw", "/sw-missing"},
				Child: []string{"/sw"},
			}, ErrOK)
			s.do(OpCreate, &CreateRequest{Path: "/sw-missing", ACL: openACL}, ErrOK)
		}},
	{name: "setWatches2",
		desc: "setWatches2 (op 105, ordinary xid) with persistent and persistent-recursive lists: no catch-up for those; later changes fire them.",
		run: func(s *capSession) {
			s.create("/sw2", []byte("0"), 0)
			s.create("/sw2r", nil, 0)
			h, _ := s.do(OpExists, &PathWatchRequest{Path: "/sw2"}, ErrOK)
			s.do(OpSetData, &SetDataRequest{Path: "/sw2", Data: []byte("1"), Version: -1}, ErrOK)
			s.record()
			s.do(OpSetWatches2, &SetWatches{V2: true, RelativeZxid: h.Zxid,
				Data:                []string{},
				Exist:               []string{},
				Child:               []string{},
				Persistent:          []string{"/sw2"},
				PersistentRecursive: []string{"/sw2r"},
			}, ErrOK)
			s.do(OpSetData, &SetDataRequest{Path: "/sw2", Data: []byte("2"), Version: -1}, ErrOK)
			s.do(OpCreate, &CreateRequest{Path: "/sw2r/x", ACL: openACL}, ErrOK)
		}},
	{name: "sasl",
		desc: "sasl (op 102) on a server without SASL: err 0 and a null token.",
		run: func(s *capSession) {
			s.record()
			_, body := s.do(OpSASL, &SASLToken{Token: []byte{}}, ErrOK)
			require.Nil(s.t, decodeBody[SASLToken](s.t, body).Token)
		}},
	{name: "getEphemerals",
		desc: "getEphemerals (op 103): this session's ephemerals under a prefix; an empty vector for no match.",
		run: func(s *capSession) {
			s.create("/eph", nil, 0)
			s.create("/eph/a", nil, FlagEphemeral)
			s.create("/eph/b", nil, FlagEphemeral)
			s.record()
			s.do(OpGetEphemerals, &PathRequest{Path: "/eph"}, ErrOK)
			s.do(OpGetEphemerals, &PathRequest{Path: "/nomatch"}, ErrOK)
		}},
	{name: "getAllChildrenNumber",
		desc: "getAllChildrenNumber (op 104): number of descendants; NoNode.",
		run: func(s *capSession) {
			s.create("/gacn", nil, 0)
			s.create("/gacn/a", nil, 0)
			s.create("/gacn/a/b", nil, 0)
			s.create("/gacn/c", nil, 0)
			s.record()
			_, body := s.do(OpGetAllChildrenNumber, &PathRequest{Path: "/gacn"}, ErrOK)
			require.Equal(s.t, int32(3), decodeBody[CountResponse](s.t, body).Count)
			s.do(OpGetAllChildrenNumber, &PathRequest{Path: "/gacn/missing"}, ErrNoNode)
		}},
	{name: "addWatch",
		desc: "addWatch (op 106): modes 0 and 1 answer ErrorResponse{0}; mode 5 is MarshallingError (-5); a create under the watched paths fires NodeCreated.",
		run: func(s *capSession) {
			s.record()
			s.do(OpAddWatch, &AddWatchRequest{Path: "/aw", Mode: AddWatchPersistent}, ErrOK)
			s.do(OpAddWatch, &AddWatchRequest{Path: "/awr", Mode: AddWatchPersistentRecursive}, ErrOK)
			s.do(OpAddWatch, &AddWatchRequest{Path: "/aw", Mode: 5}, ErrMarshallingError)
			s.do(OpCreate, &CreateRequest{Path: "/aw", ACL: openACL}, ErrOK)
		}},
	{name: "whoAmI",
		desc: "whoAmI (op 107) without auth: [ip 127.0.0.1].",
		run: func(s *capSession) {
			s.record()
			s.do(OpWhoAmI, nil, ErrOK)
		}},
	{name: "whoAmI-cesu8",
		desc: "digest auth as U+1F600 and whoAmI: the server writes the non-BMP user name CESU-8 encoded (ed a0 bd ed b8 80), §2.",
		run: func(s *capSession) {
			s.record()
			s.doXid(XidAuth, OpAuth, &AuthPacket{Scheme: "digest", Auth: []byte("\U0001F600:pw")}, ErrOK)
			s.do(OpWhoAmI, nil, ErrOK)
		}},
	{name: "closeSession",
		desc: "closeSession (op -11): reply with the close's zxid, then the server closes the connection.",
		run: func(s *capSession) {
			s.record()
			s.do(OpCloseSession, nil, ErrOK)
			s.expectClosed()
		}},
	{name: "unknown-op",
		desc: "unknown opcode 999: Unimplemented (-6) with zxid -1, then the server closes the connection.",
		run: func(s *capSession) {
			s.record()
			frame := AppendRequest(nil, s.nextXid(), OpCode(999), &PathRequest{Path: "/x"})
			s.sendFrame(frame, OpCode(999), expectNoRecord, ErrUnimplemented)
			s.expectClosed()
		}},
	{name: "notification-op",
		desc: "opcode 0 (notification) sent by a client: Unimplemented (-6), then the server closes the connection.",
		run: func(s *capSession) {
			s.record()
			frame := AppendRequest(nil, s.nextXid(), OpNotification, nil)
			s.sendFrame(frame, OpNotification, expectNoRecord, ErrUnimplemented)
			s.expectClosed()
		}},
	{name: "deleteContainer-op",
		desc: "opcode 20 (deleteContainer, server-internal) sent by a client with a raw path body: BadArguments (-8).",
		run: func(s *capSession) {
			s.create("/dc", nil, 0)
			s.record()
			frame := AppendRequest(nil, s.nextXid(), OpDeleteContainer, nil)
			frame = append(frame, "/dc"...)
			binary.BigEndian.PutUint32(frame, uint32(len(frame)-4))
			s.sendFrame(frame, OpDeleteContainer, expectNoRecord, ErrBadArguments)
			s.doXid(XidPing, OpPing, nil, ErrOK)
		}},
	{name: "truncated",
		desc: "getData whose path length (10) runs past the frame (3 bytes): MarshallingError (-5); the connection stays open (a ping follows).",
		run: func(s *capSession) {
			s.record()
			frame := AppendRequest(nil, s.nextXid(), OpGetData, nil)
			frame = append(frame, 0, 0, 0, 10, '/', 'a', 'b')
			binary.BigEndian.PutUint32(frame, uint32(len(frame)-4))
			s.sendFrame(frame, OpGetData, expectTruncated, ErrMarshallingError)
			s.doXid(XidPing, OpPing, nil, ErrOK)
		}},
	{name: "xid-echo",
		desc: "the server echoes any xid: exists with xids -8, 0, 7, 7 and -4.",
		run: func(s *capSession) {
			s.record()
			for _, xid := range []int32{XidSetWatches, 0, 7, 7, XidAuth} {
				h, _ := s.doXid(xid, OpExists, &PathWatchRequest{Path: "/"}, ErrOK)
				require.Equal(s.t, xid, h.Xid)
			}
		}},
}
