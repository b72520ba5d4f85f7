#!/usr/bin/python3
"""A client that misbehaves on purpose, for test_clients.sh: the redis-py
adapter (clients/redis-py/adapter.py), real on the data path, except that
at its FLAKY_AT-th request (default 20) it does what FLAKY_MODE says, once
per worker (a marker file in FLAKY_STATE remembers), or on every instance
for the "loop" mode:
  garbage    replies a line that is not JSON
  wrongid    replies to another id
  hang       never replies
  exit       exits with status 3 without replying
  loop       like exit, on every instance (the harness must give up)
  startcrash writes to stderr and exits before answering init
  refuse     answers init with an error
  twice      applies the request twice, as a library that re-sends a
             command whose reply it lost, and replies what the second
             attempt got (SADD: 0, the value was already there)
"""
import json
import os
import sys
import time

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "..", "..", "clients", "redis-py"))
import adapter  # noqa: E402

MODE = os.environ.get("FLAKY_MODE", "")
AT = int(os.environ.get("FLAKY_AT", "20"))


def once(worker):
    """True the first time a worker reaches its misbehaviour."""
    if MODE == "loop":
        return True
    try:
        fd = os.open(os.path.join(os.environ["FLAKY_STATE"], f"{MODE}-{worker}"),
                     os.O_CREAT | os.O_EXCL | os.O_WRONLY)
        os.close(fd)
        return True
    except FileExistsError:
        return False


def main():
    if MODE == "startcrash":
        sys.stderr.write("flaky: cannot start: the configuration is broken\n")
        return 3
    init = json.loads(sys.stdin.readline())
    if MODE == "refuse":
        adapter.send({"type": "error", "error": "flaky refuses to start"})
        return 1
    a = adapter.Adapter(init)
    adapter.send({"type": "init_ok"})
    n = 0
    for line in sys.stdin:
        req = json.loads(line)
        n += 1
        if n == AT and once(init["worker"]):
            sys.stderr.write(f"flaky: misbehaving ({MODE}) at request {req['id']}\n")
            sys.stderr.flush()
            if MODE == "garbage":
                sys.stdout.write("this is not json\n")
                sys.stdout.flush()
                continue
            if MODE == "wrongid":
                adapter.send({"id": req["id"] + 1000, "type": "ok"})
                continue
            if MODE == "hang":
                time.sleep(3600)
            if MODE in ("exit", "loop"):
                os._exit(3)
            if MODE == "twice":
                a.handle(req)
        adapter.send(a.handle(req))
    return 0


if __name__ == "__main__":
    sys.exit(main())
