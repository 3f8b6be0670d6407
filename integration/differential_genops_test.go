package integration

import (
	"strings"

	"github.com/coordkit/coordkit/internal/wire"
)

// The op builders of diffGen: which op comes next and, for the composite
// ones, what it holds.

// next returns the next random op.
func (g *diffGen) next() diffOp {
	switch k := g.pickKind(); k {
	case aCreate, aCreate2:
		return g.create(k)
	case aDelete, bDelete:
		p := g.nonRoot()
		return diffOp{Kind: k, Path: p, Version: g.versionFor(g.version, p)}
	case aSet, bSet:
		p := g.path()
		return diffOp{Kind: k, Path: p, Data: g.data(), Version: g.versionFor(g.version, p)}
	case aSetACL:
		p := g.nonRoot()
		return diffOp{Kind: k, Path: p, ACL: g.acl(), Version: g.versionFor(g.aversion, p)}
	case aExists, aGet, aChildren, aGetACL, aAllChildren, aSync, bGetACL:
		return diffOp{Kind: k, Path: g.path()}
	case aEphemerals:
		return diffOp{Kind: k, Path: pick(g, []string{g.root, g.root + "/", g.root + "/a", g.root + "/b/", g.root + "/c/a"})}
	case aMulti:
		return g.multi()
	case aMultiRead:
		op := diffOp{Kind: k}
		for range 1 + g.rng.IntN(4) {
			op.Subs = append(op.Subs, diffOp{Kind: pick(g, []opKind{aGet, aChildren}), Path: g.path()})
		}
		return op
	case aReopen, bWhoAmI:
		return diffOp{Kind: k}
	case bReattach:
		return g.reattach()
	case aAddAuth:
		return diffOp{Kind: k, Data: []byte(pick(g, []string{"carol:secret", "bob:secret", "alice:other"}))}
	case bAuth:
		if g.chance(50) {
			return diffOp{Kind: k, ACL: "ip", Data: []byte(pick(g, []string{"", "10.0.0.1"}))}
		}
		return diffOp{Kind: k, ACL: "digest", Data: []byte(pick(g, []string{"carol:secret", "alice:secret", "bob:other"}))}
	case bEphemerals:
		return diffOp{Kind: k, Path: pick(g, []string{"", "/", g.root, g.root + "/", g.root + "/a", g.root + "/s-", g.root + "/b/a"})}
	case bSync, bAllChildren:
		return diffOp{Kind: k, Path: g.readPath()}
	case bReopen:
		// Negotiated within the servers' bounds (400 ms to 60 s), never so
		// short that the watcher could expire between two ops.
		return diffOp{Kind: k, Timeout: pick(g, []int32{10000, 30000, 1 << 30})}
	case bGetData, bExists, bChildren, bChildren2:
		return diffOp{Kind: k, Path: g.readPath(), Watch: g.chance(90)}
	case bAddWatch:
		if g.chance(40) { // re-arm the standing recursive watch
			return diffOp{Kind: k, Path: g.root, Type: wire.AddWatchPersistentRecursive}
		}
		return diffOp{Kind: k, Path: g.path(), Type: int32(g.rng.IntN(2))}
	case bRemoveWatches, bCheckWatches:
		return diffOp{Kind: k, Path: g.path(), Type: int32(1 + g.rng.IntN(3))}
	case bCreate:
		return g.rawCreate()
	case bMulti:
		return g.rawMulti()
	}
	panic("unhandled op kind")
}

// reattach builds a re-attach of B's session whose setWatches(2) lists
// random paths, relative to a zxid some transactions back, so that some
// watches are re-installed and others fire catch-up events.
func (g *diffGen) reattach() diffOp {
	op := diffOp{Kind: bReattach, Timeout: 30000, Watch: g.chance(60), XidM8: g.chance(50),
		Behind: pick(g, []int64{0, 0, 1, 2, 5, 20, 1 << 40})}
	n := 3
	if op.Watch {
		n = 5
	}
	for i := range n {
		for range g.rng.IntN(3) {
			op.Lists[i] = append(op.Lists[i], g.path())
		}
	}
	if op.Watch && g.chance(80) {
		op.Lists[4] = append(op.Lists[4], g.root)
	}
	return op
}

// readPath is a path for B's reads: usually a node path, sometimes one no
// create could make (reads do not validate paths).
func (g *diffGen) readPath() string {
	if g.chance(5) {
		return pick(g, []string{g.root + "/a/", g.root + "/.", g.root + "//a", g.root + "/a/../a"})
	}
	return g.path()
}

// multi builds a transaction of 1–5 creates, deletes, sets and checks;
// creates are sometimes followed by ops on what they create, so some
// multis succeed and others fail midway.
func (g *diffGen) multi() diffOp {
	op := diffOp{Kind: aMulti}
	var made []string
	for range 1 + g.rng.IntN(5) {
		p := g.path()
		if len(made) > 0 && g.chance(40) {
			p = pick(g, made)
		}
		switch x := g.rng.IntN(10); {
		case x < 4:
			c := g.create(aCreate)
			if !c.Mode.IsSequential() && g.chance(50) {
				c.Path = p
				if c.Path == g.root {
					c.Path = g.nonRoot()
				}
			}
			if !c.Mode.IsSequential() {
				made = append(made, c.Path)
			}
			op.Subs = append(op.Subs, c)
		case x < 6:
			op.Subs = append(op.Subs, diffOp{Kind: aSet, Path: p, Data: g.data(), Version: g.versionFor(g.version, p)})
		case x < 8:
			op.Subs = append(op.Subs, diffOp{Kind: opCheck, Path: p, Version: g.versionFor(g.version, p)})
		default:
			if p == g.root {
				p = g.nonRoot()
			}
			op.Subs = append(op.Subs, diffOp{Kind: aDelete, Path: p, Version: g.versionFor(g.version, p)})
		}
	}
	return op
}

// rawCreate builds one of B's creates: mostly ordinary (op 1 or 15, flags
// 0–3, or the right opcode for containers and TTL nodes), sometimes with a
// path, flag, TTL or ACL the server must refuse.
func (g *diffGen) rawCreate() diffOp {
	op := diffOp{Kind: bCreate, Data: g.data(), ACL: g.acl()}
	switch x := g.rng.IntN(100); {
	case x < 60:
		op.Op = pick(g, []wire.OpCode{wire.OpCreate, wire.OpCreate2})
		op.Flags = int32(g.rng.IntN(4))
	case x < 66:
		op.Op, op.Flags = wire.OpCreateContainer, wire.FlagContainer
	case x < 72:
		op.Op, op.Flags, op.TTL = wire.OpCreateTTL, int32(5+g.rng.IntN(2)), ttlLong
	case x < 76:
		op.Op = pick(g, []wire.OpCode{wire.OpCreate, wire.OpCreate2})
		op.Flags = pick(g, []int32{4, 5, 6, 7, -1}) // 4: a plain persistent node; others: bad flags
	case x < 80:
		// createTTL with a flag that is not a TTL mode (and a TTL that is
		// not −1, which would crash ZooKeeper 3.8.0), or a TTL mode with a
		// TTL out of range.
		op.Op = wire.OpCreateTTL
		if g.chance(50) {
			op.Flags, op.TTL = pick(g, []int32{0, 2, 4}), pick(g, []int64{0, 1000})
		} else {
			op.Flags, op.TTL = int32(5+g.rng.IntN(2)), pick(g, []int64{0, 1 << 40, -5})
		}
	case x < 86:
		op.Op, op.Flags = wire.OpCreate, int32(g.rng.IntN(4))
		op.ACL = pick(g, []string{"empty", "bad-scheme", "creator"})
	default:
		op.Op, op.Flags = pick(g, []wire.OpCode{wire.OpCreate, wire.OpCreate2}), int32(g.rng.IntN(4))
		op.Path = pick(g, []string{g.root + "/a/", g.root + "/a/.", g.root + "/a/..", g.root + "//b",
			g.root + "/a\x01b", "", "nope", g.root + "/a/\u00e9t\u00e9 x"})
		return op
	}
	op.Path = g.createPath(op.Flags == wire.FlagPersistentSequential || op.Flags == wire.FlagEphemeralSequential ||
		op.Flags == wire.FlagPersistentSequentialWithTTL)
	return op
}

// rawMulti builds one of B's multis: ordinary ops including create2 and
// createContainer sub-ops, sometimes empty, sometimes with a read inside
// (refused as a whole), or a multiRead with a write inside.
func (g *diffGen) rawMulti() diffOp {
	op := diffOp{Kind: bMulti}
	switch x := g.rng.IntN(100); {
	case x < 6:
		return op // empty
	case x < 12:
		op.Watch = true // multiRead
		op.Subs = []diffOp{
			{Kind: bGetData, Op: wire.OpGetData, Path: g.path()},
			{Kind: bSet, Op: wire.OpSetData, Path: g.path(), Data: g.data(), Version: -1},
		}
		return op
	}
	for range 1 + g.rng.IntN(4) {
		p := g.path()
		switch x := g.rng.IntN(12); {
		case x < 5:
			c := g.rawCreate()
			if c.Op == wire.OpCreate || c.Op == wire.OpCreate2 {
				if c.Flags < 0 || c.Flags > 3 {
					c.Flags = 0
				}
			} else if c.Op == wire.OpCreateTTL && c.Flags != wire.FlagPersistentWithTTL && c.Flags != wire.FlagPersistentSequentialWithTTL {
				c.Flags, c.TTL = wire.FlagPersistentWithTTL, ttlLong
			}
			if c.ACL == "empty" {
				c.ACL = "open"
			}
			if strings.ContainsAny(c.Path, "\x01") || c.Path == "" || c.Path == "nope" {
				c.Path = g.nonRoot()
			}
			op.Subs = append(op.Subs, c)
		case x < 7:
			op.Subs = append(op.Subs, diffOp{Kind: bSet, Op: wire.OpSetData, Path: p, Data: g.data(), Version: g.versionFor(g.version, p)})
		case x < 9:
			op.Subs = append(op.Subs, diffOp{Kind: opCheck, Op: wire.OpCheck, Path: p, Version: g.versionFor(g.version, p)})
		case x < 11:
			op.Subs = append(op.Subs, diffOp{Kind: bDelete, Op: wire.OpDelete, Path: g.nonRoot(), Version: -1})
		default:
			op.Subs = append(op.Subs, diffOp{Kind: bGetData, Op: wire.OpGetData, Path: p})
		}
	}
	return op
}
