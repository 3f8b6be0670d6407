package main

import (
	"context"
	"fmt"
	"io"
	"time"

	"github.com/coordkit/coordkit/zk"
)

func newStat() *verb {
	return &verb{
		name:    "stat",
		summary: "print a node's metadata",
		args:    []string{"PATH"},
		flags:   newFlagSet("stat"),
		help: `
Stat prints the metadata of the node PATH, one "name: value" line per field
of ZooKeeper's Stat, in this order:

  czxid           zxid of the transaction that created the node
  mzxid           zxid of the transaction that last changed its data
  ctime           when it was created
  mtime           when its data last changed
  version         its data version (what "set --version" checks)
  cversion        its child version: changes made to its children
  aversion        its ACL version
  ephemeralOwner  the session that owns it if it is ephemeral, else 0x0
  dataLength      the length of its data in bytes
  numChildren     its number of children
  pzxid           zxid of the last change to its children

Zxids and the owner are hexadecimal with a 0x prefix, as zkCli prints them.
Times are RFC 3339 in UTC with milliseconds, ZooKeeper's resolution, for
example 2024-05-01T09:30:00.125Z. The rest are decimal.`,
		run: runStat,
	}
}

func runStat(ctx context.Context, e *env, args []string) error {
	return e.onNode(ctx, args[0], func(ctx context.Context, conn *zk.Conn, path string) error {
		st, ok, err := conn.Exists(ctx, path)
		if err != nil {
			return err
		}
		if !ok {
			return &zk.Error{Op: "stat", Path: path, Err: zk.ErrNoNode}
		}
		return writeStat(e.stdout, st)
	})
}

// writeStat prints st as "stat" documents it.
func writeStat(w io.Writer, st zk.Stat) error {
	_, err := fmt.Fprintf(w, ""+
		"czxid: %s\n"+
		"mzxid: %s\n"+
		"ctime: %s\n"+
		"mtime: %s\n"+
		"version: %d\n"+
		"cversion: %d\n"+
		"aversion: %d\n"+
		"ephemeralOwner: %s\n"+
		"dataLength: %d\n"+
		"numChildren: %d\n"+
		"pzxid: %s\n",
		hex(st.Czxid), hex(st.Mzxid), msTime(st.Ctime), msTime(st.Mtime),
		st.Version, st.Cversion, st.Aversion, hex(st.EphemeralOwner),
		st.DataLength, st.NumChildren, hex(st.Pzxid))
	return err
}

// hex renders a zxid or session id as zkCli does (Java's Long.toHexString:
// two's complement, no padding).
func hex(v int64) string { return fmt.Sprintf("0x%x", uint64(v)) }

// timeLayout is RFC 3339 with exactly three fractional digits.
const timeLayout = "2006-01-02T15:04:05.000Z07:00"

// msTime renders milliseconds since the Unix epoch in UTC.
func msTime(ms int64) string { return time.UnixMilli(ms).UTC().Format(timeLayout) }
