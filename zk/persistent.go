package zk

import (
	"context"
	"errors"
	"strconv"
	"sync"

	"github.com/coordkit/coordkit/internal/wire"
)

// AddWatchMode is the mode of a persistent watch; values are wire values.
type AddWatchMode int32

// Persistent watch modes.
const (
	// AddWatchPersistent fires NodeCreated, NodeDeleted and NodeDataChanged
	// for the path and NodeChildrenChanged for its children, until removed.
	AddWatchPersistent AddWatchMode = 0
	// AddWatchPersistentRecursive fires NodeCreated, NodeDeleted and
	// NodeDataChanged for the path and every descendant (never
	// NodeChildrenChanged), until removed.
	AddWatchPersistentRecursive AddWatchMode = 1
)

// String returns "persistent" or "persistent-recursive".
func (m AddWatchMode) String() string {
	switch m {
	case AddWatchPersistent:
		return "persistent"
	case AddWatchPersistentRecursive:
		return "persistent-recursive"
	}
	return "AddWatchMode(" + strconv.Itoa(int(m)) + ")"
}

// WatcherType selects watches for RemoveWatches; values are wire values.
type WatcherType int32

// Watcher types.
const (
	WatcherChildren WatcherType = 1 // child watches
	WatcherData     WatcherType = 2 // data and exist watches
	WatcherAny      WatcherType = 3 // all watches, persistent ones included
)

// String returns "children", "data" or "any".
func (t WatcherType) String() string {
	switch t {
	case WatcherChildren:
		return "children"
	case WatcherData:
		return "data"
	case WatcherAny:
		return "any"
	}
	return "WatcherType(" + strconv.Itoa(int(t)) + ")"
}

// Watch is a persistent (or persistent-recursive) watch set by AddWatch. It
// survives reconnections (re-registered with setWatches2; note that
// ZooKeeper sends no catch-up events for changes made while disconnected)
// and lasts until Remove, RemoveWatches with WatcherAny, or the session's
// end.
type Watch struct {
	conn *Conn
	path string
	mode AddWatchMode
	q    *pump[Event]

	mu      sync.Mutex // guards the fields below
	err     error
	removed bool
}

// Path returns the watched path (relative to the chroot).
func (w *Watch) Path() string { return w.path }

// Mode returns the watch's mode.
func (w *Watch) Mode() AddWatchMode { return w.mode }

// Events returns the channel of the watch's events, in server order. Its
// buffer is unbounded: it never drops an event and never stalls the Conn.
// It is closed after Remove or Close (at once, dropping undelivered events),
// or after a final event when the session ends (EventNotWatching, with Err
// set) or the watch is removed by RemoveWatches (EventPersistentWatchRemoved).
func (w *Watch) Events() <-chan Event { return w.q.out }

// Err returns why Events was closed: ErrWatchRemoved, or the session's end
// (wrapping ErrSessionExpired, ErrClosed or ErrAuthFailed); nil while open.
func (w *Watch) Err() error {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.err
}

// finish ends the watch after delivering ev and what is queued.
func (w *Watch) finish(ev Event, err error) {
	w.mu.Lock()
	if w.err == nil {
		w.err = err
	}
	w.mu.Unlock()
	w.q.push(ev)
	w.q.close()
}

// Remove stops the watch: Events is closed at once (undelivered events are
// dropped) and Err returns ErrWatchRemoved. If no other watch of this Conn
// remains on the path, Remove also asks the server to drop it
// (removeWatches, waiting for the reply, bounded by ctx) and returns that
// request's error (ErrNoWatcher is ignored). After the session ended it
// only releases the watch and returns nil.
func (w *Watch) Remove(ctx context.Context) error {
	ws := &w.conn.watches
	ws.mu.Lock()
	w.mu.Lock()
	if w.removed {
		w.mu.Unlock()
		ws.mu.Unlock()
		return nil
	}
	w.removed = true
	if w.err == nil {
		w.err = ErrWatchRemoved
	}
	w.mu.Unlock()
	others := true
	if pw := ws.paths[w.path]; pw != nil {
		if w.mode == AddWatchPersistentRecursive {
			pw.recursive = removeWatch(pw.recursive, w)
		} else {
			pw.persistent = removeWatch(pw.persistent, w)
		}
		others = !pw.empty()
		if !others {
			delete(ws.paths, w.path)
		}
	}
	ended := ws.ended != nil
	ws.mu.Unlock()
	w.q.stop()
	if others || ended {
		return nil
	}
	f := w.conn.removeWatchesAsync(ctx, w.path, WatcherAny, false)
	_, err := f.Wait(ctx)
	if err != nil && (errors.Is(err, ErrNoWatcher) || w.conn.Err() != nil) {
		return nil
	}
	return err
}

func removeWatch(ws []*Watch, w *Watch) []*Watch {
	for i, x := range ws {
		if x == w {
			return append(ws[:i], ws[i+1:]...)
		}
	}
	return ws
}

// addPersistent registers a new persistent watch (on the reader, when the
// addWatch reply arrives) and starts its pump.
func (ws *watchSet) addPersistent(c *Conn, path string, mode AddWatchMode) *Watch {
	w := &Watch{conn: c, path: path, mode: mode, q: newPump[Event]()}
	start(c.pumps, w.q, nil)
	ws.mu.Lock()
	defer ws.mu.Unlock()
	if ws.ended != nil {
		w.finish(Event{Type: EventNotWatching, Path: path, Err: ws.ended}, ws.ended)
		return w
	}
	pw := ws.get(path)
	if mode == AddWatchPersistentRecursive {
		pw.recursive = append(pw.recursive, w)
		ws.recursive++
	} else {
		pw.persistent = append(pw.persistent, w)
	}
	return w
}

// setWatchesBatch bounds the path characters of one setWatches request, as
// the reference client does.
const setWatchesBatch = 128 << 10

// setWatchesCalls builds the requests that re-register every watch on a new
// connection, relative to zxid: setWatches2 if any persistent watch exists,
// else setWatches, each holding about 128 KiB of paths.
func (ws *watchSet) setWatchesCalls(c *Conn, zxid int64) []*call {
	ws.mu.Lock()
	var lists [5][]string // data, exist, child, persistent, recursive
	for p, pw := range ws.paths {
		sp := c.chroot.add(p)
		if len(pw.data) > 0 {
			lists[0] = append(lists[0], sp)
		}
		if len(pw.exist) > 0 {
			lists[1] = append(lists[1], sp)
		}
		if len(pw.child) > 0 {
			lists[2] = append(lists[2], sp)
		}
		if len(pw.persistent) > 0 {
			lists[3] = append(lists[3], sp)
		}
		if len(pw.recursive) > 0 {
			lists[4] = append(lists[4], sp)
		}
	}
	ws.mu.Unlock()
	v2 := len(lists[3])+len(lists[4]) > 0
	op := wire.OpSetWatches
	if v2 {
		op = wire.OpSetWatches2
	}
	var calls []*call
	var cur [5][]string
	size, count := 0, 0
	flush := func() {
		if count == 0 {
			return
		}
		sw := wire.SetWatches{RelativeZxid: zxid, Data: cur[0], Exist: cur[1], Child: cur[2],
			Persistent: cur[3], PersistentRecursive: cur[4], V2: v2}
		f := newFuture[struct{}](c, op, op.String(), "", decodeSetWatches)
		b := wire.AppendRequest((*c.getFrame())[:0], 0, op, &sw)
		f.k.frame = &b
		calls = append(calls, &f.k)
		cur = [5][]string{}
		size, count = 0, 0
	}
	for i, l := range lists {
		for _, p := range l {
			cur[i] = append(cur[i], p)
			size += len(p)
			count++
			if size >= setWatchesBatch {
				flush()
			}
		}
	}
	flush()
	return calls
}

func decodeSetWatches(c *Conn, k *call, code wire.ErrCode, _ *wire.Decoder) error {
	if code != wire.ErrOK {
		c.log.Warn("zk: re-registering watches failed", "session_id", c.sessionID.Load(), "err", Code(code))
		k.err = k.opErr(Code(code))
	}
	return nil
}
