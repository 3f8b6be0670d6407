package integration

// Persistent watches and removeWatches, on every backend.

import (
	"testing"

	"github.com/coordkit/coordkit/zk"
	"github.com/coordkit/coordkit/zk/zktest"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestAddWatch(t *testing.T) {
	servers.Each(t, testAddWatch)
}

func testAddWatch(t *testing.T, srv *zktest.Server) {
	c := dial(t, []string{srv.Addr()})
	other := dial(t, []string{srv.Addr()}) // a second session, for changes and checks
	t.Run("persistent", func(t *testing.T) {
		ctx := ctxFor(t, opTimeout)
		p := uniquePath(t)
		mustCreate(t, c, p, nil)
		w := addWatch(t, c, p, zk.AddWatchPersistent)
		ev := w.Events()

		_, err := other.Set(ctx, p, []byte("1"), zk.AnyVersion)
		require.NoError(t, err)
		requireEvent(t, ev, zk.EventNodeDataChanged, p)
		mustCreate(t, other, p+"/c", nil)
		requireEvent(t, ev, zk.EventNodeChildrenChanged, p)
		_, err = other.Set(ctx, p+"/c", []byte("not watched"), zk.AnyVersion)
		require.NoError(t, err)
		_, err = other.Set(ctx, p, []byte("2"), zk.AnyVersion)
		require.NoError(t, err)
		requireEvent(t, ev, zk.EventNodeDataChanged, p) // nothing for p/c in between
		require.NoError(t, other.Delete(ctx, p+"/c", zk.AnyVersion))
		requireEvent(t, ev, zk.EventNodeChildrenChanged, p)
		require.NoError(t, other.Delete(ctx, p, zk.AnyVersion))
		requireEvent(t, ev, zk.EventNodeDeleted, p)
		mustCreate(t, other, p, nil)
		requireEvent(t, ev, zk.EventNodeCreated, p) // still watching: persistent

		require.NoError(t, w.Remove(ctx))
		requireClosed(t, ev, "persistent watch after Remove")
		assert.ErrorIs(t, w.Err(), zk.ErrWatchRemoved)
	})

	t.Run("persistent-recursive", func(t *testing.T) {
		ctx := ctxFor(t, opTimeout)
		p := uniquePath(t)
		mustCreate(t, c, p, nil)
		w := addWatch(t, c, p, zk.AddWatchPersistentRecursive)
		ev := w.Events()

		mustCreate(t, other, p+"/a", nil)
		requireEvent(t, ev, zk.EventNodeCreated, p+"/a") // no NodeChildrenChanged for recursive watches
		mustCreate(t, other, p+"/a/b", nil)
		requireEvent(t, ev, zk.EventNodeCreated, p+"/a/b")
		_, err := other.Set(ctx, p+"/a/b", []byte("x"), zk.AnyVersion)
		require.NoError(t, err)
		requireEvent(t, ev, zk.EventNodeDataChanged, p+"/a/b")
		_, err = other.Set(ctx, p, []byte("x"), zk.AnyVersion)
		require.NoError(t, err)
		requireEvent(t, ev, zk.EventNodeDataChanged, p)
		require.NoError(t, other.Delete(ctx, p+"/a/b", zk.AnyVersion))
		requireEvent(t, ev, zk.EventNodeDeleted, p+"/a/b")
		_, err = other.Multi(ctx,
			zk.CreateOp(p+"/m1", nil, zk.ModePersistent),
			zk.SetOp(p+"/a", []byte("y"), zk.AnyVersion),
			zk.CreateOp(p+"/m2", nil, zk.ModePersistent),
		)
		require.NoError(t, err)
		requireEvent(t, ev, zk.EventNodeCreated, p+"/m1") // in op order
		requireEvent(t, ev, zk.EventNodeDataChanged, p+"/a")
		requireEvent(t, ev, zk.EventNodeCreated, p+"/m2")
		mustCreate(t, other, p+"-sibling", nil) // outside the subtree
		require.NoError(t, other.Delete(ctx, p+"/m1", zk.AnyVersion))
		requireEvent(t, ev, zk.EventNodeDeleted, p+"/m1")

		require.NoError(t, w.Remove(ctx))
		requireClosed(t, ev, "recursive watch after Remove")
	})
}

func TestRemoveWatches(t *testing.T) {
	servers.Each(t, testRemoveWatches)
}

func testRemoveWatches(t *testing.T, srv *zktest.Server) {
	c := dial(t, []string{srv.Addr()})
	other := dial(t, []string{srv.Addr()}) // a second session, for changes and checks
	cases := []struct {
		name        string
		typ         zk.WatcherType
		removesData bool
		removesKids bool
	}{
		{name: "data", typ: zk.WatcherData, removesData: true},
		{name: "children", typ: zk.WatcherChildren, removesKids: true},
		{name: "any", typ: zk.WatcherAny, removesData: true, removesKids: true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			ctx := ctxFor(t, opTimeout)
			p := uniquePath(t)
			mustCreate(t, c, p, nil)
			_, _, dataCh, err := c.GetW(ctx, p)
			require.NoError(t, err)
			_, _, kidsCh, err := c.ChildrenW(ctx, p)
			require.NoError(t, err)

			require.NoError(t, c.RemoveWatches(ctx, p, tc.typ))
			if tc.removesData {
				requireRemovedEvent(t, dataCh, zk.EventDataWatchRemoved, p)
			}
			if tc.removesKids {
				requireRemovedEvent(t, kidsCh, zk.EventChildWatchRemoved, p)
			}
			// The watches that were not removed still fire.
			if !tc.removesData {
				_, err := other.Set(ctx, p, []byte("x"), zk.AnyVersion)
				require.NoError(t, err)
				requireEvent(t, dataCh, zk.EventNodeDataChanged, p)
			}
			if !tc.removesKids {
				mustCreate(t, other, p+"/c", nil)
				requireEvent(t, kidsCh, zk.EventNodeChildrenChanged, p)
			}
			// Nothing left of that type on the server.
			err = c.RemoveWatches(ctx, p, tc.typ)
			assert.ErrorIs(t, err, zk.ErrNoWatcher)
		})
	}
	t.Run("none", func(t *testing.T) {
		p := uniquePath(t)
		mustCreate(t, c, p, nil)
		err := c.RemoveWatches(ctxFor(t, opTimeout), p, zk.WatcherAny)
		assert.ErrorIs(t, err, zk.ErrNoWatcher)
	})
}
