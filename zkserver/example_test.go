package zkserver_test

import (
	"context"
	"fmt"
	"log"
	"os"
	"time"

	"github.com/coordkit/coordkit/zk"
	"github.com/coordkit/coordkit/zkserver"
)

// A durable server in a data directory: what it acknowledged is there after
// a restart on the same directory, even after a crash.
func ExampleServer() {
	dir, err := os.MkdirTemp("", "zkserver-example-")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()

	srv, err := zkserver.New(zkserver.WithDataDir(dir))
	if err != nil {
		log.Fatal(err)
	}
	if err := srv.Start(); err != nil { // 127.0.0.1, a port the system picks
		log.Fatal(err)
	}
	conn, err := zk.Dial(ctx, []string{srv.Addr()})
	if err != nil {
		log.Fatal(err)
	}
	path, err := conn.Create(ctx, "/config", []byte("v1"), zk.ModePersistent)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("created", path)
	conn.Close()
	srv.Close()

	// A new server on the same directory has the node.
	srv, err = zkserver.New(zkserver.WithDataDir(dir))
	if err != nil {
		log.Fatal(err)
	}
	defer srv.Close()
	node, ok := srv.Node("/config")
	fmt.Println(ok, string(node.Data), node.Version)
	// Output:
	// created /config
	// true v1 0
}
