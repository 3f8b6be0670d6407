package watch

import "github.com/coordkit/coordkit/internal/wire"

// NodeZxids is what setWatches needs of a node: whether it exists, its
// mzxid and pzxid.
type NodeZxids func(path string) (mzxid, pzxid int64, ok bool)

// SetWatches re-registers the watches a reconnecting client lists, relative
// to the last zxid it saw, and returns the catch-up events to send before
// the reply, in order (data list, exist list, child list), each with state
// SyncConnected. Per listed path:
//
//   - data: a missing node gives NodeDeleted; a node with mzxid above
//     req.RelativeZxid gives NodeDataChanged; otherwise a data watch is set.
//   - exist: an existing node gives NodeCreated; otherwise an exist watch is
//     set.
//   - child: a missing node gives NodeDeleted; a node with pzxid above
//     req.RelativeZxid gives NodeChildrenChanged; otherwise a child watch is
//     set.
//   - persistent and persistent-recursive: the watch is set, with no
//     catch-up event whatever changed.
//
// A path listed twice is handled twice. Paths are not validated.
func (m *Manager) SetWatches(c ConnID, req *wire.SetWatches, lookup NodeZxids) []wire.WatcherEvent {
	var evs []wire.WatcherEvent
	event := func(typ int32, path string) {
		evs = append(evs, wire.WatcherEvent{Type: typ, State: wire.StateSyncConnected, Path: path})
	}
	for _, p := range req.Data {
		switch mzxid, _, ok := lookup(p); {
		case !ok:
			event(wire.EventNodeDeleted, p)
		case mzxid > req.RelativeZxid:
			event(wire.EventNodeDataChanged, p)
		default:
			m.Add(c, p, Data)
		}
	}
	for _, p := range req.Exist {
		if _, _, ok := lookup(p); ok {
			event(wire.EventNodeCreated, p)
		} else {
			m.Add(c, p, Exist)
		}
	}
	for _, p := range req.Child {
		switch _, pzxid, ok := lookup(p); {
		case !ok:
			event(wire.EventNodeDeleted, p)
		case pzxid > req.RelativeZxid:
			event(wire.EventNodeChildrenChanged, p)
		default:
			m.Add(c, p, Child)
		}
	}
	for _, p := range req.Persistent {
		m.Add(c, p, Persistent)
	}
	for _, p := range req.PersistentRecursive {
		m.Add(c, p, PersistentRecursive)
	}
	return evs
}
