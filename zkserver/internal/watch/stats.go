package watch

// Stats are the counts a server reports, as ZooKeeper 3.8 computes them.
// wchs prints "Conns connections watching Paths paths\nTotal
// watches:DataWatches" from the data table alone; mntr's zk_watch_count is
// Watches.
type Stats struct {
	// Conns counts the connections that have set a data-table watch (data,
	// exist, persistent or recursive) since they opened, including those
	// whose watches have all fired or been removed since; RemoveConn
	// forgets a connection.
	Conns int
	// Paths counts the paths with at least one data-table watch.
	Paths int
	// DataWatches counts the data table's (connection, path) watches.
	DataWatches int
	// Watches counts the (connection, path, table) watches of both tables.
	Watches int
}

// Stats returns the manager's counts.
func (m *Manager) Stats() Stats {
	return Stats{
		Conns:       len(m.data.byConn),
		Paths:       len(m.data.byPath),
		DataWatches: m.data.n,
		Watches:     m.data.n + m.child.n,
	}
}
