package watch

import "github.com/coordkit/coordkit/internal/wire"

// Check answers checkWatches for c: whether path is watched in the table
// that wtype names (wire.WatcherChildren: child, WatcherData: data,
// WatcherAny: either). Like ZooKeeper 3.8 it reports whether any
// connection watches path there, so c itself may have no watch; recursive
// watches on ancestors do not count. It removes nothing. Any other wtype
// matches nothing (ZooKeeper answers it with MarshallingError before
// looking).
func (m *Manager) Check(c ConnID, path string, wtype int32) bool {
	switch wtype {
	case wire.WatcherChildren:
		return m.child.watched(path)
	case wire.WatcherData:
		return m.data.watched(path)
	case wire.WatcherAny:
		return m.child.watched(path) || m.data.watched(path)
	}
	return false
}

// Remove answers removeWatches for c: it removes c's watch on path from the
// child table (wire.WatcherChildren), the data table (WatcherData) or both
// (WatcherAny) and reports whether it removed any. A persistent or
// recursive watch sits in both tables, so it is gone only after Any, or
// Data and Children. Any other wtype removes nothing.
func (m *Manager) Remove(c ConnID, path string, wtype int32) bool {
	switch wtype {
	case wire.WatcherChildren:
		return m.child.remove(c, path)
	case wire.WatcherData:
		return m.data.remove(c, path)
	case wire.WatcherAny:
		fromChild := m.child.remove(c, path)
		fromData := m.data.remove(c, path)
		return fromChild || fromData
	}
	return false
}
