package zktest

import (
	"context"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/coordkit/coordkit/internal/wire"
)

func TestSharedServerServes(t *testing.T) {
	z := sharedServer(t)
	ctx := t.Context()

	assert.True(t, strings.HasPrefix(z.Addr(), "127.0.0.1:"), z.Addr())
	assert.Equal(t, "127.0.0.1:"+strconv.Itoa(z.Port()), z.Addr())
	assert.True(t, z.Running())
	assert.NotZero(t, z.PID())
	assert.True(t, Ruok(ctx, z.Addr()))

	st, err := Srvr(ctx, z.Addr())
	require.NoError(t, err)
	assert.Equal(t, "standalone", st.Mode)
	assert.True(t, strings.HasPrefix(st.Version, "3.8"), st.Version)

	conf, err := FourLetterWord(ctx, z.Addr(), "conf")
	require.NoError(t, err)
	assert.Contains(t, conf, "tickTime=200\n")
	assert.Contains(t, conf, "minSessionTimeout=400\n")
	assert.Contains(t, conf, "maxSessionTimeout=60000\n")
	assert.Contains(t, conf, "maxClientCnxns=0\n")

	// TTL nodes need zookeeper.extendedTypesEnabled.
	r := dialRaw(t, z.Addr(), 0, nil)
	require.Positive(t, r.resp.TimeOut)
	path := uniquePath(t)
	var resp wire.Create2Response
	h := r.call(wire.OpCreateTTL, &wire.CreateTTLRequest{
		Path: path, ACL: openACL, Flags: wire.FlagPersistentWithTTL, TTL: 60000,
	}, &resp)
	assert.Equal(t, wire.ErrOK, h.Err, "createTTL")
}

func TestServerLifecycle(t *testing.T) {
	z := StartZooKeeper(t,
		WithTickTime(100*time.Millisecond),
		WithSessionTimeouts(0, 5*time.Second),
		WithContainerCheckInterval(500*time.Millisecond),
		WithSuperDigest("super", "secret"),
		WithConfig("forceSync", "yes"),
	)
	ctx := t.Context()
	addr := z.Addr()

	conf, err := FourLetterWord(ctx, addr, "conf")
	require.NoError(t, err)
	assert.Contains(t, conf, "tickTime=100\n")
	assert.Contains(t, conf, "minSessionTimeout=200\n")
	assert.Contains(t, conf, "maxSessionTimeout=5000\n")
	cfgFile, err := os.ReadFile(filepath.Join(z.Dir(), "zoo.cfg"))
	require.NoError(t, err)
	assert.Contains(t, string(cfgFile), "forceSync=yes\n")
	assert.NotContains(t, string(cfgFile), "forceSync=no")

	// The super digest passes an ACL that only bob was granted.
	bob := dialRaw(t, addr, 0, nil)
	require.Equal(t, wire.ErrOK, bob.auth("digest", "bob:pw"))
	bobOnly := []wire.ACL{{Perms: wire.PermAll, ID: wire.ID{Scheme: "digest", ID: DigestID("bob", "pw")}}}
	require.Equal(t, wire.ErrOK, bob.create("/secret", []byte("s"), wire.FlagPersistent, bobOnly))
	anon := dialRaw(t, addr, 0, nil)
	_, code := anon.getData("/secret")
	assert.Equal(t, wire.ErrNoAuth, code)
	super := dialRaw(t, addr, 0, nil)
	require.Equal(t, wire.ErrOK, super.auth("digest", "super:secret"))
	data, code := super.getData("/secret")
	assert.Equal(t, wire.ErrOK, code)
	assert.Equal(t, "s", string(data))

	// Kill: connections die, the data stays, Restart keeps the port.
	pid := z.PID()
	z.Kill()
	assert.False(t, z.Running())
	assert.Zero(t, z.PID())
	_, _, err = bob.next()
	assert.Error(t, err, "a killed server's connection must drop")
	require.NoError(t, z.Restart(ctx))
	assert.Equal(t, addr, z.Addr())
	assert.NotEqual(t, pid, z.PID())
	r := dialRaw(t, addr, 0, nil)
	data, code = r.getData("/secret")
	assert.Equal(t, wire.ErrNoAuth, code, "the node survived the kill: %q", data)

	// Pause: the port stays open but nothing answers; Resume undoes it.
	z.Pause()
	assert.True(t, z.Paused())
	assert.True(t, z.Running())
	qctx, cancel := context.WithTimeout(ctx, 300*time.Millisecond)
	assert.False(t, Ruok(qctx, addr), "a paused server answered")
	cancel()
	z.Resume()
	assert.False(t, z.Paused())
	Eventually(t, func() bool { return Ruok(ctx, addr) }, 10*time.Second, "ruok after Resume")

	// Stop works on a paused server, and Restart brings it back.
	z.Pause()
	start := time.Now()
	z.Stop()
	assert.Less(t, time.Since(start), 5*time.Second, "Stop of a paused server took the SIGKILL path")
	assert.False(t, z.Running())
	assert.False(t, z.Paused())
	z.Stop() // no-op
	z.Kill() // no-op
	z.Pause()
	z.Resume()
	require.NoError(t, z.Restart(ctx))
	st, err := Srvr(ctx, addr)
	require.NoError(t, err)
	assert.Equal(t, "standalone", st.Mode)
	assert.Contains(t, z.LogTail(1000), "ZooKeeperServerMain")
	assert.Len(t, strings.Split(z.LogTail(3), "\n"), 3)
}

func TestStartErrors(t *testing.T) {
	ctx := t.Context()

	_, err := Start(ctx, WithTickTime(0))
	require.ErrorContains(t, err, "tick time")
	_, err = Start(ctx, WithSessionTimeouts(10*time.Second, time.Second))
	require.ErrorContains(t, err, "session timeout")
	_, err = Start(ctx, WithConfig("dataDir", "/x"))
	require.ErrorContains(t, err, "managed by zktest")
	_, err = StartEnsembleCtx(ctx, 0)
	require.ErrorContains(t, err, "ensemble of 0")

	t.Run("missing java", func(t *testing.T) {
		t.Setenv("ZOOKEEPER_JAVA", filepath.Join(t.TempDir(), "no-java"))
		_, err := Start(ctx)
		require.ErrorContains(t, err, "no-java")
	})
	t.Run("bad class path", func(t *testing.T) {
		t.Setenv("ZOOKEEPER_CLASSPATH", filepath.Join(t.TempDir(), "missing.jar"))
		_, err := Start(ctx)
		require.ErrorContains(t, err, "exited while starting")
		assert.Contains(t, err.Error(), "ZooKeeperServerMain", "the error carries the log tail")
	})
}

// loseFirstPortRace makes the next allocation hand out a port that a
// listener holds (the first of the batch, or the one at index i), as if
// another process had taken it, and counts allocations.
func loseFirstPortRace(t *testing.T, i int) *int {
	t.Helper()
	calls := 0
	t.Cleanup(func() { allocPorts = freePorts })
	allocPorts = func(n int) ([]int, error) {
		calls++
		ports, err := freePorts(n)
		if err != nil || calls > 1 {
			return ports, err
		}
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		require.NoError(t, err)
		t.Cleanup(func() { _ = ln.Close() })
		ports[i] = ln.Addr().(*net.TCPAddr).Port
		return ports, nil
	}
	return &calls
}

func TestStartRetriesWhenPortTaken(t *testing.T) {
	calls := loseFirstPortRace(t, 0)
	z := StartZooKeeper(t)
	assert.Equal(t, 2, *calls, "one failed attempt, one good one")
	assert.True(t, Ruok(t.Context(), z.Addr()))
	assert.Contains(t, z.LogTail(1000), "Address already in use", "the failed attempt is in the log")
}

func TestZooCfg(t *testing.T) {
	cfg, err := newConfig([]Option{
		WithConfig("initLimit", "20"),
		WithConfig("autopurge.purgeInterval", "1"),
	})
	require.NoError(t, err)
	got := cfg.zooCfg("/d", 1234, []member{{1, 1234, 1235, 1236}, {2, 2234, 2235, 2236}})
	assert.Contains(t, got, "initLimit=20\n")
	assert.NotContains(t, got, "initLimit=10")
	assert.Contains(t, got, "autopurge.purgeInterval=1\n")
	assert.Contains(t, got, "server.1=127.0.0.1:1235:1236\n")
	assert.Contains(t, got, "server.2=127.0.0.1:2235:2236\n")
	assert.Contains(t, got, "clientPort=1234\nclientPortAddress=127.0.0.1\n")
	assert.Contains(t, got, "standaloneEnabled=false\n")

	args := cfg.javaArgs("/d", "cp.jar", standaloneMain, "/d/zoo.cfg", false)
	assert.Equal(t, []string{"-cp", "cp.jar", standaloneMain, "/d/zoo.cfg"}, args[len(args)-4:])
	assert.Contains(t, args, "-Dzookeeper.extendedTypesEnabled=true")
	assert.Contains(t, args, "-Dznode.container.checkIntervalMs=1000")
}

func TestDigestID(t *testing.T) {
	// The value ZooKeeper's DigestAuthenticationProvider.generateDigest gives.
	assert.Equal(t, "super:D/InIHSb7yEEbrWz8b9l71RjZJU=", DigestID("super", "test"))
}
