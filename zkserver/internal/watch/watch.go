package watch

import "strconv"

// ConnID names one client connection: watches belong to the connection,
// not the session.
type ConnID uint64

// Kind is how a watch was registered.
type Kind int

const (
	Data                Kind = iota // getData/exists(watch) on an existing node
	Exist                           // exists(watch) on a missing node
	Child                           // getChildren(watch) on an existing node
	Persistent                      // addWatch mode 0
	PersistentRecursive             // addWatch mode 1
)

var kindNames = [...]string{"data", "exist", "child", "persistent", "persistentRecursive"}

// String returns the kind's name, such as "persistentRecursive".
func (k Kind) String() string {
	if k >= 0 && int(k) < len(kindNames) {
		return kindNames[k]
	}
	return "Kind(" + strconv.Itoa(int(k)) + ")"
}

// Manager holds every connection's watches. The zero value is not usable;
// call New.
type Manager struct {
	data  table // data, exist, persistent and recursive watches
	child table // child, persistent and recursive watches

	scratch []ConnID            // Trigger's list of connections to tell, reused
	seen    map[ConnID]struct{} // Trigger's dedup set for long lists, reused
}

// New returns an empty Manager.
func New() *Manager {
	return &Manager{data: newTable(), child: newTable()}
}

// Add registers a watch of kind k on path for connection c. Data and Exist
// go to the data table, Child to the child table, Persistent and
// PersistentRecursive to both. A table holds one watch per connection and
// path, so registering the same kind twice is one watch, and a later kind
// replaces an earlier one's mode in the tables it goes to. An unknown kind
// registers nothing.
func (m *Manager) Add(c ConnID, path string, k Kind) {
	switch k {
	case Data, Exist:
		m.data.add(c, path, standard)
	case Child:
		m.child.add(c, path, standard)
	case Persistent:
		m.data.add(c, path, persistent)
		m.child.add(c, path, persistent)
	case PersistentRecursive:
		m.data.add(c, path, recursive)
		m.child.add(c, path, recursive)
	}
}

// RemoveConn forgets every watch of c. Call it once the connection's last
// request has been processed: a watch added for c afterwards would stay.
func (m *Manager) RemoveConn(c ConnID) {
	m.data.removeConn(c)
	m.child.removeConn(c)
}
