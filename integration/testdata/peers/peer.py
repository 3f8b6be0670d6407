"""Plumbing shared by the kazoo peers of coordkit's integration tests.

A peer talks to the test on its standard streams: it prints one JSON object
a line on standard output (always with an "event" key), reads commands one
a line from standard input, and writes anything else (kazoo's log, a
traceback) on standard error. Run with Debian's Python, /usr/bin/python3,
for which python3-kazoo is installed.
"""

import base64
import json
import logging
import sys
import threading

from kazoo.client import KazooClient

STAT_FIELDS = (
    "czxid", "mzxid", "ctime", "mtime", "version", "cversion",
    "aversion", "ephemeralOwner", "dataLength", "numChildren", "pzxid",
)

_out = threading.Lock()


def connect(hosts, session_timeout=10.0):
    """Returns a started KazooClient on hosts, or raises."""
    logging.basicConfig(level=logging.WARNING, stream=sys.stderr)
    zk = KazooClient(hosts=hosts, timeout=session_timeout)
    zk.start(timeout=30)
    return zk


def stop(zk):
    """Closes zk's session (closeSession) and its connection."""
    zk.stop()
    zk.close()


def emit(event, **fields):
    """Prints one event line; safe from any thread."""
    fields["event"] = event
    line = json.dumps(fields, sort_keys=True)
    with _out:
        sys.stdout.write(line + "\n")
        sys.stdout.flush()


def commands():
    """Yields the lines of standard input, stripped, until it closes."""
    for line in sys.stdin:
        yield line.strip()


def b64(data):
    return base64.b64encode(data or b"").decode("ascii")


def stat_fields(stat):
    """A ZnodeStat as a dict named like ZooKeeper's Stat fields."""
    return {f: getattr(stat, f) for f in STAT_FIELDS}
