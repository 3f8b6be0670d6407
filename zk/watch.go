package zk

import (
	"strconv"
	"sync"
)

// EventType is the type of a watch event; values 1–7 are ZooKeeper's wire
// values.
type EventType int32

// Event types.
const (
	EventNodeCreated            EventType = 1
	EventNodeDeleted            EventType = 2
	EventNodeDataChanged        EventType = 3
	EventNodeChildrenChanged    EventType = 4
	EventDataWatchRemoved       EventType = 5 // RemoveWatches removed a data or exist watch
	EventChildWatchRemoved      EventType = 6 // RemoveWatches removed a child watch
	EventPersistentWatchRemoved EventType = 7 // a persistent watch was removed
	// EventNotWatching says the watch ended without a node event because
	// the session ended; Event.Err says why (wraps ErrSessionExpired,
	// ErrClosed or ErrAuthFailed).
	EventNotWatching EventType = -2
)

var eventNames = map[EventType]string{
	EventNodeCreated: "NodeCreated", EventNodeDeleted: "NodeDeleted",
	EventNodeDataChanged: "NodeDataChanged", EventNodeChildrenChanged: "NodeChildrenChanged",
	EventDataWatchRemoved: "DataWatchRemoved", EventChildWatchRemoved: "ChildWatchRemoved",
	EventPersistentWatchRemoved: "PersistentWatchRemoved", EventNotWatching: "NotWatching",
}

// String returns the type's name, e.g. "NodeCreated".
func (t EventType) String() string {
	if s, ok := eventNames[t]; ok {
		return s
	}
	return "EventType(" + strconv.Itoa(int(t)) + ")"
}

// Event is a watch notification. Path is relative to the chroot.
type Event struct {
	Type EventType
	Path string
	Err  error // set when the watch ended with the session
}

// watchKind is the kind of a one-shot watch.
type watchKind uint8

const (
	watchData  watchKind = iota // getData, or exists on an existing node
	watchExist                  // exists on a missing node
	watchChild                  // getChildren
)

// pathWatches are the watches on one path.
type pathWatches struct {
	data, exist, child    []chan Event
	persistent, recursive []*Watch
}

func (p *pathWatches) empty() bool {
	return len(p.data)+len(p.exist)+len(p.child)+len(p.persistent)+len(p.recursive) == 0
}

// watchSet is the registry of every watch of a session, keyed by path
// relative to the chroot. Events are delivered without blocking: one-shot
// channels have room for their one event, persistent watches have
// unbounded queues.
type watchSet struct {
	mu        sync.Mutex // guards the fields below
	paths     map[string]*pathWatches
	recursive int   // number of recursive watches
	ended     error // set when the session is over
}

func (ws *watchSet) init() { ws.paths = make(map[string]*pathWatches) }

func (ws *watchSet) get(path string) *pathWatches {
	pw := ws.paths[path]
	if pw == nil {
		pw = &pathWatches{}
		ws.paths[path] = pw
	}
	return pw
}

// addOneShot registers a one-shot watch and returns its channel. After the
// session ended the channel is told at once.
func (ws *watchSet) addOneShot(path string, kind watchKind) <-chan Event {
	ch := make(chan Event, 1)
	ws.mu.Lock()
	defer ws.mu.Unlock()
	if ws.ended != nil {
		ch <- Event{Type: EventNotWatching, Path: path, Err: ws.ended}
		close(ch)
		return ch
	}
	pw := ws.get(path)
	switch kind {
	case watchData:
		pw.data = append(pw.data, ch)
	case watchExist:
		pw.exist = append(pw.exist, ch)
	case watchChild:
		pw.child = append(pw.child, ch)
	}
	return ch
}

func fire(chs []chan Event, ev Event) {
	for _, ch := range chs {
		ch <- ev
		close(ch)
	}
}

// dispatch delivers a server event, as ZooKeeper's client does: created and
// data-changed go to data and exist watches, deleted to data, exist and
// child watches, children-changed to child watches; persistent watches on
// the path get every type, recursive watches on the path or an ancestor
// every type but children-changed.
func (ws *watchSet) dispatch(t EventType, path string) {
	ev := Event{Type: t, Path: path}
	var fired [3][]chan Event
	ws.mu.Lock()
	if pw := ws.paths[path]; pw != nil {
		switch t {
		case EventNodeCreated, EventNodeDataChanged:
			fired[0], fired[1], pw.data, pw.exist = pw.data, pw.exist, nil, nil
		case EventNodeDeleted:
			fired[0], fired[1], fired[2], pw.data, pw.exist, pw.child = pw.data, pw.exist, pw.child, nil, nil, nil
		case EventNodeChildrenChanged:
			fired[2], pw.child = pw.child, nil
		}
		for _, w := range pw.persistent {
			w.q.push(ev)
		}
		if pw.empty() {
			delete(ws.paths, path)
		}
	}
	if ws.recursive > 0 && t != EventNodeChildrenChanged {
		for p := path; ; {
			if pw := ws.paths[p]; pw != nil {
				for _, w := range pw.recursive {
					w.q.push(ev)
				}
			}
			if p == "/" {
				break
			}
			p = parentPath(p)
		}
	}
	ws.mu.Unlock()
	for _, chs := range fired {
		fire(chs, ev)
	}
}

// parentPath returns the parent of an absolute path ("/" for top level).
func parentPath(p string) string {
	for i := len(p) - 1; i > 0; i-- {
		if p[i] == '/' {
			return p[:i]
		}
	}
	return "/"
}

// removeLocal drops the one-shot watches of type t on path (WatcherData:
// data and exist; WatcherChildren: child; WatcherAny: all of those and the
// persistent ones) and tells them.
func (ws *watchSet) removeLocal(path string, t WatcherType) {
	ws.mu.Lock()
	pw := ws.paths[path]
	if pw == nil {
		ws.mu.Unlock()
		return
	}
	var data, child []chan Event
	var pers []*Watch
	if t == WatcherData || t == WatcherAny {
		data = append(pw.data, pw.exist...)
		pw.data, pw.exist = nil, nil
	}
	if t == WatcherChildren || t == WatcherAny {
		child, pw.child = pw.child, nil
	}
	if t == WatcherAny {
		pers = append(pw.persistent, pw.recursive...)
		ws.recursive -= len(pw.recursive)
		pw.persistent, pw.recursive = nil, nil
	}
	if pw.empty() {
		delete(ws.paths, path)
	}
	ws.mu.Unlock()
	fire(data, Event{Type: EventDataWatchRemoved, Path: path})
	fire(child, Event{Type: EventChildWatchRemoved, Path: path})
	for _, w := range pers {
		w.finish(Event{Type: EventPersistentWatchRemoved, Path: path}, ErrWatchRemoved)
	}
}

// end tells every watch that the session is over.
func (ws *watchSet) end(reason error) {
	ws.mu.Lock()
	ws.ended = reason
	paths := ws.paths
	ws.paths = make(map[string]*pathWatches)
	ws.recursive = 0
	ws.mu.Unlock()
	for path, pw := range paths {
		ev := Event{Type: EventNotWatching, Path: path, Err: reason}
		fire(pw.data, ev)
		fire(pw.exist, ev)
		fire(pw.child, ev)
		for _, w := range pw.persistent {
			w.finish(ev, reason)
		}
		for _, w := range pw.recursive {
			w.finish(ev, reason)
		}
	}
}
