package wire

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"runtime"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Every golden frame cut short at every byte offset fails to decode with a
// decoding error, and never panics. The exceptions are the documented
// optional parts: the readOnly byte of the handshake records, the body the
// server does not read for an opcode without a request record, and the
// stray body a client ignores after err ≠ 0.
func TestTruncatedGoldenFrames(t *testing.T) {
	for _, c := range loadCaptures(t, "*.hex") {
		t.Run(c.Name, func(t *testing.T) {
			for _, f := range c.Frames {
				full := f.payload()
				whole, wholeErr := decodeFrame(f, full)
				for n := 0; n < len(full); n++ {
					if msg := checkTruncated(f, whole, wholeErr, full, n); msg != "" {
						t.Errorf("%s cut at %d of %d: %s", f.name(), n, len(full), msg)
					}
				}
			}
		})
	}
}

// checkTruncated decodes f's payload cut to n bytes and says what is wrong
// with the outcome, if anything.
func checkTruncated(f captureFrame, whole decodedFrame, wholeErr error, full []byte, n int) (msg string) {
	defer func() {
		if r := recover(); r != nil {
			msg = fmt.Sprintf("panic: %v", r)
		}
	}()
	got, err := decodeFrame(f, full[:n])
	switch {
	case f.Kind == kindConnect && wholeErr == nil && n == len(full)-1 &&
		((got.ConnReq != nil && whole.ConnReq.HasReadOnly) || (got.ConnResp != nil && whole.ConnResp.HasReadOnly)):
		// Only the optional readOnly byte is missing.
		if err != nil {
			return fmt.Sprintf("want success without the readOnly byte, got %v", err)
		}
		if (got.ConnReq != nil && got.ConnReq.HasReadOnly) || (got.ConnResp != nil && got.ConnResp.HasReadOnly) {
			return "HasReadOnly set without the byte"
		}
	case f.Expect == expectNoRecord && n >= RequestHeaderLen, f.Quirk == quirkStrayBody && n >= ReplyHeaderLen:
		// Only the part nobody reads is missing.
		if err != nil {
			return fmt.Sprintf("want success, got %v", err)
		}
	case err == nil:
		return "decoded without error"
	case !errors.Is(err, ErrShortBuffer) && !errors.Is(err, ErrBadLength) &&
		!(f.Expect == expectBadMulti && errors.Is(err, ErrBadMultiOp)):
		return fmt.Sprintf("unexpected error %v", err)
	}
	return ""
}

// be is a tiny builder of big-endian test payloads.
type be []byte

func (b be) i32(v int32) be   { return binary.BigEndian.AppendUint32(b, uint32(v)) }
func (b be) i64(v int64) be   { return binary.BigEndian.AppendUint64(b, uint64(v)) }
func (b be) raw(p ...byte) be { return append(b, p...) }
func (b be) str(s string) be  { return append(b.i32(int32(len(s))), s...) }
func (b be) pad(n int) be     { return append(b, make([]byte, n)...) }

// A count or length far larger than the frame (1,000,000 in 30 bytes, §2)
// fails with ErrBadLength before anything of that size is allocated.
func TestHugeCountsFailWithoutAllocating(t *testing.T) {
	const huge = 1_000_000
	tests := []struct {
		name    string
		payload []byte
		rec     func() Record
	}{
		{"vector<ustring> getChildren", be{}.i32(huge).pad(26), func() Record { return &StringsResponse{} }},
		{"vector<ustring> getChildren2", be{}.i32(huge).pad(26), func() Record { return &GetChildren2Response{} }},
		{"vector<ACL> getACL", be{}.i32(huge).pad(26), func() Record { return &GetACLResponse{} }},
		{"vector<ACL> create", be{}.str("/a").raw(0xff, 0xff, 0xff, 0xff).i32(huge).pad(16), func() Record { return &CreateRequest{} }},
		{"vector<ACL> setACL", be{}.str("/a").i32(huge).pad(20), func() Record { return &SetACLRequest{} }},
		{"vector<ClientInfo> whoAmI", be{}.i32(huge).pad(26), func() Record { return &WhoAmIResponse{} }},
		{"buffer getData", be{}.i32(huge).pad(26), func() Record { return &GetDataResponse{} }},
		{"buffer connect passwd", be{}.i32(0).i64(0).i32(0).i64(0).i32(huge).pad(2), func() Record { return &ConnectRequest{} }},
		{"ustring path", be{}.i32(huge).pad(26), func() Record { return &PathRequest{} }},
		{"ustring event path", be{}.i32(1).i32(3).i32(huge).pad(18), func() Record { return &WatcherEvent{} }},
		{"setWatches third vector", be{}.i64(1).i32(0).i32(0).i32(huge).pad(6), func() Record { return &SetWatches{} }},
		{"setWatches2 last vector", be{}.i64(1).i32(0).i32(0).i32(0).i32(0).i32(huge).pad(2), func() Record { return &SetWatches{V2: true} }},
		{"multi result children", be{}.i32(int32(OpGetChildren)).raw(0).i32(0).i32(huge).pad(13), func() Record { return &MultiResponse{} }},
		{"multi result data", be{}.i32(int32(OpGetData)).raw(0).i32(0).i32(huge).pad(13), func() Record { return &MultiResponse{} }},
		{"multi op create ACLs", be{}.i32(int32(OpCreate)).raw(0).i32(-1).str("/").i32(-1).i32(huge).pad(4), func() Record { return &MultiRequest{} }},
		{"count MaxInt32", be{}.i32(math.MaxInt32).pad(26), func() Record { return &StringsResponse{} }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			require.LessOrEqual(t, len(tt.payload), 30)
			r := tt.rec()
			require.ErrorIs(t, Unmarshal(tt.payload, r), ErrBadLength)

			allocs := testing.AllocsPerRun(50, func() { _ = Unmarshal(tt.payload, r) })
			assert.LessOrEqual(t, allocs, 8.0, "allocations per failed decode (the error itself)")

			var before, after runtime.MemStats
			runtime.ReadMemStats(&before)
			for i := 0; i < 20; i++ {
				_ = Unmarshal(tt.payload, r)
			}
			runtime.ReadMemStats(&after)
			assert.Less(t, (after.TotalAlloc-before.TotalAlloc)/20, uint64(4096),
				"bytes allocated per failed decode must not grow with the claimed count")
		})
	}
}

// A count that does fit the frame only allocates in proportion to it: a
// vector of n empty strings in 4n bytes decodes, n+1 claimed fails.
func TestCountsBoundedByRemainingBytes(t *testing.T) {
	const n = 1000
	ok := be{}.i32(n).pad(4 * n)
	var r StringsResponse
	require.NoError(t, Unmarshal(ok, &r))
	assert.Len(t, r.Strings, n)

	bad := be{}.i32(n + 1).pad(4 * n)
	require.ErrorIs(t, Unmarshal(bad, &r), ErrBadLength)

	acls := be{}.i32(2).pad(2 * minACLLen)
	var g GetACLResponse
	require.ErrorIs(t, Unmarshal(acls, &g), ErrShortBuffer, "two empty ACLs fit, the Stat does not")
	require.ErrorIs(t, Unmarshal(be{}.i32(3).pad(2*minACLLen+11), &g), ErrBadLength)
}

// Negative lengths other than −1 (null) are errors wherever a length or
// count is read.
func TestNegativeLengths(t *testing.T) {
	for _, n := range []int32{-2, -100, math.MinInt32} {
		tests := []struct {
			name    string
			payload []byte
			rec     Record
		}{
			{"buffer", be{}.i32(n).pad(80), &GetDataResponse{}},
			{"ustring", be{}.i32(n).pad(8), &PathRequest{}},
			{"vector<ustring>", be{}.i32(n).pad(8), &StringsResponse{}},
			{"vector<ACL>", be{}.i32(n).pad(80), &GetACLResponse{}},
			{"vector<ClientInfo>", be{}.i32(n).pad(8), &WhoAmIResponse{}},
			{"passwd", be{}.i32(0).i32(0).i64(0).i32(n).pad(17), &ConnectResponse{}},
			{"auth", be{}.i32(0).str("digest").i32(n), &AuthPacket{}},
			{"multi result children", be{}.i32(int32(OpGetChildren)).raw(0).i32(0).i32(n), &MultiResponse{}},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				err := Unmarshal(tt.payload, tt.rec)
				require.ErrorIs(t, err, ErrBadLength, "length %d", n)
			})
		}
	}
}

// −1 is null, not an error, for buffers, strings and vectors.
func TestMinusOneIsNull(t *testing.T) {
	var g GetDataResponse
	require.NoError(t, Unmarshal(be{}.i32(-1).pad(StatLen), &g))
	assert.Nil(t, g.Data)

	d := NewDecoder(be{}.i32(-1).i32(-1).i32(0))
	s, ok := d.NullableString()
	assert.Equal(t, "", s)
	assert.False(t, ok, "null")
	assert.Nil(t, d.Strings())
	s, ok = d.NullableString()
	assert.Equal(t, "", s)
	assert.True(t, ok, "empty, not null")
	require.NoError(t, d.Err())
}

// Errors are sticky: after the first failure every read returns a zero
// value, the offset stops, and Err keeps the first error.
func TestDecoderStickyError(t *testing.T) {
	d := NewDecoder([]byte{0, 0, 0, 7, 1, 2})
	assert.Equal(t, int32(7), d.Int32())
	assert.Equal(t, int64(0), d.Int64(), "only 2 bytes left")
	first := d.Err()
	require.ErrorIs(t, first, ErrShortBuffer)
	assert.Equal(t, 4, d.Offset())
	assert.Equal(t, 2, d.Remaining())
	assert.Zero(t, d.Int32())
	assert.False(t, d.Bool())
	assert.Nil(t, d.Buffer())
	assert.Equal(t, "", d.String())
	assert.Nil(t, d.Strings())
	assert.Equal(t, -1, d.Count("x", 1))
	assert.Equal(t, 4, d.Offset(), "nothing more is consumed")
	assert.Same(t, first, d.Err())
}

func TestDecoderPrimitives(t *testing.T) {
	d := NewDecoder(be{}.raw(0, 1, 0x80, 0xff).i64(-2).i32(-3).str("hé").i32(2).str("a").str(""))
	assert.False(t, d.Bool())
	assert.True(t, d.Bool())
	assert.True(t, d.Bool(), "any non-zero byte is true, as in the Java reader")
	assert.True(t, d.Bool())
	assert.Equal(t, int64(-2), d.Int64())
	assert.Equal(t, int32(-3), d.Int32())
	assert.Equal(t, "hé", d.String())
	assert.Equal(t, []string{"a", ""}, d.Strings())
	require.NoError(t, d.Err())
	assert.Zero(t, d.Remaining())
	assert.False(t, d.Bool())
	assert.ErrorIs(t, d.Err(), ErrShortBuffer)
}

// A multi may hold only write ops, a multiRead only getData and
// getChildren (§10.1); anything else is ErrBadMultiOp, which a server
// answers with MarshallingError.
func TestMultiBadOp(t *testing.T) {
	body := func(op OpCode) []byte {
		return be{}.i32(int32(op)).raw(0).i32(-1).str("/a").pad(64).i32(-1).raw(1).i32(-1)
	}
	for _, tt := range []struct {
		name string
		read bool
		op   OpCode
	}{
		{"getData in multi", false, OpGetData},
		{"getChildren in multi", false, OpGetChildren},
		{"exists in multi", false, OpExists},
		{"nested multi", false, OpMulti},
		{"ping in multi", false, OpPing},
		{"unknown op in multi", false, 999},
		{"error type in multi", false, OpError},
		{"create in multiRead", true, OpCreate},
		{"setData in multiRead", true, OpSetData},
		{"check in multiRead", true, OpCheck},
		{"delete in multiRead", true, OpDelete},
		{"createTTL in multiRead", true, OpCreateTTL},
		{"getChildren2 in multiRead", true, OpGetChildren2},
		{"multiRead in multiRead", true, OpMultiRead},
	} {
		t.Run(tt.name, func(t *testing.T) {
			r := MultiRequest{Read: tt.read}
			err := Unmarshal(body(tt.op), &r)
			require.ErrorIs(t, err, ErrBadMultiOp)
			assert.False(t, errors.Is(err, ErrShortBuffer))
		})
	}

	// The bad op is reported even after good ones.
	good := Marshal(nil, &MultiRequest{Ops: []MultiOp{{Op: OpDelete, Body: &DeleteRequest{Path: "/x", Version: -1}}}})
	bad := append(good[:len(good)-9:len(good)-9], body(OpGetData)...)
	require.ErrorIs(t, Unmarshal(bad, &MultiRequest{}), ErrBadMultiOp)

	// A RequestBody for multi/multiRead is set up for its kind.
	for op, read := range map[OpCode]bool{OpMulti: false, OpMultiRead: true} {
		rec, ok := RequestBody(op)
		require.True(t, ok)
		assert.Equal(t, read, rec.(*MultiRequest).Read, "%v", op)
	}
}

// A result type no server sends is ErrBadMultiResult.
func TestMultiBadResult(t *testing.T) {
	for _, typ := range []int32{0, 3, 6, 9, 11, 12, 14, 19, 21, 22, 100, 999, -2, math.MinInt32} {
		payload := be{}.i32(typ).raw(0).i32(0).pad(80)
		var r MultiResponse
		err := Unmarshal(payload, &r)
		require.ErrorIs(t, err, ErrBadMultiResult, "type %d", typ)
	}
	// After a good result too.
	payload := be{}.i32(int32(OpDelete)).raw(0).i32(0).i32(42).raw(0).i32(0)
	require.ErrorIs(t, Unmarshal(payload, &MultiResponse{}), ErrBadMultiResult)
}

// A multi without its end marker is truncated.
func TestMultiWithoutEndMarker(t *testing.T) {
	req := Marshal(nil, &MultiRequest{Ops: []MultiOp{{Op: OpCheck, Body: &CheckVersionRequest{Path: "/", Version: 1}}}})
	require.ErrorIs(t, Unmarshal(req[:len(req)-9], &MultiRequest{}), ErrShortBuffer)
	resp := Marshal(nil, &MultiResponse{Results: []MultiResult{{Op: OpCheck}}})
	require.ErrorIs(t, Unmarshal(resp[:len(resp)-9], &MultiResponse{}), ErrShortBuffer)
	require.ErrorIs(t, Unmarshal(nil, &MultiResponse{}), ErrShortBuffer)
}

// Any header with done set ends the list, whatever its type, as in the
// Java reader (§10.1).
func TestMultiDoneEndsList(t *testing.T) {
	payload := be{}.i32(int32(OpCheck)).raw(0).i32(-1).str("/").i32(1).i32(int32(OpCreate)).raw(1).i32(0).raw(0xde, 0xad)
	var r MultiRequest
	d := NewDecoder(payload)
	r.Decode(d)
	require.NoError(t, d.Err())
	assert.Len(t, r.Ops, 1)
	assert.Equal(t, 2, d.Remaining(), "bytes after the end marker are left unread")
}
