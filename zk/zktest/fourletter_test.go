package zktest

import (
	"context"
	"net"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const srvrSample = `Zookeeper version: 3.8.0-${mvngit.commit.id}, built on 2024-12-29 17:54 UTC
Latency min/avg/max: 0/2.5641/104
Received: 39
Sent: 38
Connections: 2
Outstanding: 1
Zxid: 0x10000008d
Mode: follower
Node count: 7
`

func TestParseSrvr(t *testing.T) {
	tests := []struct {
		name    string
		in      string
		want    ServerStats
		wantErr error
	}{
		{name: "follower", in: srvrSample, want: ServerStats{
			Version:     "3.8.0-${mvngit.commit.id}, built on 2024-12-29 17:54 UTC",
			Mode:        "follower",
			Zxid:        0x10000008d,
			Connections: 2,
			Outstanding: 1,
			NodeCount:   7,
			Received:    39,
			Sent:        38,
			Latency:     "0/2.5641/104",
		}},
		{name: "not serving", in: "This ZooKeeper instance is not currently serving requests\n", wantErr: ErrNotServing},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := parseSrvr(tc.in)
			if tc.wantErr != nil {
				require.ErrorIs(t, err, tc.wantErr)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tc.want, got)
		})
	}
	for _, bad := range []string{"", "Mode: leader\nZxid: zz\n", "Connections: x\nMode: leader\n"} {
		_, err := parseSrvr(bad)
		assert.Error(t, err, "%q", bad)
	}
}

func TestFourLetterWords(t *testing.T) {
	z := sharedServer(t)
	ctx := t.Context()

	out, err := FourLetterWord(ctx, z.Addr(), "ruok")
	require.NoError(t, err)
	assert.Equal(t, "imok", out)

	out, err = FourLetterWord(ctx, z.Addr(), "mntr")
	require.NoError(t, err)
	assert.Contains(t, out, "zk_server_state\tstandalone")

	st, err := Srvr(ctx, z.Addr())
	require.NoError(t, err)
	assert.Positive(t, st.NodeCount)
	assert.Positive(t, st.Connections)

	_, err = FourLetterWord(ctx, z.Addr(), "toolong")
	require.Error(t, err)

	addr := closedAddr(t)
	_, err = Srvr(ctx, addr)
	require.Error(t, err)
	assert.False(t, Ruok(ctx, addr))
}

func TestFourLetterWordHonoursContext(t *testing.T) {
	// A listener that accepts and never answers.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	defer ln.Close()
	ctx, cancel := context.WithTimeout(t.Context(), 100*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, err = FourLetterWord(ctx, ln.Addr().String(), "ruok")
	require.Error(t, err)
	assert.Less(t, time.Since(start), 3*time.Second)
}

// closedAddr returns a loopback address where nothing listens.
func closedAddr(t *testing.T) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	addr := ln.Addr().String()
	require.NoError(t, ln.Close())
	return addr
}
