package tree

import (
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/coordkit/coordkit/internal/wire"
)

func TestFixACL(t *testing.T) {
	anon := Caller{IDs: []wire.ID{ipCaller}}
	bob := Caller{IDs: []wire.ID{ipCaller, bobID}}
	both := Caller{IDs: []wire.ID{ipCaller, bobID, aliceID}}
	world := acl(wire.PermAll, "world", "anyone")
	cases := []struct {
		name   string
		acl    []wire.ACL
		caller Caller
		want   []wire.ACL // nil: InvalidACL
	}{
		{"open", []wire.ACL{world}, anon, openACL},
		{"world read", []wire.ACL{acl(wire.PermRead, "world", "anyone")}, anon, []wire.ACL{acl(wire.PermRead, "world", "anyone")}},
		{"null", nil, anon, nil},
		{"empty", []wire.ACL{}, anon, nil},
		{"duplicates removed", []wire.ACL{world, acl(1, "ip", "10.0.0.1"), world}, anon, []wire.ACL{world, acl(1, "ip", "10.0.0.1")}},
		{"same id other perms kept", []wire.ACL{acl(1, "ip", "1.2.3.4"), acl(2, "ip", "1.2.3.4")}, anon, []wire.ACL{acl(1, "ip", "1.2.3.4"), acl(2, "ip", "1.2.3.4")}},
		{"world nobody", []wire.ACL{acl(31, "world", "nobody")}, anon, nil},
		{"unknown scheme", []wire.ACL{acl(31, "sasl", "bob")}, anon, nil},
		{"super scheme", []wire.ACL{acl(31, "super", "")}, anon, nil},
		{"scheme case", []wire.ACL{acl(31, "World", "anyone")}, anon, nil},
		{"auth without identity", []wire.ACL{acl(31, "auth", "")}, anon, nil},
		{"auth", []wire.ACL{acl(31, "auth", "")}, bob, []wire.ACL{{Perms: 31, ID: bobID}}},
		{"auth any id", []wire.ACL{acl(5, "auth", "whatever")}, bob, []wire.ACL{{Perms: 5, ID: bobID}}},
		{"auth every identity, in ZooKeeper's set order", []wire.ACL{world, acl(31, "auth", "")}, both, []wire.ACL{world, {Perms: 31, ID: aliceID}, {Perms: 31, ID: bobID}}},
		{"auth then its expansion again", []wire.ACL{acl(31, "auth", ""), {Perms: 31, ID: bobID}}, bob, []wire.ACL{{Perms: 31, ID: bobID}, {Perms: 31, ID: bobID}}},
		{"auth then bad", []wire.ACL{acl(31, "auth", ""), acl(31, "ip", "x")}, bob, nil},
		{"digest", []wire.ACL{{Perms: 31, ID: bobID}}, anon, []wire.ACL{{Perms: 31, ID: bobID}}},
		{"digest leading colon", []wire.ACL{acl(1, "digest", ":hash")}, anon, []wire.ACL{acl(1, "digest", ":hash")}},
		{"digest no colon", []wire.ACL{acl(1, "digest", "bob")}, anon, nil},
		{"digest trailing colon", []wire.ACL{acl(1, "digest", "bob:")}, anon, nil},
		{"digest two colons", []wire.ACL{acl(1, "digest", "a:b:c")}, anon, nil},
		{"digest trailing colons", []wire.ACL{acl(1, "digest", "a:b::")}, anon, []wire.ACL{acl(1, "digest", "a:b::")}},
		{"digest empty", []wire.ACL{acl(1, "digest", "")}, anon, nil},
		{"ip", []wire.ACL{acl(1, "ip", "127.0.0.1")}, anon, []wire.ACL{acl(1, "ip", "127.0.0.1")}},
		{"ip cidr", []wire.ACL{acl(1, "ip", "10.0.0.0/8")}, anon, []wire.ACL{acl(1, "ip", "10.0.0.0/8")}},
		{"ip cidr 0", []wire.ACL{acl(1, "ip", "0.0.0.0/0")}, anon, []wire.ACL{acl(1, "ip", "0.0.0.0/0")}},
		{"ip cidr 33", []wire.ACL{acl(1, "ip", "10.0.0.0/33")}, anon, nil},
		{"ip cidr negative", []wire.ACL{acl(1, "ip", "10.0.0.0/-1")}, anon, nil},
		{"ip cidr empty", []wire.ACL{acl(1, "ip", "10.0.0.0/")}, anon, nil},
		{"ip plus sign", []wire.ACL{acl(1, "ip", "+1.2.3.4/+8")}, anon, []wire.ACL{acl(1, "ip", "+1.2.3.4/+8")}},
		{"ip three parts", []wire.ACL{acl(1, "ip", "1.2.3")}, anon, nil},
		{"ip five parts", []wire.ACL{acl(1, "ip", "1.2.3.4.5")}, anon, nil},
		{"ip empty part", []wire.ACL{acl(1, "ip", "1..3.4")}, anon, nil},
		{"ip 256", []wire.ACL{acl(1, "ip", "1.2.3.256")}, anon, nil},
		{"ip6", []wire.ACL{acl(1, "ip", "::1")}, anon, nil},
		{"ip host name", []wire.ACL{acl(1, "ip", "localhost")}, anon, nil},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, ok := fixACL(tc.acl, &tc.caller)
			if tc.want == nil {
				assert.False(t, ok)
				return
			}
			assert.True(t, ok)
			assert.Equal(t, tc.want, got)
		})
	}
}

func TestPermitted(t *testing.T) {
	anon := Caller{IDs: []wire.ID{ipCaller}}
	bob := Caller{IDs: []wire.ID{ipCaller, bobID}}
	super := Caller{IDs: []wire.ID{ipCaller}, Super: true}
	other := Caller{IDs: []wire.ID{{Scheme: "ip", ID: "10.1.2.3"}}}
	cases := []struct {
		name   string
		acl    []wire.ACL
		perm   int32
		caller Caller
		want   bool
	}{
		{"world", openACL, wire.PermRead, anon, true},
		{"world lacks perm", readACL, wire.PermWrite, anon, false},
		{"empty ACL allows all", []wire.ACL{}, wire.PermAdmin, anon, true},
		{"null ACL allows all", nil, wire.PermRead, Caller{}, true},
		{"no identity", openACL, wire.PermRead, Caller{}, true},
		{"no identity, digest", []wire.ACL{{Perms: 31, ID: bobID}}, wire.PermRead, Caller{}, false},
		{"super", []wire.ACL{{Perms: 31, ID: bobID}}, wire.PermDelete, super, true},
		{"digest match", []wire.ACL{{Perms: wire.PermWrite, ID: bobID}}, wire.PermWrite, bob, true},
		{"digest other user", []wire.ACL{{Perms: 31, ID: aliceID}}, wire.PermWrite, bob, false},
		{"digest not authed", []wire.ACL{{Perms: 31, ID: bobID}}, wire.PermRead, anon, false},
		{"digest perm bits", []wire.ACL{{Perms: wire.PermRead, ID: bobID}}, wire.PermWrite, bob, false},
		{"any of the bits", []wire.ACL{{Perms: wire.PermAdmin, ID: bobID}}, wire.PermRead | wire.PermAdmin, bob, true},
		{"second entry", []wire.ACL{acl(31, "digest", "x:y"), {Perms: 31, ID: bobID}}, wire.PermRead, bob, true},
		{"ip exact", []wire.ACL{acl(31, "ip", "127.0.0.1")}, wire.PermRead, anon, true},
		{"ip other", []wire.ACL{acl(31, "ip", "127.0.0.2")}, wire.PermRead, anon, false},
		{"ip /8", []wire.ACL{acl(31, "ip", "127.9.9.9/8")}, wire.PermRead, anon, true},
		{"ip /12 in", []wire.ACL{acl(31, "ip", "10.15.0.0/12")}, wire.PermRead, other, true},
		{"ip /12 out", []wire.ACL{acl(31, "ip", "10.16.0.0/12")}, wire.PermRead, other, false},
		{"ip /0", []wire.ACL{acl(31, "ip", "1.1.1.1/0")}, wire.PermRead, other, true},
		{"ip /32", []wire.ACL{acl(31, "ip", "10.1.2.3/32")}, wire.PermRead, other, true},
		{"ip is not digest", []wire.ACL{acl(31, "ip", "127.0.0.1")}, wire.PermRead, Caller{IDs: []wire.ID{{Scheme: "digest", ID: "127.0.0.1"}}}, false},
		{"ip6 caller", []wire.ACL{acl(31, "ip", "0.0.0.0/0")}, wire.PermRead, Caller{IDs: []wire.ID{{Scheme: "ip", ID: "::1"}}}, false},
		{"world other id", []wire.ACL{acl(31, "world", "bob")}, wire.PermRead, anon, false},
		{"unknown scheme", []wire.ACL{acl(31, "x509", "127.0.0.1")}, wire.PermRead, Caller{IDs: []wire.ID{{Scheme: "x509", ID: "127.0.0.1"}}}, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			assert.Equal(t, tc.want, Permitted(tc.acl, tc.caller, tc.perm))
			assert.Equal(t, tc.want, allowed(tc.acl, tc.perm, &tc.caller), "the requests' check")
		})
	}
}

func TestPermittedAllocatesNothing(t *testing.T) {
	c := Caller{Session: 1, IDs: []wire.ID{ipCaller, bobID}}
	acls := []wire.ACL{acl(wire.PermRead, "digest", "x:y"), acl(wire.PermRead, "ip", "10.0.0.0/8"), {Perms: wire.PermRead, ID: bobID}}
	allocs := testing.AllocsPerRun(100, func() {
		if !Permitted(acls, c, wire.PermRead) || Permitted(acls[:2], c, wire.PermRead) {
			t.Fatal("wrong answer")
		}
	})
	assert.Zero(t, allocs)
}

func TestMaskDigest(t *testing.T) {
	cases := []struct{ id, want string }{
		{"bob:fyVmFCwVbTJYrznoSu1koqYEYF0=", "bob:x"},
		{":hash", ":x"},
		{"a:b::", "a:x"},
		{"nocolon", "nocolon"},
		{"a:b\nc:d", "a:x\nc:x"},
		{"a:b\r\nc", "a:x\r\nc"},
		{"a:b\u2028c:d", "a:x\u2028c:x"},
	}
	for _, tc := range cases {
		assert.Equal(t, tc.want, maskDigest(tc.id), "%q", tc.id)
	}
	in := []wire.ACL{{Perms: 31, ID: bobID}, acl(1, "ip", "1.2.3.4"), acl(1, "world", "anyone")}
	assert.Equal(t, []wire.ACL{acl(31, "digest", "bob:x"), acl(1, "ip", "1.2.3.4"), acl(1, "world", "anyone")}, maskedACL(in))
	assert.Equal(t, bobID, in[0].ID, "the stored list is not modified")
}

func TestParseJavaInt(t *testing.T) {
	cases := []struct {
		s  string
		v  int64
		ok bool
	}{
		{"0", 0, true}, {"007", 7, true}, {"+8", 8, true}, {"-0", 0, true}, {"-12", -12, true},
		{"2147483647", 2147483647, true}, {"-2147483648", -2147483648, true},
		{"2147483648", 0, false}, {"99999999999999999999", 0, false},
		{"", 0, false}, {"+", 0, false}, {"1a", 0, false}, {" 1", 0, false}, {"0x1", 0, false},
	}
	for _, tc := range cases {
		v, ok := parseJavaInt(tc.s)
		assert.Equal(t, tc.ok, ok, "%q", tc.s)
		if tc.ok {
			assert.Equal(t, tc.v, v, "%q", tc.s)
		}
	}
}

// Orders read from a ZooKeeper 3.8.0 server: the auth ACL of a connection
// that authenticated as the listed users, in that order.
func TestIdentityOrder(t *testing.T) {
	digest := func(user, hash string) wire.ID { return wire.ID{Scheme: "digest", ID: user + ":" + hash} }
	bob := digest("bob", "fyVmFCwVbTJYrznoSu1koqYEYF0=")
	super := digest("super", "D/InIHSb7yEEbrWz8b9l71RjZJU=")
	alice := digest("alice", "V55/p2T0OpjQ+low3NVAH4aLvm0=")
	carol := digest("carol", "4ruPyIpMGhVrX6y0MJFb3MqVepY=")
	dave := digest("dave", "YjIjzL6WA1rNgLpnfsNdZpEOSCY=")
	cases := []struct{ in, want []wire.ID }{
		{[]wire.ID{super, bob}, []wire.ID{bob, super}},
		{[]wire.ID{alice, bob, carol, dave, bob}, []wire.ID{bob, carol, alice, dave}},
		{[]wire.ID{dave, carol}, []wire.ID{carol, dave}},
		{nil, []wire.ID{}},
	}
	for _, tc := range cases {
		assert.Equal(t, tc.want, IdentityOrder(tc.in))
		c := Caller{IDs: append([]wire.ID{ipCaller}, tc.in...)}
		got, ok := fixACL([]wire.ACL{acl(31, "auth", "")}, &c)
		if len(tc.in) == 0 {
			assert.False(t, ok)
			continue
		}
		require.True(t, ok)
		var ids []wire.ID
		for _, a := range got {
			ids = append(ids, a.ID)
		}
		assert.Equal(t, tc.want, ids)
	}
	// Many identities: the table grows, and the order is still a function
	// of the set.
	var many []wire.ID
	for i := 0; i < 40; i++ {
		many = append(many, wire.ID{Scheme: "digest", ID: fmt.Sprintf("u%d:h", i)})
	}
	got := IdentityOrder(many)
	assert.Len(t, got, 40)
	assert.ElementsMatch(t, many, got)
	assert.Equal(t, int32(0x7fff0000), spread(-1))
	assert.Equal(t, int32(96354), javaStringHash("abc"))
	assert.Equal(t, int32(31*0xd83d+0xde00), javaStringHash("\U0001F600"), "outside the BMP: two UTF-16 units")
}
