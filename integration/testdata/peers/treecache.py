#!/usr/bin/python3
"""A kazoo TreeCache on a subtree, for coordkit's integration tests.

Usage:
  treecache.py HOSTS ROOT

Connects, prints {"event": "session", "session"}, starts
kazoo.recipe.cache.TreeCache on ROOT and prints each of its events:
{"event": "NODE_ADDED" | "NODE_UPDATED" | "NODE_REMOVED", "path", "data"
(base64), "stat"} for a node, {"event": "INITIALIZED"} once the first load
is done, {"event": "CONNECTION_...", "session"} for the connection (the
session is 0 while disconnected), and {"event": "fault", "error"} for an
error inside the cache. Commands on stdin:

  dump   print {"event": "dump", "nodes": {path: {"data", "stat"}}}: every
         node the cache holds, from ROOT down

A closed stdin closes the cache and the session; then it prints
{"event": "closed"}.
"""

import sys

from kazoo.recipe.cache import TreeCache, TreeEvent

import peer

EVENT_NAMES = {
    TreeEvent.NODE_ADDED: "NODE_ADDED",
    TreeEvent.NODE_UPDATED: "NODE_UPDATED",
    TreeEvent.NODE_REMOVED: "NODE_REMOVED",
    TreeEvent.CONNECTION_SUSPENDED: "CONNECTION_SUSPENDED",
    TreeEvent.CONNECTION_RECONNECTED: "CONNECTION_RECONNECTED",
    TreeEvent.CONNECTION_LOST: "CONNECTION_LOST",
    TreeEvent.INITIALIZED: "INITIALIZED",
}


def node_fields(node):
    return {"path": node.path, "data": peer.b64(node.data),
            "stat": peer.stat_fields(node.stat)}


def event_printer(zk):
    def on_event(event):
        name = EVENT_NAMES.get(event.event_type, str(event.event_type))
        if event.event_data is not None:
            peer.emit(name, **node_fields(event.event_data))
        elif event.event_type == TreeEvent.INITIALIZED:
            peer.emit(name)
        else:
            peer.emit(name, session=zk.client_id[0] if zk.client_id else 0)
    return on_event


def on_fault(err):
    peer.emit("fault", error=repr(err))


def dump(cache, root):
    nodes = {}
    pending = [root]
    while pending:
        path = pending.pop()
        node = cache.get_data(path)
        if node is None:
            continue
        f = node_fields(node)
        nodes[path] = {"data": f["data"], "stat": f["stat"]}
        for child in cache.get_children(path) or ():
            pending.append(path.rstrip("/") + "/" + child)
    return nodes


def main(argv):
    if len(argv) != 3:
        sys.stderr.write(__doc__)
        return 2
    hosts, root = argv[1:]
    zk = peer.connect(hosts)
    peer.emit("session", session=zk.client_id[0])
    cache = TreeCache(zk, root)
    cache.listen(event_printer(zk))
    cache.listen_fault(on_fault)
    cache.start()
    try:
        for cmd in peer.commands():
            if cmd == "dump":
                peer.emit("dump", nodes=dump(cache, root))
            else:
                raise ValueError("unknown command %r" % cmd)
    finally:
        cache.close()
        peer.stop(zk)
    peer.emit("closed")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
