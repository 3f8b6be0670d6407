#!/usr/bin/python3
"""A contender in kazoo's Election recipe, for coordkit's integration tests.

Usage:
  election.py HOSTS PATH MARKER ID SESSION_TIMEOUT_S

Connects with the given session timeout, prints {"event": "contending",
"id", "session"} and runs Election(PATH, ID). Once elected it creates the
ephemeral node MARKER with data ID (if MARKER exists, another leader is in
office: prints {"event": "violation", "holder"}), prints {"event": "leader",
"id", "ids"} with the election's contenders(), and then obeys stdin:

  contenders   print {"event": "contenders", "id", "ids"}
  resign       delete MARKER and return from the leader function: the
               election's lock node is deleted; prints {"event": "resigned"}
               and closes the session
  close        close the session at once (closeSession: MARKER and the lock
               node go with it), print {"event": "closed"} and exit

A closed stdin counts as "close".
"""

import os
import sys

from kazoo.exceptions import NodeExistsError

import peer


def lead(zk, election, marker, ident):
    try:
        zk.create(marker, ident.encode(), ephemeral=True)
    except NodeExistsError:
        holder, _ = zk.get(marker)
        peer.emit("violation", id=ident, holder=holder.decode())
        raise
    peer.emit("leader", id=ident, ids=election.contenders())
    for cmd in peer.commands():
        if cmd == "contenders":
            peer.emit("contenders", id=ident, ids=election.contenders())
        elif cmd == "resign":
            zk.delete(marker)
            return
        elif cmd == "close":
            break
        else:
            raise ValueError("unknown command %r" % cmd)
    peer.stop(zk)
    peer.emit("closed", id=ident)
    os._exit(0)


def main(argv):
    if len(argv) != 6:
        sys.stderr.write(__doc__)
        return 2
    hosts, path, marker, ident, session_timeout = argv[1:]
    zk = peer.connect(hosts, float(session_timeout))
    try:
        peer.emit("contending", id=ident, session=zk.client_id[0])
        election = zk.Election(path, ident)
        election.run(lead, zk, election, marker, ident)
        peer.emit("resigned", id=ident)
    finally:
        peer.stop(zk)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
