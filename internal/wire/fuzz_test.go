package wire

import (
	"bytes"
	"encoding/binary"
	"flag"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// Fuzz targets, one per decoding entry point. Each asserts, for any input:
//
//   - Decoding either succeeds or fails with one of the decoder's errors
//     (ErrShortBuffer, ErrBadLength, ErrBadMultiOp, ErrBadMultiResult), and
//     never panics.
//   - If it succeeds having consumed n bytes (trailing bytes are ignored, as
//     the server does):
//     1. re-encoding the record takes exactly n bytes: every normalisation
//     the decoder applies (any non-zero boolean read as true, a null
//     string read as "", a multi header's err field ignored, a
//     reconfig's "" sent as null, a SetWatches null list sent empty)
//     keeps the width of the field;
//     2. the re-encoding decodes without error, consuming all of it, to
//     the same record, except that SetWatches lists decoded from null
//     come back empty;
//     3. re-encoding that record gives the same bytes again (the canonical
//     encoding is a fixed point);
//     4. the first n−1 bytes do not decode: no field is optional, except
//     the handshake records' readOnly byte.
//
// Seeds: the golden captures (testdata/golden) and edge cases, added with
// f.Add and committed under testdata/fuzz/FuzzXxx (see
// TestFuzzSeedCorpusUpToDate).

// normalised returns r as it decodes after a re-encoding.
func normalised(r Record) Record {
	sw, ok := r.(*SetWatches)
	if !ok {
		return r
	}
	c := *sw
	for _, l := range []*[]string{&c.Data, &c.Exist, &c.Child, &c.Persistent, &c.PersistentRecursive} {
		if *l == nil && (sw.V2 || (l != &c.Persistent && l != &c.PersistentRecursive)) {
			*l = []string{}
		}
	}
	return &c
}

func normalisedFrame(d decodedFrame) decodedFrame {
	if d.Body != nil {
		d.Body = normalised(d.Body)
	}
	d.Consumed = 0
	return d
}

// checkFrameProperties asserts the properties above for a frame decoder.
func checkFrameProperties(t *testing.T, f captureFrame, payload []byte) {
	got, err := decodeFrame(f, payload)
	if err != nil {
		require.True(t, isDecodeError(err), "unexpected error %v", err)
		return
	}
	if f.Kind == kindRequest && got.Body == nil {
		// No request record: the server answers −6 (or −8) without reading.
		_, named := opNames[got.ReqHdr.Op]
		require.True(t, !named || got.ReqHdr.Op == OpNotification || got.ReqHdr.Op == OpDeleteContainer ||
			got.ReqHdr.Op == OpCreateSession || got.ReqHdr.Op == OpError, "%v has no request record", got.ReqHdr.Op)
		return
	}
	n := got.Consumed
	require.LessOrEqual(t, n, len(payload))

	enc := encodeFrame(got)
	require.Len(t, enc, 4+n, "re-encoding must take the bytes the decoder consumed")
	require.Equal(t, uint32(n), binary.BigEndian.Uint32(enc), "length prefix")

	again, err := decodeFrame(f, enc[4:])
	require.NoError(t, err, "the re-encoding must decode")
	require.Equal(t, n, again.Consumed, "and be consumed whole")
	got.Consumed, again.Consumed = 0, 0
	require.Equal(t, normalisedFrame(got), again)
	require.Equal(t, enc, encodeFrame(again), "the canonical encoding is a fixed point")

	if n > 0 {
		short, err := decodeFrame(f, payload[:n-1])
		optional := (short.ConnReq != nil && got.ConnReq.HasReadOnly) || (short.ConnResp != nil && got.ConnResp.HasReadOnly)
		if optional {
			require.NoError(t, err, "without the readOnly byte")
		} else {
			require.Error(t, err, "a frame cut by one byte must not decode")
		}
	}
}

// checkRecordProperties asserts the properties above for a record decoder.
func checkRecordProperties(t *testing.T, payload []byte, fresh func() Record) Record {
	r := fresh()
	d := NewDecoder(payload)
	r.Decode(d)
	if err := d.Err(); err != nil {
		require.True(t, isDecodeError(err), "unexpected error %v", err)
		return nil
	}
	n := d.Offset()
	enc := Marshal(nil, r)
	require.Len(t, enc, n, "re-encoding must take the bytes the decoder consumed")

	r2 := fresh()
	d2 := NewDecoder(enc)
	r2.Decode(d2)
	require.NoError(t, d2.Err(), "the re-encoding must decode")
	require.Zero(t, d2.Remaining(), "and be consumed whole")
	require.Equal(t, normalised(r), r2)
	require.Equal(t, enc, Marshal(nil, r2), "the canonical encoding is a fixed point")

	if n > 0 {
		require.Error(t, Unmarshal(payload[:n-1], fresh()), "a record cut by one byte must not decode")
	}
	return r
}

// fuzzSeed is one seed input of a fuzz target.
type fuzzSeed struct {
	name string
	args []any
}

// goldenFrames returns the golden frames matching keep.
func goldenFrames(tb testing.TB, keep func(captureFrame) bool) []captureFrame {
	var out []captureFrame
	for _, c := range loadCaptures(tb, "*.hex") {
		for _, f := range c.Frames {
			if keep(f) {
				out = append(out, f)
			}
		}
	}
	return out
}

// addSeeds adds seeds to f's corpus.
func addSeeds(f *testing.F, seeds []fuzzSeed) {
	for _, s := range seeds {
		f.Add(s.args...)
	}
}

// seedNameReplacer keeps corpus file names portable.
var seedNameReplacer = strings.NewReplacer(">", "c2s-", "<", "s2c-", "(", "", ")", "")

func seedName(f captureFrame) string {
	return seedNameReplacer.Replace(f.File[:len(f.File)-len(".hex")] + "-" + f.name())
}

// replyOps are the opcodes a reply body can be decoded for, in order.
var replyOps = func() []OpCode {
	var ops []OpCode
	for op := range opNames {
		if _, ok := ResponseBody(op); ok {
			ops = append(ops, op)
		}
	}
	sort.Slice(ops, func(i, j int) bool { return ops[i] < ops[j] })
	return ops
}()

// replyOp maps any fuzzed int32 to an opcode with a response record, so
// that every input exercises a body decoder.
func replyOp(op int32) OpCode {
	if _, ok := ResponseBody(OpCode(op)); ok {
		return OpCode(op)
	}
	return replyOps[uint32(op)%uint32(len(replyOps))]
}

var edgePayloads = []fuzzSeed{
	{"empty", []any{[]byte{}}},
	{"huge-count", []any{[]byte(be{}.i32(1_000_000).pad(26))}},
	{"minus-two", []any{[]byte(be{}.i32(-2).pad(12))}},
	{"all-ff", []any{bytes.Repeat([]byte{0xff}, 40)}},
	{"all-00", []any{make([]byte, 90)}},
}

func requestSeeds(tb testing.TB) []fuzzSeed {
	var s []fuzzSeed
	for _, f := range goldenFrames(tb, func(f captureFrame) bool { return f.Kind == kindRequest }) {
		s = append(s, fuzzSeed{seedName(f), []any{f.payload()}})
	}
	s = append(s,
		fuzzSeed{"edge-setwatches2-nulls", []any{[]byte(be{}.i32(1).i32(int32(OpSetWatches2)).i64(0).i32(-1).i32(-1).i32(-1).i32(-1).i32(-1))}},
		fuzzSeed{"edge-reconfig-empty", []any{[]byte(be{}.i32(1).i32(int32(OpReconfig)).i32(0).i32(-1).i32(0).i64(-1))}},
		fuzzSeed{"edge-bool-2", []any{[]byte(be{}.i32(1).i32(int32(OpExists)).str("/").raw(2))}},
		fuzzSeed{"edge-multi-header-err", []any{[]byte(be{}.i32(1).i32(int32(OpMulti)).i32(int32(OpDelete)).raw(0).i32(7).str("/").i32(-1).i32(-1).raw(5).i32(3))}},
		fuzzSeed{"edge-createTTL-huge-acl", []any{[]byte(be{}.i32(1).i32(int32(OpCreateTTL)).str("/").i32(-1).i32(math.MaxInt32).pad(8))}},
	)
	for _, e := range edgePayloads {
		s = append(s, fuzzSeed{"edge-" + e.name, e.args})
	}
	return s
}

func FuzzRequestFrame(f *testing.F) {
	addSeeds(f, requestSeeds(f))
	f.Fuzz(func(t *testing.T, payload []byte) {
		checkFrameProperties(t, captureFrame{Dir: '>', Kind: kindRequest}, payload)
	})
}

func replySeeds(tb testing.TB) []fuzzSeed {
	var s []fuzzSeed
	for _, f := range goldenFrames(tb, func(f captureFrame) bool { return f.Kind == kindReply || f.Kind == kindEvent }) {
		s = append(s, fuzzSeed{seedName(f), []any{int32(f.Op), f.payload()}})
	}
	hdr := be{}.i32(1).i64(5).i32(0)
	s = append(s,
		fuzzSeed{"edge-whoami-huge", []any{int32(OpWhoAmI), []byte(append(hdr, be{}.i32(1_000_000).pad(10)...))}},
		fuzzSeed{"edge-multi-bad-result", []any{int32(OpMulti), []byte(append(hdr, be{}.i32(3).raw(0).i32(0)...))}},
		fuzzSeed{"edge-multi-error-header-mismatch", []any{int32(OpMulti), []byte(append(hdr, be{}.i32(-1).raw(0).i32(-101).i32(-2).i32(-1).raw(1).i32(-1)...))}},
		fuzzSeed{"edge-getdata-null", []any{int32(OpGetData), []byte(append(hdr, be{}.i32(-1).pad(StatLen)...))}},
		fuzzSeed{"edge-event-null-path", []any{int32(OpPing), []byte(be{}.i32(-1).i64(-1).i32(0).i32(1).i32(3).i32(-1))}},
		fuzzSeed{"edge-error-with-body", []any{int32(OpGetData), []byte(be{}.i32(1).i64(5).i32(-101).pad(20))}},
	)
	for _, e := range edgePayloads {
		s = append(s, fuzzSeed{"edge-" + e.name, append([]any{int32(OpGetACL)}, e.args...)})
	}
	return s
}

func FuzzReplyFrame(f *testing.F) {
	addSeeds(f, replySeeds(f))
	f.Fuzz(func(t *testing.T, op int32, payload []byte) {
		checkFrameProperties(t, captureFrame{Dir: '<', Kind: kindReply, Op: replyOp(op)}, payload)
	})
}

func connectSeeds(tb testing.TB, dir byte) []fuzzSeed {
	var s []fuzzSeed
	for _, f := range goldenFrames(tb, func(f captureFrame) bool { return f.Kind == kindConnect && f.Dir == dir }) {
		s = append(s, fuzzSeed{seedName(f), []any{f.payload()}})
		s = append(s, fuzzSeed{seedName(f) + "-trailing", []any{append(append([]byte{}, f.payload()...), 7, 7)}})
	}
	for _, e := range edgePayloads {
		s = append(s, fuzzSeed{"edge-" + e.name, e.args})
	}
	return s
}

func FuzzConnectRequest(f *testing.F) {
	addSeeds(f, connectSeeds(f, '>'))
	f.Fuzz(func(t *testing.T, payload []byte) {
		checkFrameProperties(t, captureFrame{Dir: '>', Kind: kindConnect}, payload)
	})
}

func FuzzConnectResponse(f *testing.F) {
	addSeeds(f, connectSeeds(f, '<'))
	f.Fuzz(func(t *testing.T, payload []byte) {
		checkFrameProperties(t, captureFrame{Dir: '<', Kind: kindConnect}, payload)
	})
}

func multiRequestSeeds(tb testing.TB) []fuzzSeed {
	var s []fuzzSeed
	for _, f := range goldenFrames(tb, func(f captureFrame) bool { return f.Kind == kindRequest }) {
		op := OpCode(binary.BigEndian.Uint32(f.payload()[4:]))
		if op == OpMulti || op == OpMultiRead {
			s = append(s, fuzzSeed{seedName(f), []any{op == OpMultiRead, f.payload()[RequestHeaderLen:]}})
		}
	}
	for _, e := range edgePayloads {
		s = append(s, fuzzSeed{"edge-" + e.name, append([]any{false}, e.args...)})
	}
	return s
}

func FuzzMultiRequest(f *testing.F) {
	addSeeds(f, multiRequestSeeds(f))
	f.Fuzz(func(t *testing.T, read bool, payload []byte) {
		r := checkRecordProperties(t, payload, func() Record { return &MultiRequest{Read: read} })
		if r == nil {
			return
		}
		for _, op := range r.(*MultiRequest).Ops {
			require.NotNil(t, multiOpBody(op.Op, read), "%v accepted in a multi (read=%v)", op.Op, read)
		}
	})
}

func multiResponseSeeds(tb testing.TB) []fuzzSeed {
	var s []fuzzSeed
	for _, f := range goldenFrames(tb, func(f captureFrame) bool {
		return f.Kind == kindReply && (f.Op == OpMulti || f.Op == OpMultiRead) && len(f.payload()) > ReplyHeaderLen
	}) {
		s = append(s, fuzzSeed{seedName(f), []any{f.payload()[ReplyHeaderLen:]}})
	}
	for _, e := range edgePayloads {
		s = append(s, fuzzSeed{"edge-" + e.name, e.args})
	}
	return s
}

func FuzzMultiResponse(f *testing.F) {
	addSeeds(f, multiResponseSeeds(f))
	f.Fuzz(func(t *testing.T, payload []byte) {
		r := checkRecordProperties(t, payload, func() Record { return &MultiResponse{} })
		if r == nil {
			return
		}
		for _, res := range r.(*MultiResponse).Results {
			if res.Op != OpError {
				require.Zero(t, res.Err, "only error results carry a code")
			}
		}
	})
}

func watcherEventSeeds(tb testing.TB) []fuzzSeed {
	var s []fuzzSeed
	for _, f := range goldenFrames(tb, func(f captureFrame) bool { return f.Kind == kindEvent }) {
		s = append(s, fuzzSeed{seedName(f), []any{f.payload()[ReplyHeaderLen:]}})
	}
	for _, e := range edgePayloads {
		s = append(s, fuzzSeed{"edge-" + e.name, e.args})
	}
	return s
}

func FuzzWatcherEvent(f *testing.F) {
	addSeeds(f, watcherEventSeeds(f))
	f.Fuzz(func(t *testing.T, payload []byte) {
		checkRecordProperties(t, payload, func() Record { return &WatcherEvent{} })
	})
}

func frameReaderSeeds(tb testing.TB) []fuzzSeed {
	var s []fuzzSeed
	for _, c := range loadCaptures(tb, "*.hex") {
		for _, dir := range []byte{'>', '<'} {
			var stream []byte
			for _, f := range c.Frames {
				if f.Dir == dir {
					stream = append(stream, f.Bytes...)
				}
			}
			if len(stream) > 0 {
				name := c.Name[:len(c.Name)-len(".hex")] + "-" + map[byte]string{'>': "client", '<': "server"}[dir]
				s = append(s, fuzzSeed{name, []any{stream, uint16(math.MaxUint16), uint16(7)}})
			}
		}
	}
	s = append(s,
		fuzzSeed{"edge-negative", []any{[]byte(be{}.i32(-1).pad(4)), uint16(100), uint16(0)}},
		fuzzSeed{"edge-over-limit", []any{[]byte(be{}.i32(11).pad(11)), uint16(10), uint16(3)}},
		fuzzSeed{"edge-at-limit", []any{[]byte(be{}.i32(10).pad(10)), uint16(10), uint16(3)}},
		fuzzSeed{"edge-short-prefix", []any{[]byte{0, 0, 1}, uint16(10), uint16(1)}},
		fuzzSeed{"edge-mid-frame", []any{[]byte(be{}.i32(0).i32(5).raw(1, 2)), uint16(10), uint16(1)}},
		fuzzSeed{"edge-empty", []any{[]byte{}, uint16(0), uint16(0)}},
	)
	return s
}

// FuzzFrameReader checks FrameReader against a direct reading of the
// stream's length prefixes: the same payloads, then exactly io.EOF at a
// frame boundary, io.ErrUnexpectedEOF inside a frame, ErrNegativeFrame or
// ErrFrameTooLarge at a bad prefix, whatever sizes the reads come in.
func FuzzFrameReader(f *testing.F) {
	addSeeds(f, frameReaderSeeds(f))
	f.Fuzz(func(t *testing.T, stream []byte, limit uint16, chunk uint16) {
		fr := NewFrameReader(&chunkReader{b: stream, n: int(chunk%64) + 1}, int(limit))
		rest := stream
		for {
			p, err := fr.Next()
			if len(rest) == 0 {
				require.Equal(t, io.EOF, err)
				return
			}
			if len(rest) < 4 {
				require.Equal(t, io.ErrUnexpectedEOF, err)
				return
			}
			n := int32(binary.BigEndian.Uint32(rest))
			switch {
			case n < 0:
				require.ErrorIs(t, err, ErrNegativeFrame)
				return
			case int(n) > int(limit):
				require.ErrorIs(t, err, ErrFrameTooLarge)
				return
			case int(n) > len(rest)-4:
				require.Equal(t, io.ErrUnexpectedEOF, err)
				return
			}
			require.NoError(t, err)
			require.True(t, bytes.Equal(rest[4:4+n], p), "payload")
			rest = rest[4+n:]
		}
	})
}

var updateFuzzSeeds = flag.Bool("update-fuzz-seeds", false, "rewrite the seed-* files of testdata/fuzz from the golden captures")

// fuzzTargets names every fuzz target with its seeds.
var fuzzTargets = []struct {
	name  string
	seeds func(testing.TB) []fuzzSeed
}{
	{"FuzzRequestFrame", requestSeeds},
	{"FuzzReplyFrame", replySeeds},
	{"FuzzConnectRequest", func(tb testing.TB) []fuzzSeed { return connectSeeds(tb, '>') }},
	{"FuzzConnectResponse", func(tb testing.TB) []fuzzSeed { return connectSeeds(tb, '<') }},
	{"FuzzMultiRequest", multiRequestSeeds},
	{"FuzzMultiResponse", multiResponseSeeds},
	{"FuzzWatcherEvent", watcherEventSeeds},
	{"FuzzFrameReader", frameReaderSeeds},
}

// encodeCorpusFile renders a seed in the go test fuzz v1 corpus format.
func encodeCorpusFile(args []any) []byte {
	var b strings.Builder
	b.WriteString("go test fuzz v1\n")
	for _, a := range args {
		switch v := a.(type) {
		case []byte:
			fmt.Fprintf(&b, "[]byte(%q)\n", v)
		case int32:
			fmt.Fprintf(&b, "int32(%d)\n", v)
		case uint16:
			fmt.Fprintf(&b, "uint16(%d)\n", v)
		case bool:
			fmt.Fprintf(&b, "bool(%t)\n", v)
		default:
			panic(fmt.Sprintf("corpus value of type %T", a))
		}
	}
	return []byte(b.String())
}

// The committed seed corpus (testdata/fuzz/FuzzXxx/seed-*) holds exactly
// the seeds the fuzz targets add: every golden capture and the edge cases.
// Run with -update-fuzz-seeds after changing the captures. Files not named
// seed-* (crashers found by fuzzing) are left alone.
func TestFuzzSeedCorpusUpToDate(t *testing.T) {
	for _, ft := range fuzzTargets {
		t.Run(ft.name, func(t *testing.T) {
			dir := filepath.Join("testdata", "fuzz", ft.name)
			want := map[string][]byte{}
			for _, s := range ft.seeds(t) {
				name := "seed-" + s.name
				require.NotContains(t, want, name, "duplicate seed name")
				want[name] = encodeCorpusFile(s.args)
			}
			if *updateFuzzSeeds {
				require.NoError(t, os.MkdirAll(dir, 0o755))
				old, _ := filepath.Glob(filepath.Join(dir, "seed-*"))
				for _, p := range old {
					require.NoError(t, os.Remove(p))
				}
				for name, b := range want {
					require.NoError(t, os.WriteFile(filepath.Join(dir, name), b, 0o644))
				}
			}
			have, err := filepath.Glob(filepath.Join(dir, "seed-*"))
			require.NoError(t, err)
			require.Len(t, have, len(want), "run go test -run TestFuzzSeedCorpusUpToDate -update-fuzz-seeds ./internal/wire/")
			for _, p := range have {
				b, err := os.ReadFile(p)
				require.NoError(t, err)
				require.Equal(t, string(want[filepath.Base(p)]), string(b), "%s is stale", p)
			}
		})
	}
}
