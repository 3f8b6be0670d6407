package election

import (
	"errors"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/coordkit/coordkit/zk"
)

// TestDirStateReason checks how an observer tells why a leader went from
// the election directory's data read after it went, the directory it read
// before the leader's node, and the last watch event on the node.
func TestDirStateReason(t *testing.T) {
	const name = "_c_x-latch-0000000007"
	before := dirState{stat: zk.Stat{Czxid: 5, Version: 3}, ok: true}
	same := zk.Stat{Czxid: 5, Version: 3}
	for _, tc := range []struct {
		name   string
		dir    dirState
		last   zk.EventType
		data   string
		stat   zk.Stat
		err    error
		reason Reason
	}{
		{"the directory names the node", before, zk.EventNodeDeleted, name, zk.Stat{Czxid: 5, Version: 4}, nil, ReasonResigned},
		{"named, deletion not seen", before, 0, name, zk.Stat{Czxid: 5, Version: 4}, nil, ReasonResigned},
		{"deleted, directory unchanged", before, zk.EventNodeDeleted, "_c_w-latch-0000000006", same, nil, ReasonDeleted},
		{"deleted, another resignation since", before, zk.EventNodeDeleted, "_c_y-latch-0000000008", zk.Stat{Czxid: 5, Version: 5}, nil, ReasonUnknown},
		{"deleted, directory re-created", before, zk.EventNodeDeleted, "", zk.Stat{Czxid: 9, Version: 3}, nil, ReasonUnknown},
		{"deleted, directory not read before", dirState{}, zk.EventNodeDeleted, "", same, nil, ReasonUnknown},
		{"gone between two reads", before, 0, "", same, nil, ReasonUnknown},
		{"gone after a data change", before, zk.EventNodeDataChanged, "", same, nil, ReasonUnknown},
		{"the directory could not be read", before, zk.EventNodeDeleted, "", zk.Stat{}, errors.New("read failed"), ReasonUnknown},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := tc.dir.reason(name, tc.last, zk.GetResult{Data: []byte(tc.data), Stat: tc.stat}, tc.err)
			assert.Equal(t, tc.reason, got)
		})
	}
}
