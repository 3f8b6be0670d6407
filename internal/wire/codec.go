package wire

import (
	"encoding/binary"
	"errors"
	"fmt"
)

// ErrShortBuffer is returned (wrapped) when a record runs past the end of its
// frame: the frame was truncated or a length or count in it lies.
var ErrShortBuffer = errors.New("wire: record truncated")

// ErrBadLength is returned (wrapped) when a buffer, string or vector length in
// a record is negative (other than −1, null) or larger than the bytes left.
var ErrBadLength = errors.New("wire: invalid length")

// Encoder appends jute-encoded values to a byte slice. The zero value is ready
// to use. Encoding never fails; limits are checked by the caller on the
// finished frame.
type Encoder struct {
	b []byte
}

// NewEncoder returns an Encoder that appends to buf (which may be nil).
func NewEncoder(buf []byte) *Encoder { return &Encoder{b: buf} }

// Bytes returns the encoded bytes.
func (e *Encoder) Bytes() []byte { return e.b }

// Len returns the number of bytes encoded so far.
func (e *Encoder) Len() int { return len(e.b) }

// Reset empties the encoder, keeping its buffer.
func (e *Encoder) Reset() { e.b = e.b[:0] }

// Int32 appends a jute int.
func (e *Encoder) Int32(v int32) { e.b = binary.BigEndian.AppendUint32(e.b, uint32(v)) }

// Int64 appends a jute long.
func (e *Encoder) Int64(v int64) { e.b = binary.BigEndian.AppendUint64(e.b, uint64(v)) }

// Bool appends a jute boolean: one byte, 0 or 1.
func (e *Encoder) Bool(v bool) {
	if v {
		e.b = append(e.b, 1)
	} else {
		e.b = append(e.b, 0)
	}
}

// Buffer appends a jute buffer. A nil slice is encoded as null (length −1); a
// non-nil empty slice as an empty buffer.
func (e *Encoder) Buffer(v []byte) {
	if v == nil {
		e.Int32(-1)
		return
	}
	e.Int32(int32(len(v)))
	e.b = append(e.b, v...)
}

// String appends a jute ustring (never null).
func (e *Encoder) String(v string) {
	e.Int32(int32(len(v)))
	e.b = append(e.b, v...)
}

// NullString appends a null ustring (length −1).
func (e *Encoder) NullString() { e.Int32(-1) }

// Strings appends a vector of ustrings. A nil slice is encoded as a null
// vector (count −1), a non-nil empty one as an empty vector.
func (e *Encoder) Strings(v []string) {
	if v == nil {
		e.Int32(-1)
		return
	}
	e.Int32(int32(len(v)))
	for _, s := range v {
		e.String(s)
	}
}

// BeginFrame reserves the 4-byte length prefix of a frame and returns its
// offset, to be passed to EndFrame once the frame's payload is encoded.
func (e *Encoder) BeginFrame() int {
	start := len(e.b)
	e.b = append(e.b, 0, 0, 0, 0)
	return start
}

// EndFrame writes the length of the frame begun at start into its prefix and
// returns the payload length.
func (e *Encoder) EndFrame(start int) int {
	n := len(e.b) - start - 4
	binary.BigEndian.PutUint32(e.b[start:], uint32(n))
	return n
}

// Decoder reads jute-encoded values from one frame's payload. Errors are
// sticky: after the first failure every read returns a zero value and Err
// reports the failure, so record decoders read all fields and check once.
// A Decoder never panics and never allocates more than the bytes it holds.
type Decoder struct {
	b   []byte
	off int
	err error
}

// NewDecoder returns a Decoder over payload.
func NewDecoder(payload []byte) *Decoder { return &Decoder{b: payload} }

// Err returns the first decoding error, or nil.
func (d *Decoder) Err() error { return d.err }

// Remaining returns the number of unread bytes.
func (d *Decoder) Remaining() int { return len(d.b) - d.off }

// Offset returns the number of bytes read so far.
func (d *Decoder) Offset() int { return d.off }

func (d *Decoder) fail(err error) {
	if d.err == nil {
		d.err = err
	}
}

func (d *Decoder) take(n int, what string) []byte {
	if d.err != nil {
		return nil
	}
	if n > len(d.b)-d.off {
		d.fail(fmt.Errorf("%w: %s needs %d bytes at offset %d, %d left", ErrShortBuffer, what, n, d.off, len(d.b)-d.off))
		return nil
	}
	p := d.b[d.off : d.off+n]
	d.off += n
	return p
}

// Int32 reads a jute int.
func (d *Decoder) Int32() int32 {
	p := d.take(4, "int")
	if p == nil {
		return 0
	}
	return int32(binary.BigEndian.Uint32(p))
}

// Int64 reads a jute long.
func (d *Decoder) Int64() int64 {
	p := d.take(8, "long")
	if p == nil {
		return 0
	}
	return int64(binary.BigEndian.Uint64(p))
}

// Bool reads a jute boolean; any non-zero byte is true, as in the Java reader.
func (d *Decoder) Bool() bool {
	p := d.take(1, "boolean")
	return p != nil && p[0] != 0
}

// length reads a length or count prefix. It returns −1 for null and fails for
// any other negative value or one that cannot fit in the bytes left, given
// that each element takes at least minElem bytes.
func (d *Decoder) length(what string, minElem int) int {
	n := d.Int32()
	if d.err != nil || n == -1 {
		return -1
	}
	if n < 0 || (minElem > 0 && int64(n)*int64(minElem) > int64(len(d.b)-d.off)) {
		d.fail(fmt.Errorf("%w: %s length %d at offset %d, %d bytes left", ErrBadLength, what, n, d.off-4, len(d.b)-d.off))
		return -1
	}
	return int(n)
}

// Buffer reads a jute buffer; null is returned as nil, empty as a non-nil
// empty slice. The result is a copy, safe to keep after the frame is reused.
func (d *Decoder) Buffer() []byte {
	n := d.length("buffer", 1)
	if n < 0 {
		return nil
	}
	p := d.take(n, "buffer")
	if p == nil {
		return nil
	}
	out := make([]byte, n)
	copy(out, p)
	return out
}

// String reads a jute ustring; null reads as "".
func (d *Decoder) String() string {
	s, _ := d.NullableString()
	return s
}

// NullableString reads a jute ustring and reports whether it was non-null.
func (d *Decoder) NullableString() (string, bool) {
	n := d.length("string", 1)
	if n < 0 {
		return "", false
	}
	p := d.take(n, "string")
	if p == nil {
		return "", false
	}
	return string(p), true
}

// Strings reads a vector of ustrings; a null vector reads as nil.
func (d *Decoder) Strings() []string {
	n := d.length("vector<ustring>", 4)
	if n < 0 {
		return nil
	}
	out := make([]string, 0, n)
	for i := 0; i < n && d.err == nil; i++ {
		out = append(out, d.String())
	}
	if d.err != nil {
		return nil
	}
	return out
}

// Count reads the element count of a vector whose elements take at least
// minElem bytes each; −1 means null. Record decoders use it for vectors of
// records.
func (d *Decoder) Count(what string, minElem int) int { return d.length(what, minElem) }

// Record is a jute record that can be written and read.
type Record interface {
	Encode(e *Encoder)
	Decode(d *Decoder)
}

// Marshal appends r's encoding to buf and returns the result.
func Marshal(buf []byte, r Record) []byte {
	e := Encoder{b: buf}
	r.Encode(&e)
	return e.b
}

// Unmarshal decodes r from payload. Trailing bytes are ignored, as the server
// does; a truncated or malformed payload is an error.
func Unmarshal(payload []byte, r Record) error {
	d := NewDecoder(payload)
	r.Decode(d)
	return d.Err()
}
