package main

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/coordkit/coordkit/zk"
)

// createFlags are the node-type flags of create.
type createFlags struct {
	ephemeral, sequential, container bool
	ttl                              time.Duration
}

func newCreate() *verb {
	var cf createFlags
	fs := newFlagSet("create")
	fs.BoolVar(&cf.ephemeral, "ephemeral", false, "make an ephemeral node, deleted when coordkit's session ends, that is when coordkit exits")
	fs.BoolVar(&cf.sequential, "sequential", false, "append a 10-digit sequence number to the name")
	fs.BoolVar(&cf.container, "container", false, "make a container node, deleted by the server once its last child is gone")
	fs.DurationVar(&cf.ttl, "ttl", 0, "make a TTL node, deleted by the server once it has had no children and no change for `DUR` (server must enable extended types)")
	return &verb{
		name:    "create",
		summary: "create a node and print its path",
		args:    []string{"PATH", "[DATA]"},
		flags:   fs,
		help: `
Create creates the node PATH holding DATA (empty when omitted; "-" reads all
of standard input) with an open ACL, and prints the path it created followed
by a newline: with --sequential that is PATH with the sequence number the
server appended. The parent must exist.

An ephemeral node lives only as long as the session that created it, and
coordkit's session ends when coordkit exits, so "create --ephemeral" makes a
node that is gone again by the time the command returns. It is useful only to
check that it can be made; a process that should hold an ephemeral node needs
a session that outlives one command.

Node types combine as ZooKeeper allows: --ephemeral or --ttl with
--sequential; --container alone.`,
		run: func(ctx context.Context, e *env, args []string) error {
			return runCreate(ctx, e, args, cf)
		},
	}
}

// mode returns the create mode the flags select, or a usage error for a
// combination ZooKeeper has no mode for.
func (cf createFlags) mode() (zk.CreateMode, error) {
	switch {
	case cf.ttl < 0:
		return 0, usagef("--ttl must be positive, not %v", cf.ttl)
	case cf.ttl > 0 && cf.ttl < time.Millisecond:
		return 0, usagef("--ttl %v is below ZooKeeper's 1ms resolution", cf.ttl)
	case cf.container && cf.sequential:
		return 0, usagef("--container and --sequential cannot be combined")
	case cf.container && cf.ephemeral:
		return 0, usagef("--container and --ephemeral cannot be combined")
	case cf.container && cf.ttl > 0:
		return 0, usagef("--container and --ttl cannot be combined")
	case cf.ephemeral && cf.ttl > 0:
		return 0, usagef("--ephemeral and --ttl cannot be combined")
	case cf.container:
		return zk.ModeContainer, nil
	case cf.ttl > 0 && cf.sequential:
		return zk.ModePersistentSequentialTTL, nil
	case cf.ttl > 0:
		return zk.ModePersistentTTL, nil
	case cf.ephemeral && cf.sequential:
		return zk.ModeEphemeralSequential, nil
	case cf.ephemeral:
		return zk.ModeEphemeral, nil
	case cf.sequential:
		return zk.ModePersistentSequential, nil
	}
	return zk.ModePersistent, nil
}

func runCreate(ctx context.Context, e *env, args []string, cf createFlags) error {
	path := args[0]
	if err := checkPath(path, cf.sequential); err != nil {
		return err
	}
	mode, err := cf.mode()
	if err != nil {
		return err
	}
	var opts []zk.CreateOption
	if cf.ttl > 0 {
		opts = append(opts, zk.WithTTL(cf.ttl))
	}
	var data []byte
	if len(args) > 1 {
		if data, err = readData(ctx, e, args[1]); err != nil {
			return err
		}
	}
	conn, ctx, end, err := e.session(ctx)
	if err != nil {
		return err
	}
	defer end()
	created, err := conn.Create(ctx, path, data, mode, opts...)
	if cf.ttl > 0 && errors.Is(err, zk.ErrUnimplemented) {
		return &zk.Error{Op: "create", Path: path, Err: fmt.Errorf(
			"%w: TTL nodes need a server run with -Dzookeeper.extendedTypesEnabled=true", zk.ErrUnimplemented)}
	}
	if err != nil {
		return err
	}
	_, err = fmt.Fprintln(e.stdout, created)
	return err
}
