package contend

import (
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/coordkit/coordkit/recipes/internal/recipetest"
	"github.com/coordkit/coordkit/zk"
	"github.com/coordkit/coordkit/zk/zktest"
)

// TestMonitorReleasing checks that a loss seen while releasing is reported
// only if the release fails: a release that succeeds ends the hold with the
// holder's cause.
func TestMonitorReleasing(t *testing.T) {
	errReleased := errors.New("released")
	servers.Each(t, func(t *testing.T, srv *zktest.Server) {
		for _, tc := range []struct {
			name      string
			succeeded bool
			want      error
		}{
			{"release succeeds", true, errReleased},
			{"release fails", false, ErrNodeDeleted},
		} {
			t.Run(tc.name, func(t *testing.T) {
				ctx := recipetest.Context(t, recipetest.OpTimeout)
				c := newContest(t, srv)
				node, _, err := c.Join(ctx, "lock-")
				require.NoError(t, err)
				m := Watch(c.Conn, node.Path, Policy{})
				t.Cleanup(func() { m.Stop(errReleased) })

				m.SetReleasing(true)
				require.NoError(t, c.Conn.Delete(ctx, node.Path, zk.AnyVersion))
				if tc.succeeded {
					m.Stop(errReleased)
				} else {
					m.SetReleasing(false)
				}
				select {
				case <-m.Lost():
				case <-time.After(recipetest.OpTimeout):
					require.FailNow(t, "Lost still open")
				}
				assert.ErrorIs(t, m.Cause(), tc.want)
			})
		}
	})
}
