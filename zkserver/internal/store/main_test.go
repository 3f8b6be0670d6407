package store

import (
	"context"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func TestMain(m *testing.M) {
	code := m.Run()
	if code == 0 {
		if leaks := waitNoLeaks(5 * time.Second); leaks != "" {
			fmt.Fprintf(os.Stderr, "store: leaked goroutines:\n%s\n", leaks)
			code = 1
		}
	}
	os.Exit(code)
}

// waitNoLeaks waits until no goroutine runs code of this package (other
// than tests), and returns the stacks of those that stay.
func waitNoLeaks(timeout time.Duration) string {
	deadline := time.Now().Add(timeout)
	for wait := time.Millisecond; ; wait = min(2*wait, 100*time.Millisecond) {
		buf := make([]byte, 1<<20)
		buf = buf[:runtime.Stack(buf, true)]
		var leaks []string
		for _, g := range strings.Split(string(buf), "\n\n") {
			if strings.Contains(g, "zkserver/internal/store.") && !strings.Contains(g, "store.Test") &&
				!strings.Contains(g, "store.Benchmark") && !strings.Contains(g, "store.waitNoLeaks") {
				leaks = append(leaks, g)
			}
		}
		if len(leaks) == 0 || time.Now().After(deadline) {
			return strings.Join(leaks, "\n\n")
		}
		time.Sleep(wait)
	}
}

// openTemp opens a store in a new file under t.TempDir, closed by
// t.Cleanup, and returns it with its path.
func openTemp(t testing.TB, opts ...OpenOption) (*boltStore, string) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "store.db")
	return openAt(t, path, opts...), path
}

// openAt opens the store at path, closed by t.Cleanup.
func openAt(t testing.TB, path string, opts ...OpenOption) *boltStore {
	t.Helper()
	s, err := Open(path, opts...)
	require.NoError(t, err)
	t.Cleanup(func() { _ = s.Close() })
	return s.(*boltStore)
}

// testCtx is a context for a step that must not hang: it ends with the
// test or after a generous bound.
func testCtx(t testing.TB) context.Context {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	t.Cleanup(cancel)
	return ctx
}

// model is the expected content of a store: batches applied to maps.
type model struct {
	zxid     int64
	nodes    map[string][]byte
	sessions map[string][]byte
}

func newModel() *model {
	return &model{nodes: map[string][]byte{}, sessions: map[string][]byte{}}
}

func (m *model) apply(b Batch) {
	m.zxid = max(m.zxid, b.Zxid)
	applyMap(m.nodes, b.Nodes)
	applyMap(m.sessions, b.Sessions)
}

func applyMap(dst map[string][]byte, kvs []KV) {
	for _, kv := range kvs {
		if kv.Value == nil {
			delete(dst, kv.Key)
		} else {
			dst[kv.Key] = kv.Value
		}
	}
}

// state is what Load should return for m.
func (m *model) state() State {
	return State{Zxid: m.zxid, Nodes: sortedKVs(m.nodes), Sessions: sortedKVs(m.sessions)}
}

func sortedKVs(m map[string][]byte) []KV {
	var kvs []KV
	for _, k := range slices.Sorted(maps.Keys(m)) {
		kvs = append(kvs, KV{Key: k, Value: m[k]})
	}
	return kvs
}
