package wire

// CreateResponse is the reply body of create (1): the path actually created.
type CreateResponse = PathRequest

// SyncRequest and SyncResponse are the bodies of sync (9): a path, echoed.
type (
	SyncRequest  = PathRequest
	SyncResponse = PathRequest
)

// Create2Response is the reply body of create2 (15), createContainer (19) and
// createTTL (21).
type Create2Response struct {
	Path string
	Stat Stat
}

// Encode implements Record.
func (r *Create2Response) Encode(e *Encoder) {
	e.String(r.Path)
	r.Stat.Encode(e)
}

// Decode implements Record.
func (r *Create2Response) Decode(d *Decoder) {
	r.Path = d.String()
	r.Stat.Decode(d)
}

// StatResponse is the reply body of exists (3), setData (5) and setACL (7).
type StatResponse struct {
	Stat Stat
}

// Encode implements Record.
func (r *StatResponse) Encode(e *Encoder) { r.Stat.Encode(e) }

// Decode implements Record.
func (r *StatResponse) Decode(d *Decoder) { r.Stat.Decode(d) }

// GetDataResponse is the reply body of getData (4) and reconfig (16).
type GetDataResponse struct {
	Data []byte
	Stat Stat
}

// Encode implements Record.
func (r *GetDataResponse) Encode(e *Encoder) {
	e.Buffer(r.Data)
	r.Stat.Encode(e)
}

// Decode implements Record.
func (r *GetDataResponse) Decode(d *Decoder) {
	r.Data = d.Buffer()
	r.Stat.Decode(d)
}

// GetACLResponse is the reply body of getACL (6).
type GetACLResponse struct {
	ACL  []ACL
	Stat Stat
}

// Encode implements Record.
func (r *GetACLResponse) Encode(e *Encoder) {
	encodeACLs(e, r.ACL)
	r.Stat.Encode(e)
}

// Decode implements Record.
func (r *GetACLResponse) Decode(d *Decoder) {
	r.ACL = decodeACLs(d)
	r.Stat.Decode(d)
}

// StringsResponse is a body made of one vector of strings: the reply of
// getChildren (8, child names) and getEphemerals (103, full paths).
type StringsResponse struct {
	Strings []string
}

// Encode implements Record.
func (r *StringsResponse) Encode(e *Encoder) { e.Strings(r.Strings) }

// Decode implements Record.
func (r *StringsResponse) Decode(d *Decoder) { r.Strings = d.Strings() }

// GetChildren2Response is the reply body of getChildren2 (12).
type GetChildren2Response struct {
	Children []string
	Stat     Stat
}

// Encode implements Record.
func (r *GetChildren2Response) Encode(e *Encoder) {
	e.Strings(r.Children)
	r.Stat.Encode(e)
}

// Decode implements Record.
func (r *GetChildren2Response) Decode(d *Decoder) {
	r.Children = d.Strings()
	r.Stat.Decode(d)
}

// CountResponse is the reply body of getAllChildrenNumber (104).
type CountResponse struct {
	Count int32
}

// Encode implements Record.
func (r *CountResponse) Encode(e *Encoder) { e.Int32(r.Count) }

// Decode implements Record.
func (r *CountResponse) Decode(d *Decoder) { r.Count = d.Int32() }

// ClientInfo is one identity of a connection, as whoAmI reports it.
type ClientInfo struct {
	AuthScheme string
	User       string
}

// WhoAmIResponse is the reply body of whoAmI (107).
type WhoAmIResponse struct {
	ClientInfo []ClientInfo
}

// Encode implements Record.
func (r *WhoAmIResponse) Encode(e *Encoder) {
	if r.ClientInfo == nil {
		e.Int32(-1)
		return
	}
	e.Int32(int32(len(r.ClientInfo)))
	for _, c := range r.ClientInfo {
		e.String(c.AuthScheme)
		e.String(c.User)
	}
}

// Decode implements Record.
func (r *WhoAmIResponse) Decode(d *Decoder) {
	n := d.Count("vector<ClientInfo>", 8)
	if n < 0 {
		r.ClientInfo = nil
		return
	}
	r.ClientInfo = make([]ClientInfo, 0, n)
	for i := 0; i < n && d.Err() == nil; i++ {
		r.ClientInfo = append(r.ClientInfo, ClientInfo{AuthScheme: d.String(), User: d.String()})
	}
}
