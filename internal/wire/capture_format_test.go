package wire

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"
)

// This file reads and writes the golden capture files of testdata/golden
// (format: testdata/golden/README.md) and decodes their frames the way the
// receiving peer would. The golden, malformed-input and fuzz tests share it,
// and so does the capture generator (capture_test.go, build tag capture).

const goldenDir = "testdata/golden"

// Frame kinds of a capture file.
const (
	kindConnect = "connect" // ConnectRequest (>) or ConnectResponse (<)
	kindRequest = "request" // RequestHeader + request body
	kindReply   = "reply"   // ReplyHeader + response body of op
	kindEvent   = "event"   // ReplyHeader (xid −1) + WatcherEvent
)

// Expectations and quirks a frame can be marked with.
const (
	expectTruncated = "truncated"    // request body runs out of bytes
	expectNoRecord  = "no-record"    // opcode with no client request record
	expectBadMulti  = "bad-multi-op" // multi with a read op, multiRead with a write op
	quirkStrayBody  = "stray-body"   // err ≠ 0 reply followed by an empty MultiResponse
)

// captureFrame is one frame of a capture file.
type captureFrame struct {
	File   string
	Index  int    // position in the file, from 0
	Line   int    // line of its marker
	Dir    byte   // '>' client → server, '<' server → client
	Kind   string // kindConnect, kindRequest, kindReply or kindEvent
	Op     OpCode // reply: the opcode of the request it answers
	Expect string
	Quirk  string
	Bytes  []byte // the whole frame, length prefix included
}

func (f captureFrame) name() string {
	s := fmt.Sprintf("%02d_%c%s", f.Index, f.Dir, f.Kind)
	if f.Kind == kindReply {
		s += "_" + f.Op.String()
	}
	return s
}

func (f captureFrame) payload() []byte { return f.Bytes[4:] }

// capture is one golden file.
type capture struct {
	Name     string // file name
	Comments []string
	Frames   []captureFrame
}

var opByName = func() map[string]OpCode {
	m := make(map[string]OpCode, len(opNames))
	for op, name := range opNames {
		m[name] = op
	}
	return m
}()

func parseOp(s string) (OpCode, error) {
	if op, ok := opByName[s]; ok {
		return op, nil
	}
	n, err := strconv.ParseInt(s, 10, 32)
	if err != nil {
		return 0, fmt.Errorf("unknown opcode %q", s)
	}
	return OpCode(n), nil
}

// parseCapture parses one golden file.
func parseCapture(name string, text []byte) (capture, error) {
	c := capture{Name: name}
	var cur *captureFrame
	sc := bufio.NewScanner(bytes.NewReader(text))
	for line := 1; sc.Scan(); line++ {
		s := strings.TrimSpace(sc.Text())
		switch {
		case s == "":
			continue
		case s[0] == '#':
			if cur == nil {
				c.Comments = append(c.Comments, strings.TrimSpace(s[1:]))
			}
			continue
		case s[0] == '>' || s[0] == '<':
			fields := strings.Fields(s[1:])
			if len(fields) == 0 {
				return c, fmt.Errorf("%s:%d: frame marker without a kind", name, line)
			}
			c.Frames = append(c.Frames, captureFrame{File: name, Index: len(c.Frames), Line: line, Dir: s[0], Kind: fields[0]})
			cur = &c.Frames[len(c.Frames)-1]
			switch cur.Kind {
			case kindConnect, kindRequest, kindReply, kindEvent:
			default:
				return c, fmt.Errorf("%s:%d: unknown frame kind %q", name, line, cur.Kind)
			}
			hasOp := false
			for _, kv := range fields[1:] {
				k, v, ok := strings.Cut(kv, "=")
				if !ok {
					return c, fmt.Errorf("%s:%d: bad option %q", name, line, kv)
				}
				switch k {
				case "op":
					op, err := parseOp(v)
					if err != nil {
						return c, fmt.Errorf("%s:%d: %w", name, line, err)
					}
					cur.Op, hasOp = op, true
				case "expect":
					cur.Expect = v
				case "quirk":
					cur.Quirk = v
				default:
					return c, fmt.Errorf("%s:%d: unknown option %q", name, line, k)
				}
			}
			if (cur.Kind == kindReply) != hasOp {
				return c, fmt.Errorf("%s:%d: op= is required on reply frames and only there", name, line)
			}
			continue
		}
		if cur == nil {
			return c, fmt.Errorf("%s:%d: bytes before the first frame marker", name, line)
		}
		if i := strings.IndexByte(s, '#'); i >= 0 {
			s = s[:i]
		}
		for _, tok := range strings.Fields(s) {
			b, err := hex.DecodeString(tok)
			if err != nil {
				return c, fmt.Errorf("%s:%d: %w", name, line, err)
			}
			cur.Bytes = append(cur.Bytes, b...)
		}
	}
	if err := sc.Err(); err != nil {
		return c, err
	}
	if len(c.Frames) == 0 {
		return c, fmt.Errorf("%s: no frames", name)
	}
	for _, f := range c.Frames {
		if len(f.Bytes) < 4 {
			return c, fmt.Errorf("%s:%d: frame shorter than its length prefix", name, f.Line)
		}
		if n := int(binary.BigEndian.Uint32(f.Bytes)); n != len(f.Bytes)-4 {
			return c, fmt.Errorf("%s:%d: length prefix says %d, frame has %d bytes after it", name, f.Line, n, len(f.Bytes)-4)
		}
	}
	return c, nil
}

var (
	captureCacheMu sync.Mutex
	captureCache   = map[string][]capture{} // by pattern; callers do not modify
)

// loadCaptures parses every golden file whose name matches pattern. The
// result is shared between callers: read it, do not modify it.
func loadCaptures(tb testing.TB, pattern string) []capture {
	tb.Helper()
	captureCacheMu.Lock()
	defer captureCacheMu.Unlock()
	if cs, ok := captureCache[pattern]; ok {
		return cs
	}
	files, err := filepath.Glob(filepath.Join(goldenDir, pattern))
	require.NoError(tb, err)
	sort.Strings(files)
	var out []capture
	for _, path := range files {
		text, err := os.ReadFile(path)
		require.NoError(tb, err)
		c, err := parseCapture(filepath.Base(path), text)
		require.NoError(tb, err)
		out = append(out, c)
	}
	captureCache[pattern] = out
	return out
}

// loadCapture parses one golden file.
func loadCapture(tb testing.TB, name string) capture {
	tb.Helper()
	cs := loadCaptures(tb, name)
	require.Len(tb, cs, 1, "golden file %s", name)
	return cs[0]
}

// formatCapture renders a capture in the golden file format; notes holds an
// optional comment per frame.
func formatCapture(comments []string, frames []captureFrame, notes []string) []byte {
	var b bytes.Buffer
	for _, c := range comments {
		if c == "" {
			b.WriteString("#\n")
		} else {
			fmt.Fprintf(&b, "# %s\n", c)
		}
	}
	for i, f := range frames {
		fmt.Fprintf(&b, "%c %s", f.Dir, f.Kind)
		if f.Kind == kindReply {
			if name, ok := opNames[f.Op]; ok {
				fmt.Fprintf(&b, " op=%s", name)
			} else {
				fmt.Fprintf(&b, " op=%d", int32(f.Op))
			}
		}
		if f.Expect != "" {
			fmt.Fprintf(&b, " expect=%s", f.Expect)
		}
		if f.Quirk != "" {
			fmt.Fprintf(&b, " quirk=%s", f.Quirk)
		}
		b.WriteByte('\n')
		if i < len(notes) && notes[i] != "" {
			fmt.Fprintf(&b, "# %s\n", notes[i])
		}
		for off := 0; off < len(f.Bytes); off += 16 {
			end := min(off+16, len(f.Bytes))
			for j, c := range f.Bytes[off:end] {
				if j > 0 {
					b.WriteByte(' ')
				}
				fmt.Fprintf(&b, "%02x", c)
			}
			b.WriteByte('\n')
		}
	}
	return b.Bytes()
}

// decodedFrame is a frame as its receiver decodes it. Exactly one of the
// first four fields is set. Body is nil when no body is decoded: a reply
// with err ≠ 0, or a request whose opcode has no request record.
type decodedFrame struct {
	ConnReq  *ConnectRequest
	ConnResp *ConnectResponse
	ReqHdr   *RequestHeader
	ReplyHdr *ReplyHeader
	Body     Record
	Consumed int // payload bytes read
}

// errNoResponseRecord reports a successful reply to an opcode that
// ResponseBody does not know.
var errNoResponseRecord = errors.New("no response record for this opcode")

// decodeFrame decodes payload (a frame without its length prefix) as the
// frame f describes: a client frame as a server reads it, a server frame as
// a client reads it (the body only when err = 0, per §4).
func decodeFrame(f captureFrame, payload []byte) (decodedFrame, error) {
	var out decodedFrame
	d := NewDecoder(payload)
	switch {
	case f.Kind == kindConnect && f.Dir == '>':
		out.ConnReq = &ConnectRequest{}
		out.ConnReq.Decode(d)
	case f.Kind == kindConnect:
		out.ConnResp = &ConnectResponse{}
		out.ConnResp.Decode(d)
	case f.Kind == kindRequest:
		out.ReqHdr = &RequestHeader{}
		out.ReqHdr.Decode(d)
		if d.Err() == nil {
			if body, ok := RequestBody(out.ReqHdr.Op); ok {
				body.Decode(d)
				out.Body = body
			}
		}
	default:
		out.ReplyHdr = &ReplyHeader{}
		out.ReplyHdr.Decode(d)
		switch {
		case d.Err() != nil:
		case out.ReplyHdr.Xid == XidWatchEvent:
			out.Body = &WatcherEvent{}
			out.Body.Decode(d)
		case out.ReplyHdr.Err != ErrOK:
		default:
			body, ok := ResponseBody(f.Op)
			if !ok {
				return out, fmt.Errorf("%w: %v", errNoResponseRecord, f.Op)
			}
			body.Decode(d)
			out.Body = body
		}
	}
	out.Consumed = d.Offset()
	return out, d.Err()
}

// encodeFrame encodes a decoded frame back into a complete frame.
func encodeFrame(d decodedFrame) []byte {
	switch {
	case d.ConnReq != nil:
		return AppendRecordFrame(nil, d.ConnReq)
	case d.ConnResp != nil:
		return AppendRecordFrame(nil, d.ConnResp)
	case d.ReqHdr != nil:
		return AppendRequest(nil, d.ReqHdr.Xid, d.ReqHdr.Op, d.Body)
	default:
		return AppendReply(nil, *d.ReplyHdr, d.Body)
	}
}

// isDecodeError reports whether err is one of the errors a decoder may
// return for malformed input.
func isDecodeError(err error) bool {
	return errors.Is(err, ErrShortBuffer) || errors.Is(err, ErrBadLength) ||
		errors.Is(err, ErrBadMultiOp) || errors.Is(err, ErrBadMultiResult)
}
