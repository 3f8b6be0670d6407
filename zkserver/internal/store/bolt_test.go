package store

import (
	"encoding/binary"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	bolt "go.etcd.io/bbolt"
)

// roundTripBatches cover puts, overwrites (across batches and inside one),
// deletes, deletes of missing keys, empty values and a put deleted in the
// same batch, for nodes and sessions.
// longPath is a node path bbolt cannot hold as a key (ZooKeeper accepts
// paths up to its 1 MiB frame).
var longPath = "/long/" + strings.Repeat("x", 40_000)

var roundTripBatches = []Batch{
	{
		Zxid:     1,
		Nodes:    []KV{{Key: "/", Value: []byte("root")}, {Key: "/a", Value: []byte("1")}, {Key: "/b", Value: []byte("2")}, {Key: "/c", Value: []byte("3")}},
		Sessions: []KV{{Key: "0000000000000001", Value: []byte("s1")}, {Key: "0000000000000002", Value: []byte("s2")}},
	},
	{
		Zxid:     2,
		Nodes:    []KV{{Key: "/a", Value: []byte("10")}, {Key: "/b"}, {Key: "/missing"}},
		Sessions: []KV{{Key: "0000000000000001"}},
	},
	{
		Zxid: 3,
		Nodes: []KV{
			{Key: longPath, Value: []byte("long")}, {Key: longPath + "/a", Value: []byte("long child")},
			{Key: longPath + "/b", Value: []byte("dropped")}, {Key: "", Value: []byte("empty key")},
		},
		Sessions: []KV{{Key: strings.Repeat("f", 33_000), Value: []byte("long session")}},
	},
	{
		Zxid:  4,
		Nodes: []KV{{Key: longPath, Value: []byte("long again")}, {Key: longPath + "/b"}, {Key: longPath + "/missing"}},
	},
	{
		Zxid: 5,
		Nodes: []KV{
			{Key: "/d", Value: []byte{}},
			{Key: "/b", Value: []byte("20")}, {Key: "/b", Value: []byte("21")},
			{Key: "/c"}, {Key: "/c", Value: []byte("30")},
			{Key: "/e", Value: []byte("gone")}, {Key: "/e"},
			{Key: "/a/child", Value: []byte("x")}, {Key: "/a-b", Value: []byte("y")},
		},
		Sessions: []KV{{Key: "00000000000000ff", Value: []byte("s255")}, {Key: "0000000000000002", Value: []byte("s2b")}},
	},
	{Zxid: 6}, // a write that changed nothing stored (a failed one) still moves the zxid
}

func TestRoundTrip(t *testing.T) {
	cases := []struct {
		name        string
		waitEachOne bool // one commit per batch, or everything queued at once
	}{
		{"one commit per batch", true},
		{"queued together", false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			s, path := openTemp(t)
			want := newModel()
			for _, b := range roundTripBatches {
				s.Append(b)
				want.apply(b)
				if tc.waitEachOne {
					require.NoError(t, s.Wait(testCtx(t), b.Zxid))
				}
			}
			require.NoError(t, s.Close())
			assert.Equal(t, int64(6), s.Durable(), "Close committed the queue")

			r := openAt(t, path)
			assert.Equal(t, int64(6), r.Durable(), "a reopened store starts durable at its zxid")
			got, err := r.Load()
			require.NoError(t, err)
			assert.Equal(t, want.state(), got)
			for _, kv := range got.Nodes {
				if kv.Key == "/d" {
					assert.NotNil(t, kv.Value, "an empty value loads as non-nil (nil means delete)")
				}
			}

			next := Batch{Zxid: 7, Nodes: []KV{{Key: "/a"}}}
			r.Append(next)
			want.apply(next)
			require.NoError(t, r.Wait(testCtx(t), 7))
			got, err = r.Load()
			require.NoError(t, err)
			assert.Equal(t, want.state(), got, "appends continue after reopen")
		})
	}
}

func TestOpenNewFile(t *testing.T) {
	s, path := openTemp(t)
	st, err := s.Load()
	require.NoError(t, err)
	assert.Equal(t, State{}, st)
	assert.Zero(t, s.Durable())
	require.NoError(t, s.Wait(testCtx(t), 0))
	info, err := os.Stat(path)
	require.NoError(t, err)
	assert.Equal(t, os.FileMode(0o600), info.Mode().Perm())
}

func TestOpenRefuses(t *testing.T) {
	cases := []struct {
		name    string
		prepare func(t *testing.T, path string)
		is      error
		says    string
	}{
		{
			name: "unknown format version",
			prepare: func(t *testing.T, path string) {
				s, err := Open(path)
				require.NoError(t, err)
				require.NoError(t, s.Close())
				withBolt(t, path, func(tx *bolt.Tx) error {
					return tx.Bucket(bucketMeta).Put(keyFormat, binary.BigEndian.AppendUint32(nil, 99))
				})
			},
			is:   ErrFormat,
			says: "format version 99, this build reads version 1",
		},
		{
			name: "another program's bbolt file",
			prepare: func(t *testing.T, path string) {
				withBolt(t, path, func(tx *bolt.Tx) error {
					_, err := tx.CreateBucket([]byte("theirs"))
					return err
				})
			},
			is:   ErrFormat,
			says: "not a coordkit store",
		},
		{
			name: "missing bucket",
			prepare: func(t *testing.T, path string) {
				s, err := Open(path)
				require.NoError(t, err)
				require.NoError(t, s.Close())
				withBolt(t, path, func(tx *bolt.Tx) error { return tx.DeleteBucket(sessionsSpace.main) })
			},
			is:   ErrFormat,
			says: `no "sessions" bucket`,
		},
		{
			name: "not a bbolt file",
			prepare: func(t *testing.T, path string) {
				require.NoError(t, os.WriteFile(path, make([]byte, 16<<10), 0o600))
			},
			says: "invalid",
		},
		{
			name:    "missing directory",
			prepare: func(t *testing.T, path string) { require.NoError(t, os.Remove(filepath.Dir(path))) },
			says:    "no such file or directory",
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "store.db")
			tc.prepare(t, path)
			s, err := Open(path)
			require.Error(t, err)
			assert.Nil(t, s)
			if tc.is != nil {
				assert.ErrorIs(t, err, tc.is)
			}
			assert.Contains(t, err.Error(), path, "the error names the file")
			assert.Contains(t, err.Error(), tc.says)
		})
	}
}

// withBolt runs f in a write transaction on the raw bbolt file at path.
func withBolt(t *testing.T, path string, f func(*bolt.Tx) error) {
	t.Helper()
	db, err := bolt.Open(path, 0o600, &bolt.Options{Timeout: time.Second})
	require.NoError(t, err)
	require.NoError(t, db.Update(f))
	require.NoError(t, db.Close())
}

func TestOpenLockedFile(t *testing.T) {
	s, path := openTemp(t)
	start := time.Now()
	other, err := Open(path, WithLockTimeout(100*time.Millisecond))
	elapsed := time.Since(start)
	require.ErrorIs(t, err, ErrLocked)
	assert.Nil(t, other)
	assert.Contains(t, err.Error(), path)
	assert.Less(t, elapsed, 2*time.Second, "Open gives up after the lock timeout")

	require.NoError(t, s.Close())
	again := openAt(t, path, WithLockTimeout(100*time.Millisecond))
	assert.NoError(t, again.Err(), "the lock is free once the holder closed")
}

func TestOpenRejectsBadLockTimeout(t *testing.T) {
	for _, d := range []time.Duration{0, -time.Second} {
		path := filepath.Join(t.TempDir(), "store.db")
		_, err := Open(path, WithLockTimeout(d))
		require.Error(t, err, "lock timeout %v", d)
		assert.Contains(t, err.Error(), "lock timeout must be positive")
		_, statErr := os.Stat(path)
		assert.ErrorIs(t, statErr, os.ErrNotExist, "no file is created")
	}
}

func TestLoadAfterCloseFails(t *testing.T) {
	s, path := openTemp(t)
	require.NoError(t, s.Close())
	_, err := s.Load()
	require.Error(t, err)
	assert.Contains(t, err.Error(), path)
}
