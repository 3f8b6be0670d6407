package store

import (
	"fmt"

	bolt "go.etcd.io/bbolt"
)

// run is the committer: it commits whatever is queued, one transaction at
// a time, until Close has started and the queue is empty, or a commit
// fails.
func (s *boltStore) run() {
	defer close(s.done)
	var spare []Batch
	for {
		s.mu.Lock()
		for len(s.queue) == 0 && !s.closing {
			s.mu.Unlock()
			<-s.kick
			s.mu.Lock()
		}
		if len(s.queue) == 0 { // closing, and everything is committed
			s.mu.Unlock()
			return
		}
		batches := s.queue
		s.queue = spare
		s.mu.Unlock()

		zxid, err := s.commit(batches)
		if err != nil {
			s.progress.fail(fmt.Errorf("store: commit to %s: %w", s.path, err))
			s.mu.Lock()
			s.stopped = true
			s.queue = nil
			s.mu.Unlock()
			return
		}
		s.commits.Add(1)
		s.progress.advance(zxid)
		clear(batches) // let the batches' slices go
		spare = batches[:0]
	}
}

// commit writes batches in order in one transaction, which bbolt fsyncs,
// and returns the zxid now stored.
func (s *boltStore) commit(batches []Batch) (int64, error) {
	var zxid int64
	err := s.db.Update(func(tx *bolt.Tx) error {
		if s.beforeCommit != nil {
			if err := s.beforeCommit(); err != nil {
				return err
			}
		}
		zxid = s.progress.durable.Load()
		for _, b := range batches {
			if err := nodesSpace.apply(tx, b.Nodes); err != nil {
				return fmt.Errorf("zxid %#x: %w", b.Zxid, err)
			}
			if err := sessionsSpace.apply(tx, b.Sessions); err != nil {
				return fmt.Errorf("zxid %#x: %w", b.Zxid, err)
			}
			zxid = max(zxid, b.Zxid)
		}
		return tx.Bucket(bucketMeta).Put(keyZxid, encodeZxid(zxid))
	})
	return zxid, err
}
