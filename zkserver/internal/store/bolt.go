package store

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"

	bolt "go.etcd.io/bbolt"
	bolterrors "go.etcd.io/bbolt/errors"
)

// boltStore is the durable store: a bbolt file and its committer.
type boltStore struct {
	path         string
	db           *bolt.DB
	beforeCommit func() error
	progress     progress
	commits      atomic.Int64  // successful commits (transactions), for tests
	kick         chan struct{} // wakes the committer; capacity 1
	done         chan struct{} // closed when the committer has returned

	mu      sync.Mutex // guards the fields below
	queue   []Batch    // appended, not yet taken by the committer
	closing bool       // Close has started: Append drops batches
	stopped bool       // a commit failed: Append drops batches

	closeOnce sync.Once
	closeErr  error
}

// Open opens the store in the bbolt file at path, creating the file (not
// its directory) if it does not exist, and starts its committer. Every
// commit is fsynced before Durable advances.
//
// Open fails with an error wrapping ErrLocked when another process holds
// the file for longer than the lock timeout (WithLockTimeout), and with one
// wrapping ErrFormat when the file is not a store this build reads. Errors
// name the file.
func Open(path string, opts ...OpenOption) (Store, error) {
	cfg, err := newOpenConfig(opts)
	if err != nil {
		return nil, err
	}
	_, statErr := os.Stat(path)
	created := errors.Is(statErr, fs.ErrNotExist)
	db, err := bolt.Open(path, 0o600, &bolt.Options{
		Timeout:      cfg.lockTimeout,
		FreelistType: bolt.FreelistMapType,
	})
	if errors.Is(err, bolterrors.ErrTimeout) {
		return nil, fmt.Errorf("%w: %s (gave up after %v)", ErrLocked, path, cfg.lockTimeout)
	}
	if err != nil {
		return nil, fmt.Errorf("store: open %s: %w", path, err)
	}
	if created {
		// The new file's directory entry must survive a crash too.
		if err := syncDir(filepath.Dir(path)); err != nil {
			_ = db.Close()
			return nil, fmt.Errorf("store: open %s: %w", path, err)
		}
	}
	zxid, err := prepare(db, path)
	if err != nil {
		_ = db.Close()
		return nil, err
	}
	s := &boltStore{
		path:         path,
		db:           db,
		beforeCommit: cfg.beforeCommit,
		kick:         make(chan struct{}, 1),
		done:         make(chan struct{}),
	}
	s.progress.durable.Store(zxid)
	go s.run()
	return s, nil
}

func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	err = d.Sync()
	if cerr := d.Close(); err == nil {
		err = cerr
	}
	return err
}

func (s *boltStore) Append(b Batch) {
	s.mu.Lock()
	if s.closing || s.stopped {
		s.mu.Unlock()
		return
	}
	s.queue = append(s.queue, b)
	s.mu.Unlock()
	select {
	case s.kick <- struct{}{}:
	default: // the committer is already due to look at the queue
	}
}

func (s *boltStore) Durable() int64 { return s.progress.durable.Load() }

func (s *boltStore) Wait(ctx context.Context, zxid int64) error {
	return s.progress.wait(ctx, zxid)
}

func (s *boltStore) Err() error { return s.progress.failure() }

func (s *boltStore) Close() error {
	s.closeOnce.Do(func() {
		s.mu.Lock()
		s.closing = true
		s.mu.Unlock()
		select {
		case s.kick <- struct{}{}:
		default:
		}
		<-s.done
		err := s.db.Close()
		if err != nil {
			err = fmt.Errorf("store: close %s: %w", s.path, err)
		}
		s.progress.close()
		if ferr := s.progress.failure(); ferr != nil {
			err = ferr
		}
		s.closeErr = err
	})
	return s.closeErr
}
