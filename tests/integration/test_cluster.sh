# Redis Cluster against real nodes (test_cluster_shards.sh has the healthy
# cases and the membership changes): a master cut off with its clients keeps acknowledging
# writes until cluster-node-timeout, its replica is promoted, and those
# writes are lost: recounted here from the history. A manual failover and
# slot migration under load lose nothing, and clients follow MOVED.
source "$(dirname "$0")/lib.sh"
S="$SB_SOURCE_DIR/scenarios"

"$SB_BIN" run --out "$WORK/runs" "$S/blog/cluster-partition-lost-writes.json" \
  "$S/ci/cluster-failover.json" "$S/ci/cluster-reshard.json" \
  >"$WORK/out.txt" 2>"$WORK/err.txt" \
  || { cat "$WORK/out.txt" "$WORK/err.txt"; fail "run exited $?, expected 0 (every expectation met)"; }
cat "$WORK/out.txt"
p=$(ls -d "$WORK"/runs/cluster-partition-lost-writes-*)
read -r acked lost _ < <(recount "$p/history.jsonl")
[ "$lost" -gt 0 ] || fail "partition: nothing lost of $acked"
[ "$(json_get "$p/results.json" checkers.set.figures.lost_count)" = "$lost" ] \
  || fail "partition: lost_count disagrees with the recount ($lost)"
python3 - "$p/history.jsonl" <<'PY'
import json, sys
# The lost writes were acknowledged by n1 during the partition, and n4
# (its replica) ended up owning its slots.
ops = [json.loads(l) for l in open(sys.argv[1])]
part = next(op["time"] for op in ops if op["process"] == "nemesis" and op["f"] == "partition" and op["type"] != "invoke")
conv = [op for op in ops if op["process"] == "controller" and op["f"] == "converged" and op["type"] == "ok"]
assert conv and "n4" in json.dumps(conv[-1].get("value")), conv[-1:]
heal = next(op["time"] for op in ops if op["process"] == "nemesis" and op["f"] == "heal" and op["type"] == "invoke")
late = [op for op in ops if isinstance(op["process"], int) and op["type"] == "ok" and part < op["time"] < heal]
assert late and {op["node"] for op in late} == {"n1"}, {op["node"] for op in late}
print("acknowledged by n1 during the partition:", len(late))
PY
for name in cluster-failover cluster-reshard; do
  d=$(ls -d "$WORK"/runs/$name-*)
  read -r acked lost _ < <(recount "$d/history.jsonl")
  [ "$acked" -gt 4000 ] && [ "$lost" -eq 0 ] || fail "$name: $lost of $acked lost"
  [ "$(json_get "$d/results.json" checkers.perf.figures.redirects_moved)" -gt 0 ] \
    || fail "$name: no client was redirected (MOVED)"
done
d=$(ls -d "$WORK"/runs/cluster-reshard-*)
python3 - "$d/history.jsonl" <<'PY'
import json, sys
moves = [op["value"] for op in map(json.loads, open(sys.argv[1]))
         if op["process"] == "nemesis" and op["f"] == "migrate-slots" and op["type"] == "ok"]
assert len(moves) == 2 and all(m["moved"] == 500 for m in moves) and sum(m["keys"] for m in moves) > 0, moves
PY
d=$(ls -d "$WORK"/runs/cluster-failover-*)
grep -q '"final_master":"n4"\|"master":"n4"' "$d/history.jsonl" || fail "cluster-failover: n4 is not the master of slot 0 after the failover"
assert_nothing_left
echo PASS
