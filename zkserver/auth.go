package zkserver

import (
	"strings"

	"github.com/coordkit/coordkit/internal/wire"
	"github.com/coordkit/coordkit/zkserver/internal/tree"
)

// auth adds a credential to the connection (§12.1). The reply uses xid −4
// and zxid 0. digest always succeeds; ip adds the client's address again;
// any other scheme answers AuthFailed and closes the connection.
func (p *processor) auth(r *request) {
	c := r.conn
	req := r.body.(*wire.AuthPacket)
	switch req.Scheme {
	case "digest":
		id := digestID(req.Auth)
		c.addID(wire.ID{Scheme: "digest", ID: id})
		if p.s.cfg.superID != "" && id == p.s.cfg.superID {
			c.super = true
		}
	case "ip":
		c.addID(wire.ID{Scheme: "ip", ID: c.host})
	default:
		p.s.log.Debug("unknown auth scheme, closing", "client", c.remote, "scheme", req.Scheme)
		p.answer(r, wire.XidAuth, 0, wire.ErrAuthFailed, nil)
		c.queueClose(p.last)
		return
	}
	p.answer(r, wire.XidAuth, 0, wire.ErrOK, nil)
}

// addID adds an identity to the connection, once.
func (c *conn) addID(id wire.ID) {
	for _, have := range c.ids {
		if have == id {
			return
		}
	}
	c.ids = append(c.ids, id)
}

// whoAmI lists the connection's identities in the order ZooKeeper holds
// them (tree.IdentityOrder): a digest identity by its user name, any other
// by its id.
func whoAmI(c *conn) *wire.WhoAmIResponse {
	ids := tree.IdentityOrder(c.ids)
	out := &wire.WhoAmIResponse{ClientInfo: make([]wire.ClientInfo, len(ids))}
	for i, id := range ids {
		user := id.ID
		if id.Scheme == "digest" {
			user, _, _ = strings.Cut(id.ID, ":")
		}
		out.ClientInfo[i] = wire.ClientInfo{AuthScheme: id.Scheme, User: user}
	}
	return out
}
