package election_test

import (
	"context"
	"os"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/coordkit/coordkit/recipes/election"
	"github.com/coordkit/coordkit/recipes/internal/recipetest"
	"github.com/coordkit/coordkit/zk"
	"github.com/coordkit/coordkit/zk/zktest"
)

// handover bounds the time from a graceful Resign to the next leader's
// election, as the issue requires.
const handover = 200 * time.Millisecond

// servers are the standalone servers shared by the package's tests, one per
// backend (the embedded server and a real Apache ZooKeeper), each started by
// the first test that uses it and closed by TestMain.
var servers zktest.Servers

func TestMain(m *testing.M) {
	os.Exit(recipetest.Main(m, &servers,
		"github.com/coordkit/coordkit/recipes/election.",
		"github.com/coordkit/coordkit/recipes/internal/",
	))
}

// newElection returns an Election on p through c.
func newElection(t *testing.T, c *zk.Conn, p string, opts ...election.Option) *election.Election {
	t.Helper()
	e, err := election.New(c, p, opts...)
	require.NoError(t, err)
	return e
}

// campaignNow campaigns with value on e, failing the test unless it leads
// within recipetest.OpTimeout.
func campaignNow(t *testing.T, e *election.Election, value string) *election.Leadership {
	t.Helper()
	l, err := e.Campaign(recipetest.Context(t, recipetest.OpTimeout), []byte(value))
	require.NoError(t, err, "campaign %s", e.Path())
	require.NoError(t, l.Err())
	return l
}

// campaignAsync campaigns with value on e in a goroutine.
func campaignAsync(ctx context.Context, e *election.Election, value string) <-chan recipetest.Result[*election.Leadership] {
	return recipetest.Go(ctx, func(ctx context.Context) (*election.Leadership, error) {
		return e.Campaign(ctx, []byte(value))
	})
}

// nextEvent receives the next event of an Observe channel.
func nextEvent(t *testing.T, ch <-chan election.LeaderEvent, what string) election.LeaderEvent {
	t.Helper()
	select {
	case ev, ok := <-ch:
		require.True(t, ok, "%s: the Observe channel was closed", what)
		return ev
	case <-time.After(recipetest.EventTimeout):
		require.FailNow(t, "no leader event", "%s within %v", what, recipetest.EventTimeout)
	}
	return election.LeaderEvent{}
}
