package zktest

import (
	"fmt"
	"testing"

	"github.com/coordkit/coordkit/zkserver"
)

// embeddedDefaults configure an embedded server like the real servers of
// this package (see the package doc): the same tick, the same bounds on
// session timeouts, containers and TTL nodes checked every second, TTL
// nodes enabled. State is kept in memory (zkserver's default).
func embeddedDefaults() []zkserver.Option {
	return []zkserver.Option{
		zkserver.WithTickTime(DefaultTickTime),
		zkserver.WithSessionTimeouts(2*DefaultTickTime, DefaultMaxSessionTimeout),
		zkserver.WithContainerCheckInterval(DefaultContainerCheckInterval),
		zkserver.WithTTL(true),
	}
}

// Run starts an embedded server (package zkserver) for the test on a free
// 127.0.0.1 port, in memory, with the defaults of the real servers started
// by this package: tickTime 200 ms, session timeouts from 400 ms to 60 s,
// containers and TTL nodes checked every second, TTL nodes enabled. opts
// come after the defaults and override them (a new tick does not move the
// session timeout bounds; set them with zkserver.WithSessionTimeouts).
// t.Cleanup closes the server. If it cannot start, the test fails with the
// cause.
func Run(t testing.TB, opts ...zkserver.Option) *zkserver.Server {
	t.Helper()
	s, err := StartEmbedded(opts...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := s.Close(); err != nil {
			t.Errorf("zktest: close the embedded server: %v", err)
		}
	})
	return s
}

// StartEmbedded starts an embedded server as Run does, for a server shared
// by a test package's TestMain or by a benchmark; its Close stops it.
func StartEmbedded(opts ...zkserver.Option) (*zkserver.Server, error) {
	s, err := zkserver.New(append(embeddedDefaults(), opts...)...)
	if err != nil {
		return nil, fmt.Errorf("zktest: cannot start the embedded server: %w", err)
	}
	if err := s.Start(); err != nil {
		_ = s.Close()
		return nil, fmt.Errorf("zktest: cannot start the embedded server: %w", err)
	}
	return s, nil
}
