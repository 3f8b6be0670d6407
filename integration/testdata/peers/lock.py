#!/usr/bin/python3
"""A contender for kazoo's Lock recipe, for coordkit's integration tests.

Usage:
  lock.py HOSTS contend LOCK MARKER LOG ID ROUNDS HOLD_MS
      Connects, prints {"event": "ready", "session"}, then waits for a line
      "go" on stdin. ROUNDS times: takes the Lock on LOCK (identifier ID),
      and while holding it creates the ephemeral node MARKER with data ID
      (if MARKER exists, someone else holds the lock too: prints
      {"event": "violation", "holder"}), appends "enter ID ROUND" and
      "exit ID ROUND" as sequential nodes LOG/e- around a HOLD_MS sleep,
      deletes MARKER and releases the Lock. Prints {"event": "acquired",
      "id", "round"} for each round and {"event": "done"} at the end.
  lock.py HOSTS try LOCK ID TIMEOUT_S
      Tries to take the Lock for TIMEOUT_S seconds. Prints {"event":
      "timeout", "ids"} with the contenders() it saw if it could not, or
      {"event": "acquired", "id"} (and releases it) if it could.
"""

import sys
import time

from kazoo.exceptions import LockTimeout, NodeExistsError

import peer


def contend(zk, lock_path, marker, log, ident, rounds, hold_ms):
    peer.emit("ready", session=zk.client_id[0])
    for cmd in peer.commands():
        if cmd == "go":
            break
    else:
        return  # stdin closed before "go"
    for rnd in range(rounds):
        lock = zk.Lock(lock_path, ident)
        if not lock.acquire(timeout=60):
            raise RuntimeError("lock not acquired within 60 s")
        try:
            try:
                zk.create(marker, ident.encode(), ephemeral=True)
            except NodeExistsError:
                holder, _ = zk.get(marker)
                peer.emit("violation", id=ident, round=rnd,
                          holder=holder.decode())
                raise
            zk.create(log + "/e-", ("enter %s %d" % (ident, rnd)).encode(),
                      sequence=True)
            time.sleep(hold_ms / 1000.0)
            zk.create(log + "/e-", ("exit %s %d" % (ident, rnd)).encode(),
                      sequence=True)
            zk.delete(marker)
        finally:
            lock.release()
        peer.emit("acquired", id=ident, round=rnd)
    peer.emit("done", id=ident)


def try_lock(zk, lock_path, ident, timeout):
    lock = zk.Lock(lock_path, ident)
    try:
        lock.acquire(timeout=timeout)
    except LockTimeout:
        peer.emit("timeout", id=ident, ids=lock.contenders())
        return
    peer.emit("acquired", id=ident)
    lock.release()


def main(argv):
    if len(argv) < 3:
        sys.stderr.write(__doc__)
        return 2
    hosts, mode, args = argv[1], argv[2], argv[3:]
    zk = peer.connect(hosts)
    try:
        if mode == "contend":
            lock_path, marker, log, ident, rounds, hold_ms = args
            contend(zk, lock_path, marker, log, ident, int(rounds),
                    int(hold_ms))
        elif mode == "try":
            lock_path, ident, timeout = args
            try_lock(zk, lock_path, ident, float(timeout))
        else:
            sys.stderr.write("unknown mode %r\n" % mode)
            return 2
    finally:
        peer.stop(zk)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
