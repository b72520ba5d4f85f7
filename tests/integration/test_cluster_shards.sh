# Redis Cluster membership under load, against real nodes: a spare joins as
# a fourth shard (with a spare replica) and takes a quarter of the slots; a
# shard is removed (its slots move to the others, it and its replica are
# forgotten and reset); slots held MIGRATING after their keys moved send
# clients through ASK/ASKING; and the counter, spread over every shard,
# survives a manual failover and a replica's kill and restart; list-append
# transactions stay serializable while their slots move. Nothing
# acknowledged may be lost (recounted from the history), and the nodes end
# where they should.
source "$(dirname "$0")/lib.sh"
S="$SB_SOURCE_DIR/scenarios"

"$SB_BIN" run --out "$WORK/runs" "$S/blog/cluster-add-shard.json" "$S/blog/cluster-remove-shard.json" \
  "$S/ci/cluster-migrating-ask.json" "$S/ci/cluster-counter.json" "$S/ci/cluster-list-append.json" \
  >"$WORK/out.txt" 2>"$WORK/err.txt" \
  || { cat "$WORK/out.txt" "$WORK/err.txt"; fail "run exited $?, expected 0 (every expectation met)"; }
cat "$WORK/out.txt"
for name in cluster-add-shard cluster-remove-shard cluster-migrating-ask; do
  d=$(ls -d "$WORK"/runs/$name-*)
  read -r acked lost _ < <(recount "$d/history.jsonl")
  [ "$acked" -gt 4000 ] && [ "$lost" -eq 0 ] || fail "$name: $lost of $acked lost"
done

# add-shard: n7 took a quarter of the slot space from all three shards, n8
# follows it, and the converged cluster has four masters, n7 among them.
d=$(ls -d "$WORK"/runs/cluster-add-shard-*)
python3 - "$d/history.jsonl" <<'PY'
import json, sys
ops = [json.loads(l) for l in open(sys.argv[1])]
add = [op["value"] for op in ops if op["process"] == "nemesis" and op["f"] == "add-shard" and op["type"] == "ok"]
assert len(add) == 1, add
a = add[0]
assert a["host"] == "n7" and a["replica"] == "n8" and a["slots"] == 4096, a
assert sorted(m["from"] for m in a["moves"]) == ["n1", "n2", "n3"], a["moves"]
assert sum(m["moved"] for m in a["moves"]) == 4096 and a["keys"] > 0, a
conv = [op["value"] for op in ops if op["process"] == "controller" and op["f"] == "converged" and op["type"] == "ok"][-1]
assert sorted(conv["masters"]) == ["n1", "n2", "n3", "n7"] and "n8" in conv["replicas"], conv
roles = [op["value"] for op in ops if op["process"] == "controller" and op["f"] == "roles"]
assert roles[0]["n7"] == "spare" and roles[0]["n8"] == "spare", roles[0]
assert roles[-1]["n7"] == "master" and roles[-1]["n8"] == "slave", roles[-1]
# Clients wrote to the new shard once it owned slots.
assert any(op.get("node") == "n7" and op["type"] == "ok" for op in ops if isinstance(op["process"], int))
PY

# remove-shard: n4's 4096 slots went to n1, n2, n3 in equal parts; n4 and
# its replica n8 are spares again; the cluster converged on three masters
# and three replicas.
d=$(ls -d "$WORK"/runs/cluster-remove-shard-*)
python3 - "$d/history.jsonl" <<'PY'
import json, sys
ops = [json.loads(l) for l in open(sys.argv[1])]
rem = [op["value"] for op in ops if op["process"] == "nemesis" and op["f"] == "remove-shard" and op["type"] == "ok"]
assert len(rem) == 1, rem
r = rem[0]
assert r["host"] == "n4" and r["replicas"] == ["n8"] and r["slots"] == 4096, r
assert sorted((m["to"], m["moved"]) for m in r["moves"]) == [("n1", 1366), ("n2", 1365), ("n3", 1365)], r["moves"]
conv = [op["value"] for op in ops if op["process"] == "controller" and op["f"] == "converged" and op["type"] == "ok"][-1]
assert sorted(conv["masters"]) == ["n1", "n2", "n3"] and sorted(conv["replicas"]) == ["n5", "n6", "n7"], conv
roles = [op["value"] for op in ops if op["process"] == "controller" and op["f"] == "roles"]
assert roles[-1]["n4"] == "spare" and roles[-1]["n8"] == "spare", roles[-1]
# No client write reached n4 after it was reset.
done = next(op["time"] for op in ops if op["process"] == "nemesis" and op["f"] == "remove-shard" and op["type"] == "ok")
assert not any(op.get("node") == "n4" and op["type"] == "ok" and op["time"] > done
               for op in ops if isinstance(op["process"], int))
PY
for n in n4 n8; do
  grep -q "CLUSTER RESET\|Cluster state changed\|Reconfiguring\|Node hard reset" "$d/nodes/$n/redis/redis.log" \
    || fail "remove-shard: nothing in $n's log says it left the cluster"
done

# ASK: while the 500 slots were held MIGRATING, clients were sent by ASK.
d=$(ls -d "$WORK"/runs/cluster-migrating-ask-*)
[ "$(json_get "$d/results.json" checkers.perf.figures.redirects_ask)" -gt 0 ] \
  || fail "cluster-migrating-ask: no client was redirected by ASK"
# counter: 16 keys over the three shards, each with its final value equal
# to its acknowledged increments (no failed or unknown one in this run).
d=$(ls -d "$WORK"/runs/cluster-counter-*)
python3 - "$d/history.jsonl" <<'PY'
import json, sys, collections
ops = [json.loads(l) for l in open(sys.argv[1])]
acked = collections.Counter(op["value"]["k"] for op in ops
                            if isinstance(op["process"], int) and op["f"] == "incr" and op["type"] == "ok")
final = [op["value"] for op in ops if op["process"] == "controller" and op["f"] == "read" and op["type"] == "ok"][-1]
assert len(final) == 16 and len(acked) == 16, (final, acked)
for k, n in acked.items():
    assert final[k] >= n, (k, final[k], n)
nodes = {op.get("node") for op in ops if isinstance(op["process"], int) and op["type"] == "ok"}
assert {"n2", "n3", "n4"} <= nodes, nodes
PY
# list-append: transactions whose slot moved failed as a whole (MOVED or
# ASK for a queued command, never followed inside MULTI), none was
# acknowledged twice, and Elle found no anomaly.
d=$(ls -d "$WORK"/runs/cluster-list-append-*)
[ "$(json_get "$d/results.json" checkers.list-append.verdict)" = valid ] \
  || fail "cluster-list-append: $(json_get "$d/results.json" checkers.list-append.summary)"
python3 - "$d/history.jsonl" <<'PY'
import json, sys
ops = [json.loads(l) for l in open(sys.argv[1])]
txn = [op for op in ops if isinstance(op["process"], int) and op["type"] != "invoke"]
ok = [op for op in txn if op["type"] == "ok"]
assert len(ok) > 1000, len(ok)
for op in txn:
    if op["type"] == "fail":
        assert op["error"].split()[0] in ("MOVED", "ASK", "EXECABORT", "TRYAGAIN", "CLUSTERDOWN"), op
# Every transaction's keys share one generation (one hash tag, one slot).
for op in ok:
    assert len({m[1].split(".")[1] for m in op["value"]}) == 1, op
PY
assert_nothing_left
echo PASS
