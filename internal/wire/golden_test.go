package wire

import (
	"io"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

var openACL = []ACL{{Perms: PermAll, ID: ID{Scheme: "world", ID: "anyone"}}}

func wantConnReq(r ConnectRequest) decodedFrame   { return decodedFrame{ConnReq: &r} }
func wantConnResp(r ConnectResponse) decodedFrame { return decodedFrame{ConnResp: &r} }

func wantReq(xid int32, op OpCode, body Record) decodedFrame {
	return decodedFrame{ReqHdr: &RequestHeader{Xid: xid, Op: op}, Body: body}
}

func wantReply(xid int32, zxid int64, code ErrCode, body Record) decodedFrame {
	return decodedFrame{ReplyHdr: &ReplyHeader{Xid: xid, Zxid: zxid, Err: code}, Body: body}
}

func wantEvent(typ int32, path string) decodedFrame {
	return wantReply(XidWatchEvent, -1, ErrOK, &WatcherEvent{Type: typ, State: StateSyncConnected, Path: path})
}

// The captures of §20 of the protocol reference, with the records they hold.
// Each frame is checked both ways: encoding the record gives the captured
// bytes exactly, and decoding the bytes gives the record.
func TestGoldenDocFrames(t *testing.T) {
	zero16 := make([]byte, 16)
	probeStat := Stat{Czxid: 2, Mzxid: 2, Ctime: 0x1a201457225, Mtime: 0x1a201457225,
		Cversion: 7, DataLength: 5, NumChildren: 3, Pzxid: 29}
	mStat := Stat{Czxid: 62, Mzxid: 63, Ctime: 0x1a201461000, Mtime: 0x1a201462a40,
		Version: 1, Cversion: 2, DataLength: 1, NumChildren: 2, Pzxid: 63}
	mcStat := Stat{Czxid: 63, Mzxid: 63, Ctime: 0x1a201462a40, Mtime: 0x1a201462a40, Pzxid: 63}
	seqStat := Stat{Czxid: 27, Mzxid: 27, Ctime: 0x1a201458a10, Mtime: 0x1a201458a10, Pzxid: 27}

	tests := []struct {
		file   string
		frames []decodedFrame
	}{
		{"doc-connect.hex", []decodedFrame{
			wantConnReq(ConnectRequest{TimeOut: 30000, Passwd: zero16, HasReadOnly: true}),
			wantConnResp(ConnectResponse{TimeOut: 30000, SessionID: 0x010000060c680000,
				Passwd:      []byte{0x2a, 0xa9, 0x5b, 0x49, 0x6f, 0xf4, 0x4f, 0xc1, 0x18, 0x99, 0xfb, 0x64, 0xd0, 0x07, 0x6e, 0x92},
				HasReadOnly: true}),
		}},
		{"doc-ping.hex", []decodedFrame{
			wantReq(XidPing, OpPing, Empty{}),
			wantReply(XidPing, 1, ErrOK, Empty{}),
		}},
		{"doc-create-probe.hex", []decodedFrame{
			wantReq(1, OpCreate, &CreateRequest{Path: "/probe", Data: []byte("hello"), ACL: openACL}),
			wantReply(1, 2, ErrOK, &CreateResponse{Path: "/probe"}),
		}},
		{"doc-error-nodeexists.hex", []decodedFrame{
			wantReply(3, 4, ErrNodeExists, nil),
		}},
		{"doc-getdata-probe.hex", []decodedFrame{
			wantReq(1, OpGetData, &PathWatchRequest{Path: "/probe", Watch: true}),
			wantReply(1, 30, ErrOK, &GetDataResponse{Data: []byte("hello"), Stat: probeStat}),
		}},
		{"doc-create2-sequential.hex", []decodedFrame{
			wantReply(2, 27, ErrOK, &Create2Response{Path: "/probe/seq-0000000002", Stat: seqStat}),
		}},
		{"doc-event-datachanged.hex", []decodedFrame{
			wantEvent(EventNodeDataChanged, "/probe"),
		}},
		{"doc-multi.hex", []decodedFrame{
			wantReq(2, OpMulti, &MultiRequest{Ops: []MultiOp{
				{Op: OpCreate, Body: &CreateRequest{Path: "/m/a", Data: []byte("A"), ACL: openACL}},
				{Op: OpCreate2, Body: &CreateRequest{Path: "/m/b", Data: []byte("B"), ACL: openACL}},
				{Op: OpSetData, Body: &SetDataRequest{Path: "/m", Data: []byte("M"), Version: -1}},
				{Op: OpCheck, Body: &CheckVersionRequest{Path: "/m", Version: 1}},
				{Op: OpDelete, Body: &DeleteRequest{Path: "/m/a", Version: -1}},
				{Op: OpCreateContainer, Body: &CreateRequest{Path: "/m/c", Data: []byte{}, ACL: openACL, Flags: FlagContainer}},
			}}),
			wantReply(2, 63, ErrOK, &MultiResponse{Results: []MultiResult{
				{Op: OpCreate, Path: "/m/a"},
				{Op: OpCreate, Path: "/m/b"},
				{Op: OpSetData, Stat: mStat},
				{Op: OpCheck},
				{Op: OpDelete},
				{Op: OpCreate2, Path: "/m/c", Stat: mcStat},
			}}),
		}},
		{"doc-multi-failed.hex", []decodedFrame{
			wantReply(3, 64, ErrOK, &MultiResponse{Results: []MultiResult{
				{Op: OpError, Err: ErrOK},
				{Op: OpError, Err: ErrBadVersion},
				{Op: OpError, Err: ErrRuntimeInconsistency},
			}}),
		}},
		{"doc-multiread.hex", []decodedFrame{
			wantReply(4, 64, ErrOK, &MultiResponse{Results: []MultiResult{
				{Op: OpGetData, Data: []byte("M"), Stat: func() Stat { s := mStat; s.Cversion = 4; return s }()},
				{Op: OpGetChildren, Children: []string{"b", "c"}},
				{Op: OpError, Err: ErrNoNode},
			}}),
		}},
		{"doc-addwatch.hex", []decodedFrame{
			wantReq(2, OpAddWatch, &AddWatchRequest{Path: "/w", Mode: AddWatchPersistentRecursive}),
			wantReply(2, 75, ErrOK, &ErrorResponse{Err: ErrOK}),
		}},
		{"doc-setwatches.hex", []decodedFrame{
			wantReq(XidSetWatches, OpSetWatches, &SetWatches{RelativeZxid: 1,
				Data: []string{"/w", "/gone"}, Exist: []string{"/w", "/gone2"}, Child: []string{"/w"}}),
			wantEvent(EventNodeDataChanged, "/w"),
			wantEvent(EventNodeDeleted, "/gone"),
			wantEvent(EventNodeCreated, "/w"),
			wantEvent(EventNodeChildrenChanged, "/w"),
			wantReply(XidSetWatches, 82, ErrOK, Empty{}),
		}},
		{"doc-auth.hex", []decodedFrame{
			wantReq(XidAuth, OpAuth, &AuthPacket{Scheme: "digest", Auth: []byte("bob:secret")}),
			wantReply(XidAuth, 0, ErrOK, Empty{}),
		}},
		{"doc-auth-failed.hex", []decodedFrame{
			wantReply(XidAuth, 0, ErrAuthFailed, nil),
		}},
		{"doc-whoami.hex", []decodedFrame{
			wantReq(15, OpWhoAmI, Empty{}),
			wantReply(15, 86, ErrOK, &WhoAmIResponse{ClientInfo: []ClientInfo{
				{AuthScheme: "digest", User: "bob"}, {AuthScheme: "ip", User: "127.0.0.1"}}}),
		}},
		{"doc-closesession.hex", []decodedFrame{
			wantReq(2, OpCloseSession, Empty{}),
			wantReply(2, 96, ErrOK, Empty{}),
		}},
		{"doc-unknown-op.hex", []decodedFrame{
			// The server reads no body for an unknown opcode; the client sent a path.
			wantReq(1, OpCode(999), &PathRequest{Path: "/x"}),
			wantReply(1, -1, ErrUnimplemented, nil),
		}},
		{"doc-reattach-rejected.hex", []decodedFrame{
			wantConnResp(ConnectResponse{Passwd: zero16, HasReadOnly: true}),
		}},
		{"doc-truncated-getdata.hex", []decodedFrame{
			wantReq(1, OpGetData, &PathWatchRequest{}),
			wantReply(1, 125, ErrMarshallingError, nil),
		}},
	}
	seen := map[string]bool{}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			seen[tt.file] = true
			c := loadCapture(t, tt.file)
			require.Len(t, c.Frames, len(tt.frames))
			for i, want := range tt.frames {
				f := c.Frames[i]
				t.Run(f.name(), func(t *testing.T) {
					got, err := decodeFrame(f, f.payload())
					if f.Expect == expectTruncated {
						require.ErrorIs(t, err, ErrBadLength, "the string length 10 exceeds the 3 bytes left")
						assert.Equal(t, want.ReqHdr, got.ReqHdr)
						return
					}
					require.NoError(t, err)
					if f.Expect == expectNoRecord {
						assert.Equal(t, want.ReqHdr, got.ReqHdr)
						assert.Nil(t, got.Body, "no request record to decode")
						assert.Equal(t, f.Bytes, encodeFrame(want), "encoded record")
						return
					}
					assert.Equal(t, len(f.payload()), got.Consumed, "decode must consume the whole frame")
					got.Consumed = 0
					assert.Equal(t, want, got, "decoded record")
					assert.Equal(t, f.Bytes, encodeFrame(want), "encoded record")
				})
			}
		})
	}
	for _, c := range loadCaptures(t, "doc-*.hex") {
		assert.True(t, seen[c.Name], "%s has no entry in this table", c.Name)
	}
}

// Every golden capture, the §20 ones and those recorded from a real server:
// each frame decodes as the record its kind and opcode say, the decode
// consumes the whole frame, and re-encoding gives the captured bytes back,
// except where the protocol reference documents a quirk.
func TestGoldenRoundTrip(t *testing.T) {
	captures := loadCaptures(t, "*.hex")
	require.NotEmpty(t, captures)
	var real int
	for _, c := range captures {
		if strings.HasPrefix(c.Name, "real-") {
			real++
		}
	}
	require.NotZero(t, real, "the real-*.hex captures are missing (see capture_test.go)")

	for _, c := range captures {
		t.Run(c.Name, func(t *testing.T) {
			require.NotEmpty(t, c.Comments, "a capture file starts with a comment saying what it is")
			for _, f := range c.Frames {
				t.Run(f.name(), func(t *testing.T) { checkGoldenFrame(t, f) })
			}
		})
	}
}

func checkGoldenFrame(t *testing.T, f captureFrame) {
	got, err := decodeFrame(f, f.payload())
	switch {
	case f.Expect == expectTruncated:
		require.Equal(t, kindRequest, f.Kind)
		require.Error(t, err)
		assert.True(t, isDecodeError(err), "error %v", err)
		require.NotNil(t, got.ReqHdr)
		_, ok := RequestBody(got.ReqHdr.Op)
		assert.True(t, ok, "a truncated body of a known request")
		return
	case f.Expect == expectNoRecord:
		require.Equal(t, kindRequest, f.Kind)
		require.NoError(t, err)
		_, ok := RequestBody(got.ReqHdr.Op)
		assert.False(t, ok, "%v should have no request record", got.ReqHdr.Op)
		assert.Nil(t, got.Body)
		return
	case f.Expect == expectBadMulti:
		// §10.1: the server answers MarshallingError; the decoder refuses
		// the op, and everything before it decodes.
		require.Equal(t, kindRequest, f.Kind)
		require.ErrorIs(t, err, ErrBadMultiOp)
		assert.Contains(t, []OpCode{OpMulti, OpMultiRead}, got.ReqHdr.Op)
		return
	case f.Quirk == quirkStrayBody:
		// §4 and §10.1: a multiRead holding a write op is answered with
		// err −5 followed by an empty multi body (the end marker alone).
		require.NoError(t, err)
		assert.Equal(t, OpMultiRead, f.Op)
		assert.Equal(t, ErrMarshallingError, got.ReplyHdr.Err)
		assert.Equal(t, ReplyHeaderLen, got.Consumed, "a client reads no body after err ≠ 0")
		var stray MultiResponse
		d := NewDecoder(f.payload()[got.Consumed:])
		stray.Decode(d)
		require.NoError(t, d.Err())
		assert.Zero(t, d.Remaining())
		assert.Empty(t, stray.Results)
		assert.Equal(t, f.Bytes, AppendReply(nil, *got.ReplyHdr, &MultiResponse{}))
		return
	}
	require.Empty(t, f.Expect+f.Quirk, "unknown expectation")
	require.NoError(t, err)
	assert.Equal(t, len(f.payload()), got.Consumed, "decode must consume the whole frame")
	assert.Equal(t, f.Bytes, encodeFrame(got), "re-encoding must give the captured bytes")

	switch f.Kind {
	case kindEvent:
		assert.Equal(t, XidWatchEvent, got.ReplyHdr.Xid)
		assert.Equal(t, int64(-1), got.ReplyHdr.Zxid, "events carry zxid −1 (§4.2)")
		assert.Equal(t, StateSyncConnected, got.Body.(*WatcherEvent).State, "servers only send SyncConnected (§11.1)")
	case kindReply:
		assert.NotEqual(t, XidWatchEvent, got.ReplyHdr.Xid)
		if got.ReplyHdr.Err != ErrOK {
			assert.Equal(t, ReplyHeaderLen, len(f.payload()), "no body after err ≠ 0 (§4)")
		}
		if f.Op == OpPing {
			assert.Equal(t, XidPing, got.ReplyHdr.Xid, "ping replies always use xid −2 (§4.1)")
		}
		if f.Op == OpAuth {
			assert.Equal(t, XidAuth, got.ReplyHdr.Xid)
			assert.Zero(t, got.ReplyHdr.Zxid, "auth replies carry zxid 0 (§4.2)")
		}
	case kindConnect:
		if got.ConnReq != nil {
			assert.Equal(t, got.ConnReq.HasReadOnly, len(f.payload()) == 29+len(got.ConnReq.Passwd))
		}
	}
}

// The frames of each direction of a capture, written back to back, read
// back through FrameReader one by one, at any read size.
func TestGoldenFramesThroughFrameReader(t *testing.T) {
	for _, c := range loadCaptures(t, "*.hex") {
		t.Run(c.Name, func(t *testing.T) {
			for _, dir := range []byte{'>', '<'} {
				var stream []byte
				var want [][]byte
				for _, f := range c.Frames {
					if f.Dir == dir {
						stream = append(stream, f.Bytes...)
						want = append(want, f.payload())
					}
				}
				fr := NewFrameReader(&chunkReader{b: stream, n: 3}, DefaultMaxPacket)
				for _, w := range want {
					p, err := fr.Next()
					require.NoError(t, err)
					assert.Equal(t, w, p)
				}
				_, err := fr.Next()
				assert.Equal(t, io.EOF, err)
			}
		})
	}
}

// chunkReader returns at most n bytes per Read.
type chunkReader struct {
	b []byte
	n int
}

func (r *chunkReader) Read(p []byte) (int, error) {
	if len(r.b) == 0 {
		return 0, io.EOF
	}
	n := min(len(p), r.n, len(r.b))
	copy(p, r.b[:n])
	r.b = r.b[n:]
	return n, nil
}

// The parser of the golden format rejects malformed files, so a typo in a
// capture cannot silently drop bytes.
func TestParseGoldenRejects(t *testing.T) {
	tests := []struct{ name, text string }{
		{"no frames", "# only a comment\n"},
		{"bytes before marker", "00 00 00 00\n"},
		{"bad hex", "> request\n00 00 00 0g\n"},
		{"odd hex", "> request\n00 00 00 0\n"},
		{"length prefix too small", "> request\n00 00 00 01 00 00\n"},
		{"length prefix too large", "> request\n00 00 00 09 00 00 00 00 00 00 00 00\n"},
		{"short prefix", "> request\n00 00\n"},
		{"reply without op", "< reply\n00 00 00 00\n"},
		{"op on a request", "> request op=ping\n00 00 00 00\n"},
		{"unknown op", "< reply op=frobnicate\n00 00 00 00\n"},
		{"unknown kind", "> hello\n00 00 00 00\n"},
		{"unknown option", "> request colour=red\n00 00 00 00\n"},
		{"marker without kind", ">\n00 00 00 00\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := parseCapture("x.hex", []byte(tt.text))
			assert.Error(t, err)
		})
	}

	c, err := parseCapture("x.hex", []byte("# hi\n< reply op=-11 quirk=q expect=e\n00 00 00 01 # c\n  ff\n"))
	require.NoError(t, err)
	assert.Equal(t, []string{"hi"}, c.Comments)
	require.Len(t, c.Frames, 1)
	assert.Equal(t, captureFrame{File: "x.hex", Line: 2, Dir: '<', Kind: kindReply, Op: OpCloseSession,
		Expect: "e", Quirk: "q", Bytes: []byte{0, 0, 0, 1, 0xff}}, c.Frames[0])

	// formatCapture writes what parseCapture reads.
	text := formatCapture([]string{"title", ""}, c.Frames, []string{"note"})
	back, err := parseCapture("x.hex", text)
	require.NoError(t, err)
	back.Frames[0].Line = c.Frames[0].Line
	assert.Equal(t, c.Frames, back.Frames)
	assert.Equal(t, []string{"title", ""}, back.Comments)
}
