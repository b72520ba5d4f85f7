# Elle's list-append workload (MULTI/EXEC) and replica reads against real
# Redis: healthy runs are clean; Case II loses committed appends (recounted
# here from the history against the final read); a replica cut off from its
# master serves stale reads that break read-your-writes.
source "$(dirname "$0")/lib.sh"
S="$SB_SOURCE_DIR/scenarios"

"$SB_BIN" run --out "$WORK/runs" "$S/ci/sentinel-healthy-list-append.json" \
  "$S/blog/sentinel-case2-list-append.json" "$S/ci/sentinel-healthy-stale-read.json" \
  "$S/blog/replica-reads-partition.json" >"$WORK/out.txt" 2>"$WORK/err.txt" \
  || { cat "$WORK/out.txt" "$WORK/err.txt"; fail "run exited $?, expected 0 (every expectation met)"; }
cat "$WORK/out.txt"
lost() { # run-folder -> "committed_appends lost"
  python3 - "$1/history.jsonl" <<'PY'
import json, sys
acked, final = [], None
for line in open(sys.argv[1]):
    op = json.loads(line)
    if isinstance(op["process"], int) and op["f"] == "txn" and op["type"] == "ok":
        acked += [(m[1], m[2]) for m in op["value"] if m[0] == "append"]
    if op["process"] == "controller" and op["f"] == "read" and op["type"] == "ok":
        final = op["value"]
print(len(acked), sum(1 for k, v in acked if v not in final.get(k, [])))  # a key the final read lacks is empty
PY
}
h=$(ls -d "$WORK"/runs/sentinel-healthy-list-append-*)
read -r acked n < <(lost "$h")
[ "$acked" -gt 500 ] && [ "$n" -eq 0 ] || fail "healthy list-append: $n of $acked lost"
c=$(ls -d "$WORK"/runs/sentinel-case2-list-append-*)
read -r acked n < <(lost "$c")
[ "$n" -gt 0 ] || fail "Case II list-append: nothing lost of $acked"
[ "$(json_get "$c/results.json" checkers.list-append.figures.lost_count)" = "$n" ] \
  || fail "list-append lost_count disagrees with the recount ($n)"
p=$(ls -d "$WORK"/runs/replica-reads-partition-*)
python3 - "$p/history.jsonl" <<'PY'
import json, sys
# Read-your-writes, recounted: a worker's read of its own key from n2, begun
# after one of its writes was acknowledged, returned an older value.
acked, invoked, bad = {}, {}, 0
for line in open(sys.argv[1]):
    op = json.loads(line)
    if not isinstance(op["process"], int):
        continue
    p, v = op["process"], op.get("value") or {}
    if op["type"] == "invoke":
        invoked[p] = op["time"]
    elif op["f"] == "write" and op["type"] == "ok":
        acked[p] = v["v"]
    elif op["f"] == "read" and op["type"] == "ok" and v["k"] == "k%d" % p and op.get("node") == "n2":
        if (v["v"] or 0) < acked.get(p, 0):
            bad += 1
assert bad > 0, "no read-your-writes violation from n2"
print("read-your-writes violations from n2:", bad)
PY
assert_nothing_left
echo PASS
