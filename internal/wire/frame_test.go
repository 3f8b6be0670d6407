package wire

import (
	"bytes"
	"errors"
	"io"
	"math"
	"runtime"
	"testing"
	"testing/iotest"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func frameOf(payload []byte) []byte { return append(be{}.i32(int32(len(payload))), payload...) }

func TestFrameReader(t *testing.T) {
	errBoom := errors.New("boom")
	tests := []struct {
		name   string
		stream io.Reader
		max    int
		want   [][]byte
		err    error // after the frames in want
	}{
		{name: "empty stream", stream: bytes.NewReader(nil), max: 16, err: io.EOF},
		{name: "two frames then EOF", stream: bytes.NewReader(append(frameOf([]byte("abc")), frameOf([]byte("de"))...)),
			max: 16, want: [][]byte{[]byte("abc"), []byte("de")}, err: io.EOF},
		{name: "one byte at a time", stream: iotest.OneByteReader(bytes.NewReader(append(frameOf([]byte("abc")), frameOf(nil)...))),
			max: 16, want: [][]byte{[]byte("abc"), {}}, err: io.EOF},
		{name: "zero-length frame", stream: bytes.NewReader(frameOf(nil)), max: 0, want: [][]byte{{}}, err: io.EOF},
		{name: "EOF inside the length prefix", stream: bytes.NewReader([]byte{0, 0}), max: 16, err: io.ErrUnexpectedEOF},
		{name: "EOF mid-frame", stream: bytes.NewReader(frameOf([]byte("abcdef"))[:7]), max: 16, err: io.ErrUnexpectedEOF},
		{name: "EOF right after the prefix", stream: bytes.NewReader(be{}.i32(5)), max: 16, err: io.ErrUnexpectedEOF},
		{name: "EOF mid-frame after a good frame", stream: bytes.NewReader(append(frameOf([]byte("a")), 0, 0, 0, 3, 'x')),
			max: 16, want: [][]byte{[]byte("a")}, err: io.ErrUnexpectedEOF},
		{name: "negative length", stream: bytes.NewReader(be{}.i32(-1).pad(8)), max: 16, err: ErrNegativeFrame},
		{name: "most negative length", stream: bytes.NewReader(be{}.i32(math.MinInt32)), max: 16, err: ErrNegativeFrame},
		{name: "length above the limit", stream: bytes.NewReader(be{}.i32(17).pad(17)), max: 16, err: ErrFrameTooLarge},
		{name: "length at the limit", stream: bytes.NewReader(be{}.i32(16).pad(16)), max: 16, want: [][]byte{make([]byte, 16)}, err: io.EOF},
		{name: "reader error passes through", stream: io.MultiReader(bytes.NewReader([]byte{0, 0, 0, 4, 1}), iotest.ErrReader(errBoom)),
			max: 16, err: errBoom},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fr := NewFrameReader(tt.stream, tt.max)
			for _, w := range tt.want {
				p, err := fr.Next()
				require.NoError(t, err)
				assert.Equal(t, w, append([]byte{}, p...))
			}
			_, err := fr.Next()
			require.ErrorIs(t, err, tt.err)
			if tt.err == io.EOF {
				assert.Equal(t, io.EOF, err, "a clean end of stream is io.EOF itself")
			}
		})
	}
}

// jute.maxbuffer: a frame of exactly 1,048,575 bytes is accepted and one of
// 1,048,576 is refused (§1), before its payload is read or allocated.
func TestFrameReaderDefaultLimit(t *testing.T) {
	payload := bytes.Repeat([]byte{0xab}, DefaultMaxPacket)
	p, err := NewFrameReader(bytes.NewReader(frameOf(payload)), DefaultMaxPacket).Next()
	require.NoError(t, err)
	assert.Equal(t, payload, p)

	over := be{}.i32(DefaultMaxPacket + 1)
	_, err = NewFrameReader(bytes.NewReader(over), DefaultMaxPacket).Next()
	require.ErrorIs(t, err, ErrFrameTooLarge)

	for _, n := range []int32{DefaultMaxPacket + 1, math.MaxInt32} {
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		for i := 0; i < 10; i++ {
			_, err = NewFrameReader(bytes.NewReader(be{}.i32(n).pad(8)), DefaultMaxPacket).Next()
			require.ErrorIs(t, err, ErrFrameTooLarge)
		}
		runtime.ReadMemStats(&after)
		assert.Less(t, (after.TotalAlloc-before.TotalAlloc)/10, uint64(4096), "a refused frame of %d allocates no payload", n)
	}
}

// The payload buffer is reused: it is valid until the next call.
func TestFrameReaderReusesBuffer(t *testing.T) {
	stream := append(append(frameOf([]byte("first")), frameOf([]byte("two"))...), frameOf([]byte("a longer third frame"))...)
	fr := NewFrameReader(bytes.NewReader(stream), 64)
	p1, err := fr.Next()
	require.NoError(t, err)
	p2, err := fr.Next()
	require.NoError(t, err)
	assert.Equal(t, []byte("two"), p2)
	assert.Equal(t, []byte("twost"), p1, "the first payload's buffer now holds the second")
	p3, err := fr.Next()
	require.NoError(t, err)
	assert.Equal(t, []byte("a longer third frame"), p3, "the buffer grows for a larger frame")
}

func TestCheckFrameLen(t *testing.T) {
	tests := []struct {
		name   string
		prefix []byte
		max    int
		want   int
		err    error
	}{
		{"zero", be{}.i32(0), 0, 0, nil},
		{"at limit", be{}.i32(DefaultMaxPacket), DefaultMaxPacket, DefaultMaxPacket, nil},
		{"over limit", be{}.i32(DefaultMaxPacket + 1), DefaultMaxPacket, 0, ErrFrameTooLarge},
		{"max int32", be{}.i32(math.MaxInt32), DefaultMaxPacket, 0, ErrFrameTooLarge},
		{"minus one", be{}.i32(-1), DefaultMaxPacket, 0, ErrNegativeFrame},
		{"four-letter word", []byte("ruok"), DefaultMaxPacket, 0, ErrFrameTooLarge},
		{"extra bytes ignored", []byte{0, 0, 0, 9, 0xff}, 16, 9, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			n, err := CheckFrameLen(tt.prefix, tt.max)
			if tt.err != nil {
				require.ErrorIs(t, err, tt.err)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.want, n)
		})
	}
}

func TestAppendFrames(t *testing.T) {
	t.Run("request without body", func(t *testing.T) {
		assert.Equal(t, unhex(t, "00000008 fffffffe 0000000b"), AppendRequest(nil, XidPing, OpPing, nil))
		assert.Equal(t, unhex(t, "00000008 fffffffe 0000000b"), AppendRequest(nil, XidPing, OpPing, Empty{}))
	})
	t.Run("request appends", func(t *testing.T) {
		buf := AppendRequest(nil, 15, OpWhoAmI, nil)
		buf = AppendRequest(buf, 2, OpCloseSession, nil)
		assert.Equal(t, unhex(t, "00000008 0000000f 0000006b 00000008 00000002 fffffff5"), buf)
	})
	t.Run("request with body", func(t *testing.T) {
		got := AppendRequest([]byte{0xee}, 1, OpGetData, &PathWatchRequest{Path: "/probe", Watch: true})
		assert.Equal(t, unhex(t, "ee 00000013 00000001 00000004 00000006 2f70726f6265 01"), got)
	})
	t.Run("reply header only", func(t *testing.T) {
		got := AppendReply(nil, ReplyHeader{Xid: 3, Zxid: 4, Err: ErrNodeExists}, nil)
		assert.Equal(t, unhex(t, "00000010 00000003 0000000000000004 ffffff92"), got)
	})
	t.Run("reply with body", func(t *testing.T) {
		got := AppendReply([]byte("x"), ReplyHeader{Xid: 2, Zxid: 0x4b}, &ErrorResponse{})
		assert.Equal(t, unhex(t, "78 00000014 00000002 000000000000004b 00000000 00000000"), got)
	})
	t.Run("record frame", func(t *testing.T) {
		got := AppendRecordFrame(nil, &ConnectResponse{Passwd: make([]byte, 16), HasReadOnly: true})
		assert.Equal(t, unhex(t, "00000025 00000000 00000000 0000000000000000 00000010"+
			"00000000000000000000000000000000 00"), got)
	})
}

func TestEncoderFrames(t *testing.T) {
	e := NewEncoder([]byte("pre"))
	assert.Equal(t, 3, e.Len())
	start := e.BeginFrame()
	assert.Equal(t, 3, start)
	e.Int32(1)
	inner := e.BeginFrame()
	e.Bool(true)
	assert.Equal(t, 1, e.EndFrame(inner))
	assert.Equal(t, 9, e.EndFrame(start))
	assert.Equal(t, unhex(t, "707265 00000009 00000001 00000001 01"), e.Bytes())

	e.Reset()
	assert.Zero(t, e.Len())
	e.NullString()
	e.Strings(nil)
	e.Strings([]string{})
	e.Buffer(nil)
	e.Buffer([]byte{})
	e.Bool(false)
	e.Int64(-2)
	assert.Equal(t, unhex(t, "ffffffff ffffffff 00000000 ffffffff 00000000 00 fffffffffffffffe"), e.Bytes())

	var zero Encoder
	zero.String("ok")
	assert.Equal(t, unhex(t, "00000002 6f6b"), zero.Bytes(), "the zero Encoder is ready to use")
}
