package zk

import (
	"strconv"
	"time"

	"github.com/coordkit/coordkit/internal/wire"
)

// Stat is a znode's metadata as the server reports it.
type Stat struct {
	Czxid          int64 // zxid of the create
	Mzxid          int64 // zxid of the last setData
	Ctime          int64 // creation time, ms since the Unix epoch
	Mtime          int64 // time of the last setData, ms since the Unix epoch
	Version        int32 // data version
	Cversion       int32 // child version
	Aversion       int32 // ACL version
	EphemeralOwner int64 // owning session of an ephemeral node, else 0
	DataLength     int32
	NumChildren    int32
	Pzxid          int64 // zxid of the last child create or delete
}

// CreatedAt returns Ctime as a time.Time.
func (s Stat) CreatedAt() time.Time { return time.UnixMilli(s.Ctime) }

// ModifiedAt returns Mtime as a time.Time.
func (s Stat) ModifiedAt() time.Time { return time.UnixMilli(s.Mtime) }

// statFromWire converts the wire record, whose fields are Stat's.
func statFromWire(w *wire.Stat) Stat { return Stat(*w) }

// decodeStat reads a Stat from d.
func decodeStat(d *wire.Decoder, s *Stat) { (*wire.Stat)(s).Decode(d) }

// CreateMode is how a node is created; its values are the wire flag values.
type CreateMode int32

// Create modes.
const (
	ModePersistent              CreateMode = 0
	ModeEphemeral               CreateMode = 1
	ModePersistentSequential    CreateMode = 2
	ModeEphemeralSequential     CreateMode = 3
	ModeContainer               CreateMode = 4
	ModePersistentTTL           CreateMode = 5
	ModePersistentSequentialTTL CreateMode = 6
)

var modeNames = [...]string{
	"persistent", "ephemeral", "persistent-sequential", "ephemeral-sequential",
	"container", "persistent-ttl", "persistent-sequential-ttl",
}

// String returns the mode's name, e.g. "ephemeral-sequential".
func (m CreateMode) String() string {
	if m >= 0 && int(m) < len(modeNames) {
		return modeNames[m]
	}
	return "mode(" + strconv.Itoa(int(m)) + ")"
}

// IsSequential reports whether the server appends a sequence number.
func (m CreateMode) IsSequential() bool {
	return m == ModePersistentSequential || m == ModeEphemeralSequential || m == ModePersistentSequentialTTL
}

// IsEphemeral reports whether the node dies with the session.
func (m CreateMode) IsEphemeral() bool { return m == ModeEphemeral || m == ModeEphemeralSequential }

// IsTTL reports whether the mode needs a TTL (WithTTL).
func (m CreateMode) IsTTL() bool { return m == ModePersistentTTL || m == ModePersistentSequentialTTL }

// opcode returns the create opcode for the mode: 19 for containers, 21 for
// TTL modes, else create (1) or create2 (15).
func (m CreateMode) opcode(withStat bool) wire.OpCode {
	switch {
	case m == ModeContainer:
		return wire.OpCreateContainer
	case m.IsTTL():
		return wire.OpCreateTTL
	case withStat:
		return wire.OpCreate2
	}
	return wire.OpCreate
}

// AnyVersion matches every version in Delete, Set, SetACL and CheckOp.
const AnyVersion int32 = -1
