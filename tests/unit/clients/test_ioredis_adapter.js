#!/usr/bin/env node
// test_ioredis_adapter.js -- the ioredis and node-redlock adapters'
// classification of errors (their READMEs): fail only when the command
// certainly did not take effect, info otherwise. The errors are ioredis's
// own, raised for real on loopback: a port where nothing listens (no
// offline queue: refused before sending), a server that accepts and never
// answers (commandTimeout), one that closes the connection once the
// command arrives; a ReplyError is the library's class; node-redlock's
// quorum failures are built from its own error classes.
"use strict";
const assert = require("assert");
const net = require("net");
const path = require("path");

const clients = path.join(__dirname, "..", "..", "..", "clients");
const { Adapter } = require(path.join(clients, "ioredis", "adapter.js"));
const { Adapter: Locker } = require(path.join(clients, "node-redlock", "adapter.js"));
const from = (dir, name) => require(require.resolve(name, { paths: [path.join(clients, dir)] }));
const Redis = from("ioredis", "ioredis");
const { ReplyError } = from("ioredis", "redis-errors");
const { ResourceLockedError, ExecutionError } = from("node-redlock", "redlock");

const kind = (e) => Adapter.prototype.classify(e).kind;

// A server on loopback that does `onData` with each connection's data.
function server(onData) {
  return new Promise((resolve) => {
    const conns = [];
    const s = net.createServer((c) => {
      conns.push(c);
      c.on("data", () => onData(c));
      c.on("error", () => {});
    });
    s.listen(0, "127.0.0.1", () =>
      resolve({ port: s.address().port, close: () => (conns.forEach((c) => c.destroy()), s.close()) })
    );
  });
}

async function rejection(options) {
  const r = new Redis({ host: "127.0.0.1", maxRetriesPerRequest: 0, enableReadyCheck: false,
                        retryStrategy: () => null, ...options });
  r.on("error", () => {});
  try {
    await r.set("k", "v");
  } catch (e) {
    return e;
  } finally {
    r.disconnect();
  }
  assert.fail("the command succeeded");
}

const tests = {
  async "a reply error is fail"() {
    assert.strictEqual(kind(new ReplyError("READONLY You can't write against a read only replica.")), "fail");
    assert.strictEqual(kind(new ReplyError("NOREPLICAS Not enough good replicas to write.")), "fail");
  },
  async "not connected and no offline queue is fail (never sent)"() {
    const e = await rejection({ port: 1, enableOfflineQueue: false, lazyConnect: false });
    assert.match(e.message, /enableOfflineQueue options is false/);
    assert.strictEqual(kind(e), "fail");
  },
  async "a command that timed out is info"() {
    const s = await server(() => {}); // never answers
    try {
      const e = await rejection({ port: s.port, commandTimeout: 100 });
      assert.match(e.message, /Command timed out/);
      assert.strictEqual(kind(e), "info");
    } finally {
      s.close();
    }
  },
  async "a connection closed after sending is info"() {
    const s = await server((c) => c.destroy()); // reads the command, then hangs up
    try {
      const e = await rejection({ port: s.port });
      assert.strictEqual(kind(e), "info", `${e.name}: ${e.message}`);
    } finally {
      s.close();
    }
  },
  async "node-redlock: refused everywhere because held is fail"() {
    const held = new ResourceLockedError("The operation was applied to: 0 of the 1 requested resources.");
    const e = new ExecutionError("The operation was unable to achieve a quorum during its retry window.", [
      Promise.resolve({ votesAgainst: new Map([["a", held], ["b", held]]) }),
    ]);
    assert.strictEqual((await Locker.prototype.acquireFailure(e)).type, "fail");
  },
  async "node-redlock: a node that timed out may hold the key: info"() {
    const held = new ResourceLockedError("held");
    const e = new ExecutionError("no quorum", [
      Promise.resolve({ votesAgainst: new Map([["a", held], ["b", new Error("Command timed out")]]) }),
    ]);
    const o = await Locker.prototype.acquireFailure(e);
    assert.strictEqual(o.type, "info");
    assert.match(o.error, /Command timed out/);
  },
};

(async () => {
  let failed = 0;
  for (const [name, t] of Object.entries(tests)) {
    try {
      await t();
      console.log(`ok   ${name}`);
    } catch (e) {
      failed++;
      console.log(`FAIL ${name}: ${e.stack}`);
    }
  }
  console.log(`${Object.keys(tests).length} tests, ${failed} failed`);
  process.exit(failed ? 1 : 0);
})();
