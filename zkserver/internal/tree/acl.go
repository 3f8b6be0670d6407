package tree

import (
	"strings"
	"unicode/utf8"

	"github.com/coordkit/coordkit/internal/wire"
)

// ACL schemes the server knows (ZooKeeper 3.8's default providers).
const (
	schemeWorld  = "world"
	schemeAuth   = "auth"
	schemeDigest = "digest"
	schemeIP     = "ip"
	idAnyone     = "anyone"
)

// Permitted reports whether caller c holds one of perm's bits (wire.Perm*)
// on a node whose ACL is acl, by the rules of every request's ACL check:
// an empty ACL allows everything, a super caller everything, otherwise an
// entry granting a bit must be world:anyone or match one of c's ids of its
// scheme (digest: equal id; ip: address or CIDR). The server filters watch
// events with it: Permitted(ev.ACL, watcher, wire.PermRead).
func Permitted(acl []wire.ACL, c Caller, perm int32) bool {
	return allowed(acl, perm, &c)
}

// allowed is ZooKeeperServer.checkACL: an empty ACL allows everything, a
// super caller is allowed everything, otherwise some entry granting one of
// the perm bits must be world:anyone or match one of the caller's ids of
// its scheme (digest: string equality; ip: address or CIDR). Entries of
// other schemes match nobody.
func allowed(acl []wire.ACL, perm int32, c *Caller) bool {
	if len(acl) == 0 || c.Super {
		return true
	}
	for i := range acl {
		a := &acl[i]
		if a.Perms&perm == 0 {
			continue
		}
		switch a.ID.Scheme {
		case schemeWorld:
			if a.ID.ID == idAnyone {
				return true
			}
		case schemeDigest:
			for _, id := range c.IDs {
				if id.Scheme == schemeDigest && id.ID == a.ID.ID {
					return true
				}
			}
		case schemeIP:
			for _, id := range c.IDs {
				if id.Scheme == schemeIP && ipMatches(id.ID, a.ID.ID) {
					return true
				}
			}
		}
	}
	return false
}

// fixACL is PrepRequestProcessor.fixupACL: duplicates removed, then every
// entry checked: world:anyone kept; auth (whatever its id) replaced by one
// entry per authenticated identity of the caller — digest ones, not ip —,
// in the order ZooKeeper's identity set holds them (IdentityOrder), and
// InvalidACL if there is none; digest and ip kept if their id is valid;
// anything else, and an empty or null list, InvalidACL. The result may be
// acls itself, or the shared OPEN_ACL_UNSAFE list.
func fixACL(acls []wire.ACL, c *Caller) ([]wire.ACL, bool) {
	if len(acls) == 0 {
		return nil, false
	}
	if len(acls) == 1 && acls[0] == openACL[0] {
		return openACL, true
	}
	uniq := acls
	for i := 1; i < len(acls); i++ {
		if containsACL(acls[:i], acls[i]) {
			uniq = dedupACL(acls)
			break
		}
	}
	out := uniq
	expanded := false
	var authIDs []wire.ID
	for i, a := range uniq {
		switch {
		case a.ID.Scheme == schemeWorld && a.ID.ID == idAnyone:
		case a.ID.Scheme == schemeAuth:
			if !expanded {
				out = append([]wire.ACL(nil), uniq[:i]...)
				expanded = true
				authIDs = IdentityOrder(c.IDs)
			}
			n := len(out)
			for _, id := range authIDs {
				if authenticated(id.Scheme) {
					out = append(out, wire.ACL{Perms: a.Perms, ID: id})
				}
			}
			if len(out) == n {
				return nil, false
			}
			continue
		case a.ID.Scheme == schemeDigest:
			if !validDigestID(a.ID.ID) {
				return nil, false
			}
		case a.ID.Scheme == schemeIP:
			if _, _, ok := parseIPACL(a.ID.ID); !ok {
				return nil, false
			}
		default:
			return nil, false
		}
		if expanded {
			out = append(out, a)
		}
	}
	return out, true
}

// authenticated reports whether an identity of this scheme counts for the
// auth scheme: ZooKeeper asks the scheme's provider, and only digest's says
// yes (ip's says no; super and unknown schemes have no provider).
func authenticated(scheme string) bool { return scheme == schemeDigest }

func containsACL(acls []wire.ACL, a wire.ACL) bool {
	for _, b := range acls {
		if a == b {
			return true
		}
	}
	return false
}

func dedupACL(acls []wire.ACL) []wire.ACL {
	out := make([]wire.ACL, 0, len(acls))
	for _, a := range acls {
		if !containsACL(out, a) {
			out = append(out, a)
		}
	}
	return out
}

// validDigestID is DigestAuthenticationProvider.isValid: Java's
// id.split(":") must give exactly two parts (trailing empty parts dropped,
// so "bob:" is one part and ":x" two).
func validDigestID(id string) bool {
	parts := strings.Split(id, ":")
	for len(parts) > 0 && parts[len(parts)-1] == "" {
		parts = parts[:len(parts)-1]
	}
	return len(parts) == 2
}

// maskedACL returns acl with every digest id masked as getACL does for a
// caller without ADMIN (Java's id.replaceAll(":.*", ":x")), or acl itself
// when it holds no digest entry.
func maskedACL(acl []wire.ACL) []wire.ACL {
	has := false
	for _, a := range acl {
		if a.ID.Scheme == schemeDigest {
			has = true
			break
		}
	}
	if !has {
		return acl
	}
	out := make([]wire.ACL, len(acl))
	for i, a := range acl {
		if a.ID.Scheme == schemeDigest {
			a.ID.ID = maskDigest(a.ID.ID)
		}
		out[i] = a
	}
	return out
}

// maskDigest replaces each ':' and the rest of its line by ":x", as the
// regular expression ":.*" does in Java, whose '.' stops at line
// terminators (\n, \r, U+0085, U+2028, U+2029).
func maskDigest(id string) string {
	var b strings.Builder
	for {
		i := strings.IndexByte(id, ':')
		if i < 0 {
			b.WriteString(id)
			return b.String()
		}
		b.WriteString(id[:i])
		b.WriteString(":x")
		id = id[i+1:]
		j := 0
		for j < len(id) {
			r, size := utf8.DecodeRuneInString(id[j:])
			if r == '\n' || r == '\r' || r == 0x85 || r == 0x2028 || r == 0x2029 {
				break
			}
			j += size
		}
		id = id[j:]
	}
}
