package watch

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

// TestStats checks the counts behind wchs and mntr's zk_watch_count.
func TestStats(t *testing.T) {
	tests := []struct {
		name   string
		regs   []reg
		script []write
		remove []ConnID
		want   Stats
	}{
		{"empty", nil, nil, nil, Stats{}},
		{"one data watch", []reg{{1, "/a", Data}}, nil, nil,
			Stats{Conns: 1, Paths: 1, DataWatches: 1, Watches: 1}},
		{"a child watch is outside wchs", []reg{{1, "/a", Child}}, nil, nil,
			Stats{Watches: 1}},
		{"persistent sits in both tables", []reg{{1, "/a", Persistent}}, nil, nil,
			Stats{Conns: 1, Paths: 1, DataWatches: 1, Watches: 2}},
		{"recursive sits in both tables", []reg{{1, "/a", PersistentRecursive}}, nil, nil,
			Stats{Conns: 1, Paths: 1, DataWatches: 1, Watches: 2}},
		{"the same watch twice counts once", []reg{{1, "/a", Data}, {1, "/a", Exist}, {1, "/a", Data}}, nil, nil,
			Stats{Conns: 1, Paths: 1, DataWatches: 1, Watches: 1}},
		{"two connections on one path", []reg{{1, "/a", Data}, {2, "/a", Data}, {2, "/b", Data}}, nil, nil,
			Stats{Conns: 2, Paths: 2, DataWatches: 3, Watches: 3}},
		{"a connection whose watch fired still counts", []reg{{1, "/x", Data}},
			[]write{{"set", "/x", []event{ev(1, changed, "/x")}}}, nil,
			Stats{Conns: 1}},
		{"RemoveConn forgets the connection", []reg{{1, "/x", Data}, {2, "/y", Persistent}},
			[]write{{"set", "/x", []event{ev(1, changed, "/x")}}}, []ConnID{1, 2},
			Stats{}},
		{"what a real 3.8.0 server's wchs showed", []reg{
			{1, "/x", Data}, {1, "/pr", Persistent}, {1, "/pr", PersistentRecursive}, {1, "/pr", Persistent},
			{3, "/nope4", Persistent}, {3, "/sw2", PersistentRecursive}, {4, "/nope4", Persistent},
			{3, "/nope2", Exist}, {4, "/nope2", Exist}, {4, "/sw", Data}, {4, "/sw", Child},
		}, []write{
			{"set", "/sw", []event{ev(4, changed, "/sw")}},
			{"create", "/sw/k", []event{ev(4, children, "/sw")}},
			{"create", "/nope2", []event{ev(3, created, "/nope2"), ev(4, created, "/nope2")}},
			{"create", "/nope4", []event{ev(3, created, "/nope4"), ev(4, created, "/nope4")}},
		}, nil, Stats{Conns: 3, Paths: 4, DataWatches: 5, Watches: 9}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := newManager(tt.regs...)
			run(t, m, tt.script)
			for _, c := range tt.remove {
				m.RemoveConn(c)
			}
			assert.Equal(t, tt.want, m.Stats())
			checkInvariants(t, m)
		})
	}
}
