package zkserver

import (
	"fmt"

	"github.com/coordkit/coordkit/zkserver/internal/store"
	"github.com/coordkit/coordkit/zkserver/internal/tree"
)

// recoverState loads the store into a new processor: the tree, the last
// zxid, and the sessions, each given its full timeout from now. Sessions
// that own ephemeral nodes but have no record are closed at once.
func recoverState(s *Server) (*processor, error) {
	state, err := s.store.Load()
	if err != nil {
		return nil, fmt.Errorf("zkserver: load: %w", err)
	}
	opts := tree.Options{TTLEnabled: s.cfg.ttl, TrackChanges: s.cfg.dataDir != ""}
	var t *tree.Tree
	if len(state.Nodes) == 0 {
		t = tree.New(opts)
	} else {
		nodes := make([]tree.Change, len(state.Nodes))
		for i, kv := range state.Nodes {
			nodes[i] = tree.Change{Path: kv.Key, Value: kv.Value}
		}
		if t, err = tree.Restore(opts, nodes); err != nil {
			return nil, fmt.Errorf("zkserver: restore: %w", err)
		}
	}
	p := newProcessor(s, t)
	p.last, p.appended = state.Zxid, state.Zxid
	p.begin()
	for _, kv := range state.Sessions {
		sess, err := decodeSession(kv)
		if err != nil {
			s.log.Warn("bad session record dropped", "err", err)
			p.pendingSessions = append(p.pendingSessions, store.KV{Key: kv.Key})
			continue
		}
		p.sessions[sess.id] = sess
		p.touch(sess)
	}
	for _, owner := range t.Owners() {
		if _, ok := p.sessions[owner]; !ok {
			p.closeSession(&session{id: owner})
		}
	}
	p.seedSessionIDs()
	p.commit()
	if len(state.Nodes) > 0 || len(p.sessions) > 0 {
		s.log.Info("recovered", "zxid", p.last, "nodes", t.Stats().Nodes, "sessions", len(p.sessions))
	}
	return p, nil
}
