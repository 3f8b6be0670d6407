package tree

import (
	"strconv"

	"github.com/coordkit/coordkit/internal/wire"
)

// createArgs is a create request of any opcode; ttl is −1 for opcodes
// other than createTTL, as ZooKeeper's CreateRequest implies.
type createArgs struct {
	path  string
	data  []byte
	acl   []wire.ACL
	flags int32
	ttl   int64
}

// mode is what a CreateMode flag means.
type mode struct {
	ephemeral, sequential, ttl bool
}

// modeOf is CreateMode.fromFlag; flags outside 0–6 are invalid. Flag 4
// (CONTAINER) means nothing by itself: container-ness comes from the
// opcode (see create).
func modeOf(flags int32) (mode, bool) {
	switch flags {
	case wire.FlagPersistent, wire.FlagContainer:
		return mode{}, true
	case wire.FlagEphemeral:
		return mode{ephemeral: true}, true
	case wire.FlagPersistentSequential:
		return mode{sequential: true}, true
	case wire.FlagEphemeralSequential:
		return mode{ephemeral: true, sequential: true}, true
	case wire.FlagPersistentWithTTL:
		return mode{ttl: true}, true
	case wire.FlagPersistentSequentialWithTTL:
		return mode{sequential: true, ttl: true}, true
	}
	return mode{}, false
}

// create is PrepRequestProcessor.pRequest2TxnCreate followed by
// DataTree.createNode, for op create (1), create2 (15), createContainer
// (19) or createTTL (21). It returns the created path and node.
func (t *Tree) create(op wire.OpCode, a createArgs, txn *Txn, events *[]Event) (string, *node, wire.ErrCode) {
	m, ok := modeOf(a.flags)
	if !ok {
		return "", nil, wire.ErrBadArguments
	}
	if m.ttl && !t.opts.TTLEnabled {
		return "", nil, wire.ErrUnimplemented
	}
	if m.ttl {
		if a.ttl <= 0 || a.ttl > wire.MaxTTL {
			return "", nil, wire.ErrBadArguments
		}
	} else if a.ttl >= 0 || op == wire.OpCreateTTL {
		// ZooKeeper rejects a ttl ≥ 0 here; createTTL with a non-TTL mode
		// and a negative ttl passes its checks and then kills the server
		// when applied, so it is refused too.
		return "", nil, wire.ErrBadArguments
	}
	parentPath, ok := createParent(a.path)
	if !ok {
		return "", nil, wire.ErrBadArguments
	}
	acl, ok := fixACL(a.acl, &txn.Caller)
	if !ok {
		return "", nil, wire.ErrInvalidACL
	}
	parent := t.get(parentPath)
	if parent == nil {
		return "", nil, wire.ErrNoNode
	}
	if !allowed(parent.acl, wire.PermCreate, &txn.Caller) {
		return "", nil, wire.ErrNoAuth
	}
	path := a.path
	if m.sequential {
		path = sequentialName(path, parent.cversion)
	}
	if !validPath(path) {
		return "", nil, wire.ErrBadArguments
	}
	if t.get(path) != nil {
		return "", nil, wire.ErrNodeExists
	}
	if parent.kind == ephemeral {
		return "", nil, wire.ErrNoChildrenForEphemerals
	}

	n := &node{
		data:  a.data,
		acl:   acl,
		czxid: txn.Zxid, mzxid: txn.Zxid, pzxid: txn.Zxid,
		ctime: txn.Time, mtime: txn.Time,
	}
	switch {
	case op == wire.OpCreateContainer:
		n.kind = container
	case op == wire.OpCreateTTL:
		n.kind, n.owner = ttlNode, a.ttl
	case m.ephemeral && txn.Caller.Session != 0:
		// ZooKeeper records the session as owner; session 0 would make
		// an ordinary node.
		n.kind, n.owner = ephemeral, txn.Caller.Session
	}
	t.modify(parentPath, parent)
	parent.cversion++ // wraps past 2³¹−1 as Java's int does
	parent.pzxid = txn.Zxid
	t.insert(path, n)
	*events = append(*events,
		Event{Type: wire.EventNodeCreated, Path: path, ACL: n.acl},
		Event{Type: wire.EventNodeChildrenChanged, Path: canon(parentPath), ACL: parent.acl})
	return path, n, wire.ErrOK
}

// sequentialName appends the parent's child counter formatted as Java's
// %010d: zero-padded to ten characters, "-2147483648" after the wrap.
func sequentialName(path string, counter int32) string {
	v := int64(counter)
	b := make([]byte, 0, len(path)+11)
	b = append(b, path...)
	width := 10
	if v < 0 {
		b = append(b, '-')
		v = -v
		width--
	}
	var digits [10]byte
	d := strconv.AppendInt(digits[:0], v, 10)
	for i := len(d); i < width; i++ {
		b = append(b, '0')
	}
	return string(append(b, d...))
}

// multiCreateOp is the opcode ZooKeeper gives a create inside a multi: it
// rebuilds each one from its flags (Op.create), so flags 4 make a container
// and 5/6 a TTL node whatever the sub-op's opcode, and anything else a plain
// create. The ttl travels only with a createTTL body and TTL flags.
func multiCreateOp(body wire.Record) (wire.OpCode, createArgs, bool) {
	var a createArgs
	switch r := body.(type) {
	case *wire.CreateRequest:
		a = createArgs{path: r.Path, data: r.Data, acl: r.ACL, flags: r.Flags, ttl: -1}
	case *wire.CreateTTLRequest:
		a = createArgs{path: r.Path, data: r.Data, acl: r.ACL, flags: r.Flags, ttl: -1}
		if r.Flags == wire.FlagPersistentWithTTL || r.Flags == wire.FlagPersistentSequentialWithTTL {
			a.ttl = r.TTL
			return wire.OpCreateTTL, a, true
		}
	default:
		return 0, a, false
	}
	switch a.flags {
	case wire.FlagContainer:
		return wire.OpCreateContainer, a, true
	case wire.FlagPersistentWithTTL, wire.FlagPersistentSequentialWithTTL:
		// A TTL create without a ttl: ZooKeeper fails the whole multi
		// with MarshallingError (a failed cast in its prep processor).
		return wire.OpCreateTTL, a, false
	}
	return wire.OpCreate, a, true
}
