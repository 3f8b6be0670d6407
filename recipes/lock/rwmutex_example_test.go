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

func ExampleRWMutex() {
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
	m, err := lock.NewRWMutex(conn, "/app/locks/catalog")
	if err != nil {
		log.Fatal(err)
	}

	// Readers share the lock.
	r1, err := m.RLock(ctx)
	if err != nil {
		log.Fatal(err)
	}
	r2, err := m.RLock(ctx)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("two readers hold the lock")

	// A writer waits for them; once it is queued, new readers wait for it.
	granted := make(chan *lock.Hold)
	go func() {
		w, err := m.Lock(ctx)
		if err != nil {
			log.Fatal(err)
		}
		granted <- w
	}()
	// (Wait until the writer's node is there.)
	for {
		kids, _, changed, err := conn.ChildrenW(ctx, m.Path())
		if err != nil {
			log.Fatal(err)
		}
		if len(kids) == 3 {
			break
		}
		<-changed
	}
	if _, err := m.TryRLock(ctx); errors.Is(err, lock.ErrLocked) {
		fmt.Println("a new reader: locked by another holder")
	}

	for _, r := range []*lock.Hold{r1, r2} {
		if err := r.Unlock(ctx); err != nil {
			log.Fatal(err)
		}
	}
	fmt.Println("the readers unlocked")
	w := <-granted
	fmt.Println("the writer holds the lock, token larger:", w.Token() > r2.Token())
	if err := w.Unlock(ctx); err != nil {
		log.Fatal(err)
	}
	fmt.Println("the writer unlocked")
	// Output:
	// two readers hold the lock
	// a new reader: locked by another holder
	// the readers unlocked
	// the writer holds the lock, token larger: true
	// the writer unlocked
}
