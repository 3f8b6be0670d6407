package zkserver

import (
	"io"
	"net"
	"testing"
	"time"

	"github.com/coordkit/coordkit/internal/wire"
)

// fuzzSeeds are request streams to start the fuzzers from.
func fuzzSeeds() [][]byte {
	acl := []wire.ACL{{Perms: wire.PermAll, ID: wire.ID{Scheme: "world", ID: "anyone"}}}
	reqs := []struct {
		op   wire.OpCode
		body wire.Record
	}{
		{wire.OpPing, nil},
		{wire.OpCreate, &wire.CreateRequest{Path: "/a", Data: []byte("x"), ACL: acl}},
		{wire.OpCreateTTL, &wire.CreateTTLRequest{Path: "/t", ACL: acl, Flags: wire.FlagPersistentWithTTL, TTL: 10}},
		{wire.OpGetData, &wire.PathWatchRequest{Path: "/a", Watch: true}},
		{wire.OpExists, &wire.PathWatchRequest{Path: "/b", Watch: true}},
		{wire.OpSetData, &wire.SetDataRequest{Path: "/a", Data: []byte("y"), Version: -1}},
		{wire.OpGetChildren2, &wire.PathWatchRequest{Path: "/", Watch: true}},
		{wire.OpMulti, &wire.MultiRequest{Ops: []wire.MultiOp{
			{Op: wire.OpCreate, Body: &wire.CreateRequest{Path: "/m", ACL: acl}},
			{Op: wire.OpCheck, Body: &wire.CheckVersionRequest{Path: "/m", Version: 0}},
			{Op: wire.OpDelete, Body: &wire.DeleteRequest{Path: "/m", Version: -1}},
		}}},
		{wire.OpMultiRead, &wire.MultiRequest{Read: true, Ops: []wire.MultiOp{{Op: wire.OpGetData, Body: &wire.PathWatchRequest{Path: "/"}}}}},
		{wire.OpSetWatches2, &wire.SetWatches{V2: true, Data: []string{"/a"}, Persistent: []string{"/"}}},
		{wire.OpAddWatch, &wire.AddWatchRequest{Path: "/", Mode: wire.AddWatchPersistentRecursive}},
		{wire.OpRemoveWatches, &wire.WatchesRequest{Path: "/", Type: wire.WatcherAny}},
		{wire.OpAuth, &wire.AuthPacket{Scheme: "digest", Auth: []byte("bob:secret")}},
		{wire.OpWhoAmI, nil},
		{wire.OpGetEphemerals, &wire.PathRequest{Path: "/"}},
		{wire.OpDelete, &wire.DeleteRequest{Path: "/a", Version: -1}},
		{wire.OpCloseSession, nil},
	}
	var all []byte
	var seeds [][]byte
	for i, r := range reqs {
		f := wire.AppendRequest(nil, int32(i+1), r.op, r.body)
		seeds = append(seeds, f)
		all = append(all, f...)
	}
	seeds = append(seeds, all,
		[]byte{0, 0, 0, 0x0f, 0, 0, 0, 1, 0, 0, 0, 4, 0, 0, 0, 0x0a, '/', 'a', 'b'},
		[]byte{0, 0x10, 0, 0},
		[]byte{0, 0, 0, 2, 1, 2},
		[]byte("ruok"),
		wire.AppendRequest(nil, 1, 999, &wire.PathRequest{Path: "/x"}),
	)
	return seeds
}

// fuzzServer is a fresh in-memory server for one fuzz execution, served
// over in-process pipes.
func fuzzServer(t *testing.T) *Server {
	s, err := New(WithMaxPacket(1 << 16))
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// feed sends data on a new connection of s, draining whatever comes
// back, then closes it.
func feed(t *testing.T, s *Server, data []byte) {
	client, server := net.Pipe()
	s.serveConn(server)
	drained := make(chan struct{})
	go func() {
		_, _ = io.Copy(io.Discard, client)
		close(drained)
	}()
	_ = client.SetWriteDeadline(time.Now().Add(2 * time.Second))
	_, _ = client.Write(data)
	_ = client.Close()
	<-drained
}

// checkServes fails unless s still opens sessions and answers.
func checkServes(t *testing.T, s *Server) {
	client, server := net.Pipe()
	defer client.Close()
	s.serveConn(server)
	_ = client.SetDeadline(time.Now().Add(5 * time.Second))
	fr := wire.NewFrameReader(client, 1<<20)
	if _, err := client.Write(connectFrame(newSessionRequest(10_000))); err != nil {
		t.Fatalf("handshake: %v", err)
	}
	p, err := fr.Next()
	if err != nil {
		t.Fatalf("handshake: %v", err)
	}
	var resp wire.ConnectResponse
	if err := wire.Unmarshal(p, &resp); err != nil || resp.SessionID == 0 {
		t.Fatalf("handshake: %v %+v", err, resp)
	}
	if _, err := client.Write(appendPing(nil)); err != nil {
		t.Fatalf("ping: %v", err)
	}
	if p, err = fr.Next(); err != nil || len(p) != wire.ReplyHeaderLen {
		t.Fatalf("ping: %v % x", err, p)
	}
}

func finish(t *testing.T, s *Server) {
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if n := s.panics.Load(); n != 0 {
		t.Fatalf("%d requests panicked", n)
	}
}

// FuzzConnection feeds arbitrary bytes to a connection after a valid
// handshake: the server must not panic and must keep serving others.
func FuzzConnection(f *testing.F) {
	for _, s := range fuzzSeeds() {
		f.Add(s)
	}
	handshake := connectFrame(newSessionRequest(10_000))
	f.Fuzz(func(t *testing.T, data []byte) {
		s := fuzzServer(t)
		defer finish(t, s)
		feed(t, s, append(append([]byte(nil), handshake...), data...))
		checkServes(t, s)
	})
}

// FuzzFirstBytes feeds arbitrary bytes as the very first bytes of a
// connection (a ConnectRequest or a four-letter word, or neither).
func FuzzFirstBytes(f *testing.F) {
	f.Add(connectFrame(newSessionRequest(10_000)))
	f.Add(connectFrame(wire.ConnectRequest{TimeOut: 1, SessionID: 77, Passwd: []byte{1}}))
	for _, s := range fuzzSeeds() {
		f.Add(s)
	}
	for w := range fourLetterWords {
		f.Add([]byte(w))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		s := fuzzServer(t)
		defer finish(t, s)
		feed(t, s, data)
		checkServes(t, s)
	})
}
