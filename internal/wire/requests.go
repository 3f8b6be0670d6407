package wire

// CreateRequest is the body of create (1), create2 (15) and createContainer (19).
type CreateRequest struct {
	Path  string
	Data  []byte
	ACL   []ACL
	Flags int32
}

// Encode implements Record.
func (r *CreateRequest) Encode(e *Encoder) {
	e.String(r.Path)
	e.Buffer(r.Data)
	encodeACLs(e, r.ACL)
	e.Int32(r.Flags)
}

// Decode implements Record.
func (r *CreateRequest) Decode(d *Decoder) {
	r.Path = d.String()
	r.Data = d.Buffer()
	r.ACL = decodeACLs(d)
	r.Flags = d.Int32()
}

// CreateTTLRequest is the body of createTTL (21).
type CreateTTLRequest struct {
	Path  string
	Data  []byte
	ACL   []ACL
	Flags int32
	TTL   int64 // ms
}

// Encode implements Record.
func (r *CreateTTLRequest) Encode(e *Encoder) {
	e.String(r.Path)
	e.Buffer(r.Data)
	encodeACLs(e, r.ACL)
	e.Int32(r.Flags)
	e.Int64(r.TTL)
}

// Decode implements Record.
func (r *CreateTTLRequest) Decode(d *Decoder) {
	r.Path = d.String()
	r.Data = d.Buffer()
	r.ACL = decodeACLs(d)
	r.Flags = d.Int32()
	r.TTL = d.Int64()
}

// DeleteRequest is the body of delete (2).
type DeleteRequest struct {
	Path    string
	Version int32 // −1 matches any version
}

// Encode implements Record.
func (r *DeleteRequest) Encode(e *Encoder) {
	e.String(r.Path)
	e.Int32(r.Version)
}

// Decode implements Record.
func (r *DeleteRequest) Decode(d *Decoder) {
	r.Path = d.String()
	r.Version = d.Int32()
}

// CheckVersionRequest is the body of check (13), valid only inside a multi.
// Its layout is DeleteRequest's.
type CheckVersionRequest = DeleteRequest

// PathWatchRequest is the body of exists (3), getData (4), getChildren (8)
// and getChildren2 (12): a path and whether to leave a watch.
type PathWatchRequest struct {
	Path  string
	Watch bool
}

// Encode implements Record.
func (r *PathWatchRequest) Encode(e *Encoder) {
	e.String(r.Path)
	e.Bool(r.Watch)
}

// Decode implements Record.
func (r *PathWatchRequest) Decode(d *Decoder) {
	r.Path = d.String()
	r.Watch = d.Bool()
}

// PathRequest is a body made of one path: getACL (6), sync (9) and its
// response, getEphemerals (103, the prefix), getAllChildrenNumber (104), and
// the create (1) response.
type PathRequest struct {
	Path string
}

// Encode implements Record.
func (r *PathRequest) Encode(e *Encoder) { e.String(r.Path) }

// Decode implements Record.
func (r *PathRequest) Decode(d *Decoder) { r.Path = d.String() }

// SetDataRequest is the body of setData (5).
type SetDataRequest struct {
	Path    string
	Data    []byte
	Version int32 // −1 matches any version
}

// Encode implements Record.
func (r *SetDataRequest) Encode(e *Encoder) {
	e.String(r.Path)
	e.Buffer(r.Data)
	e.Int32(r.Version)
}

// Decode implements Record.
func (r *SetDataRequest) Decode(d *Decoder) {
	r.Path = d.String()
	r.Data = d.Buffer()
	r.Version = d.Int32()
}

// SetACLRequest is the body of setACL (7). Version is matched against the
// node's aversion.
type SetACLRequest struct {
	Path    string
	ACL     []ACL
	Version int32
}

// Encode implements Record.
func (r *SetACLRequest) Encode(e *Encoder) {
	e.String(r.Path)
	encodeACLs(e, r.ACL)
	e.Int32(r.Version)
}

// Decode implements Record.
func (r *SetACLRequest) Decode(d *Decoder) {
	r.Path = d.String()
	r.ACL = decodeACLs(d)
	r.Version = d.Int32()
}

// ReconfigRequest is the body of reconfig (16). An empty string field is
// sent as null.
type ReconfigRequest struct {
	JoiningServers string
	LeavingServers string
	NewMembers     string
	CurConfigID    int64 // −1 matches any
}

// Encode implements Record.
func (r *ReconfigRequest) Encode(e *Encoder) {
	for _, s := range []string{r.JoiningServers, r.LeavingServers, r.NewMembers} {
		if s == "" {
			e.NullString()
		} else {
			e.String(s)
		}
	}
	e.Int64(r.CurConfigID)
}

// Decode implements Record.
func (r *ReconfigRequest) Decode(d *Decoder) {
	r.JoiningServers = d.String()
	r.LeavingServers = d.String()
	r.NewMembers = d.String()
	r.CurConfigID = d.Int64()
}

// WatchesRequest is the body of checkWatches (17) and removeWatches (18).
type WatchesRequest struct {
	Path string
	Type int32 // WatcherChildren, WatcherData or WatcherAny
}

// Encode implements Record.
func (r *WatchesRequest) Encode(e *Encoder) {
	e.String(r.Path)
	e.Int32(r.Type)
}

// Decode implements Record.
func (r *WatchesRequest) Decode(d *Decoder) {
	r.Path = d.String()
	r.Type = d.Int32()
}

// AuthPacket is the body of auth (100, xid −4).
type AuthPacket struct {
	Type   int32 // always 0
	Scheme string
	Auth   []byte
}

// Encode implements Record.
func (r *AuthPacket) Encode(e *Encoder) {
	e.Int32(r.Type)
	e.String(r.Scheme)
	e.Buffer(r.Auth)
}

// Decode implements Record.
func (r *AuthPacket) Decode(d *Decoder) {
	r.Type = d.Int32()
	r.Scheme = d.String()
	r.Auth = d.Buffer()
}

// SetWatches is the body of setWatches (101) and, with Persistent and
// PersistentRecursive, of setWatches2 (105). V2 selects the layout.
type SetWatches struct {
	RelativeZxid        int64
	Data                []string
	Exist               []string
	Child               []string
	Persistent          []string // setWatches2 only
	PersistentRecursive []string // setWatches2 only
	V2                  bool
}

// Encode implements Record. Nil lists are sent as empty vectors.
func (r *SetWatches) Encode(e *Encoder) {
	e.Int64(r.RelativeZxid)
	lists := [][]string{r.Data, r.Exist, r.Child}
	if r.V2 {
		lists = append(lists, r.Persistent, r.PersistentRecursive)
	}
	for _, l := range lists {
		if l == nil {
			l = []string{}
		}
		e.Strings(l)
	}
}

// Decode implements Record. Set V2 before decoding a setWatches2 body.
func (r *SetWatches) Decode(d *Decoder) {
	r.RelativeZxid = d.Int64()
	r.Data = d.Strings()
	r.Exist = d.Strings()
	r.Child = d.Strings()
	if r.V2 {
		r.Persistent = d.Strings()
		r.PersistentRecursive = d.Strings()
	}
}

// SASLToken is the body of a sasl (102) request and of its response.
type SASLToken struct {
	Token []byte
}

// Encode implements Record.
func (r *SASLToken) Encode(e *Encoder) { e.Buffer(r.Token) }

// Decode implements Record.
func (r *SASLToken) Decode(d *Decoder) { r.Token = d.Buffer() }

// AddWatchRequest is the body of addWatch (106).
type AddWatchRequest struct {
	Path string
	Mode int32 // AddWatchPersistent or AddWatchPersistentRecursive
}

// Encode implements Record.
func (r *AddWatchRequest) Encode(e *Encoder) {
	e.String(r.Path)
	e.Int32(r.Mode)
}

// Decode implements Record.
func (r *AddWatchRequest) Decode(d *Decoder) {
	r.Path = d.String()
	r.Mode = d.Int32()
}
