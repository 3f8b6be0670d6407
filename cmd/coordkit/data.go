package main

import (
	"context"
	"fmt"
	"io"

	"github.com/coordkit/coordkit/zk"
)

func newGet() *verb {
	return &verb{
		name:    "get",
		summary: "print a node's data",
		args:    []string{"PATH"},
		flags:   newFlagSet("get"),
		help: `
Get writes the data of the node PATH to standard output exactly as stored,
byte for byte: no newline is added, and a node without data prints nothing.
Use "coordkit stat" for the node's version and times.`,
		run: runGet,
	}
}

func runGet(ctx context.Context, e *env, args []string) error {
	return e.onNode(ctx, args[0], func(ctx context.Context, conn *zk.Conn, path string) error {
		data, _, err := conn.Get(ctx, path)
		if err != nil {
			return err
		}
		_, err = e.stdout.Write(data)
		return err
	})
}

func newSet() *verb {
	fs := newFlagSet("set")
	version := fs.Int("version", int(zk.AnyVersion), "set only if the node's data version is `N`; -1 for any version")
	return &verb{
		name:    "set",
		summary: "replace a node's data",
		args:    []string{"PATH", "DATA"},
		flags:   fs,
		help: `
Set replaces the data of the existing node PATH with DATA ("-" reads all of
standard input; "" empties the node). It prints nothing. With --version it
changes the node only if its data version is N, and otherwise fails with
"bad version", so that a read-modify-write loses no concurrent change.`,
		run: func(ctx context.Context, e *env, args []string) error {
			return runSet(ctx, e, args, *version)
		},
	}
}

func runSet(ctx context.Context, e *env, args []string, version int) error {
	path := args[0]
	if err := checkPath(path, false); err != nil {
		return err
	}
	if version < -1 || version > 1<<31-1 {
		return usagef("--version %d is out of range (-1 for any, else 0 to 2147483647)", version)
	}
	data, err := readData(ctx, e, args[1])
	if err != nil {
		return err
	}
	conn, ctx, end, err := e.session(ctx)
	if err != nil {
		return err
	}
	defer end()
	_, err = conn.Set(ctx, path, data, int32(version))
	return err
}

// readData returns a DATA argument's bytes: all of standard input for "-",
// else the argument itself. Reading stops with ctx (an interrupt): the
// reading goroutine is then left blocked, which ends with the process.
func readData(ctx context.Context, e *env, arg string) ([]byte, error) {
	if arg != "-" {
		return []byte(arg), nil
	}
	type result struct {
		data []byte
		err  error
	}
	ch := make(chan result, 1)
	go func() {
		data, err := io.ReadAll(e.stdin)
		ch <- result{data, err}
	}()
	select {
	case r := <-ch:
		if r.err != nil {
			return nil, fmt.Errorf("read standard input: %w", r.err)
		}
		return r.data, nil
	case <-ctx.Done():
		return nil, fmt.Errorf("read standard input: %w", ctx.Err())
	}
}

// checkPath rejects a PATH that breaks ZooKeeper's path rules before
// anything is sent, as a usage error. sequential allows the trailing "/"
// of a sequential create's prefix.
func checkPath(path string, sequential bool) error {
	if err := zk.ValidatePath(path, sequential); err != nil {
		return usagef("%s", trimZK(err.Error()))
	}
	return nil
}
