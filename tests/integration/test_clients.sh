# test_clients.sh -- external clients (clients/PROTOCOL.md) against real
# Redis in the lab: the redis-py adapter (Debian's python3-redis) runs the
# shipped healthy scenario as it is (the adapter found above
# scenarios/clients/), ioredis (npm, pinned) a shortened healthy run, and
# both a shortened Case II whose lost writes are recounted from the history. Then clients that misbehave
# on purpose (tests/integration/clients/flaky.py: the same adapter, but
# once per worker a garbage line, a reply to another id, no reply at all,
# or an exit): each such operation is info, the client restarts under a
# new process id, and nothing acknowledged is lost; a client that keeps
# crashing, crashes at start or refuses to start ends the run with exit 2
# and a message naming it. No client process is left running.
source "$(dirname "$0")/lib.sh"
/usr/bin/python3 -c 'import redis' 2>/dev/null \
  || fail "python3-redis is not installed (./setup.sh test installs it)"
[ -d "$SB_SOURCE_DIR/clients/ioredis/node_modules/ioredis" ] \
  || fail "ioredis is not installed: npm ci in clients/ioredis (./setup.sh test does it)"
S="$SB_SOURCE_DIR/scenarios/clients"
FLAKY="$SB_SOURCE_DIR/tests/integration/clients/flaky.py"
no_clients_left() {
  ! pgrep -af "[a]dapter\.(py|js)|[f]laky\.py" || fail "client processes left running"
}

# shorten IN OUT DURATION [PARTITION_AT HEAL_AT]: a copy of a shipped
# scenario in the work folder, its client given by absolute path.
shorten() {
  python3 - "$SB_SOURCE_DIR" "$@" <<'PY'
import json, os, sys
root, src, out, duration = sys.argv[1:5]
s = json.load(open(src))
s["duration"] = duration
cmd = s["clients"][0]["client"]["command"]
cmd[0] = os.path.join(root, cmd[0])
if len(sys.argv) > 5:
    s["nemesis"][0]["at"], s["nemesis"][1]["at"] = sys.argv[5], sys.argv[6]
json.dump(s, open(out, "w"))
PY
}
T="$WORK/scen"
mkdir -p "$T"

# 1. Healthy, through redis-py, the shipped file as it is (its client found
# from scenarios/clients/, above it): nothing lost; every write
# acknowledged by n1.
"$SB_BIN" run --out "$WORK/runs" "$S/healthy-redis-py.json" >"$WORK/healthy.txt" 2>&1 \
  || { cat "$WORK/healthy.txt"; fail "the healthy redis-py run exited $?"; }
run=$(ls -d "$WORK"/runs/healthy-redis-py-* | head -1)
python3 - "$run" <<'PY'
import json, os, sys
run = sys.argv[1]
ops = [json.loads(l) for l in open(run + "/history.jsonl")]
done = [o for o in ops if isinstance(o["process"], int) and o["type"] != "invoke"]
assert len(done) > 1000, len(done)
assert all(o["type"] == "ok" and o.get("node") == "n1" for o in done), \
    [o for o in done if o["type"] != "ok" or o.get("node") != "n1"][:3]
logs = sorted(os.listdir(run + "/clients"))
assert logs == ["redis-py-%d.log" % i for i in range(4)], logs
res = json.load(open(run + "/results.json"))
assert res["checkers"]["set"]["figures"]["lost_count"] == 0
print("healthy: %d writes through redis-py, all acknowledged by n1, none lost" % len(done))
PY
no_clients_left

# 1b. Two clients in one run: two built-in workers and two redis-py ones,
# the set checker counting each client's writes (nothing lost by either).
python3 - "$S/healthy-redis-py.json" "$T/mixed.json" "$SB_SOURCE_DIR" <<'PY'
import json, os, sys
s = json.load(open(sys.argv[1]))
py = dict(s["clients"][0], workers=2)
py["client"] = {"command": [os.path.join(sys.argv[3], "clients/redis-py/adapter.py")]}
builtin = {k: v for k, v in py.items() if k != "client"}
s.update(name="mixed", duration="4s", clients=[builtin, py])
json.dump(s, open(sys.argv[2], "w"))
PY
"$SB_BIN" run --out "$WORK/runs" "$T/mixed.json" >"$WORK/mixed.txt" 2>&1 \
  || { cat "$WORK/mixed.txt"; fail "the mixed run exited $?"; }
run=$(ls -d "$WORK"/runs/mixed-* | head -1)
python3 - "$run" <<'PY'
import json, sys
run = sys.argv[1]
by = json.load(open(run + "/results.json"))["checkers"]["set"]["figures"]["by_client"]
assert set(by) == {"built-in", "redis-py"}, by
assert all(c["lost"] == 0 and c["acknowledged"] > 500 for c in by.values()), by
print("mixed: %s" % {k: v["acknowledged"] for k, v in by.items()})
PY
grep -q "built-in lost 0 of" "$WORK/mixed.txt" || fail "the summary does not count per client"
no_clients_left

# 2. Healthy through ioredis (4 s), then Case II through each adapter (9 s,
# partition 2-6 s): writes n1 acknowledged while cut off are lost; counted
# again here from the history.
shorten "$S/healthy-ioredis.json" "$T/healthy-ioredis.json" 4s
"$SB_BIN" run --out "$WORK/runs" "$T/healthy-ioredis.json" >"$WORK/healthy-ioredis.txt" 2>&1 \
  || { cat "$WORK/healthy-ioredis.txt"; fail "the healthy ioredis run exited $?"; }
grep -q "lost 0 of" "$WORK/healthy-ioredis.txt" || fail "the healthy ioredis run lost writes"
echo "healthy: ioredis lost nothing"
no_clients_left
for name in case2-redis-py case2-ioredis; do
  shorten "$S/$name.json" "$T/$name.json" 9s 2s 6s
  set +e
  "$SB_BIN" run --out "$WORK/runs" "$T/$name.json" >"$WORK/$name.txt" 2>&1
  status=$?
  set -e
  [ $status -eq 0 ] || { cat "$WORK/$name.txt"; fail "$name exited $status (expected 0: loss expected)"; }
  run=$(ls -d "$WORK"/runs/$name-* | head -1)
  python3 - "$run" "$name" <<'PY'
import json, sys
run, name = sys.argv[1], sys.argv[2]
ops = [json.loads(l) for l in open(run + "/history.jsonl")]
acked = {o["value"] for o in ops if isinstance(o["process"], int) and o["type"] == "ok" and o["f"] == "add"}
final = next(o for o in reversed(ops) if o["process"] == "controller" and o["f"] == "read" and o["type"] == "ok")
lost = acked - set(final["value"])
res = json.load(open(run + "/results.json"))["checkers"]["set"]["figures"]
assert lost and len(lost) == res["lost_count"], (len(lost), res["lost_count"])
by = {o["value"]: o.get("node") for o in ops if isinstance(o["process"], int) and o["type"] == "ok"}
assert all(by[v] == "n1" for v in lost), "a lost write not acknowledged by n1"
print("%s: lost %d of %d acknowledged writes (recounted), all acknowledged by n1"
      % (name, len(lost), len(acked)))
PY
  # Judged again offline from the run folder, where the scenario's relative
  # client command no longer resolves: check starts no client, so it must
  # not need one.
  (cd "$WORK" && "$SB_BIN" check "$run" >"$WORK/$name-check.txt" 2>&1) \
    || { cat "$WORK/$name-check.txt"; fail "check of the $name run folder exited $?"; }
  grep -q "lost $(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["checkers"]["set"]["figures"]["lost_count"])' "$run/results.json") of" \
    "$WORK/$name-check.txt" || { cat "$WORK/$name-check.txt"; fail "check of $name disagrees with the run"; }
  no_clients_left
done

# 2a. WAIT through each adapter: the workload asks for WAIT 2 after every
# write, and replica n3 is paused (SIGSTOP) from the start: each adapter
# sends WAIT on the write's connection and reports the shortfall as info
# (the write was applied, its durability is unknown), never ok, never fail.
for name in healthy-redis-py healthy-ioredis; do
  shorten "$S/$name.json" "$T/$name-wait.json" 2s
  python3 - "$T/$name-wait.json" <<'PY'
import json, sys
s = json.load(open(sys.argv[1]))
s["name"] += "-wait"
s["workload"]["wait"] = {"replicas": 2, "timeout": "20ms"}
s["workload"]["rate"] = 200
s["nemesis"] = [{"at": "0s", "fault": "pause", "host": "n3", "process": "redis"}]
s["expect"] = {"set": {"valid": "any"}}
json.dump(s, open(sys.argv[1], "w"))
PY
  "$SB_BIN" run --out "$WORK/runs" "$T/$name-wait.json" >"$WORK/$name-wait.txt" 2>&1 \
    || { cat "$WORK/$name-wait.txt"; fail "$name with WAIT 2 and n3 paused failed"; }
  python3 - "$(ls -d "$WORK"/runs/$name-wait-* | head -1)" "$name" <<'PY'
import json, sys
ops = [json.loads(l) for l in open(sys.argv[1] + "/history.jsonl")]
paused = next(o["time"] for o in ops if o["process"] == "nemesis" and o["f"] == "pause" and o["type"] != "invoke")
done = [o for o in ops if isinstance(o["process"], int) and o["type"] != "invoke" and o["time"] > paused]
assert len(done) > 20, len(done)  # each write waits 20 ms for WAIT
bad = [o for o in done if o["type"] != "info" or "WAIT: 1 of 2 replicas acknowledged" not in o.get("error", "")]
assert not bad, bad[:3]
print("%s: WAIT 2 with n3 paused: all %d writes info, \"WAIT: 1 of 2 replicas acknowledged\"" % (sys.argv[2], len(done)))
PY
  no_clients_left
done

# 2b. The lock workload through node-redlock: a healthy Redlock (4 s)
# keeps mutual exclusion; Kleppmann's clock jump breaks it, as it breaks
# the algorithm (the lock checker finds overlapping holds).
[ -d "$SB_SOURCE_DIR/clients/node-redlock/node_modules/redlock" ] \
  || fail "redlock is not installed: npm ci in clients/node-redlock (./setup.sh test does it)"
shorten "$S/lock-healthy-node-redlock.json" "$T/lock-healthy.json" 4s
"$SB_BIN" run --out "$WORK/runs" "$T/lock-healthy.json" >"$WORK/lock-healthy.txt" 2>&1 \
  || { cat "$WORK/lock-healthy.txt"; fail "the healthy node-redlock run exited $?"; }
python3 - "$S/redlock-clock-jump-node-redlock.json" "$T/clock-jump.json" "$SB_SOURCE_DIR" <<'PY'
import json, os, sys
s = json.load(open(sys.argv[1]))
for c in s["clients"]:
    c["client"]["command"][0] = os.path.join(sys.argv[3], c["client"]["command"][0])
json.dump(s, open(sys.argv[2], "w"))
PY
"$SB_BIN" run --out "$WORK/runs" "$T/clock-jump.json" >"$WORK/clock-jump.txt" 2>&1 \
  || { cat "$WORK/clock-jump.txt"; fail "the node-redlock clock jump exited $? (expected 0: overlap expected)"; }
for name in lock-healthy-node-redlock redlock-clock-jump-node-redlock; do
  run=$(ls -d "$WORK"/runs/$name-* | head -1)
  python3 - "$run" "$name" <<'PY'
import json, sys
run, name = sys.argv[1], sys.argv[2]
ops = [json.loads(l) for l in open(run + "/history.jsonl")]
holds = [o["value"] for o in ops if isinstance(o["process"], int) and o["f"] == "lock"
         and o["type"] != "invoke" and "acquired" in (o.get("value") or {})]
# the harness's own stamps: a hold starts after the invocation and ends
# (released) before the completion
inv = {}
for o in ops:
    if isinstance(o["process"], int) and o["f"] == "lock":
        if o["type"] == "invoke":
            inv[o["process"]] = o["time"]
        elif "acquired" in (o.get("value") or {}):
            v = o["value"]
            assert inv[o["process"]] <= v["acquired"] <= v.get("released", o["time"]) <= o["time"], o
lock = json.load(open(run + "/results.json"))["checkers"]["lock"]
f = lock["figures"]
if name.startswith("lock-healthy"):
    assert lock["verdict"] == "valid" and f["overlaps"] == 0 and f["acquired"] >= 20, lock["summary"]
else:
    assert lock["verdict"] == "invalid" and f["overlaps"] >= 1, lock["summary"]
print("%s: %d holds through node-redlock, %d overlapping pairs" % (name, len(holds), f["overlaps"]))
PY
done
no_clients_left

# 3. Misbehaving clients: each bad reply is the operation's info, then a
# restart under a new process id; nothing acknowledged is lost.
flaky_scenario() { # MODE -> $T/flaky-MODE.json (4 s, healthy, flaky.py)
  python3 - "$S/healthy-redis-py.json" "$T/flaky-$1.json" "$1" "$FLAKY" "$WORK/state-$1" <<'PY'
import json, sys
s = json.load(open(sys.argv[1]))
mode, flaky, state = sys.argv[3], sys.argv[4], sys.argv[5]
# "loop" crashes at every instance's first request: 10 s is room for 6 restarts
s.update(name="flaky-" + mode, duration="10s" if mode == "loop" else "4s")
s["clients"][0]["client"] = {"command": [flaky], "name": "flaky",
                             "env": {"FLAKY_MODE": mode, "FLAKY_STATE": state,
                                     "FLAKY_AT": "1" if mode == "loop" else "20"}}
json.dump(s, open(sys.argv[2], "w"))
PY
  mkdir -p "$WORK/state-$1"
}
for mode in garbage wrongid hang exit; do
  flaky_scenario $mode
  "$SB_BIN" run --out "$WORK/runs" "$T/flaky-$mode.json" >"$WORK/flaky-$mode.txt" 2>&1 \
    || { cat "$WORK/flaky-$mode.txt"; fail "the run with a client that does '$mode' exited $?"; }
  run=$(ls -d "$WORK"/runs/flaky-$mode-* | head -1)
  python3 - "$run" "$mode" <<'PY'
import json, sys
run, mode = sys.argv[1], sys.argv[2]
ops = [json.loads(l) for l in open(run + "/history.jsonl")]
infos = [o for o in ops if isinstance(o["process"], int) and o["type"] == "info"]
why = {"garbage": "not a reply to request", "wrongid": "not a reply to request",
       "hang": "no reply from the client within 1500 ms", "exit": "exited with status 3 before replying"}[mode]
assert len(infos) == 4 and all(why in o["error"] for o in infos), [o.get("error") for o in infos]
restarts = [o["value"] for o in ops if o["process"] == "controller" and o["f"] == "client-restart"]
assert sorted(r["worker"] for r in restarts) == [0, 1, 2, 3], restarts
assert all(r["new_process"] == r["process"] + 4 and r["client"] == "flaky" for r in restarts), restarts
procs = {o["process"] for o in ops if isinstance(o["process"], int)}
# 0-3, then 4-7 after the restarts; a restarted program that was still
# starting when the run ended has no operation of its own
assert set(range(4)) <= procs <= set(range(8)) and procs & set(range(4, 8)), procs
res = json.load(open(run + "/results.json"))["checkers"]["set"]
assert res["verdict"] == "valid" and res["figures"]["lost_count"] == 0, res["summary"]
print("%s: 4 operations info (%s...), 4 restarts as processes 4-7, nothing lost" % (mode, why))
PY
  no_clients_left
done

# 3b. A client that sends a write twice (as a library re-sending a command
# whose reply it lost): once per worker, its second SADD finds the value
# there; the operation is ok with "applied twice" and the set checker
# counts 4 duplicates, all of the flaky client, nothing lost.
flaky_scenario twice
"$SB_BIN" run --out "$WORK/runs" "$T/flaky-twice.json" >"$WORK/flaky-twice.txt" 2>&1 \
  || { cat "$WORK/flaky-twice.txt"; fail "the run with a client that sends writes twice exited $?"; }
python3 - "$(ls -d "$WORK"/runs/flaky-twice-* | head -1)" <<'PY'
import json, sys
run = sys.argv[1]
ops = [json.loads(l) for l in open(run + "/history.jsonl")]
twice = [o for o in ops if isinstance(o["process"], int) and "applied twice" in (o.get("error") or "")]
assert len(twice) == 4 and all(o["type"] == "ok" and o["f"] == "add" for o in twice), twice
res = json.load(open(run + "/results.json"))["checkers"]["set"]
assert res["verdict"] == "valid" and res["figures"]["duplicates"] == 4, res
assert res["figures"]["lost_count"] == 0, res["summary"]
print("twice: 4 writes applied twice, counted as 4 duplicates, nothing lost")
PY
no_clients_left

# 4. Clients the run cannot go on with: exit 2, the client named, its words quoted.
expect_error() { # MODE PHRASE
  flaky_scenario "$1"
  set +e
  "$SB_BIN" run --out "$WORK/runs" "$T/flaky-$1.json" >"$WORK/flaky-$1.txt" 2>&1
  local st=$?
  set -e
  [ $st -eq 2 ] || { cat "$WORK/flaky-$1.txt"; fail "a client that does '$1': exit $st, expected 2"; }
  grep -aF "$2" "$WORK/flaky-$1.txt" >/dev/null \
    || { cat "$WORK/flaky-$1.txt"; fail "a client that does '$1': no '$2' in the output"; }
  echo "$1: exit 2, says: $(grep -aoF "$2" "$WORK/flaky-$1.txt" | head -1)"
  no_clients_left
}
expect_error loop "was restarted 5 times within a minute"
expect_error startcrash "flaky: cannot start: the configuration is broken"
expect_error refuse "refused to start: flaky refuses to start"
grep -aE "client flaky \(worker [0-9], process [0-9]+\) exited with status 3 before" "$WORK/flaky-startcrash.txt" >/dev/null \
  || fail "the start crash message does not name the client and its exit"

assert_nothing_left
echo PASS
