package lock_test

import (
	"context"
	"errors"
	"fmt"
	"log"
	"time"

	"github.com/coordkit/coordkit/recipes/lock"
	"github.com/coordkit/coordkit/zk"
	"github.com/coordkit/coordkit/zkserver"
)

func ExampleSemaphore() {
	// An embedded server on 127.0.0.1:0 stands in for a ZooKeeper ensemble.
	srv, err := zkserver.New()
	if err != nil {
		log.Fatal(err)
	}
	defer srv.Close()
	if err := srv.Start(); err != nil {
		log.Fatal(err)
	}

	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	conn, err := zk.Dial(ctx, []string{srv.Addr()})
	if err != nil {
		log.Fatal(err)
	}
	defer conn.Close()

	// At most two workers may use the export service at once.
	s, err := lock.NewSemaphore(conn, "/app/semaphores/export", 2)
	if err != nil {
		log.Fatal(err)
	}
	a, err := s.Acquire(ctx)
	if err != nil {
		log.Fatal(err)
	}
	b, err := s.Acquire(ctx)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("two leases held")
	if _, err := s.TryAcquire(ctx); errors.Is(err, lock.ErrNoLease) {
		fmt.Println("a third: no lease available")
	}

	// A third worker waits until a lease is released.
	granted := make(chan *lock.Lease)
	go func() {
		c, err := s.Acquire(ctx)
		if err != nil {
			log.Fatal(err)
		}
		granted <- c
	}()
	if err := a.Release(ctx); err != nil {
		log.Fatal(err)
	}
	fmt.Println("one lease released")
	c := <-granted
	fmt.Println("the third worker holds a lease")

	select {
	case <-c.Lost():
		fmt.Println("lease lost:", c.Err())
	default:
		fmt.Println("the lease is still held")
	}
	for _, l := range []*lock.Lease{b, c} {
		if err := l.Release(ctx); err != nil {
			log.Fatal(err)
		}
	}
	fmt.Println("all leases released")
	// Output:
	// two leases held
	// a third: no lease available
	// one lease released
	// the third worker holds a lease
	// the lease is still held
	// all leases released
}
