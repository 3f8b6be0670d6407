package election_test

import (
	"context"
	"errors"
	"fmt"
	"log"
	"time"

	"github.com/coordkit/coordkit/recipes/election"
	"github.com/coordkit/coordkit/zk"
	"github.com/coordkit/coordkit/zkserver"
)

func ExampleElection() {
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

	ea, err := election.New(alice, "/app/election")
	if err != nil {
		log.Fatal(err)
	}
	eb, err := election.New(bob, "/app/election")
	if err != nil {
		log.Fatal(err)
	}

	// Bob observes the election from the start.
	octx, stopObserving := context.WithCancel(ctx)
	defer stopObserving()
	events := eb.Observe(octx)
	if ev := <-events; !ev.HasLeader() {
		fmt.Println("observed: no leader")
	}

	la, err := ea.Campaign(ctx, []byte("alice:8080"))
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("alice leads")
	ev := <-events
	fmt.Printf("observed: %s leads\n", ev.Value)

	// Bob campaigns too, and waits behind Alice.
	elected := make(chan *election.Leadership)
	go func() {
		lb, err := eb.Campaign(ctx, []byte("bob:8080"))
		if err != nil {
			log.Fatal(err)
		}
		elected <- lb
	}()
	for {
		kids, _, err := alice.Children(ctx, "/app/election")
		if err != nil {
			log.Fatal(err)
		}
		if len(kids) == 2 {
			break
		}
		time.Sleep(5 * time.Millisecond)
	}
	leader, err := eb.Leader(ctx)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("leader: %s\n", leader)

	// Alice shuts down gracefully: she resigns, and Bob takes over at once.
	if err := la.Resign(ctx); err != nil {
		log.Fatal(err)
	}
	lb := <-elected
	fmt.Println("bob leads; his term is later:", lb.Term() > la.Term())
	ev = <-events
	fmt.Printf("observed: %s leads (the previous leader %s)\n", ev.Value, ev.Reason)

	select {
	case <-lb.Lost():
		fmt.Println("bob lost the leadership:", lb.Err())
	default:
		fmt.Println("bob still leads")
	}
	if err := lb.Resign(ctx); err != nil {
		log.Fatal(err)
	}
	if _, err := ea.Leader(ctx); errors.Is(err, election.ErrNoLeader) {
		fmt.Println("no leader")
	}
	// Output:
	// observed: no leader
	// alice leads
	// observed: alice:8080 leads
	// leader: alice:8080
	// bob leads; his term is later: true
	// observed: bob:8080 leads (the previous leader resigned)
	// bob still leads
	// no leader
}
