package zkserver

import (
	"cmp"
	"crypto/rand"
	"encoding/binary"
	"fmt"
	"slices"
	"strconv"

	"github.com/coordkit/coordkit/zkserver/internal/store"
	"github.com/coordkit/coordkit/zkserver/internal/tree"
)

// serverID is the server id in the top byte of session ids; standalone
// ZooKeeper uses 1.
const serverID = 1

// session is a live session. Owned by the processor.
type session struct {
	id       int64
	passwd   [16]byte
	timeout  int32 // negotiated, ms
	expireAt int64 // ms on the server's clock, a tick boundary
	conn     *conn // the connection it is attached to, nil if none
}

// touch renews s: it expires at the first tick boundary after its timeout
// from now.
func (p *processor) touch(s *session) {
	s.expireAt = p.roundToTick(p.nowMS + int64(s.timeout))
}

// negotiate clamps a requested timeout into the server's bounds.
func (p *processor) negotiate(ms int32) int32 {
	return min(max(ms, p.minTimeout), p.maxTimeout)
}

// seedSessionIDs starts session ids as ZooKeeper does:
// (serverId << 56) | ((ms << 24) >>> 8), above any recovered session.
func (p *processor) seedSessionIDs() {
	ms := uint64(p.now.UnixMilli())
	p.nextSession = int64(serverID<<56 | ms<<24>>8)
	for id := range p.sessions {
		if id >= p.nextSession {
			p.nextSession = id + 1
		}
	}
}

// newSession creates a session, as a transaction.
func (p *processor) newSession(timeout int32) *session {
	for p.nextSession == 0 || p.sessions[p.nextSession] != nil {
		p.nextSession++
	}
	s := &session{id: p.nextSession, timeout: timeout}
	p.nextSession++
	_, _ = rand.Read(s.passwd[:])
	p.sessions[s.id] = s
	p.newZxid()
	p.saveSession(s)
	p.touch(s)
	return s
}

// closeSession ends s as a transaction: its ephemeral nodes are deleted
// (firing watches) and its record removed. It returns the zxid.
func (p *processor) closeSession(s *session) int64 {
	zxid := p.newZxid()
	res := p.tree.CloseSession(tree.Txn{Zxid: zxid, Time: p.nowMS, Caller: tree.Caller{Session: s.id}})
	delete(p.sessions, s.id)
	p.pendingSessions = append(p.pendingSessions, store.KV{Key: sessionKey(s.id)})
	p.fire(res.Events)
	return zxid
}

// expire ends s as its timeout does: closed, and its connection closed
// without a word.
func (p *processor) expire(s *session) {
	p.s.log.Info("session expired", "session_id", sessionHex(s.id))
	p.closeSession(s)
	if c := s.conn; c != nil {
		c.session = nil
		p.closeConn(c)
	}
	s.conn = nil
}

// expireDue expires every session past its time, unless paused.
func (p *processor) expireDue() {
	if p.paused {
		return
	}
	var due []*session
	for _, s := range p.sessions {
		if s.expireAt <= p.nowMS {
			due = append(due, s)
		}
	}
	slices.SortFunc(due, func(a, b *session) int { return cmp.Compare(a.id, b.id) })
	for _, s := range due {
		p.expire(s)
	}
}

// saveSession queues s's record for the next store batch.
func (p *processor) saveSession(s *session) {
	v := make([]byte, 4+len(s.passwd))
	binary.BigEndian.PutUint32(v, uint32(s.timeout))
	copy(v[4:], s.passwd[:])
	p.pendingSessions = append(p.pendingSessions, store.KV{Key: sessionKey(s.id), Value: v})
}

// sessionKey is a session's key in the store: 16 lowercase hex digits.
func sessionKey(id int64) string { return fmt.Sprintf("%016x", uint64(id)) }

// sessionHex formats a session id as ZooKeeper logs it.
func sessionHex(id int64) string { return "0x" + strconv.FormatUint(uint64(id), 16) }

// decodeSession decodes a stored session record.
func decodeSession(kv store.KV) (*session, error) {
	id, err := strconv.ParseUint(kv.Key, 16, 64)
	if err != nil || len(kv.Key) != 16 {
		return nil, fmt.Errorf("zkserver: bad session key %q", kv.Key)
	}
	if len(kv.Value) != 20 {
		return nil, fmt.Errorf("zkserver: session %s: record of %d bytes", kv.Key, len(kv.Value))
	}
	s := &session{id: int64(id), timeout: int32(binary.BigEndian.Uint32(kv.Value))}
	copy(s.passwd[:], kv.Value[4:])
	return s, nil
}
