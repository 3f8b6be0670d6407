package wire

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
)

// ErrFrameTooLarge is returned (wrapped) by ReadFrame for a frame whose
// length prefix exceeds the reader's limit.
var ErrFrameTooLarge = errors.New("wire: frame too large")

// ErrNegativeFrame is returned (wrapped) by ReadFrame for a frame whose
// length prefix is negative.
var ErrNegativeFrame = errors.New("wire: negative frame length")

// FrameReader reads length-prefixed frames from a stream, reusing one buffer.
type FrameReader struct {
	r   io.Reader
	max int
	hdr [4]byte
	buf []byte
}

// NewFrameReader returns a FrameReader over r that refuses frames longer than
// max bytes (not counting the 4-byte prefix).
func NewFrameReader(r io.Reader, max int) *FrameReader {
	return &FrameReader{r: r, max: max}
}

// Next reads one frame and returns its payload. The payload is valid until
// the next call to Next; decoders copy what they keep. An io.EOF before the
// first byte of a frame is returned as is; a frame cut short is
// io.ErrUnexpectedEOF.
func (f *FrameReader) Next() ([]byte, error) {
	if _, err := io.ReadFull(f.r, f.hdr[:]); err != nil {
		return nil, err
	}
	n, err := CheckFrameLen(f.hdr[:], f.max)
	if err != nil {
		return nil, err
	}
	if cap(f.buf) < n {
		f.buf = make([]byte, n)
	}
	p := f.buf[:n]
	if _, err := io.ReadFull(f.r, p); err != nil {
		if err == io.EOF {
			err = io.ErrUnexpectedEOF
		}
		return nil, err
	}
	return p, nil
}

// CheckFrameLen decodes a 4-byte length prefix and checks it against max.
func CheckFrameLen(prefix []byte, max int) (int, error) {
	n := int32(binary.BigEndian.Uint32(prefix))
	switch {
	case n < 0:
		return 0, fmt.Errorf("%w: %d", ErrNegativeFrame, n)
	case int(n) > max:
		return 0, fmt.Errorf("%w: %d bytes, limit %d", ErrFrameTooLarge, n, max)
	}
	return int(n), nil
}

// AppendRequest appends a complete request frame (length, header, body) to
// buf. body may be nil for requests without one.
func AppendRequest(buf []byte, xid int32, op OpCode, body Record) []byte {
	e := Encoder{b: buf}
	start := e.BeginFrame()
	h := RequestHeader{Xid: xid, Op: op}
	h.Encode(&e)
	if body != nil {
		body.Encode(&e)
	}
	e.EndFrame(start)
	return e.b
}

// AppendReply appends a complete reply frame (length, header, body) to buf.
// body may be nil; servers send none when h.Err is not ErrOK.
func AppendReply(buf []byte, h ReplyHeader, body Record) []byte {
	e := Encoder{b: buf}
	start := e.BeginFrame()
	h.Encode(&e)
	if body != nil {
		body.Encode(&e)
	}
	e.EndFrame(start)
	return e.b
}

// AppendRecordFrame appends a frame holding r alone (the handshake records).
func AppendRecordFrame(buf []byte, r Record) []byte {
	e := Encoder{b: buf}
	start := e.BeginFrame()
	r.Encode(&e)
	e.EndFrame(start)
	return e.b
}
