package integration

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/coordkit/coordkit/internal/wire"
	"github.com/coordkit/coordkit/zk"
	"github.com/coordkit/coordkit/zk/zktest"
)

// opKind is what a differential op does and which client does it: kinds
// starting with "a" run on the operator A (a *zk.Conn authenticated as
// alice), kinds starting with "b" on the watcher B (a rawSession
// authenticated as bob, holding the watches).
type opKind int

const (
	aCreate        opKind = iota // Create (create, createContainer or createTTL by mode)
	aCreate2                     // Create2
	aDelete                      // Delete
	aSet                         // Set
	aExists                      // Exists
	aGet                         // Get
	aChildren                    // Children (getChildren2)
	aGetACL                      // GetACL
	aSetACL                      // SetACL
	aMulti                       // Multi over Subs (aCreate, aDelete, aSet, opCheck)
	aMultiRead                   // MultiRead over Subs (aGet, aChildren)
	aAllChildren                 // AllChildrenNumber
	aEphemerals                  // Ephemerals with prefix Path
	aSync                        // Sync
	aReopen                      // Close A's session and dial a new one
	aDump                        // read the whole subtree at Path: data, Stat, ACL, children
	aAddAuth                     // AddAuth digest with the credential in Data
	bGetData                     // getData (op 4), Watch
	bExists                      // exists (op 3), Watch
	bChildren                    // getChildren (op 8), Watch
	bChildren2                   // getChildren2 (op 12), Watch
	bAddWatch                    // addWatch, mode Type
	bRemoveWatches               // removeWatches, watcher type Type
	bCheckWatches                // checkWatches, watcher type Type
	bCreate                      // a create with opcode Op, Flags and TTL as given
	bDelete                      // delete
	bSet                         // setData
	bGetACL                      // getACL
	bWhoAmI                      // whoAmI
	bMulti                       // multi (or, with Watch set, multiRead) of raw Subs
	bReopen                      // closeSession, then a new session with bob's auth and the standing watches
	bReattach                    // drop the connection, re-attach the session, auth, setWatches(2) with Lists
	bAuth                        // auth packet, scheme ACL (digest or ip), credential Data
	bEphemerals                  // getEphemerals with prefix Path
	bSync                        // sync
	bAllChildren                 // getAllChildrenNumber
	opCheck                      // check, only inside multi
)

var opKindNames = [...]string{
	aCreate: "A.create", aCreate2: "A.create2", aDelete: "A.delete", aSet: "A.set",
	aExists: "A.exists", aGet: "A.get", aChildren: "A.children", aGetACL: "A.getACL",
	aSetACL: "A.setACL", aMulti: "A.multi", aMultiRead: "A.multiRead",
	aAllChildren: "A.allChildrenNumber", aEphemerals: "A.ephemerals", aSync: "A.sync",
	aReopen: "A.reopen", aDump: "A.dump", aAddAuth: "A.addAuth",
	bGetData: "B.getData", bExists: "B.exists", bChildren: "B.getChildren",
	bChildren2: "B.getChildren2", bAddWatch: "B.addWatch", bRemoveWatches: "B.removeWatches",
	bCheckWatches: "B.checkWatches", bCreate: "B.create", bDelete: "B.delete", bSet: "B.set",
	bGetACL: "B.getACL", bWhoAmI: "B.whoAmI", bMulti: "B.multi", bReopen: "B.reopen", bReattach: "B.reattach",
	bAuth: "B.auth", bEphemerals: "B.getEphemerals", bSync: "B.sync", bAllChildren: "B.getAllChildrenNumber",
	opCheck: "check",
}

// isB reports whether the watcher B runs ops of kind k.
func (k opKind) isB() bool { return k >= bGetData && k <= bAllChildren }

func (k opKind) String() string {
	if int(k) < len(opKindNames) && opKindNames[k] != "" {
		return opKindNames[k]
	}
	return "opKind(" + strconv.Itoa(int(k)) + ")"
}

// diffOp is one step of a differential sequence. Only the fields its kind
// uses are set.
type diffOp struct {
	Kind    opKind
	Path    string
	Data    []byte
	Mode    zk.CreateMode // A's creates
	Op      wire.OpCode   // B's creates and the ops of B's multi
	Flags   int32         // B's creates
	TTL     int64         // ms, for TTL creates
	ACL     string        // a key of diffACLs
	Version int32
	Type    int32 // addWatch mode, or the watcher type of remove/checkWatches
	Watch   bool  // B's reads: leave a watch; bMulti: send a multiRead
	Timeout int32 // ms: the session timeout bReopen and bReattach ask for
	Subs    []diffOp
	// bReattach: the watch lists of setWatches (data, exist, child) or
	// setWatches2 (and persistent, recursive; Watch set), the zxid they
	// are relative to (Behind less than the last zxid B saw), and whether
	// the request carries xid −8.
	Lists  [5][]string
	Behind int64
	XidM8  bool
}

// ttlLong is the TTL of TTL nodes: long enough that no node is reaped
// during a run (reaping is tested elsewhere).
const ttlLong = int64(3_600_000)

// Credentials: A authenticates as alice, B as bob; carol is nobody's.
const (
	aliceCred = "alice:secret"
	bobCred   = "bob:secret"
)

// diffACLs are the ACL lists ops refer to by name.
var diffACLs = map[string][]zk.ACL{
	"open":    zk.OpenACL,
	"read":    zk.ReadACL,
	"creator": zk.CreatorAllACL,
	"alice-all-bob-read": {
		{Perms: zk.PermAll, Scheme: "digest", ID: zktest.DigestID("alice", "secret")},
		{Perms: zk.PermRead, Scheme: "digest", ID: zktest.DigestID("bob", "secret")},
	},
	"world-read-create": zk.WorldACL(zk.PermRead | zk.PermCreate),
	"world-no-read":     zk.WorldACL(zk.PermAll &^ zk.PermRead),
	"carol":             {{Perms: zk.PermAll, Scheme: "digest", ID: zktest.DigestID("carol", "secret")}},
	"ip":                {{Perms: zk.PermAll, Scheme: "ip", ID: "127.0.0.1"}},
	"ip-cidr":           {{Perms: zk.PermAll, Scheme: "ip", ID: "127.0.0.0/8"}},
	"ip-other":          {{Perms: zk.PermAll, Scheme: "ip", ID: "10.1.2.3"}, {Perms: zk.PermRead, Scheme: "world", ID: "anyone"}},
	"duplicate":         {zk.OpenACL[0], zk.OpenACL[0], {Perms: zk.PermRead, Scheme: "world", ID: "anyone"}},
	"bad-scheme":        {{Perms: zk.PermAll, Scheme: "nosuch", ID: "x"}},
	"bad-ip":            {{Perms: zk.PermAll, Scheme: "ip", ID: "not-an-address"}},
	"bad-digest":        {{Perms: zk.PermAll, Scheme: "digest", ID: "no-colon"}},
	"bad-world":         {{Perms: zk.PermAll, Scheme: "world", ID: "someone"}},
	"empty":             {}, // B only: the zk client refuses it before sending
}

func wireACL(name string) []wire.ACL {
	out := []wire.ACL{}
	for _, a := range diffACLs[name] {
		out = append(out, wire.ACL{Perms: int32(a.Perms), ID: wire.ID{Scheme: a.Scheme, ID: a.ID}})
	}
	return out
}

func dataText(b []byte) string {
	if b == nil {
		return "null"
	}
	if len(b) > 24 {
		return fmt.Sprintf("%d bytes", len(b))
	}
	return strconv.Quote(string(b))
}

// String describes the op completely enough to read a replay log.
func (o diffOp) String() string {
	var sb strings.Builder
	sb.WriteString(o.Kind.String())
	if o.Path != "" || o.Kind == aEphemerals || o.Kind == bEphemerals {
		fmt.Fprintf(&sb, " %q", o.Path)
	}
	switch o.Kind {
	case aCreate, aCreate2:
		fmt.Fprintf(&sb, " mode=%v data=%s acl=%s", o.Mode, dataText(o.Data), o.ACL)
		if o.Mode.IsTTL() {
			fmt.Fprintf(&sb, " ttl=%dms", o.TTL)
		}
	case bCreate:
		fmt.Fprintf(&sb, " op=%v flags=%d data=%s acl=%s", o.Op, o.Flags, dataText(o.Data), o.ACL)
		if o.Op == wire.OpCreateTTL {
			fmt.Fprintf(&sb, " ttl=%dms", o.TTL)
		}
	case aSet, bSet:
		fmt.Fprintf(&sb, " data=%s version=%d", dataText(o.Data), o.Version)
	case aDelete, bDelete, opCheck:
		fmt.Fprintf(&sb, " version=%d", o.Version)
	case aSetACL:
		fmt.Fprintf(&sb, " acl=%s version=%d", o.ACL, o.Version)
	case bGetData, bExists, bChildren, bChildren2:
		fmt.Fprintf(&sb, " watch=%t", o.Watch)
	case bAddWatch:
		fmt.Fprintf(&sb, " mode=%v", zk.AddWatchMode(o.Type))
	case bRemoveWatches, bCheckWatches:
		fmt.Fprintf(&sb, " type=%v", zk.WatcherType(o.Type))
	case aAddAuth:
		fmt.Fprintf(&sb, " digest %q", o.Data)
	case bAuth:
		fmt.Fprintf(&sb, " %s %q", o.ACL, o.Data)
	case bReopen:
		fmt.Fprintf(&sb, " timeout=%dms", o.Timeout)
	case bReattach:
		name := "setWatches"
		if o.Watch {
			name = "setWatches2"
		}
		fmt.Fprintf(&sb, " timeout=%dms %s(last zxid−%d, xid −8: %t) data=%q exist=%q child=%q", o.Timeout, name, o.Behind, o.XidM8,
			o.Lists[0], o.Lists[1], o.Lists[2])
		if o.Watch {
			fmt.Fprintf(&sb, " persistent=%q recursive=%q", o.Lists[3], o.Lists[4])
		}
	case bMulti:
		if o.Watch {
			sb.WriteString(" (multiRead)")
		}
	}
	if len(o.Subs) > 0 {
		sb.WriteString(" [")
		for i, s := range o.Subs {
			if i > 0 {
				sb.WriteString("; ")
			}
			if o.Kind == bMulti {
				fmt.Fprintf(&sb, "op %d ", int32(s.Op))
			}
			sb.WriteString(s.String())
		}
		sb.WriteString("]")
	}
	return sb.String()
}
