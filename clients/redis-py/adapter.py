#!/usr/bin/python3
"""Splitbrain's adapter for redis-py (clients/PROTOCOL.md).

Speaks JSON lines on stdin/stdout and does each operation the way a
redis-py application does: Sentinel via Sentinel(...).master_for(...),
Cluster via RedisCluster, a lone master via Redis(...). How each failure
is classified (fail: certainly not applied; info: unknown) is explained in
README.md beside this file, from redis-py 4.3's own code.

Options (the scenario's "client": {"options": {...}}):
  retry_on_timeout  redis-py's flag of the same name (default false): a
                    timed-out command is sent again once on a new
                    connection, so a write may apply twice.
"""
import json
import sys

try:
    import redis
    from redis.sentinel import MasterNotFoundError, Sentinel
except ImportError as e:  # answered to init, so the run says why
    redis = None
    IMPORT_ERROR = f"cannot import redis ({e}); install Debian's python3-redis"

CAS_SCRIPT = (
    "local v = redis.call('GET', KEYS[1]) "
    "if v == ARGV[1] then redis.call('SET', KEYS[1], ARGV[2]) return 1 end return 0"
)


class Outcome(Exception):
    """A reply other than ok, with its type and error text."""

    def __init__(self, kind, error):
        super().__init__(error)
        self.kind = kind
        self.error = error


class Adapter:
    def __init__(self, init):
        self.init = init
        opts = init.get("options") or {}
        self.retry_on_timeout = bool(opts.get("retry_on_timeout", False))
        timeout = init["timeout_ms"] / 1000.0
        connect = init["connect_timeout_ms"] / 1000.0
        kw = dict(socket_timeout=timeout, socket_connect_timeout=connect,
                  retry_on_timeout=self.retry_on_timeout)
        dep = init["deployment"]
        self.kind = dep["kind"]
        wait = init.get("wait")
        self.wait = (wait["replicas"], wait["timeout_ms"]) if wait else None
        if self.kind == "sentinel":
            sentinels = [(s["addr"], s["port"]) for s in dep["sentinels"]]
            self.sentinel = Sentinel(sentinels, sentinel_kwargs=dict(
                socket_timeout=timeout, socket_connect_timeout=connect), **kw)
            self.r = self.sentinel.master_for(dep["master_name"], **kw)
        elif self.kind == "cluster":
            from redis.cluster import ClusterNode, RedisCluster
            nodes = [ClusterNode(n["addr"], n["port"]) for n in dep["nodes"]]
            self.r = RedisCluster(startup_nodes=nodes, **kw)
        else:
            m = dep["master"]
            self.r = redis.Redis(host=m["addr"], port=m["port"], **kw)

    # ---- what failed, and whether it may have taken effect ----

    def classify(self, e):
        """fail when the command certainly did not take effect, else info."""
        text = f"{type(e).__name__}: {e}"
        if isinstance(e, MasterNotFoundError):
            return Outcome("fail", text)  # no master known: nothing was sent
        if isinstance(e, redis.exceptions.ResponseError):
            return Outcome("fail", text)  # the server refused it (READONLY, NOREPLICAS, ...)
        if isinstance(e, (redis.exceptions.TimeoutError, redis.exceptions.ConnectionError)):
            msg = str(e)
            if "previous master is now a slave" in msg:
                # redis-py's SentinelManagedConnection turns a READONLY reply
                # into this ConnectionError: the server refused the write.
                return Outcome("fail", text)
            connecting = "connecting to" in msg or msg == "Timeout connecting to server"
            if connecting and not self.retry_on_timeout:
                # Raised by connect(), before anything is sent. With
                # retry_on_timeout a first attempt may have been sent.
                return Outcome("fail", text)
            return Outcome("info", text)
        return Outcome("info", text)

    def node(self, key):
        """The server that answered, where redis-py tells it."""
        try:
            if self.kind == "cluster":
                n = self.r.get_node_from_key(key)
                return f"{n.host}:{n.port}"
            conns = self.r.connection_pool._available_connections
            if conns and conns[-1].host:
                return f"{conns[-1].host}:{conns[-1].port}"
        except Exception:  # a private attribute: best effort only
            pass
        return None

    # ---- operations ----

    def write(self, key, command):
        """A write, followed by WAIT on the same connection when asked."""
        if not self.wait:
            return command(self.r)
        pipe = self.r.pipeline(transaction=False)
        command(pipe)
        pipe.execute_command("WAIT", self.wait[0], self.wait[1])
        result, acked = pipe.execute(raise_on_error=False)
        if isinstance(result, Exception):
            raise result  # the write itself was refused: classified as such
        if isinstance(acked, Exception):
            # The write was applied; only its durability is unknown.
            raise Outcome("info", f"WAIT failed after the write: {type(acked).__name__}: {acked}")
        if acked < self.wait[0]:
            raise Outcome("info", f"WAIT: {acked} of {self.wait[0]} replicas acknowledged")
        return result

    def apply(self, req):
        f, key = req["f"], req.get("key")
        if f == "add":
            # SADD's reply (1 added, 0 already there) tells the harness when a
            # retry applied the write twice.
            return self.write(key, lambda c: c.sadd(key, req["value"]))
        if f == "read":
            v = self.r.get(key)
            return None if v is None else int(v)
        if f == "write":
            self.write(key, lambda c: c.set(key, req["value"]))
            return None
        if f == "cas":
            old, new = req["value"]
            if not self.write(key, lambda c: c.eval(CAS_SCRIPT, 1, key, old, new)):
                raise Outcome("fail", "compare failed")
            return None
        if f == "incr":
            return self.write(key, lambda c: c.incr(key))
        raise Outcome("fail", f"unknown f {f!r}")

    def handle(self, req):
        reply = {"id": req["id"]}
        try:
            value = self.apply(req)
            reply.update(type="ok", value=value)
        except Outcome as o:
            reply.update(type=o.kind, error=o.error)
        except redis.exceptions.RedisError as e:
            o = self.classify(e)
            reply.update(type=o.kind, error=o.error)
        except Exception as e:  # anything else: whether it took effect is unknown
            reply.update(type="info", error=f"{type(e).__name__}: {e}")
        node = self.node(req.get("key"))
        if node:
            reply["node"] = node
        return reply


def send(msg):
    sys.stdout.write(json.dumps(msg) + "\n")
    sys.stdout.flush()


def main():
    line = sys.stdin.readline()
    if not line:
        return 0
    init = json.loads(line)
    if redis is None:
        send({"type": "error", "error": IMPORT_ERROR})
        return 1
    try:
        adapter = Adapter(init)
    except Exception as e:
        send({"type": "error", "error": f"{type(e).__name__}: {e}"})
        return 1
    send({"type": "init_ok"})
    for line in sys.stdin:
        send(adapter.handle(json.loads(line)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
