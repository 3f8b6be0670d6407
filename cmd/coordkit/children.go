package main

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/coordkit/coordkit/zk"
)

func newLs() *verb {
	return &verb{
		name:    "ls",
		summary: "list a node's children",
		args:    []string{"PATH"},
		flags:   newFlagSet("ls"),
		help: `
Ls prints the names (not the full paths) of the children of the node PATH,
one per line, sorted by byte value. A node without children prints nothing.`,
		run: runLs,
	}
}

func runLs(ctx context.Context, e *env, args []string) error {
	return e.onNode(ctx, args[0], func(ctx context.Context, conn *zk.Conn, path string) error {
		children, _, err := conn.Children(ctx, path)
		if err != nil {
			return err
		}
		slices.Sort(children)
		var b strings.Builder
		for _, c := range children {
			b.WriteString(c)
			b.WriteByte('\n')
		}
		_, err = fmt.Fprint(e.stdout, b.String())
		return err
	})
}

func newRm() *verb {
	fs := newFlagSet("rm")
	recursive := fs.Bool("recursive", false, "also delete every descendant, deepest first")
	return &verb{
		name:    "rm",
		summary: "delete a node (and with --recursive its subtree)",
		args:    []string{"PATH"},
		flags:   fs,
		help: `
Rm deletes the node PATH, whatever its version. Without --recursive a node
that has children is not deleted ("node has children").

With --recursive rm deletes the whole subtree depth first, children before
their parent, one node at a time: it is not atomic, and another client may
see a partly deleted tree. Nodes that vanish meanwhile (deleted by another
client, ephemeral nodes whose session ends) are skipped; a child created
meanwhile is deleted too, up to a few retries. PATH itself must exist.
--timeout bounds the whole removal: raise it for a big tree. The root "/"
cannot be removed.`,
		run: func(ctx context.Context, e *env, args []string) error {
			return runRm(ctx, e, args, *recursive)
		},
	}
}

func runRm(ctx context.Context, e *env, args []string, recursive bool) error {
	path := args[0]
	if err := checkPath(path, false); err != nil {
		return err
	}
	if path == "/" {
		return usagef("the root node / cannot be removed")
	}
	conn, ctx, end, err := e.session(ctx)
	if err != nil {
		return err
	}
	defer end()
	err = conn.Delete(ctx, path, zk.AnyVersion)
	if !recursive || !errors.Is(err, zk.ErrNotEmpty) {
		return err
	}
	return removeTree(ctx, conn, path)
}

// notEmptyRetries bounds how often removeTree lists a node again when a
// child appeared between its listing and its deletion.
const notEmptyRetries = 5

// removeTree deletes path and its descendants, children first. A node that
// is already gone counts as deleted.
func removeTree(ctx context.Context, conn *zk.Conn, path string) error {
	for attempt := 0; ; attempt++ {
		children, _, err := conn.Children(ctx, path)
		if errors.Is(err, zk.ErrNoNode) {
			return nil
		}
		if err != nil {
			return err
		}
		for _, c := range children {
			if err := removeTree(ctx, conn, join(path, c)); err != nil {
				return err
			}
		}
		err = conn.Delete(ctx, path, zk.AnyVersion)
		switch {
		case err == nil, errors.Is(err, zk.ErrNoNode):
			return nil
		case errors.Is(err, zk.ErrNotEmpty) && attempt < notEmptyRetries:
			continue
		default:
			return err
		}
	}
}

// join returns the path of child under parent.
func join(parent, child string) string {
	if parent == "/" {
		return "/" + child
	}
	return parent + "/" + child
}
