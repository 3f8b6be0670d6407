package watch

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/coordkit/coordkit/internal/wire"
)

func TestKindString(t *testing.T) {
	tests := map[Kind]string{
		Data: "data", Exist: "exist", Child: "child", Persistent: "persistent",
		PersistentRecursive: "persistentRecursive", Kind(9): "Kind(9)", Kind(-1): "Kind(-1)",
	}
	for k, want := range tests {
		assert.Equal(t, want, k.String())
	}
}

// TestAddTables checks which tables each kind goes to, and that an unknown
// kind registers nothing.
func TestAddTables(t *testing.T) {
	tests := []struct {
		kind        Kind
		data, child bool
	}{
		{Data, true, false},
		{Exist, true, false},
		{Child, false, true},
		{Persistent, true, true},
		{PersistentRecursive, true, true},
		{Kind(7), false, false},
	}
	for _, tt := range tests {
		t.Run(tt.kind.String(), func(t *testing.T) {
			m := New()
			m.Add(1, "/a", tt.kind)
			assert.Equal(t, tt.data, m.Check(1, "/a", wire.WatcherData))
			assert.Equal(t, tt.child, m.Check(1, "/a", wire.WatcherChildren))
			checkInvariants(t, m)
		})
	}
}

// TestRemoveConn checks that a gone connection is told nothing more and
// that the others keep their watches.
func TestRemoveConn(t *testing.T) {
	m := newManager(
		reg{1, "/a", Data}, reg{1, "/a", Child}, reg{1, "/p", Persistent}, reg{1, "/", PersistentRecursive},
		reg{2, "/a", Data}, reg{2, "/p", Persistent},
	)
	m.RemoveConn(1)
	m.RemoveConn(1)
	m.RemoveConn(42)
	run(t, m, []write{
		{"create", "/p/c", []event{ev(2, children, "/p")}},
		{"set", "/a", []event{ev(2, changed, "/a")}},
		{"delete", "/a", nil},
		{"create", "/x/y", nil},
	})
	assert.Zero(t, m.data.recursive, "no recursive watch left: no ancestor walk")
	assert.False(t, m.Remove(1, "/p", wire.WatcherAny))
	assert.Equal(t, Stats{Conns: 1, Paths: 1, DataWatches: 1, Watches: 2}, m.Stats())
	checkInvariants(t, m)

	m.Add(1, "/a", Exist)
	run(t, m, []write{{"create", "/a", []event{ev(1, created, "/a")}}})
}

// TestRandomInvariants drives random registrations, removals and writes and
// checks after each step that the tables stay consistent and that no
// connection is told twice of one event.
func TestRandomInvariants(t *testing.T) {
	paths := []string{"/", "/a", "/a/b", "/a/b/c", "/a/d", "/e", "/e/f/g"}
	kinds := []Kind{Data, Exist, Child, Persistent, PersistentRecursive}
	for seed := uint64(1); seed <= 20; seed++ {
		t.Run(fmt.Sprint("seed", seed), func(t *testing.T) {
			r := rand.New(rand.NewPCG(seed, 0))
			m := New()
			for range 500 {
				c := ConnID(r.IntN(4) + 1)
				p := paths[r.IntN(len(paths))]
				switch r.IntN(6) {
				case 0, 1:
					m.Add(c, p, kinds[r.IntN(len(kinds))])
				case 2:
					m.Remove(c, p, int32(r.IntN(4)))
				case 3:
					if r.IntN(10) == 0 {
						m.RemoveConn(c)
					}
				default:
					if p == "/" {
						apply(t, m, "set", p)
						break
					}
					apply(t, m, []string{"create", "delete", "set"}[r.IntN(3)], p)
				}
				checkInvariants(t, m)
			}
		})
	}
}
