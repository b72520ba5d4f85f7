#!/usr/bin/env node
// Splitbrain's adapter for the redlock npm package (clients/PROTOCOL.md,
// "The lock workload"): each "lock" request is one attempt through
// node-redlock over ioredis clients, the way a Node.js service guards a
// critical section with it:
//   acquire   redlock.acquire([keys.lock], ttl_ms) over the scenario's lock
//             nodes (Redlock), or over the one master ("single" mode);
//   event     {"event": "acquired", "validity_ms": lock.expiration - now}
//   fence     INCR keys.fence on the primary;
//   [pause]   pause_ms, when the harness asks (a GC pause);
//   append    RPUSH keys.resource "process:fence";
//   hold      hold_ms;
//   event     {"event": "releasing"}, then wait for the harness's "go";
//   release   lock.release();
//   reply     ok {"fence", "appended", "release_ok"}.
// What is fail and what is info is explained in README.md beside this file.
"use strict";
const readline = require("readline");

let Redis, Redlock, ResourceLockedError;
try {
  Redis = require("ioredis");
  const redlock = require("redlock");
  Redlock = redlock.default;
  ResourceLockedError = redlock.ResourceLockedError;
} catch (e) {
  Redis = null;
}

function send(msg) {
  process.stdout.write(JSON.stringify(msg) + "\n");
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

class Adapter {
  constructor(init, nextLine) {
    this.nextLine = nextLine;
    const dep = init.deployment;
    const lock = init.lock || { mode: "single" };
    const common = {
      connectTimeout: init.connect_timeout_ms,
      commandTimeout: init.timeout_ms,
      // A lock node that is down must vote against at once, as Redlock wants.
      enableOfflineQueue: false,
      maxRetriesPerRequest: 0,
    };
    const client = (h) => {
      const c = new Redis({ ...common, host: h.addr, port: h.port });
      c.on("error", () => {});
      return c;
    };
    if (dep.kind === "sentinel") {
      this.main = new Redis({
        ...common,
        sentinels: dep.sentinels.map((s) => ({ host: s.addr, port: s.port })),
        name: dep.master_name,
      });
      this.main.on("error", () => {});
    } else if (dep.kind === "independent") {
      this.main = client(dep.master);
    } else {
      throw new Error("the lock workload runs on sentinel or independent deployments");
    }
    const nodes = lock.mode === "redlock" ? lock.nodes.map(client) : [this.main];
    this.clients = nodes;
    this.redlock = new Redlock(nodes, {
      // One attempt per operation: the workload retries. The drift is
      // given per acquire, as node-redlock's factor of the TTL.
      retryCount: 0,
    });
    this.redlock.on("error", () => {});
    this.driftMs = lock.drift_ms || 0;
  }

  async waitGo(id) {
    for (;;) {
      const line = await this.nextLine();
      if (line === null) throw new Error("stdin closed while waiting for go");
      const m = JSON.parse(line);
      if (m.id === id && m.go) return;
    }
  }

  // Why an acquisition failed: fail only when no node can have set the key:
  // each refused it because it was held (ResourceLockedError), or was never
  // sent the command (not connected, and no offline queue). A node that
  // timed out or dropped the connection may have set it: info.
  async acquireFailure(e) {
    const text = `${e.name}: ${e.message}`;
    try {
      for (const a of e.attempts || []) {
        const stats = await a;
        for (const err of stats.votesAgainst.values())
          if (!(err instanceof ResourceLockedError) && !/enableOfflineQueue options is false/.test(err.message))
            return { type: "info", error: `${text} (${err.name}: ${err.message})` };
      }
      return { type: "fail", error: text };
    } catch (x) {
      return { type: "info", error: text };
    }
  }

  async lock(req) {
    const settings = { driftFactor: req.ttl_ms > 0 ? Math.max(0, this.driftMs - 2) / req.ttl_ms : 0.01 };
    let lock;
    try {
      lock = await this.redlock.acquire([req.keys.lock], req.ttl_ms, settings);
    } catch (e) {
      await sleep(req.retry_ms || 0); // back off, as the built-in client does
      return { id: req.id, ...(await this.acquireFailure(e)) };
    }
    send({ id: req.id, event: "acquired", validity_ms: lock.expiration - Date.now() });
    const value = { appended: false, release_ok: false };
    let outcome = { type: "ok" };
    try {
      value.fence = await this.main.incr(req.keys.fence);
      if (req.pause_ms > 0) await sleep(req.pause_ms);
      await this.main.rpush(req.keys.resource, `${req.process}:${value.fence}`);
      value.appended = true;
      await sleep(req.hold_ms);
    } catch (e) {
      outcome = { type: "info", error: `${e.name}: ${e.message}` };
    }
    send({ id: req.id, event: "releasing" });
    await this.waitGo(req.id);
    try {
      await lock.release();
      value.release_ok = true;
    } catch (e) {
      value.release_ok = false;
    }
    return { id: req.id, ...outcome, value };
  }
}

async function main() {
  const rl = readline.createInterface({ input: process.stdin, terminal: false });
  const it = rl[Symbol.asyncIterator]();
  const nextLine = async () => {
    const r = await it.next();
    return r.done ? null : r.value;
  };
  let adapter = null;
  for (;;) {
    const line = await nextLine();
    if (line === null) break;
    const msg = JSON.parse(line);
    if (!adapter) {
      if (!Redis) {
        send({ type: "error", error: "cannot load redlock/ioredis; run npm ci in clients/node-redlock" });
        process.exit(1);
      }
      try {
        if (msg.workload !== "lock") throw new Error(`this adapter runs the lock workload, not ${msg.workload}`);
        adapter = new Adapter(msg, nextLine);
      } catch (e) {
        send({ type: "error", error: `${e.name}: ${e.message}` });
        process.exit(1);
      }
      send({ type: "init_ok" });
      continue;
    }
    send(await adapter.lock(msg));
  }
  process.exit(0);
}

// Run by the harness; required (by the unit tests), it only exports.
if (require.main === module) main();
else module.exports = { Adapter };
