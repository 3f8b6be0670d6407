package zk

import (
	"crypto/sha1"
	"encoding/base64"
	"strconv"
	"time"

	"github.com/coordkit/coordkit/internal/wire"
)

// Perm is a set of ACL permission bits; its values are wire values.
type Perm int32

// Permission bits.
const (
	PermRead   Perm = 1 << 0
	PermWrite  Perm = 1 << 1
	PermCreate Perm = 1 << 2
	PermDelete Perm = 1 << 3
	PermAdmin  Perm = 1 << 4
	PermAll    Perm = 0x1f
)

// String returns the permissions as "rwcda" with '-' for missing bits, e.g.
// "r----"; bits outside PermAll are appended in hex.
func (p Perm) String() string {
	const letters = "rwcda"
	b := []byte("-----")
	for i := range 5 {
		if p&(1<<i) != 0 {
			b[i] = letters[i]
		}
	}
	if extra := p &^ PermAll; extra != 0 {
		return string(b) + "+0x" + strconv.FormatInt(int64(extra), 16)
	}
	return string(b)
}

// ACL grants Perms to the identity ID within Scheme ("world", "auth",
// "digest", "ip", ...).
type ACL struct {
	Perms  Perm
	Scheme string
	ID     string
}

// WorldACL returns an ACL list granting perms to everybody (world:anyone).
func WorldACL(perms Perm) []ACL { return []ACL{{Perms: perms, Scheme: "world", ID: "anyone"}} }

// Well-known ACL lists. Treat them as read-only.
var (
	// OpenACL grants everything to everybody (OPEN_ACL_UNSAFE).
	OpenACL = WorldACL(PermAll)
	// ReadACL lets everybody read (READ_ACL_UNSAFE).
	ReadACL = WorldACL(PermRead)
	// CreatorAllACL grants everything to the identities the creating
	// connection authenticated with (CREATOR_ALL_ACL); it needs an AddAuth
	// or a WithDigestAuth first, else create fails with ErrInvalidACL.
	CreatorAllACL = []ACL{{Perms: PermAll, Scheme: "auth", ID: ""}}
)

// DigestACL returns an ACL entry granting perms to the digest user with
// password, whose id is "user:base64(sha1(user:password))".
func DigestACL(perms Perm, user, password string) ACL {
	return ACL{Perms: perms, Scheme: "digest", ID: DigestID(user, password)}
}

// DigestID returns the digest scheme's ACL id for user and password.
func DigestID(user, password string) string {
	sum := sha1.Sum([]byte(user + ":" + password))
	return user + ":" + base64.StdEncoding.EncodeToString(sum[:])
}

func decodeACLs(d *wire.Decoder) []ACL {
	n := d.Count("vector<ACL>", 12)
	if n < 0 {
		return nil
	}
	out := make([]ACL, 0, n)
	for i := 0; i < n && d.Err() == nil; i++ {
		var a ACL
		a.Perms = Perm(d.Int32())
		a.Scheme = d.String()
		a.ID = d.String()
		out = append(out, a)
	}
	return out
}

// ClientInfo is one identity of the connection, as WhoAmI reports it.
type ClientInfo struct {
	Scheme string
	User   string
}

// CreateOption is an option of one create (Create, Create2, CreateOp,
// CreateRequest).
type CreateOption func(*createOpts)

type createOpts struct {
	acl []ACL
	ttl time.Duration
}

// WithACL sets the new node's ACL (default OpenACL). An empty list is
// refused before sending (ErrInvalidArgument).
func WithACL(acl []ACL) CreateOption { return func(o *createOpts) { o.acl = acl } }

// WithTTL sets the TTL of a TTL-mode node (ModePersistentTTL,
// ModePersistentSequentialTTL): between 1 ms and 2⁴⁰−1 ms. It is required
// for those modes and refused for the others (ErrInvalidArgument, not sent).
func WithTTL(d time.Duration) CreateOption { return func(o *createOpts) { o.ttl = d } }
