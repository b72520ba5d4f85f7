#!/usr/bin/env node
// Splitbrain's adapter for ioredis (clients/PROTOCOL.md).
//
// Speaks JSON lines on stdin/stdout and does each operation the way a
// Node.js service using ioredis does: Sentinel via new Redis({sentinels,
// name}), Cluster via new Redis.Cluster(nodes), a lone master via new
// Redis({host, port}). How failures are classified (fail: certainly not
// applied; info: unknown) is explained in README.md beside this file, from
// ioredis's documented behaviour.
//
// Options (the scenario's "client": {"options": {...}}), passed to ioredis:
//   failoverDetector              subscribe to +switch-master (default false)
//   reconnectOnError              "READONLY": reconnect and resend a command
//                                 refused with READONLY (default: off)
//   maxRetriesPerRequest          default 20, as ioredis
//   enableOfflineQueue            default true, as ioredis
//   autoResendUnfulfilledCommands default true, as ioredis
"use strict";
const readline = require("readline");

let Redis;
try {
  Redis = require("ioredis");
} catch (e) {
  Redis = null;
}

const CAS_SCRIPT =
  "local v = redis.call('GET', KEYS[1]) " +
  "if v == ARGV[1] then redis.call('SET', KEYS[1], ARGV[2]) return 1 end return 0";

class Outcome extends Error {
  constructor(kind, error) {
    super(error);
    this.kind = kind;
  }
}

function send(msg) {
  process.stdout.write(JSON.stringify(msg) + "\n");
}

class Adapter {
  constructor(init) {
    const o = init.options || {};
    const dep = init.deployment;
    const wait = init.wait;
    this.wait = wait ? [wait.replicas, wait.timeout_ms] : null;
    this.offline = o.enableOfflineQueue !== false;
    const common = {
      connectTimeout: init.connect_timeout_ms,
      // Without it a command queued while ioredis reconnects waits forever.
      commandTimeout: init.timeout_ms,
      maxRetriesPerRequest: o.maxRetriesPerRequest === undefined ? 20 : o.maxRetriesPerRequest,
      enableOfflineQueue: this.offline,
      autoResendUnfulfilledCommands: o.autoResendUnfulfilledCommands !== false,
      lazyConnect: false,
    };
    if (o.reconnectOnError === "READONLY")
      common.reconnectOnError = (err) => (err.message.startsWith("READONLY") ? 2 : false);
    this.kind = dep.kind;
    if (dep.kind === "sentinel") {
      this.r = new Redis({
        ...common,
        sentinels: dep.sentinels.map((s) => ({ host: s.addr, port: s.port })),
        name: dep.master_name,
        sentinelCommandTimeout: init.timeout_ms,
        failoverDetector: !!o.failoverDetector,
      });
    } else if (dep.kind === "cluster") {
      this.r = new Redis.Cluster(
        dep.nodes.map((n) => ({ host: n.addr, port: n.port })),
        { redisOptions: common, enableOfflineQueue: this.offline }
      );
    } else {
      this.r = new Redis({ ...common, host: dep.master.addr, port: dep.master.port });
    }
    // Errors of the connection itself are reported through commands.
    this.r.on("error", () => {});
  }

  classify(e) {
    const text = `${e.name}: ${e.message}`;
    // The server answered with an error: it did not execute the command.
    if (e.name === "ReplyError") return new Outcome("fail", text);
    // Refused before sending: not connected and no offline queue.
    if (/enableOfflineQueue options is false/.test(e.message)) return new Outcome("fail", text);
    // Everything else may have reached the server, or may still reach it:
    // a timed-out command stays queued, a sent one is resent after a
    // reconnect (autoResendUnfulfilledCommands).
    return new Outcome("info", text);
  }

  node(key) {
    try {
      if (this.kind === "cluster") {
        // The slot's owner in ioredis's own slot map ("host:port").
        const owners = this.r.slots[require("cluster-key-slot")(key)];
        return owners && owners[0] ? owners[0] : null;
      }
      const s = this.r.stream;
      if (s && s.remoteAddress) return `${s.remoteAddress}:${s.remotePort}`;
    } catch (e) {
      // best effort only
    }
    return null;
  }

  async write(build) {
    if (!this.wait) return build(this.r);
    const p = build(this.r.pipeline());
    p.call("WAIT", this.wait[0], this.wait[1]);
    const res = await p.exec();
    if (res[0][0]) throw res[0][0]; // the write itself was refused: classified as such
    // The write was applied; only its durability is unknown.
    if (res[1][0]) throw new Outcome("info", `WAIT failed after the write: ${res[1][0].message}`);
    const acked = res[1][1];
    if (acked < this.wait[0])
      throw new Outcome("info", `WAIT: ${acked} of ${this.wait[0]} replicas acknowledged`);
    return res[0][1];
  }

  async apply(req) {
    const { f, key } = req;
    switch (f) {
      case "add":
        // SADD's reply (1 added, 0 already there) tells the harness when a
        // re-sent command applied the write twice.
        return await this.write((c) => c.sadd(key, req.value));
      case "read": {
        const v = await this.r.get(key);
        return v === null ? null : parseInt(v, 10);
      }
      case "write":
        await this.write((c) => c.set(key, req.value));
        return null;
      case "cas": {
        const [oldv, newv] = req.value;
        const ok = await this.write((c) => c.eval(CAS_SCRIPT, 1, key, oldv, newv));
        if (!ok) throw new Outcome("fail", "compare failed");
        return null;
      }
      case "incr":
        return await this.write((c) => c.incr(key));
      default:
        throw new Outcome("fail", `unknown f ${f}`);
    }
  }

  async handle(req) {
    const reply = { id: req.id };
    try {
      reply.value = await this.apply(req);
      reply.type = "ok";
    } catch (e) {
      const o = e instanceof Outcome ? e : this.classify(e);
      reply.type = o.kind;
      reply.error = o.message;
    }
    const node = this.node(req.key);
    if (node) reply.node = node;
    return reply;
  }
}

async function main() {
  const rl = readline.createInterface({ input: process.stdin, terminal: false });
  let adapter = null;
  for await (const line of rl) {
    const msg = JSON.parse(line);
    if (!adapter) {
      if (!Redis) {
        send({ type: "error", error: "cannot load ioredis; run npm ci in clients/ioredis" });
        process.exit(1);
      }
      try {
        adapter = new Adapter(msg);
      } catch (e) {
        send({ type: "error", error: `${e.name}: ${e.message}` });
        process.exit(1);
      }
      send({ type: "init_ok" });
      continue;
    }
    send(await adapter.handle(msg));
  }
  if (adapter) adapter.r.disconnect();
  process.exit(0);
}

// Run by the harness; required (by the unit tests), it only exports.
if (require.main === module) main();
else module.exports = { Adapter };
