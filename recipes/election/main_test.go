package election_test

import (
	"context"
	"fmt"
	"os"
	"sort"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/coordkit/coordkit/recipes/election"
	"github.com/coordkit/coordkit/zk"
	"github.com/coordkit/coordkit/zk/zktest"
)

// Bounds used throughout. They are generous because the package runs with
// -race on a small shared machine next to JVMs; a healthy run is far below.
const (
	// opTimeout bounds one request, one Campaign or one short sequence.
	opTimeout = 30 * time.Second
	// eventTimeout bounds the wait for one event (a loss, an election).
	eventTimeout = 20 * time.Second
	// handover bounds the time from a graceful Resign to the next leader's
	// election, as the issue requires.
	handover = 200 * time.Millisecond
)

// servers are the standalone servers shared by the package's tests, one per
// backend (the embedded server and a real Apache ZooKeeper), each started by
// the first test that uses it and closed by TestMain.
var servers zktest.Servers

func TestMain(m *testing.M) {
	code := m.Run()
	servers.Close()
	if code == 0 {
		leaked := zktest.LeakedGoroutines(10*time.Second,
			"github.com/coordkit/coordkit/zk.",
			"github.com/coordkit/coordkit/zkserver",
			"github.com/coordkit/coordkit/recipes/election.",
			"github.com/coordkit/coordkit/recipes/internal/",
		)
		if leaked != "" {
			fmt.Fprintf(os.Stderr, "goroutines still running after every test and Close:\n%s\n", leaked)
			code = 1
		}
	}
	os.Exit(code)
}

// ctxFor returns a context for the test bounded by d.
func ctxFor(t *testing.T, d time.Duration) context.Context {
	ctx, cancel := context.WithTimeout(t.Context(), d)
	t.Cleanup(cancel)
	return ctx
}

// dial opens a session on addr; t.Cleanup closes it.
func dial(t *testing.T, addr string, opts ...zk.Option) *zk.Conn {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), opTimeout)
	defer cancel()
	c, err := zk.Dial(ctx, []string{addr}, opts...)
	require.NoError(t, err, "dial %s", addr)
	t.Cleanup(func() { _ = c.Close() })
	return c
}

var pathSeq atomic.Int64

// uniquePath returns a new election path named after the test, so tests
// sharing a server never see each other's nodes.
func uniquePath(t *testing.T) string {
	name := strings.NewReplacer("/", ".", " ", "_", "#", "_").Replace(t.Name())
	return fmt.Sprintf("/electiontest/%s-%d", name, pathSeq.Add(1))
}

// newElection returns an Election on p through c.
func newElection(t *testing.T, c *zk.Conn, p string, opts ...election.Option) *election.Election {
	t.Helper()
	e, err := election.New(c, p, opts...)
	require.NoError(t, err)
	return e
}

// campaignNow campaigns with value on e, failing the test unless it leads
// within opTimeout.
func campaignNow(t *testing.T, e *election.Election, value string) *election.Leadership {
	t.Helper()
	l, err := e.Campaign(ctxFor(t, opTimeout), []byte(value))
	require.NoError(t, err, "campaign %s", e.Path())
	require.NoError(t, l.Err())
	return l
}

// campaignResult is what a Campaign in a goroutine returned.
type campaignResult struct {
	l   *election.Leadership
	err error
}

// campaignAsync campaigns with value on e in a goroutine.
func campaignAsync(ctx context.Context, e *election.Election, value string) <-chan campaignResult {
	done := make(chan campaignResult, 1)
	go func() {
		l, err := e.Campaign(ctx, []byte(value))
		done <- campaignResult{l, err}
	}()
	return done
}

// awaitCampaign waits for the result of campaignAsync.
func awaitCampaign(t *testing.T, done <-chan campaignResult, what string) campaignResult {
	t.Helper()
	select {
	case r := <-done:
		return r
	case <-time.After(eventTimeout):
		require.FailNow(t, "campaign did not return", what)
	}
	return campaignResult{}
}

// children returns the sorted children of p as c sees them (none if p is
// missing).
func children(t *testing.T, c *zk.Conn, p string) []string {
	t.Helper()
	kids, _, err := c.Children(ctxFor(t, opTimeout), p)
	if err != nil {
		require.ErrorIs(t, err, zk.ErrNoNode, "children of %s", p)
		return nil
	}
	sort.Strings(kids)
	return kids
}

// waitChildren waits until p has n children, as c sees them.
func waitChildren(t *testing.T, c *zk.Conn, p string, n int) []string {
	t.Helper()
	var kids []string
	zktest.Eventually(t, func() bool {
		kids = children(t, c, p)
		return len(kids) == n
	}, eventTimeout, "%s to have %d children", p, n)
	return kids
}

// requireLost waits until l's Lost channel is closed.
func requireLost(t *testing.T, l *election.Leadership, what string) {
	t.Helper()
	select {
	case <-l.Lost():
	case <-time.After(eventTimeout):
		require.FailNow(t, "leadership not lost", "%s: Lost still open after %v", what, eventTimeout)
	}
}

// requireLeading checks that l's Lost channel is still open.
func requireLeading(t *testing.T, l *election.Leadership, what string) {
	t.Helper()
	select {
	case <-l.Lost():
		require.FailNow(t, "leadership lost", "%s: %v", what, l.Err())
	default:
	}
}

// nextEvent receives the next event of an Observe channel.
func nextEvent(t *testing.T, ch <-chan election.LeaderEvent, what string) election.LeaderEvent {
	t.Helper()
	select {
	case ev, ok := <-ch:
		require.True(t, ok, "%s: the Observe channel was closed", what)
		return ev
	case <-time.After(eventTimeout):
		require.FailNow(t, "no leader event", "%s within %v", what, eventTimeout)
	}
	return election.LeaderEvent{}
}
