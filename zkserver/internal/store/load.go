package store

import (
	"encoding/binary"
	"fmt"

	bolt "go.etcd.io/bbolt"
)

func (s *boltStore) Load() (State, error) {
	var st State
	err := s.db.View(func(tx *bolt.Tx) error {
		st.Zxid = int64(binary.BigEndian.Uint64(tx.Bucket(bucketMeta).Get(keyZxid)))
		var err error
		if st.Nodes, err = nodesSpace.load(tx); err != nil {
			return err
		}
		st.Sessions, err = sessionsSpace.load(tx)
		return err
	})
	if err != nil {
		return State{}, fmt.Errorf("store: load %s: %w", s.path, err)
	}
	return st, nil
}
