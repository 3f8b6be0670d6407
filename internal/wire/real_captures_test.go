package wire

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// decodedCapture is a golden file with each frame decoded.
type decodedCapture struct {
	capture
	ds []decodedFrame
}

// decodeCapture decodes every frame of a golden file; frames meant to fail
// decoding (expect=…) keep what was decoded before the failure.
func decodeCapture(t *testing.T, name string) decodedCapture {
	t.Helper()
	c := loadCapture(t, name)
	out := decodedCapture{capture: c, ds: make([]decodedFrame, len(c.Frames))}
	for i, f := range c.Frames {
		d, err := decodeFrame(f, f.payload())
		if f.Expect == "" {
			require.NoError(t, err, "%s frame %d", name, i)
		}
		out.ds[i] = d
	}
	return out
}

func (c decodedCapture) of(kind string, dir byte) []decodedFrame {
	var out []decodedFrame
	for i, f := range c.Frames {
		if f.Kind == kind && f.Dir == dir {
			out = append(out, c.ds[i])
		}
	}
	return out
}

func (c decodedCapture) requests() []decodedFrame { return c.of(kindRequest, '>') }
func (c decodedCapture) replies() []decodedFrame  { return c.of(kindReply, '<') }

func (c decodedCapture) events() []WatcherEvent {
	var out []WatcherEvent
	for _, d := range c.of(kindEvent, '<') {
		out = append(out, *d.Body.(*WatcherEvent))
	}
	return out
}

// sequence spells the frames' kinds in order: > request, < reply, ! event,
// C/c connect request/response.
func (c decodedCapture) sequence() string {
	var b strings.Builder
	for _, f := range c.Frames {
		switch {
		case f.Kind == kindConnect && f.Dir == '>':
			b.WriteByte('C')
		case f.Kind == kindConnect:
			b.WriteByte('c')
		case f.Kind == kindEvent:
			b.WriteByte('!')
		default:
			b.WriteByte(f.Dir)
		}
	}
	return b.String()
}

func (c decodedCapture) errs() []ErrCode {
	var out []ErrCode
	for _, r := range c.replies() {
		out = append(out, r.ReplyHdr.Err)
	}
	return out
}

func results(d decodedFrame) []MultiResult { return d.Body.(*MultiResponse).Results }

const (
	ok       = ErrOK
	noNode   = ErrNoNode
	badArgs  = ErrBadArguments
	badVer   = ErrBadVersion
	marshal  = ErrMarshallingError
	noWatch  = ErrNoWatcher
	badACL   = ErrInvalidACL
	unimpl   = ErrUnimplemented
	disabled = ErrReconfigDisabled
)

// The behaviour of the real 3.8.0 server that the protocol reference
// documents, as it shows in the real-*.hex captures: the error code of every
// reply, and the details the codec must carry faithfully (null vs empty,
// optional bytes, multi result types, CESU-8, xids and zxids).
func TestRealCaptureBehaviour(t *testing.T) {
	tests := []struct {
		file string
		seq  string    // frame kinds in order, see sequence
		errs []ErrCode // error code of each reply, in order
		more func(t *testing.T, c decodedCapture)
	}{
		{file: "real-connect.hex", seq: "Cc><", errs: []ErrCode{ok}, more: func(t *testing.T, c decodedCapture) {
			assert.Len(t, c.Frames[0].payload(), 45)
			assert.Len(t, c.Frames[1].payload(), 37)
			r := c.ds[1].ConnResp
			assert.True(t, r.HasReadOnly)
			assert.Equal(t, int32(30000), r.TimeOut)
			assert.Len(t, r.Passwd, 16)
			assert.Equal(t, int64(1), r.SessionID>>56, "standalone session ids carry server id 1 (§3.2)")
		}},
		{file: "real-connect-no-readonly.hex", seq: "Cc", more: func(t *testing.T, c decodedCapture) {
			assert.Len(t, c.Frames[0].payload(), 44)
			assert.False(t, c.ds[0].ConnReq.HasReadOnly)
			assert.Len(t, c.Frames[1].payload(), 36, "no readOnly byte in, none out (§3.1)")
			assert.False(t, c.ds[1].ConnResp.HasReadOnly)
			assert.Equal(t, int32(6000), c.ds[1].ConnResp.TimeOut, "raised to minSessionTimeout")
		}},
		{file: "real-connect-readonly-true.hex", seq: "Cc", more: func(t *testing.T, c decodedCapture) {
			assert.True(t, c.ds[0].ConnReq.ReadOnly)
			assert.Equal(t, int32(60000), c.ds[1].ConnResp.TimeOut, "lowered to maxSessionTimeout")
			assert.True(t, c.ds[1].ConnResp.HasReadOnly)
			assert.False(t, c.ds[1].ConnResp.ReadOnly)
		}},
		{file: "real-reattach.hex", seq: "Cc><", errs: []ErrCode{ok}, more: func(t *testing.T, c decodedCapture) {
			assert.NotZero(t, c.ds[0].ConnReq.SessionID)
			assert.Equal(t, c.ds[0].ConnReq.SessionID, c.ds[1].ConnResp.SessionID)
			assert.Equal(t, c.ds[0].ConnReq.Passwd, c.ds[1].ConnResp.Passwd)
		}},
		{file: "real-reattach-rejected.hex", seq: "Cc", more: func(t *testing.T, c decodedCapture) {
			assert.NotZero(t, c.ds[0].ConnReq.SessionID)
			assert.Equal(t, &ConnectResponse{Passwd: make([]byte, 16), HasReadOnly: true}, c.ds[1].ConnResp)
		}},
		{file: "real-ping.hex", seq: "><><", errs: []ErrCode{ok, ok}, more: func(t *testing.T, c decodedCapture) {
			assert.Equal(t, int32(7), c.requests()[1].ReqHdr.Xid)
			assert.Equal(t, XidPing, c.replies()[1].ReplyHdr.Xid, "a ping is answered with xid −2 whatever it carried (§4.1)")
		}},
		{file: "real-create.hex", errs: []ErrCode{ok, ErrNodeExists, ok, ok, ok, ok, badACL, badACL, noNode, badArgs, badArgs},
			more: func(t *testing.T, c decodedCapture) {
				req, rep := c.requests(), c.replies()
				assert.Nil(t, req[2].Body.(*CreateRequest).Data, "null data")
				assert.Equal(t, []byte{}, req[3].Body.(*CreateRequest).Data, "empty data")
				assert.Equal(t, []ACL{}, req[6].Body.(*CreateRequest).ACL, "empty ACL vector")
				assert.Nil(t, req[7].Body.(*CreateRequest).ACL, "null ACL vector")
				assert.Equal(t, "/create/seq-0000000002", rep[4].Body.(*CreateResponse).Path)
				assert.Greater(t, rep[1].ReplyHdr.Zxid, rep[0].ReplyHdr.Zxid, "a failed write consumes a zxid (§4.2)")
			}},
		{file: "real-create2.hex", errs: []ErrCode{ok, ok, ok}, more: func(t *testing.T, c decodedCapture) {
			rep := c.replies()
			r := rep[0].Body.(*Create2Response)
			assert.Equal(t, "/create2", r.Path)
			assert.Equal(t, rep[0].ReplyHdr.Zxid, r.Stat.Czxid)
			assert.Equal(t, r.Stat.Czxid, r.Stat.Mzxid)
			assert.Equal(t, r.Stat.Czxid, r.Stat.Pzxid)
			assert.Equal(t, r.Stat.Ctime, r.Stat.Mtime)
			assert.Equal(t, int32(3), r.Stat.DataLength)
			assert.Zero(t, r.Stat.EphemeralOwner)
			eph := rep[2].Body.(*Create2Response)
			assert.True(t, strings.HasPrefix(eph.Path, "/create2/eph-00000000"), eph.Path)
			assert.NotZero(t, eph.Stat.EphemeralOwner, "an ephemeral's owner is the session id")
		}},
		{file: "real-createContainer.hex", errs: []ErrCode{ok}, more: func(t *testing.T, c decodedCapture) {
			assert.Equal(t, OpCreateContainer, c.requests()[0].ReqHdr.Op)
			assert.Zero(t, c.replies()[0].Body.(*Create2Response).Stat.EphemeralOwner, "container marker masked (§5.1)")
		}},
		{file: "real-createTTL.hex", errs: []ErrCode{ok, ok, badArgs, badArgs, badArgs},
			more: func(t *testing.T, c decodedCapture) {
				assert.Equal(t, int64(60000), c.requests()[0].Body.(*CreateTTLRequest).TTL)
				assert.Equal(t, MaxTTL+1, c.requests()[3].Body.(*CreateTTLRequest).TTL)
				assert.Zero(t, c.replies()[0].Body.(*Create2Response).Stat.EphemeralOwner, "TTL marker masked (§5.1)")
				assert.Regexp(t, `^/ttlseq-\d{10}$`, c.replies()[1].Body.(*Create2Response).Path, "flags 6: a sequential TTL node")
			}},
		{file: "real-delete.hex", errs: []ErrCode{badVer, ok, noNode, ErrNotEmpty, badArgs}, more: func(t *testing.T, c decodedCapture) {
			assert.Equal(t, Empty{}, c.replies()[1].Body, "delete has no response body")
		}},
		{file: "real-exists.hex", errs: []ErrCode{ok, noNode}, more: func(t *testing.T, c decodedCapture) {
			assert.Equal(t, int32(1), c.replies()[0].Body.(*StatResponse).Stat.DataLength)
		}},
		{file: "real-getData.hex", errs: []ErrCode{ok, ok, ok, noNode, ok}, more: func(t *testing.T, c decodedCapture) {
			rep := c.replies()
			assert.Equal(t, []byte("hello"), rep[0].Body.(*GetDataResponse).Data)
			null := rep[1].Body.(*GetDataResponse)
			assert.Nil(t, null.Data, "null data reads back as null (§2)")
			assert.Zero(t, null.Stat.DataLength)
			assert.Equal(t, []byte{}, rep[2].Body.(*GetDataResponse).Data, "empty data reads back as empty")
			assert.Equal(t, "", c.requests()[4].Body.(*PathWatchRequest).Path, "the empty path reads the root (§8.4)")
			assert.Zero(t, rep[4].Body.(*GetDataResponse).Stat.Czxid, "the root")
		}},
		{file: "real-setData.hex", seq: "><>!<><><><", errs: []ErrCode{ok, ok, badVer, ok, noNode},
			more: func(t *testing.T, c decodedCapture) {
				assert.Equal(t, []WatcherEvent{{Type: EventNodeDataChanged, State: StateSyncConnected, Path: "/setData"}}, c.events(),
					"the event precedes the setData reply (§11.4)")
				rep := c.replies()
				st := rep[1].Body.(*StatResponse).Stat
				assert.Equal(t, int32(1), st.Version)
				assert.Equal(t, rep[1].ReplyHdr.Zxid, st.Mzxid)
				assert.Nil(t, c.requests()[3].Body.(*SetDataRequest).Data)
				assert.Zero(t, rep[3].Body.(*StatResponse).Stat.DataLength)
				for i := 2; i < len(rep); i++ {
					assert.Equal(t, rep[i-1].ReplyHdr.Zxid+1, rep[i].ReplyHdr.Zxid, "every write, failed or not, takes a zxid")
				}
			}},
		{file: "real-getACL.hex", errs: []ErrCode{ok, ok, noNode}, more: func(t *testing.T, c decodedCapture) {
			rep := c.replies()
			assert.Equal(t, openACL, rep[0].Body.(*GetACLResponse).ACL)
			assert.Equal(t, []ACL{
				{Perms: PermAll, ID: ID{Scheme: "digest", ID: "bob:x"}},
				{Perms: PermRead, ID: ID{Scheme: "world", ID: "anyone"}},
			}, rep[1].Body.(*GetACLResponse).ACL, "digest ids masked without ADMIN (§8.6)")
		}},
		{file: "real-setACL.hex", errs: []ErrCode{ok, badVer, badACL}, more: func(t *testing.T, c decodedCapture) {
			assert.Equal(t, int32(1), c.replies()[0].Body.(*StatResponse).Stat.Aversion)
		}},
		{file: "real-getChildren.hex", errs: []ErrCode{ok, ok, noNode}, more: func(t *testing.T, c decodedCapture) {
			rep := c.replies()
			assert.ElementsMatch(t, []string{"a", "b", "c"}, rep[0].Body.(*StringsResponse).Strings)
			assert.Equal(t, []string{}, rep[1].Body.(*StringsResponse).Strings, "a leaf has an empty, not null, vector (§8.7)")
		}},
		{file: "real-getChildren2.hex", errs: []ErrCode{ok, ok, noNode}, more: func(t *testing.T, c decodedCapture) {
			r := c.replies()[0].Body.(*GetChildren2Response)
			assert.ElementsMatch(t, []string{"x", "y"}, r.Children)
			assert.Equal(t, int32(2), r.Stat.NumChildren, "the Stat of the parent")
			assert.Equal(t, int32(1), r.Stat.DataLength)
			assert.Equal(t, []string{}, c.replies()[1].Body.(*GetChildren2Response).Children)
		}},
		{file: "real-sync.hex", errs: []ErrCode{ok, ok}, more: func(t *testing.T, c decodedCapture) {
			assert.Equal(t, &SyncResponse{Path: "/"}, c.replies()[0].Body)
			assert.Equal(t, &SyncResponse{Path: "/sync/not-there"}, c.replies()[1].Body)
		}},
		{file: "real-check.hex", errs: []ErrCode{badVer, noNode}},
		{file: "real-multi.hex", errs: []ErrCode{ok}, more: func(t *testing.T, c decodedCapture) {
			var ops []OpCode
			for _, op := range c.requests()[0].Body.(*MultiRequest).Ops {
				ops = append(ops, op.Op)
			}
			assert.Equal(t, []OpCode{OpCreate, OpCreate2, OpSetData, OpCheck, OpDelete, OpCreateContainer, OpCreateTTL}, ops)
			res := results(c.replies()[0])
			require.Len(t, res, 7)
			assert.Equal(t, MultiResult{Op: OpCreate, Path: "/multi/a"}, res[0])
			assert.Equal(t, MultiResult{Op: OpCreate, Path: "/multi/b"}, res[1], "create2 in a multi: type 1, no Stat (§10.2)")
			assert.Equal(t, OpSetData, res[2].Op)
			assert.Equal(t, int32(1), res[2].Stat.Version)
			assert.Equal(t, MultiResult{Op: OpCheck}, res[3])
			assert.Equal(t, MultiResult{Op: OpDelete}, res[4])
			for _, r := range res[5:] {
				assert.Equal(t, OpCreate2, r.Op, "container and TTL creates: type 15 with a Stat")
				assert.Equal(t, c.replies()[0].ReplyHdr.Zxid, r.Stat.Czxid, "one zxid for the whole multi")
			}
		}},
		{file: "real-multi-failed.hex", errs: []ErrCode{ok, noNode}, more: func(t *testing.T, c decodedCapture) {
			assert.Equal(t, []MultiResult{
				{Op: OpError, Err: ok}, {Op: OpError, Err: badVer}, {Op: OpError, Err: ErrRuntimeInconsistency},
			}, results(c.replies()[0]), "§10.3")
			assert.Equal(t, c.replies()[0].ReplyHdr.Zxid, c.replies()[1].ReplyHdr.Zxid, "a read after it reports the failed multi's zxid")
		}},
		{file: "real-multi-empty.hex", errs: []ErrCode{ok}, more: func(t *testing.T, c decodedCapture) {
			assert.Len(t, c.Frames[1].payload(), ReplyHeaderLen+9, "just the end marker")
			assert.Empty(t, results(c.replies()[0]))
		}},
		{file: "real-multi-readop.hex", errs: []ErrCode{marshal}, more: func(t *testing.T, c decodedCapture) {
			assert.Len(t, c.Frames[1].payload(), ReplyHeaderLen, "header only")
		}},
		{file: "real-multiRead.hex", errs: []ErrCode{ok}, more: func(t *testing.T, c decodedCapture) {
			res := results(c.replies()[0])
			require.Len(t, res, 3)
			assert.Equal(t, OpGetData, res[0].Op)
			assert.Equal(t, []byte("R"), res[0].Data)
			assert.Equal(t, MultiResult{Op: OpGetChildren, Children: []string{"b"}}, res[1])
			assert.Equal(t, MultiResult{Op: OpError, Err: noNode}, res[2])
		}},
		{file: "real-multiRead-writeop.hex", errs: []ErrCode{marshal}, more: func(t *testing.T, c decodedCapture) {
			assert.Equal(t, quirkStrayBody, c.Frames[1].Quirk)
		}},
		{file: "real-reconfig.hex", errs: []ErrCode{disabled, disabled}, more: func(t *testing.T, c decodedCapture) {
			assert.Equal(t, &ReconfigRequest{CurConfigID: -1}, c.requests()[1].Body)
			assert.Equal(t, []byte{0xff, 0xff, 0xff, 0xff}, c.Frames[2].payload()[8:12], "an empty field is sent as null")
		}},
		{file: "real-checkWatches.hex", errs: []ErrCode{ok, ok, noWatch, ok}},
		{file: "real-removeWatches.hex", seq: "><><><><", errs: []ErrCode{ok, ok, noWatch, noWatch}},
		{file: "real-auth.hex", errs: []ErrCode{ok, ok, ok, ok}, more: func(t *testing.T, c decodedCapture) {
			assert.Equal(t, ReplyHeader{Xid: XidAuth}, *c.replies()[0].ReplyHdr, "auth: xid −4, zxid 0 (§4.2)")
			assert.ElementsMatch(t, []ClientInfo{{AuthScheme: "digest", User: "bob"}, {AuthScheme: "ip", User: "127.0.0.1"}},
				c.replies()[1].Body.(*WhoAmIResponse).ClientInfo)
			assert.Equal(t, []ACL{{Perms: PermAll, ID: ID{Scheme: "digest", ID: "bob:fyVmFCwVbTJYrznoSu1koqYEYF0="}}},
				c.replies()[3].Body.(*GetACLResponse).ACL, "auth: expands to the caller's digest identity (§12.2)")
		}},
		{file: "real-auth-failed.hex", errs: []ErrCode{ErrAuthFailed}, more: func(t *testing.T, c decodedCapture) {
			assert.Equal(t, ReplyHeader{Xid: XidAuth, Err: ErrAuthFailed}, *c.replies()[0].ReplyHdr)
		}},
		{file: "real-setWatches.hex", seq: ">!!!!<>!<", errs: []ErrCode{ok, ok}, more: func(t *testing.T, c decodedCapture) {
			assert.Equal(t, XidSetWatches, c.replies()[0].ReplyHdr.Xid, "−8 is echoed")
			var got []string
			for _, e := range c.events() {
				got = append(got, EventName(e.Type)+" "+e.Path)
			}
			assert.Equal(t, []string{
				"NodeDataChanged /sw", "NodeDeleted /sw-gone", "NodeCreated /sw", "NodeChildrenChanged /sw",
				"NodeCreated /sw-missing",
			}, got, "catch-up events in data, exist, child order (§11.6)")
		}},
		{file: "real-setWatches2.hex", seq: "><>!<>!<", errs: []ErrCode{ok, ok, ok}, more: func(t *testing.T, c decodedCapture) {
			sw := c.requests()[0].Body.(*SetWatches)
			assert.True(t, sw.V2)
			assert.Equal(t, []string{"/sw2"}, sw.Persistent)
			assert.Equal(t, []string{"/sw2r"}, sw.PersistentRecursive)
			assert.Equal(t, []WatcherEvent{
				{Type: EventNodeDataChanged, State: StateSyncConnected, Path: "/sw2"},
				{Type: EventNodeCreated, State: StateSyncConnected, Path: "/sw2r/x"},
			}, c.events(), "no catch-up for persistent watches; later changes fire them")
		}},
		{file: "real-sasl.hex", errs: []ErrCode{ok}, more: func(t *testing.T, c decodedCapture) {
			assert.Equal(t, &SASLToken{}, c.replies()[0].Body, "a server without SASL answers a null token (§8.14)")
			assert.Zero(t, c.replies()[0].ReplyHdr.Zxid)
		}},
		{file: "real-getEphemerals.hex", errs: []ErrCode{ok, ok}, more: func(t *testing.T, c decodedCapture) {
			assert.ElementsMatch(t, []string{"/eph/a", "/eph/b"}, c.replies()[0].Body.(*StringsResponse).Strings)
			assert.Equal(t, []string{}, c.replies()[1].Body.(*StringsResponse).Strings)
		}},
		{file: "real-getAllChildrenNumber.hex", errs: []ErrCode{ok, noNode}, more: func(t *testing.T, c decodedCapture) {
			assert.Equal(t, &CountResponse{Count: 3}, c.replies()[0].Body)
		}},
		{file: "real-addWatch.hex", seq: "><><><>!<", errs: []ErrCode{ok, ok, marshal, ok}, more: func(t *testing.T, c decodedCapture) {
			assert.Equal(t, &ErrorResponse{Err: ok}, c.replies()[0].Body, "addWatch answers a 4-byte ErrorResponse{0} (§6)")
			assert.Len(t, c.Frames[1].payload(), ReplyHeaderLen+4)
		}},
		{file: "real-whoAmI.hex", errs: []ErrCode{ok}, more: func(t *testing.T, c decodedCapture) {
			assert.Equal(t, &WhoAmIResponse{ClientInfo: []ClientInfo{{AuthScheme: "ip", User: "127.0.0.1"}}}, c.replies()[0].Body)
		}},
		{file: "real-whoAmI-cesu8.hex", errs: []ErrCode{ok, ok}, more: func(t *testing.T, c decodedCapture) {
			assert.Equal(t, []byte("\U0001F600:pw"), c.requests()[0].Body.(*AuthPacket).Auth, "sent as standard UTF-8")
			var users []string
			for _, ci := range c.replies()[1].Body.(*WhoAmIResponse).ClientInfo {
				users = append(users, ci.User)
			}
			assert.Contains(t, users, "\xed\xa0\xbd\xed\xb8\x80", "returned CESU-8 encoded, bytes kept as they are (§2)")
		}},
		{file: "real-closeSession.hex", errs: []ErrCode{ok}},
		{file: "real-unknown-op.hex", errs: []ErrCode{unimpl}, more: func(t *testing.T, c decodedCapture) {
			assert.Equal(t, int64(-1), c.replies()[0].ReplyHdr.Zxid, "§6: unknown opcode → −6 with zxid −1")
		}},
		{file: "real-notification-op.hex", errs: []ErrCode{unimpl}, more: func(t *testing.T, c decodedCapture) {
			assert.Equal(t, OpNotification, c.requests()[0].ReqHdr.Op)
		}},
		{file: "real-deleteContainer-op.hex", errs: []ErrCode{badArgs, ok}},
		{file: "real-truncated.hex", errs: []ErrCode{marshal, ok}, more: func(t *testing.T, c decodedCapture) {
			assert.Equal(t, expectTruncated, c.Frames[0].Expect)
		}},
		{file: "real-xid-echo.hex", errs: []ErrCode{ok, ok, ok, ok, ok}, more: func(t *testing.T, c decodedCapture) {
			var xids []int32
			for _, r := range c.replies() {
				xids = append(xids, r.ReplyHdr.Xid)
			}
			assert.Equal(t, []int32{XidSetWatches, 0, 7, 7, XidAuth}, xids, "the server echoes any xid (§4.1)")
		}},
	}

	covered := map[string]bool{}
	for _, tt := range tests {
		covered[tt.file] = true
		t.Run(tt.file, func(t *testing.T) {
			c := decodeCapture(t, tt.file)
			if tt.seq != "" {
				assert.Equal(t, tt.seq, c.sequence(), "frame order")
			}
			assert.Equal(t, tt.errs, c.errs(), "reply error codes")
			for i, r := range c.replies() {
				req := c.requests()
				if i < len(req) && req[i].ReqHdr.Op != OpPing {
					assert.Equal(t, req[i].ReqHdr.Xid, r.ReplyHdr.Xid, "reply %d answers request %d", i, i)
				}
			}
			if tt.more != nil {
				tt.more(t, c)
			}
		})
	}
	files, err := filepath.Glob(filepath.Join(goldenDir, "real-*.hex"))
	require.NoError(t, err)
	require.NotEmpty(t, files)
	for _, f := range files {
		assert.True(t, covered[filepath.Base(f)], "%s has no entry in this table", filepath.Base(f))
	}
}

// EventName is a test helper naming a WatcherEvent type.
func EventName(typ int32) string {
	switch typ {
	case EventNodeCreated:
		return "NodeCreated"
	case EventNodeDeleted:
		return "NodeDeleted"
	case EventNodeDataChanged:
		return "NodeDataChanged"
	case EventNodeChildrenChanged:
		return "NodeChildrenChanged"
	}
	return "event"
}
