package integration

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/coordkit/coordkit/zk"
	"github.com/coordkit/coordkit/zk/zktest"
)

// TestPeersKazooTreeCache: kazoo's TreeCache on a subtree follows what we
// change from our client. It loads what is there, then reports each
// create (nested ones too), setData and delete as we make them, with the
// data and the Stat our client sees; the changes of one multi; the
// removal of the whole subtree, root included, and the root's re-creation
// (an exists watch on a missing node). When kazoo loses its connection
// and comes back to its session, the cache catches up with what changed
// meanwhile. At the end its content is the server's.
func TestPeersKazooTreeCache(t *testing.T) {
	t.Parallel()
	requireKazoo(t)
	servers.Each(t, testPeersKazooTreeCache)
}

func testPeersKazooTreeCache(t *testing.T, srv *zktest.Server) {
	c := dial(t, []string{srv.Addr()})
	root := uniquePath(t)
	mustCreate(t, c, root, []byte("r"))
	mustCreate(t, c, root+"/pre", []byte("p0"))
	mustCreate(t, c, root+"/pre/deep", []byte("p1"))

	px := zktest.NewProxy(t, srv.Addr())
	tc := startKazoo(t, "treecache", "treecache.py", px.Addr(), root)
	session := tc.expect(t, "session").Session
	loaded := make([]cacheChange, 3)
	for i := range loaded {
		loaded[i] = treeChange(t, c, tc.expect(t, "NODE_ADDED"))
	}
	assert.ElementsMatch(t, []cacheChange{
		{"NODE_ADDED", root, "r"},
		{"NODE_ADDED", root + "/pre", "p0"},
		{"NODE_ADDED", root + "/pre/deep", "p1"},
	}, loaded, "the first load")
	tc.expect(t, "INITIALIZED")

	// One change at a time, each reported before the next.
	ctx := ctxFor(t, opTimeout)
	step := func(what string, change func() (zk.Stat, error), want cacheChange) {
		t.Helper()
		st, err := change()
		require.NoError(t, err, what)
		ev := tc.expect(t, want.Event)
		assert.Equal(t, want, cacheChange{ev.Event, ev.Path, string(ev.Data)}, what)
		if want.Event != "NODE_REMOVED" {
			assert.Equal(t, st, ev.Stat, "%s: the Stat the cache got", what)
		}
	}
	create := func(path, data string) func() (zk.Stat, error) {
		return func() (zk.Stat, error) {
			_, st, err := c.Create2(ctx, path, []byte(data), zk.ModePersistent)
			return st, err
		}
	}
	set := func(path, data string) func() (zk.Stat, error) {
		return func() (zk.Stat, error) { return c.Set(ctx, path, []byte(data), -1) }
	}
	del := func(path string) func() (zk.Stat, error) {
		return func() (zk.Stat, error) { return zk.Stat{}, c.Delete(ctx, path, -1) }
	}
	step("create a", create(root+"/a", "A"), cacheChange{"NODE_ADDED", root + "/a", "A"})
	step("create a/b", create(root+"/a/b", "B"), cacheChange{"NODE_ADDED", root + "/a/b", "B"})
	step("create a/b/c", create(root+"/a/b/c", ""), cacheChange{"NODE_ADDED", root + "/a/b/c", ""})
	step("set a", set(root+"/a", "A2"), cacheChange{"NODE_UPDATED", root + "/a", "A2"})
	step("delete a/b/c", del(root+"/a/b/c"), cacheChange{"NODE_REMOVED", root + "/a/b/c", ""})

	// The changes of one multi, in any order.
	_, err := c.Multi(ctx,
		zk.CreateOp(root+"/m1", []byte("M1"), zk.ModePersistent),
		zk.CreateOp(root+"/m2", []byte("M2"), zk.ModePersistent),
		zk.SetOp(root+"/pre", []byte("p0b"), -1))
	require.NoError(t, err)
	multi := make([]cacheChange, 3)
	for i := range multi {
		multi[i] = treeChange(t, c, tc.nextEvent(t, peerEventTimeout))
	}
	assert.ElementsMatch(t, []cacheChange{
		{"NODE_ADDED", root + "/m1", "M1"},
		{"NODE_ADDED", root + "/m2", "M2"},
		{"NODE_UPDATED", root + "/pre", "p0b"},
	}, multi, "the multi's changes")

	// The whole subtree goes, root last; the root comes back.
	for _, d := range []struct{ path, data string }{
		{"/pre/deep", "p1"}, {"/pre", "p0b"}, {"/a/b", "B"}, {"/a", "A2"}, {"/m1", "M1"}, {"/m2", "M2"}, {"", "r"},
	} {
		step("delete "+root+d.path, del(root+d.path), cacheChange{"NODE_REMOVED", root + d.path, d.data})
	}
	step("create the root again", create(root, "again"), cacheChange{"NODE_ADDED", root, "again"})
	step("create z", create(root+"/z", "Z"), cacheChange{"NODE_ADDED", root + "/z", "Z"})

	// kazoo loses its connection; we change things meanwhile; kazoo
	// reconnects to the same session and the cache catches up.
	px.Refuse()
	px.Reset()
	tc.expect(t, "CONNECTION_SUSPENDED")
	_, err = c.Create(ctx, root+"/y", []byte("Y"), zk.ModePersistent)
	require.NoError(t, err)
	_, err = c.Set(ctx, root+"/z", []byte("Z2"), -1)
	require.NoError(t, err)
	px.Pass()
	back := tc.expect(t, "CONNECTION_RECONNECTED")
	assert.Equal(t, session, back.Session, "kazoo is back in its session")
	caught := make([]cacheChange, 2)
	for i := range caught {
		caught[i] = treeChange(t, c, tc.nextEvent(t, peerEventTimeout))
	}
	assert.ElementsMatch(t, []cacheChange{
		{"NODE_ADDED", root + "/y", "Y"},
		{"NODE_UPDATED", root + "/z", "Z2"},
	}, caught, "the changes made while kazoo was away")

	// The cache holds what the server holds. (A TreeCache does not re-read
	// a node when only its children change, so the child counters of its
	// Stats may be old: leave them out.)
	tc.send(t, "dump")
	dump := tc.expect(t, "dump")
	assert.Equal(t, withoutChildStat(serverTree(t, c, root)), withoutChildStat(dump.Nodes), "the cache's content")

	tc.closeStdin(t)
	tc.expect(t, "closed")
	tc.requireExit(t)
}

// cacheChange is what a TreeCache event says: its kind, path and data.
type cacheChange struct {
	Event, Path, Data string
}

// treeChange returns what ev says; for a node the cache added or updated,
// it also checks that the Stat it reports is the one the server has now.
func treeChange(t *testing.T, c *zk.Conn, ev peerEvent) cacheChange {
	t.Helper()
	if ev.Event == "NODE_ADDED" || ev.Event == "NODE_UPDATED" {
		_, st, err := c.Get(ctxFor(t, opTimeout), ev.Path)
		require.NoError(t, err, "the cache reported %s %s", ev.Event, ev.Path)
		assert.Equal(t, st, ev.Stat, "the Stat the cache got for %s", ev.Path)
	}
	return cacheChange{ev.Event, ev.Path, string(ev.Data)}
}

// withoutChildStat returns nodes with the Stat fields that change with a
// node's children zeroed.
func withoutChildStat(nodes map[string]cachedNode) map[string]cachedNode {
	out := make(map[string]cachedNode, len(nodes))
	for p, n := range nodes {
		n.Stat.Cversion, n.Stat.NumChildren, n.Stat.Pzxid = 0, 0, 0
		out[p] = n
	}
	return out
}

// serverTree returns the subtree at root as treecache.py dumps it.
func serverTree(t *testing.T, c *zk.Conn, root string) map[string]cachedNode {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), opTimeout)
	defer cancel()
	nodes := make(map[string]cachedNode)
	pending := []string{root}
	for len(pending) > 0 {
		path := pending[len(pending)-1]
		pending = pending[:len(pending)-1]
		data, st, err := c.Get(ctx, path)
		require.NoError(t, err)
		if data == nil {
			data = []byte{}
		}
		nodes[path] = cachedNode{Data: data, Stat: st}
		kids, _, err := c.Children(ctx, path)
		require.NoError(t, err)
		for _, k := range kids {
			pending = append(pending, path+"/"+k)
		}
	}
	return nodes
}
