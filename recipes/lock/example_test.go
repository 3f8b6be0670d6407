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

func ExampleMutex() {
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
	alice, err := zk.Dial(ctx, []string{srv.Addr()})
	if err != nil {
		log.Fatal(err)
	}
	defer alice.Close()
	bob, err := zk.Dial(ctx, []string{srv.Addr()})
	if err != nil {
		log.Fatal(err)
	}
	defer bob.Close()

	ma, err := lock.New(alice, "/app/locks/report")
	if err != nil {
		log.Fatal(err)
	}
	mb, err := lock.New(bob, "/app/locks/report")
	if err != nil {
		log.Fatal(err)
	}

	ha, err := ma.Lock(ctx)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("alice holds the lock")

	// Bob's TryLock does not wait.
	if _, err := mb.TryLock(ctx); errors.Is(err, lock.ErrLocked) {
		fmt.Println("bob: locked by another holder")
	}

	// Bob's Lock waits until Alice unlocks.
	granted := make(chan *lock.Hold)
	go func() {
		hb, err := mb.Lock(ctx)
		if err != nil {
			log.Fatal(err)
		}
		granted <- hb
	}()
	if err := ha.Unlock(ctx); err != nil {
		log.Fatal(err)
	}
	fmt.Println("alice unlocked")
	hb := <-granted
	fmt.Println("bob holds the lock")
	fmt.Println("bob's token is larger:", hb.Token() > ha.Token())

	select {
	case <-hb.Lost():
		fmt.Println("bob lost the lock:", hb.Err())
	default:
		fmt.Println("bob still holds it")
	}
	if err := hb.Unlock(ctx); err != nil {
		log.Fatal(err)
	}
	fmt.Println("bob unlocked")
	// Output:
	// alice holds the lock
	// bob: locked by another holder
	// alice unlocked
	// bob holds the lock
	// bob's token is larger: true
	// bob still holds it
	// bob unlocked
}
