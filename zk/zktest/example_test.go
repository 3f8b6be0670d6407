package zktest_test

import (
	"context"
	"fmt"

	"github.com/coordkit/coordkit/zk"
	"github.com/coordkit/coordkit/zk/zktest"
)

// StartEmbedded starts an embedded server with the test defaults (in a
// test, zktest.Run(t) does the same and closes it with t.Cleanup). Clients
// dial it like any ZooKeeper; the test can reach into it to inject faults
// or read its state.
func ExampleStartEmbedded() {
	srv, err := zktest.StartEmbedded()
	if err != nil {
		fmt.Println(err)
		return
	}
	defer srv.Close()

	ctx := context.Background()
	conn, err := zk.Dial(ctx, []string{srv.Addr()})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer conn.Close()
	if _, err := conn.Create(ctx, "/job", []byte("queued"), zk.ModeEphemeral); err != nil {
		fmt.Println(err)
		return
	}
	node, _ := srv.Node("/job")
	fmt.Println(string(node.Data), node.Owner == conn.SessionID())

	// Expire the session from the server side: its ephemeral node goes.
	if err := srv.ExpireSession(conn.SessionID()); err != nil {
		fmt.Println(err)
		return
	}
	_, ok := srv.Node("/job")
	fmt.Println(ok)
	// Output:
	// queued true
	// false
}
