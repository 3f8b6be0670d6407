package wire

// This file holds the records shared by many operations: headers, Stat, ACL,
// and the handshake. Operation-specific records are in requests.go and
// responses.go; multi in multi.go.

// ConnectRequest is the first frame a client sends (no request header).
type ConnectRequest struct {
	ProtocolVersion int32
	LastZxidSeen    int64
	TimeOut         int32 // requested session timeout, ms
	SessionID       int64 // 0 for a new session
	Passwd          []byte
	// ReadOnly is the optional trailing byte; it is written only when
	// HasReadOnly is set, and HasReadOnly reports whether it was read.
	ReadOnly    bool
	HasReadOnly bool
}

// Encode implements Record.
func (r *ConnectRequest) Encode(e *Encoder) {
	e.Int32(r.ProtocolVersion)
	e.Int64(r.LastZxidSeen)
	e.Int32(r.TimeOut)
	e.Int64(r.SessionID)
	e.Buffer(r.Passwd)
	if r.HasReadOnly {
		e.Bool(r.ReadOnly)
	}
}

// Decode implements Record.
func (r *ConnectRequest) Decode(d *Decoder) {
	r.ProtocolVersion = d.Int32()
	r.LastZxidSeen = d.Int64()
	r.TimeOut = d.Int32()
	r.SessionID = d.Int64()
	r.Passwd = d.Buffer()
	r.HasReadOnly = d.Err() == nil && d.Remaining() > 0
	r.ReadOnly = r.HasReadOnly && d.Bool()
}

// ConnectResponse is the first frame a server sends (no reply header). A
// TimeOut of 0 means the session is invalid or expired.
type ConnectResponse struct {
	ProtocolVersion int32
	TimeOut         int32 // negotiated session timeout, ms
	SessionID       int64
	Passwd          []byte
	// ReadOnly is the optional trailing byte; written only when HasReadOnly.
	ReadOnly    bool
	HasReadOnly bool
}

// Encode implements Record.
func (r *ConnectResponse) Encode(e *Encoder) {
	e.Int32(r.ProtocolVersion)
	e.Int32(r.TimeOut)
	e.Int64(r.SessionID)
	e.Buffer(r.Passwd)
	if r.HasReadOnly {
		e.Bool(r.ReadOnly)
	}
}

// Decode implements Record.
func (r *ConnectResponse) Decode(d *Decoder) {
	r.ProtocolVersion = d.Int32()
	r.TimeOut = d.Int32()
	r.SessionID = d.Int64()
	r.Passwd = d.Buffer()
	r.HasReadOnly = d.Err() == nil && d.Remaining() > 0
	r.ReadOnly = r.HasReadOnly && d.Bool()
}

// RequestHeader starts every client frame after the handshake.
type RequestHeader struct {
	Xid int32
	Op  OpCode
}

// RequestHeaderLen is the encoded size of a RequestHeader.
const RequestHeaderLen = 8

// Encode implements Record.
func (r *RequestHeader) Encode(e *Encoder) {
	e.Int32(r.Xid)
	e.Int32(int32(r.Op))
}

// Decode implements Record.
func (r *RequestHeader) Decode(d *Decoder) {
	r.Xid = d.Int32()
	r.Op = OpCode(d.Int32())
}

// ReplyHeader starts every server frame after the handshake.
type ReplyHeader struct {
	Xid  int32
	Zxid int64
	Err  ErrCode
}

// ReplyHeaderLen is the encoded size of a ReplyHeader.
const ReplyHeaderLen = 16

// Encode implements Record.
func (r *ReplyHeader) Encode(e *Encoder) {
	e.Int32(r.Xid)
	e.Int64(r.Zxid)
	e.Int32(int32(r.Err))
}

// Decode implements Record.
func (r *ReplyHeader) Decode(d *Decoder) {
	r.Xid = d.Int32()
	r.Zxid = d.Int64()
	r.Err = ErrCode(d.Int32())
}

// Stat is a znode's metadata (68 bytes on the wire).
type Stat struct {
	Czxid          int64
	Mzxid          int64
	Ctime          int64 // ms since the Unix epoch
	Mtime          int64
	Version        int32
	Cversion       int32
	Aversion       int32
	EphemeralOwner int64
	DataLength     int32
	NumChildren    int32
	Pzxid          int64
}

// StatLen is the encoded size of a Stat.
const StatLen = 68

// Encode implements Record.
func (s *Stat) Encode(e *Encoder) {
	e.Int64(s.Czxid)
	e.Int64(s.Mzxid)
	e.Int64(s.Ctime)
	e.Int64(s.Mtime)
	e.Int32(s.Version)
	e.Int32(s.Cversion)
	e.Int32(s.Aversion)
	e.Int64(s.EphemeralOwner)
	e.Int32(s.DataLength)
	e.Int32(s.NumChildren)
	e.Int64(s.Pzxid)
}

// Decode implements Record.
func (s *Stat) Decode(d *Decoder) {
	s.Czxid = d.Int64()
	s.Mzxid = d.Int64()
	s.Ctime = d.Int64()
	s.Mtime = d.Int64()
	s.Version = d.Int32()
	s.Cversion = d.Int32()
	s.Aversion = d.Int32()
	s.EphemeralOwner = d.Int64()
	s.DataLength = d.Int32()
	s.NumChildren = d.Int32()
	s.Pzxid = d.Int64()
}

// ID is an ACL identity: a scheme and an id within it.
type ID struct {
	Scheme string
	ID     string
}

// ACL grants Perms to an identity.
type ACL struct {
	Perms int32
	ID    ID
}

func encodeACLs(e *Encoder, acls []ACL) {
	if acls == nil {
		e.Int32(-1)
		return
	}
	e.Int32(int32(len(acls)))
	for _, a := range acls {
		e.Int32(a.Perms)
		e.String(a.ID.Scheme)
		e.String(a.ID.ID)
	}
}

// minACLLen is the smallest encoding of an ACL: perms and two empty strings.
const minACLLen = 12

func decodeACLs(d *Decoder) []ACL {
	n := d.Count("vector<ACL>", minACLLen)
	if n < 0 {
		return nil
	}
	out := make([]ACL, 0, n)
	for i := 0; i < n && d.Err() == nil; i++ {
		var a ACL
		a.Perms = d.Int32()
		a.ID.Scheme = d.String()
		a.ID.ID = d.String()
		out = append(out, a)
	}
	if d.Err() != nil {
		return nil
	}
	return out
}

// WatcherEvent is the body of a notification frame (xid −1).
type WatcherEvent struct {
	Type  int32
	State int32
	Path  string
}

// Encode implements Record.
func (r *WatcherEvent) Encode(e *Encoder) {
	e.Int32(r.Type)
	e.Int32(r.State)
	e.String(r.Path)
}

// Decode implements Record.
func (r *WatcherEvent) Decode(d *Decoder) {
	r.Type = d.Int32()
	r.State = d.Int32()
	r.Path = d.String()
}

// ErrorResponse is a bare error code: the body of an addWatch reply and of a
// failed operation's result inside a MultiResponse.
type ErrorResponse struct {
	Err ErrCode
}

// Encode implements Record.
func (r *ErrorResponse) Encode(e *Encoder) { e.Int32(int32(r.Err)) }

// Decode implements Record.
func (r *ErrorResponse) Decode(d *Decoder) { r.Err = ErrCode(d.Int32()) }

// Empty is the record of an operation with no body (ping, closeSession, the
// whoAmI request, replies to delete and setWatches).
type Empty struct{}

// Encode implements Record.
func (Empty) Encode(*Encoder) {}

// Decode implements Record.
func (Empty) Decode(*Decoder) {}
