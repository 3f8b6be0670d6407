package store

import (
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"
	"slices"
	"strings"

	bolt "go.etcd.io/bbolt"
)

// keyspace is one kind of record (nodes, sessions) in two buckets. A key
// bbolt can hold (1 to bolt.MaxKeySize bytes) is stored as it is in main.
// Any other key (ZooKeeper accepts paths up to its 1 MiB frame; an empty
// key is a caller's bug that must not stop the store) is stored in long
// under its SHA-256, with the value encoded as uvarint(len(key)), key,
// value.
type keyspace struct {
	main, long []byte
}

var (
	nodesSpace    = keyspace{main: []byte("nodes"), long: []byte("nodes.long")}
	sessionsSpace = keyspace{main: []byte("sessions"), long: []byte("sessions.long")}
	keyspaces     = []keyspace{nodesSpace, sessionsSpace}
)

func direct(key string) bool { return len(key) > 0 && len(key) <= bolt.MaxKeySize }

// apply puts, or (nil Value) deletes, each KV in order.
func (ks keyspace) apply(tx *bolt.Tx, kvs []KV) error {
	main, long := tx.Bucket(ks.main), tx.Bucket(ks.long)
	for _, kv := range kvs {
		var err error
		switch {
		case direct(kv.Key) && kv.Value == nil:
			err = main.Delete([]byte(kv.Key))
		case direct(kv.Key):
			err = main.Put([]byte(kv.Key), kv.Value)
		case kv.Value == nil:
			sum := sha256.Sum256([]byte(kv.Key))
			err = long.Delete(sum[:])
		default:
			sum := sha256.Sum256([]byte(kv.Key))
			v := binary.AppendUvarint(make([]byte, 0, binary.MaxVarintLen64+len(kv.Key)+len(kv.Value)), uint64(len(kv.Key)))
			v = append(append(v, kv.Key...), kv.Value...)
			err = long.Put(sum[:], v)
		}
		if err != nil {
			return fmt.Errorf("%s key %.64q: %w", ks.main, kv.Key, err)
		}
	}
	return nil
}

// load copies every record, in key order. bbolt's slices point into its
// memory map, so they are copied; an empty value stays non-nil (nil would
// mean "delete").
func (ks keyspace) load(tx *bolt.Tx) ([]KV, error) {
	var kvs []KV
	c := tx.Bucket(ks.main).Cursor()
	for k, v := c.First(); k != nil; k, v = c.Next() {
		kvs = append(kvs, KV{Key: string(k), Value: append(make([]byte, 0, len(v)), v...)})
	}
	var long []KV
	err := tx.Bucket(ks.long).ForEach(func(_, v []byte) error {
		n, size := binary.Uvarint(v)
		if size <= 0 || uint64(len(v)-size) < n {
			return errors.New("corrupt long-key record")
		}
		key := v[size : size+int(n)]
		long = append(long, KV{Key: string(key), Value: append([]byte{}, v[size+int(n):]...)})
		return nil
	})
	if err != nil || len(long) == 0 {
		return kvs, err
	}
	cmp := func(a, b KV) int { return strings.Compare(a.Key, b.Key) }
	slices.SortFunc(long, cmp)
	merged := make([]KV, 0, len(kvs)+len(long))
	for len(kvs) > 0 && len(long) > 0 {
		if cmp(kvs[0], long[0]) < 0 {
			merged, kvs = append(merged, kvs[0]), kvs[1:]
		} else {
			merged, long = append(merged, long[0]), long[1:]
		}
	}
	return append(append(merged, kvs...), long...), nil
}
