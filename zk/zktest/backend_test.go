package zktest

import (
	"context"
	"errors"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/coordkit/coordkit/internal/wire"
)

func TestBackends(t *testing.T) {
	var names []string
	for _, b := range Backends() {
		names = append(names, b.Name)
	}
	assert.Equal(t, []string{EmbeddedName, ZooKeeperName}, names)
	_, err := Backend{Name: "hand-made"}.Start(t.Context())
	assert.Error(t, err, "a Backend not made by this package cannot start")
}

// eachServer runs f on a server of every backend: a fresh embedded server,
// and the package's shared real ZooKeeper (which f must leave running).
func eachServer(t *testing.T, f func(t *testing.T, s *Server)) {
	t.Run(EmbeddedName, func(t *testing.T) { f(t, EmbeddedBackend().Run(t)) })
	t.Run(ZooKeeperName, func(t *testing.T) {
		f(t, &Server{backend: ZooKeeperName, zookeeper: sharedServer(t)})
	})
}

func TestServerControls(t *testing.T) {
	eachServer(t, func(t *testing.T, s *Server) {
		assert.True(t, strings.HasSuffix(t.Name(), "/"+s.Backend()), "backend %q in %s", s.Backend(), t.Name())
		assert.Equal(t, s.Backend() == EmbeddedName, s.Embedded() != nil)
		assert.Equal(t, s.Backend() == ZooKeeperName, s.ZooKeeper() != nil)

		r := dialRaw(t, s.Addr(), 0, nil)
		require.Positive(t, r.resp.TimeOut)
		path := uniquePath(t)
		require.Equal(t, wire.ErrOK, r.create(path, []byte("v"), wire.FlagPersistent, nil))

		t.Run("pause", func(t *testing.T) {
			s.Pause()
			t.Cleanup(s.Resume)
			r.xid++
			_, err := r.c.Write(wire.AppendRequest(nil, r.xid, wire.OpGetData, &wire.PathWatchRequest{Path: path}))
			require.NoError(t, err)
			require.NoError(t, r.c.SetReadDeadline(time.Now().Add(300*time.Millisecond)))
			_, err = r.fr.Next()
			var ne net.Error
			require.ErrorAs(t, err, &ne, "no answer while paused")
			require.True(t, ne.Timeout(), "no answer while paused: %v", err)

			s.Resume()
			require.NoError(t, r.c.SetReadDeadline(time.Now().Add(10*time.Second)))
			payload, err := r.fr.Next()
			require.NoError(t, err, "the answer comes after Resume")
			var h wire.ReplyHeader
			require.NoError(t, wire.Unmarshal(payload, &h))
			assert.Equal(t, r.xid, h.Xid)
			assert.Equal(t, wire.ErrOK, h.Err)
		})

		t.Run("expire-session", func(t *testing.T) {
			owner := dialRaw(t, s.Addr(), 0, nil)
			require.Equal(t, wire.ErrOK, owner.create(path+"/eph", nil, wire.FlagEphemeral, nil))
			require.NoError(t, ExpireSession(t.Context(), s.Addr(), owner.resp.SessionID, owner.resp.Passwd))
			assert.Equal(t, wire.ErrNoNode, r.exists(path+"/eph", false), "the ephemeral node went with its session")
			again := dialRaw(t, s.Addr(), owner.resp.SessionID, owner.resp.Passwd)
			assert.Zero(t, again.resp.TimeOut, "re-attaching is answered: expired")
		})
	})
}

func TestServersStartEachBackendOnce(t *testing.T) {
	var ss Servers
	a := ss.Get(t, EmbeddedBackend())
	b := ss.Get(t, EmbeddedBackend())
	assert.Same(t, a, b)
	r := dialRaw(t, a.Addr(), 0, nil)
	require.Positive(t, r.resp.TimeOut)

	ss.Close()
	_, err := net.DialTimeout("tcp", a.Addr(), 5*time.Second)
	assert.Error(t, err, "Close closed the shared server")
	c := ss.Get(t, EmbeddedBackend())
	assert.NotSame(t, a, c, "a Get after Close starts a new server")
	ss.Close()
}

func TestServersEachRunsOneSubtestPerBackend(t *testing.T) {
	var ss Servers
	defer ss.Close()
	// The package's shared real ZooKeeper stands in for the backend's own,
	// saving a JVM start: Close must not kill it.
	ss.started = map[string]*sharedStart{
		ZooKeeperName: {srv: &Server{backend: ZooKeeperName, zookeeper: sharedServer(t)}},
	}
	var ran []string
	ss.Each(t, func(t *testing.T, srv *Server) {
		ran = append(ran, t.Name())
		assert.Equal(t, "TestServersEachRunsOneSubtestPerBackend/"+srv.Backend(), t.Name())
	})
	assert.Equal(t, []string{
		"TestServersEachRunsOneSubtestPerBackend/embedded",
		"TestServersEachRunsOneSubtestPerBackend/zookeeper",
	}, ran)
	delete(ss.started, ZooKeeperName)
}

func TestServersStartFailureFailsEveryUse(t *testing.T) {
	starts := 0
	broken := Backend{Name: "broken", start: func(context.Context) (*Server, error) {
		starts++
		return nil, errors.New("no such server")
	}}
	var ss Servers
	defer ss.Close()
	for range 2 {
		ft := &fatalRecorder{TB: t}
		ft.run(func() { ss.Get(ft, broken) })
		assert.True(t, ft.fatal)
		assert.Equal(t, "no such server", ft.msg)
	}
	assert.Equal(t, 1, starts, "a failed start is not tried again")
}
