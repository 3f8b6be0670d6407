#!/usr/bin/python3
"""A kazoo peer for coordkit's CLI tests: reads and writes ZooKeeper nodes
with kazoo and prints what it saw as JSON on standard output.

Usage:
  kazoo_peer.py HOSTS read PATH...          one object per PATH, as a list
  kazoo_peer.py HOSTS create PATH DATA      create (with parents), print it
  kazoo_peer.py HOSTS set PATH DATA         set data (any version), print it
  kazoo_peer.py HOSTS hold PATH             create PATH ephemeral, print it and
                                            the session id, then keep the
                                            session until stdin closes

A node object is {"path", "exists", "data" (base64), "stat" (ZnodeStat
fields, named as in ZooKeeper's Stat), "children" (sorted)}; a missing node
has only "path" and "exists": false. The "hold" object adds "session_id".
"""

import base64
import json
import sys

from kazoo.client import KazooClient

STAT_FIELDS = (
    "czxid", "mzxid", "ctime", "mtime", "version", "cversion",
    "aversion", "ephemeralOwner", "dataLength", "numChildren", "pzxid",
)


def node(zk, path):
    if zk.exists(path) is None:
        return {"path": path, "exists": False}
    data, stat = zk.get(path)
    children = sorted(zk.get_children(path))
    return {
        "path": path,
        "exists": True,
        "data": base64.b64encode(data or b"").decode("ascii"),
        "stat": {f: getattr(stat, f) for f in STAT_FIELDS},
        "children": children,
    }


def emit(obj):
    sys.stdout.write(json.dumps(obj) + "\n")
    sys.stdout.flush()


def main(argv):
    if len(argv) < 3:
        sys.stderr.write(__doc__)
        return 2
    hosts, cmd, args = argv[1], argv[2], argv[3:]
    zk = KazooClient(hosts=hosts, timeout=10.0)
    zk.start(timeout=15)
    try:
        if cmd == "read":
            emit([node(zk, p) for p in args])
        elif cmd == "create":
            path, data = args
            zk.create(path, data.encode(), makepath=True)
            emit(node(zk, path))
        elif cmd == "set":
            path, data = args
            zk.set(path, data.encode())
            emit(node(zk, path))
        elif cmd == "hold":
            (path,) = args
            zk.create(path, b"held", ephemeral=True)
            obj = node(zk, path)
            obj["session_id"] = zk.client_id[0]
            emit(obj)
            sys.stdin.read()  # until the test closes our stdin
        else:
            sys.stderr.write("unknown command %r\n" % cmd)
            return 2
    finally:
        zk.stop()
        zk.close()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
