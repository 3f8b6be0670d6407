#!/usr/bin/python3
"""A contender for kazoo's Lock recipe, for coordkit's interop tests.

Usage:
  kazoo_lock.py HOSTS LOCK PATTERNS TIMEOUT_S...
      PATTERNS is a comma-separated list of extra_lock_patterns for
      kazoo's Lock ("-lock-" lets kazoo see Curator's and coordkit's lock
      nodes; "" none). Connects and prints {"event": "ready"}. Then, for
      each TIMEOUT_S in turn, tries to take the Lock on LOCK for that many
      seconds: prints {"event": "timeout", "ids"} with the contenders() it
      saw if it could not and goes on with the next one, or {"event":
      "acquired"} if it could. Once acquired, it waits for a line on stdin
      (or its end), releases the Lock and prints {"event": "released"}.
  kazoo_lock.py HOSTS LOCK PATTERNS rounds ROUNDS LOG HOLD_MS
      Connects, prints {"event": "ready"} and waits for a line on stdin.
      ROUNDS times: takes the Lock (within 60 s), appends "enter kazoo
      ROUND" and "exit kazoo ROUND" as sequential nodes LOG/e- around a
      HOLD_MS sleep, releases it and prints {"event": "acquired", "round"}.
      Prints {"event": "done"} at the end.
  kazoo_lock.py HOSTS LOCK PATTERNS again
      Connects and prints {"event": "ready"}. Takes the Lock (within 30
      s), releases it and prints {"event": "released", "round": 0}; waits
      for a line on stdin, then does the same with the same Lock object
      (round 1). If an acquire fails with NoNodeError it prints
      {"event": "nonode", "round"} instead and stops.

Lines are printed as testdata/peers/peer.py prints them.
"""

import os
import sys
import time

from kazoo.exceptions import LockTimeout, NoNodeError

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "peers"))
import peer  # noqa: E402


def contend(zk, lock_path, patterns, timeouts):
    peer.emit("ready", session=zk.client_id[0])
    lock = zk.Lock(lock_path, "kazoo", extra_lock_patterns=patterns)
    for timeout in timeouts:
        try:
            if not lock.acquire(timeout=timeout):
                raise LockTimeout("acquire returned False")
        except LockTimeout:
            peer.emit("timeout", ids=lock.contenders())
            continue
        peer.emit("acquired")
        sys.stdin.readline()
        lock.release()
        peer.emit("released")
        return


def rounds(zk, lock_path, patterns, count, log, hold_ms):
    peer.emit("ready", session=zk.client_id[0])
    sys.stdin.readline()
    lock = zk.Lock(lock_path, "kazoo", extra_lock_patterns=patterns)
    for rnd in range(count):
        if not lock.acquire(timeout=60):
            raise RuntimeError("lock not acquired within 60 s")
        try:
            zk.create(log + "/e-", ("enter kazoo %d" % rnd).encode(),
                      sequence=True)
            time.sleep(hold_ms / 1000.0)
            zk.create(log + "/e-", ("exit kazoo %d" % rnd).encode(),
                      sequence=True)
        finally:
            lock.release()
        peer.emit("acquired", round=rnd)
    peer.emit("done")


def again(zk, lock_path, patterns):
    peer.emit("ready", session=zk.client_id[0])
    lock = zk.Lock(lock_path, "kazoo", extra_lock_patterns=patterns)
    for rnd in range(2):
        if rnd:
            sys.stdin.readline()
        try:
            if not lock.acquire(timeout=30):
                raise LockTimeout("acquire returned False")
        except NoNodeError:
            peer.emit("nonode", round=rnd)
            return
        lock.release()
        peer.emit("released", round=rnd)


def main(argv):
    if len(argv) < 5:
        sys.stderr.write(__doc__)
        return 2
    hosts, lock_path, patterns = argv[1], argv[2], argv[3]
    patterns = [p for p in patterns.split(",") if p]
    zk = peer.connect(hosts)
    try:
        if argv[4] == "again" and len(argv) == 5:
            again(zk, lock_path, patterns)
        elif argv[4] == "rounds" and len(argv) == 8:
            rounds(zk, lock_path, patterns, int(argv[5]), argv[6],
                   int(argv[7]))
        else:
            contend(zk, lock_path, patterns, [float(t) for t in argv[4:]])
    finally:
        peer.stop(zk)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
