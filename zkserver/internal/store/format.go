package store

import (
	"encoding/binary"
	"fmt"

	bolt "go.etcd.io/bbolt"
)

// formatVersion is the layout this build reads and writes (see the package
// documentation's File format section).
const formatVersion = 1

var (
	bucketMeta = []byte("meta")
	keyFormat  = []byte("format")
	keyZxid    = []byte("zxid")
)

// bucketNames lists every bucket of the format.
func bucketNames() [][]byte {
	names := [][]byte{bucketMeta}
	for _, ks := range keyspaces {
		names = append(names, ks.main, ks.long)
	}
	return names
}

// prepare lays out a new (empty) file, or checks an existing one, and
// returns its stored zxid.
func prepare(db *bolt.DB, path string) (int64, error) {
	var zxid int64
	var empty bool
	err := db.View(func(tx *bolt.Tx) error {
		if tx.Bucket(bucketMeta) == nil {
			first, _ := tx.Cursor().First()
			empty = first == nil
			if !empty {
				return fmt.Errorf("%w: %s is a bbolt file but not a coordkit store (no meta bucket)", ErrFormat, path)
			}
			return nil
		}
		var err error
		zxid, err = checkFormat(tx, path)
		return err
	})
	if err != nil || !empty {
		return zxid, err
	}
	err = db.Update(func(tx *bolt.Tx) error {
		for _, name := range bucketNames() {
			if _, err := tx.CreateBucket(name); err != nil {
				return err
			}
		}
		meta := tx.Bucket(bucketMeta)
		if err := meta.Put(keyFormat, binary.BigEndian.AppendUint32(nil, formatVersion)); err != nil {
			return err
		}
		return meta.Put(keyZxid, encodeZxid(0))
	})
	if err != nil {
		return 0, fmt.Errorf("store: initialise %s: %w", path, err)
	}
	return 0, nil
}

// checkFormat checks a file that has a meta bucket and returns its zxid.
func checkFormat(tx *bolt.Tx, path string) (int64, error) {
	meta := tx.Bucket(bucketMeta)
	v := meta.Get(keyFormat)
	if len(v) != 4 {
		return 0, fmt.Errorf("%w: %s has no readable format version", ErrFormat, path)
	}
	if got := binary.BigEndian.Uint32(v); got != formatVersion {
		return 0, fmt.Errorf("%w: %s has format version %d, this build reads version %d",
			ErrFormat, path, got, formatVersion)
	}
	for _, name := range bucketNames() {
		if tx.Bucket(name) == nil {
			return 0, fmt.Errorf("%w: %s has no %q bucket", ErrFormat, path, name)
		}
	}
	z := meta.Get(keyZxid)
	if len(z) != 8 {
		return 0, fmt.Errorf("%w: %s has no readable zxid", ErrFormat, path)
	}
	return int64(binary.BigEndian.Uint64(z)), nil
}

func encodeZxid(zxid int64) []byte {
	return binary.BigEndian.AppendUint64(nil, uint64(zxid))
}
