package wire

import (
	"encoding/hex"
	"fmt"
	"math"
	"reflect"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// unhex decodes hex bytes written with spaces, as in the protocol reference.
func unhex(t testing.TB, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(strings.Join(strings.Fields(s), ""))
	require.NoError(t, err)
	return b
}

var (
	fullStat = Stat{Czxid: math.MaxInt64, Mzxid: -1, Ctime: 0x1a201457225, Mtime: math.MinInt64,
		Version: math.MaxInt32, Cversion: -1, Aversion: math.MinInt32, EphemeralOwner: 0x010000060c680000,
		DataLength: 5, NumChildren: 3, Pzxid: 29}
	fullStatHex = "7fffffffffffffff ffffffffffffffff 000001a201457225 8000000000000000" +
		"7fffffff ffffffff 80000000 010000060c680000 00000005 00000003 000000000000001d"
	zeroStatHex = strings.Repeat("00", StatLen)
	twoACLs     = []ACL{
		{Perms: PermRead | PermAdmin, ID: ID{Scheme: "digest", ID: "bob:fyVmFCwVbTJYrznoSu1koqYEYF0="}},
		{Perms: PermAll, ID: ID{Scheme: "ip", ID: "10.0.0.0/8"}},
	}
	openACLHex = "00000001 0000001f 00000005 776f726c64 00000006 616e796f6e65"
)

// Every record, encoded and decoded again, with values where null and
// empty, the optional readOnly byte and each multi op and result type
// matter. Where hex is given the encoding must be exactly those bytes; want
// is the decoded record when it differs from the encoded one (documented
// normalisation).
type roundTripCase struct {
	name  string
	rec   Record
	fresh func() Record
	hex   string
	want  Record
}

func TestRecordRoundTrip(t *testing.T) {
	for _, tt := range roundTripCases() {
		t.Run(tt.name, func(t *testing.T) {
			b := Marshal(nil, tt.rec)
			if tt.hex != "" {
				assert.Equal(t, unhex(t, tt.hex), b, "encoding")
			}
			if _, ok := tt.rec.(Empty); ok {
				assert.Empty(t, b)
			}
			got := tt.fresh()
			d := NewDecoder(b)
			got.Decode(d)
			require.NoError(t, d.Err())
			assert.Zero(t, d.Remaining(), "decode must consume the whole encoding")
			want := tt.want
			if want == nil {
				want = tt.rec
			}
			assert.Equal(t, want, got)
			assert.Equal(t, b, Marshal(nil, got), "re-encoding the decoded record")

			// Marshal appends; Unmarshal ignores trailing bytes (§2).
			prefixed := Marshal([]byte("xy"), tt.rec)
			assert.Equal(t, append([]byte("xy"), b...), prefixed)
			got2 := tt.fresh()
			require.NoError(t, Unmarshal(append(b, 0xde, 0xad), got2))
			if _, ok := tt.rec.(*ConnectRequest); !ok {
				if _, ok := tt.rec.(*ConnectResponse); !ok {
					assert.Equal(t, want, got2, "trailing bytes are ignored")
				}
			}
		})
	}
}

// Decoding into a record that already holds another decoded value gives
// the same result as decoding into a fresh one: nothing is left stale.
func TestDecodeIntoUsedRecord(t *testing.T) {
	cases := roundTripCases()
	for _, a := range cases {
		for _, b := range cases {
			if reflect.TypeOf(a.rec) != reflect.TypeOf(b.rec) || reflect.TypeOf(a.fresh()) != reflect.TypeOf(b.fresh()) {
				continue
			}
			if fmt.Sprint(a.fresh()) != fmt.Sprint(b.fresh()) { // same mode (SetWatches.V2, MultiRequest.Read)
				continue
			}
			t.Run(a.name+" then "+b.name, func(t *testing.T) {
				used := a.fresh()
				require.NoError(t, Unmarshal(Marshal(nil, a.rec), used))
				require.NoError(t, Unmarshal(Marshal(nil, b.rec), used))
				fresh := b.fresh()
				require.NoError(t, Unmarshal(Marshal(nil, b.rec), fresh))
				// A multi reuses its slice: no ops reads as an empty slice
				// rather than nil, which the wire cannot tell apart.
				switch u := used.(type) {
				case *MultiRequest:
					if len(u.Ops) == 0 {
						u.Ops = nil
					}
				case *MultiResponse:
					if len(u.Results) == 0 {
						u.Results = nil
					}
				}
				assert.Equal(t, fresh, used)
			})
		}
	}
}

func roundTripCases() []roundTripCase {
	return []roundTripCase{
		{name: "ConnectRequest/readOnly byte", rec: &ConnectRequest{ProtocolVersion: 0, LastZxidSeen: 0x1d, TimeOut: 30000,
			SessionID: 0x010000060c680000, Passwd: []byte{1, 2, 3}, ReadOnly: true, HasReadOnly: true},
			fresh: func() Record { return &ConnectRequest{} },
			hex:   "00000000 000000000000001d 00007530 010000060c680000 00000003 010203 01"},
		{name: "ConnectRequest/readOnly false", rec: &ConnectRequest{Passwd: make([]byte, 16), HasReadOnly: true},
			fresh: func() Record { return &ConnectRequest{} }},
		{name: "ConnectRequest/no readOnly byte", rec: &ConnectRequest{TimeOut: 6000, Passwd: make([]byte, 16)},
			fresh: func() Record { return &ConnectRequest{} },
			hex:   "00000000 0000000000000000 00001770 0000000000000000 00000010" + strings.Repeat("00", 16)},
		{name: "ConnectRequest/readOnly needs HasReadOnly", rec: &ConnectRequest{Passwd: []byte{}, ReadOnly: true},
			fresh: func() Record { return &ConnectRequest{} },
			hex:   "00000000 0000000000000000 00000000 0000000000000000 00000000",
			want:  &ConnectRequest{Passwd: []byte{}}},
		{name: "ConnectRequest/null passwd", rec: &ConnectRequest{TimeOut: -5},
			fresh: func() Record { return &ConnectRequest{} },
			hex:   "00000000 0000000000000000 fffffffb 0000000000000000 ffffffff"},
		{name: "ConnectResponse/readOnly byte", rec: &ConnectResponse{TimeOut: 30000, SessionID: -1, Passwd: []byte{0xaa}, ReadOnly: true, HasReadOnly: true},
			fresh: func() Record { return &ConnectResponse{} },
			hex:   "00000000 00007530 ffffffffffffffff 00000001 aa 01"},
		{name: "ConnectResponse/no readOnly byte", rec: &ConnectResponse{TimeOut: 6000, SessionID: 7, Passwd: make([]byte, 16)},
			fresh: func() Record { return &ConnectResponse{} }},
		{name: "ConnectResponse/expired", rec: &ConnectResponse{Passwd: make([]byte, 16), HasReadOnly: true},
			fresh: func() Record { return &ConnectResponse{} }},
		{name: "RequestHeader", rec: &RequestHeader{Xid: XidSetWatches, Op: OpCloseSession},
			fresh: func() Record { return &RequestHeader{} }, hex: "fffffff8 fffffff5"},
		{name: "ReplyHeader", rec: &ReplyHeader{Xid: math.MaxInt32, Zxid: -1, Err: ErrThrottledOp},
			fresh: func() Record { return &ReplyHeader{} }, hex: "7fffffff ffffffffffffffff ffffff81"},
		{name: "Stat", rec: &fullStat, fresh: func() Record { return &Stat{} }, hex: fullStatHex},
		{name: "WatcherEvent", rec: &WatcherEvent{Type: EventNodeDeleted, State: StateExpired, Path: "/é"},
			fresh: func() Record { return &WatcherEvent{} }, hex: "00000002 ffffff90 00000003 2fc3a9"},
		{name: "WatcherEvent/empty path", rec: &WatcherEvent{Type: EventNone, State: StateSyncConnected},
			fresh: func() Record { return &WatcherEvent{} }, hex: "ffffffff 00000003 00000000"},
		{name: "ErrorResponse", rec: &ErrorResponse{Err: ErrNoNode},
			fresh: func() Record { return &ErrorResponse{} }, hex: "ffffff9b"},
		{name: "MultiHeader", rec: &MultiHeader{Type: OpError, Done: true, Err: -1},
			fresh: func() Record { return &MultiHeader{} }, hex: "ffffffff 01 ffffffff"},
		{name: "Empty", rec: Empty{}, fresh: func() Record { return Empty{} }, hex: ""},

		{name: "CreateRequest", rec: &CreateRequest{Path: "/probe", Data: []byte("hello"), ACL: openACL},
			fresh: func() Record { return &CreateRequest{} },
			hex:   "00000006 2f70726f6265 00000005 68656c6c6f" + openACLHex + "00000000"},
		{name: "CreateRequest/null data and null ACL", rec: &CreateRequest{Path: "/n", Flags: FlagEphemeralSequential},
			fresh: func() Record { return &CreateRequest{} },
			hex:   "00000002 2f6e ffffffff ffffffff 00000003"},
		{name: "CreateRequest/empty data and empty ACL", rec: &CreateRequest{Path: "/e", Data: []byte{}, ACL: []ACL{}, Flags: FlagContainer},
			fresh: func() Record { return &CreateRequest{} },
			hex:   "00000002 2f65 00000000 00000000 00000004"},
		{name: "CreateRequest/two ACLs, binary data", rec: &CreateRequest{Path: "/b", Data: []byte{0, 0xff, 0}, ACL: twoACLs, Flags: FlagPersistentSequential},
			fresh: func() Record { return &CreateRequest{} }},
		{name: "CreateRequest/zero perms", rec: &CreateRequest{Path: "/z", Data: []byte{}, ACL: []ACL{{ID: ID{Scheme: "world", ID: "anyone"}}}},
			fresh: func() Record { return &CreateRequest{} },
			hex:   "00000002 2f7a 00000000 00000001 00000000 00000005 776f726c64 00000006 616e796f6e65 00000000"},
		{name: "CreateRequest/empty ACL id", rec: &CreateRequest{Path: "/c", ACL: []ACL{{Perms: PermAll, ID: ID{Scheme: "auth"}}}},
			fresh: func() Record { return &CreateRequest{} },
			hex:   "00000002 2f63 ffffffff 00000001 0000001f 00000004 61757468 00000000 00000000"},
		{name: "CreateTTLRequest", rec: &CreateTTLRequest{Path: "/t", Data: []byte("x"), ACL: openACL, Flags: FlagPersistentWithTTL, TTL: MaxTTL},
			fresh: func() Record { return &CreateTTLRequest{} },
			hex:   "00000002 2f74 00000001 78" + openACLHex + "00000005 000000ffffffffff"},
		{name: "DeleteRequest", rec: &DeleteRequest{Path: "/d", Version: -1},
			fresh: func() Record { return &DeleteRequest{} }, hex: "00000002 2f64 ffffffff"},
		{name: "CheckVersionRequest", rec: &CheckVersionRequest{Path: "/m", Version: 1},
			fresh: func() Record { return &CheckVersionRequest{} }, hex: "00000002 2f6d 00000001"},
		{name: "PathWatchRequest/watch", rec: &PathWatchRequest{Path: "/probe", Watch: true},
			fresh: func() Record { return &PathWatchRequest{} }, hex: "00000006 2f70726f6265 01"},
		{name: "PathWatchRequest/no watch, empty path", rec: &PathWatchRequest{},
			fresh: func() Record { return &PathWatchRequest{} }, hex: "00000000 00"},
		{name: "PathRequest", rec: &PathRequest{Path: "/zookeeper/config"},
			fresh: func() Record { return &PathRequest{} }},
		{name: "SetDataRequest", rec: &SetDataRequest{Path: "/m", Data: []byte("M"), Version: -1},
			fresh: func() Record { return &SetDataRequest{} }, hex: "00000002 2f6d 00000001 4d ffffffff"},
		{name: "SetDataRequest/null data", rec: &SetDataRequest{Path: "/m", Version: 3},
			fresh: func() Record { return &SetDataRequest{} }, hex: "00000002 2f6d ffffffff 00000003"},
		{name: "SetDataRequest/empty data", rec: &SetDataRequest{Path: "/m", Data: []byte{}},
			fresh: func() Record { return &SetDataRequest{} }, hex: "00000002 2f6d 00000000 00000000"},
		{name: "SetACLRequest", rec: &SetACLRequest{Path: "/a", ACL: twoACLs, Version: 4},
			fresh: func() Record { return &SetACLRequest{} }},
		{name: "SetACLRequest/null ACL", rec: &SetACLRequest{Path: "/a", Version: -1},
			fresh: func() Record { return &SetACLRequest{} }, hex: "00000002 2f61 ffffffff ffffffff"},
		{name: "ReconfigRequest", rec: &ReconfigRequest{JoiningServers: "server.2=h:1:2", LeavingServers: "3", NewMembers: "server.4=x:1:2", CurConfigID: 0x100000000},
			fresh: func() Record { return &ReconfigRequest{} }},
		{name: "ReconfigRequest/empty fields are null", rec: &ReconfigRequest{LeavingServers: "1", CurConfigID: -1},
			fresh: func() Record { return &ReconfigRequest{} },
			hex:   "ffffffff 00000001 31 ffffffff ffffffffffffffff"},
		{name: "WatchesRequest", rec: &WatchesRequest{Path: "/w", Type: WatcherAny},
			fresh: func() Record { return &WatchesRequest{} }, hex: "00000002 2f77 00000003"},
		{name: "AuthPacket", rec: &AuthPacket{Scheme: "digest", Auth: []byte("bob:secret")},
			fresh: func() Record { return &AuthPacket{} },
			hex:   "00000000 00000006 646967657374 0000000a 626f623a736563726574"},
		{name: "AuthPacket/null auth", rec: &AuthPacket{Type: 1, Scheme: "ip"},
			fresh: func() Record { return &AuthPacket{} }, hex: "00000001 00000002 6970 ffffffff"},
		{name: "AuthPacket/empty auth", rec: &AuthPacket{Scheme: "ip", Auth: []byte{}},
			fresh: func() Record { return &AuthPacket{} }, hex: "00000000 00000002 6970 00000000"},
		{name: "SetWatches/v1", rec: &SetWatches{RelativeZxid: 1, Data: []string{"/w", "/gone"}, Exist: []string{"/w", "/gone2"}, Child: []string{"/w"}},
			fresh: func() Record { return &SetWatches{} },
			hex: "0000000000000001 00000002 00000002 2f77 00000005 2f676f6e65" +
				"00000002 00000002 2f77 00000006 2f676f6e6532 00000001 00000002 2f77"},
		{name: "SetWatches/v1 nil lists are sent empty", rec: &SetWatches{RelativeZxid: -1},
			fresh: func() Record { return &SetWatches{} },
			hex:   "ffffffffffffffff 00000000 00000000 00000000",
			want:  &SetWatches{RelativeZxid: -1, Data: []string{}, Exist: []string{}, Child: []string{}}},
		{name: "SetWatches/v1 leaves out the persistent lists", rec: &SetWatches{Data: []string{}, Exist: []string{}, Child: []string{"/c"}, Persistent: []string{"/p"}, PersistentRecursive: []string{"/r"}},
			fresh: func() Record { return &SetWatches{} },
			hex:   "0000000000000000 00000000 00000000 00000001 00000002 2f63",
			want:  &SetWatches{Data: []string{}, Exist: []string{}, Child: []string{"/c"}}},
		{name: "SetWatches/v2", rec: &SetWatches{V2: true, RelativeZxid: 0x52, Data: []string{"/d"}, Exist: []string{"/e"}, Child: []string{"/c"}, Persistent: []string{"/p", ""}, PersistentRecursive: []string{"/r"}},
			fresh: func() Record { return &SetWatches{V2: true} },
			hex: "0000000000000052 00000001 00000002 2f64 00000001 00000002 2f65 00000001 00000002 2f63" +
				"00000002 00000002 2f70 00000000 00000001 00000002 2f72"},
		{name: "SetWatches/v2 nil lists are sent empty", rec: &SetWatches{V2: true},
			fresh: func() Record { return &SetWatches{V2: true} },
			hex:   "0000000000000000 00000000 00000000 00000000 00000000 00000000",
			want:  &SetWatches{V2: true, Data: []string{}, Exist: []string{}, Child: []string{}, Persistent: []string{}, PersistentRecursive: []string{}}},
		{name: "SASLToken", rec: &SASLToken{Token: []byte{1, 2}},
			fresh: func() Record { return &SASLToken{} }, hex: "00000002 0102"},
		{name: "SASLToken/null", rec: &SASLToken{}, fresh: func() Record { return &SASLToken{} }, hex: "ffffffff"},
		{name: "SASLToken/empty", rec: &SASLToken{Token: []byte{}}, fresh: func() Record { return &SASLToken{} }, hex: "00000000"},
		{name: "AddWatchRequest", rec: &AddWatchRequest{Path: "/w", Mode: AddWatchPersistentRecursive},
			fresh: func() Record { return &AddWatchRequest{} }, hex: "00000002 2f77 00000001"},

		{name: "Create2Response", rec: &Create2Response{Path: "/probe/seq-0000000002", Stat: fullStat},
			fresh: func() Record { return &Create2Response{} },
			hex:   "00000015 2f70726f62652f7365712d30303030303030303032" + fullStatHex},
		{name: "StatResponse", rec: &StatResponse{Stat: fullStat}, fresh: func() Record { return &StatResponse{} }, hex: fullStatHex},
		{name: "GetDataResponse", rec: &GetDataResponse{Data: []byte("hello"), Stat: fullStat},
			fresh: func() Record { return &GetDataResponse{} }, hex: "00000005 68656c6c6f" + fullStatHex},
		{name: "GetDataResponse/null data", rec: &GetDataResponse{},
			fresh: func() Record { return &GetDataResponse{} }, hex: "ffffffff" + zeroStatHex},
		{name: "GetDataResponse/empty data", rec: &GetDataResponse{Data: []byte{}},
			fresh: func() Record { return &GetDataResponse{} }, hex: "00000000" + zeroStatHex},
		{name: "GetACLResponse", rec: &GetACLResponse{ACL: twoACLs, Stat: fullStat},
			fresh: func() Record { return &GetACLResponse{} }},
		{name: "GetACLResponse/null ACL", rec: &GetACLResponse{},
			fresh: func() Record { return &GetACLResponse{} }, hex: "ffffffff" + zeroStatHex},
		{name: "GetACLResponse/empty ACL", rec: &GetACLResponse{ACL: []ACL{}},
			fresh: func() Record { return &GetACLResponse{} }, hex: "00000000" + zeroStatHex},
		{name: "StringsResponse", rec: &StringsResponse{Strings: []string{"b", "", "c"}},
			fresh: func() Record { return &StringsResponse{} }, hex: "00000003 00000001 62 00000000 00000001 63"},
		{name: "StringsResponse/null", rec: &StringsResponse{}, fresh: func() Record { return &StringsResponse{} }, hex: "ffffffff"},
		{name: "StringsResponse/empty", rec: &StringsResponse{Strings: []string{}}, fresh: func() Record { return &StringsResponse{} }, hex: "00000000"},
		{name: "GetChildren2Response", rec: &GetChildren2Response{Children: []string{"x", "y"}, Stat: fullStat},
			fresh: func() Record { return &GetChildren2Response{} }, hex: "00000002 00000001 78 00000001 79" + fullStatHex},
		{name: "GetChildren2Response/empty", rec: &GetChildren2Response{Children: []string{}},
			fresh: func() Record { return &GetChildren2Response{} }, hex: "00000000" + zeroStatHex},
		{name: "GetChildren2Response/null", rec: &GetChildren2Response{},
			fresh: func() Record { return &GetChildren2Response{} }, hex: "ffffffff" + zeroStatHex},
		{name: "CountResponse", rec: &CountResponse{Count: 11}, fresh: func() Record { return &CountResponse{} }, hex: "0000000b"},
		{name: "WhoAmIResponse", rec: &WhoAmIResponse{ClientInfo: []ClientInfo{{AuthScheme: "digest", User: "bob"}, {AuthScheme: "ip", User: "127.0.0.1"}}},
			fresh: func() Record { return &WhoAmIResponse{} },
			hex:   "00000002 00000006 646967657374 00000003 626f62 00000002 6970 00000009 3132372e302e302e31"},
		{name: "WhoAmIResponse/null", rec: &WhoAmIResponse{}, fresh: func() Record { return &WhoAmIResponse{} }, hex: "ffffffff"},
		{name: "WhoAmIResponse/empty", rec: &WhoAmIResponse{ClientInfo: []ClientInfo{}}, fresh: func() Record { return &WhoAmIResponse{} }, hex: "00000000"},
		{name: "WhoAmIResponse/CESU-8 bytes kept", rec: &WhoAmIResponse{ClientInfo: []ClientInfo{{AuthScheme: "digest", User: "\xed\xa0\xbd\xed\xb8\x80"}}},
			fresh: func() Record { return &WhoAmIResponse{} },
			hex:   "00000001 00000006 646967657374 00000006 eda0bdedb880"},

		{name: "MultiRequest/every write op", rec: &MultiRequest{Ops: []MultiOp{
			{Op: OpCreate, Body: &CreateRequest{Path: "/m/a", Data: []byte("A"), ACL: openACL}},
			{Op: OpCreate2, Body: &CreateRequest{Path: "/m/b", ACL: twoACLs, Flags: FlagEphemeral}},
			{Op: OpCreateContainer, Body: &CreateRequest{Path: "/m/c", Data: []byte{}, ACL: openACL, Flags: FlagContainer}},
			{Op: OpCreateTTL, Body: &CreateTTLRequest{Path: "/m/t", ACL: openACL, Flags: FlagPersistentSequentialWithTTL, TTL: 1}},
			{Op: OpDelete, Body: &DeleteRequest{Path: "/m/a", Version: -1}},
			{Op: OpSetData, Body: &SetDataRequest{Path: "/m", Version: 2}},
			{Op: OpCheck, Body: &CheckVersionRequest{Path: "/m", Version: 3}},
		}}, fresh: func() Record { return &MultiRequest{} }},
		{name: "MultiRequest/check and delete bytes", rec: &MultiRequest{Ops: []MultiOp{
			{Op: OpCheck, Body: &CheckVersionRequest{Path: "/m", Version: 1}},
			{Op: OpDelete, Body: &DeleteRequest{Path: "/m/a", Version: -1}},
		}}, fresh: func() Record { return &MultiRequest{} },
			hex: "0000000d 00 ffffffff 00000002 2f6d 00000001" +
				"00000002 00 ffffffff 00000004 2f6d2f61 ffffffff" +
				"ffffffff 01 ffffffff"},
		{name: "MultiRequest/empty", rec: &MultiRequest{}, fresh: func() Record { return &MultiRequest{} }, hex: "ffffffff 01 ffffffff"},
		{name: "MultiRequest/multiRead", rec: &MultiRequest{Read: true, Ops: []MultiOp{
			{Op: OpGetData, Body: &PathWatchRequest{Path: "/m"}},
			{Op: OpGetChildren, Body: &PathWatchRequest{Path: "/m", Watch: true}},
		}}, fresh: func() Record { return &MultiRequest{Read: true} },
			hex: "00000004 00 ffffffff 00000002 2f6d 00" +
				"00000008 00 ffffffff 00000002 2f6d 01" +
				"ffffffff 01 ffffffff"},
		{name: "MultiResponse/every result type", rec: &MultiResponse{Results: []MultiResult{
			{Op: OpCreate, Path: "/m/a"},
			{Op: OpCreate2, Path: "/m/c", Stat: fullStat},
			{Op: OpSetData, Stat: fullStat},
			{Op: OpDelete},
			{Op: OpCheck},
			{Op: OpGetData, Data: []byte("M"), Stat: fullStat},
			{Op: OpGetData, Stat: fullStat},
			{Op: OpGetData, Data: []byte{}},
			{Op: OpGetChildren, Children: []string{"b", "c"}},
			{Op: OpGetChildren},
			{Op: OpGetChildren, Children: []string{}},
			{Op: OpError, Err: ErrNoNode},
			{Op: OpError, Err: ErrOK},
		}}, fresh: func() Record { return &MultiResponse{} }},
		{name: "MultiResponse/failed multi bytes", rec: &MultiResponse{Results: []MultiResult{
			{Op: OpError, Err: ErrOK}, {Op: OpError, Err: ErrBadVersion}, {Op: OpError, Err: ErrRuntimeInconsistency},
		}}, fresh: func() Record { return &MultiResponse{} },
			hex: "ffffffff 00 00000000 00000000 ffffffff 00 ffffff99 ffffff99 ffffffff 00 fffffffe fffffffe ffffffff 01 ffffffff"},
		{name: "MultiResponse/header err 0 for results", rec: &MultiResponse{Results: []MultiResult{
			{Op: OpCreate, Path: "/a"}, {Op: OpDelete}, {Op: OpGetChildren, Children: []string{"b"}},
		}}, fresh: func() Record { return &MultiResponse{} },
			hex: "00000001 00 00000000 00000002 2f61 00000002 00 00000000 00000008 00 00000000 00000001 00000001 62 ffffffff 01 ffffffff"},
		{name: "MultiResponse/empty", rec: &MultiResponse{}, fresh: func() Record { return &MultiResponse{} }, hex: "ffffffff 01 ffffffff"},
	}
}

// The readOnly byte of the handshake records is optional: a frame without
// it decodes with HasReadOnly false, one with it (and anything after it)
// with HasReadOnly true. Decoding into a used record leaves nothing stale.
func TestConnectReadOnlyByte(t *testing.T) {
	base := Marshal(nil, &ConnectRequest{TimeOut: 1, Passwd: []byte{9}})
	for _, tt := range []struct {
		name     string
		tail     []byte
		has, val bool
	}{
		{"absent", nil, false, false},
		{"false", []byte{0}, true, false},
		{"true", []byte{1}, true, true},
		{"any non-zero is true", []byte{0x80}, true, true},
		{"trailing bytes after it", []byte{1, 2, 3}, true, true},
	} {
		t.Run(tt.name, func(t *testing.T) {
			payload := append(append([]byte{}, base...), tt.tail...)
			req := ConnectRequest{ReadOnly: true, HasReadOnly: true} // a used record
			require.NoError(t, Unmarshal(payload, &req))
			assert.Equal(t, tt.has, req.HasReadOnly)
			assert.Equal(t, tt.val, req.ReadOnly)

			respPayload := append(Marshal(nil, &ConnectResponse{TimeOut: 1, Passwd: []byte{9}}), tt.tail...)
			resp := ConnectResponse{ReadOnly: true, HasReadOnly: true}
			require.NoError(t, Unmarshal(respPayload, &resp))
			assert.Equal(t, tt.has, resp.HasReadOnly)
			assert.Equal(t, tt.val, resp.ReadOnly)
		})
	}
}

// A decoded Buffer is a copy: reusing the frame must not change it.
func TestDecodedBuffersAreCopies(t *testing.T) {
	payload := Marshal(nil, &GetDataResponse{Data: []byte("hello")})
	var r GetDataResponse
	require.NoError(t, Unmarshal(payload, &r))
	for i := range payload {
		payload[i] = 0
	}
	assert.Equal(t, []byte("hello"), r.Data)
}
