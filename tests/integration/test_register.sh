# The register and counter workloads against real Redis: linearizable /
# in bounds without faults (the final read included); in Case II not
# linearizable, with the operation that cannot be placed, and increments
# lost; `splitbrain check` agrees offline.
source "$(dirname "$0")/lib.sh"
S="$SB_SOURCE_DIR/scenarios"

"$SB_BIN" run --out "$WORK/runs" "$S/ci/sentinel-healthy-register.json" \
  "$S/blog/sentinel-case2-register.json" "$S/ci/sentinel-healthy-counter.json" \
  "$S/blog/sentinel-case2-counter.json" >"$WORK/out.txt" 2>"$WORK/err.txt" \
  || { cat "$WORK/out.txt" "$WORK/err.txt"; fail "run exited $?, expected 0"; }
cat "$WORK/out.txt"
healthy=$(ls -d "$WORK"/runs/sentinel-healthy-register-*)
case2=$(ls -d "$WORK"/runs/sentinel-case2-register-*)
python3 - "$healthy/history.jsonl" <<'PY'
import json, sys
f = {"read": 0, "write": 0, "cas": 0}
for line in open(sys.argv[1]):
    op = json.loads(line)
    if isinstance(op["process"], int) and op["type"] == "ok":
        f[op["f"]] += 1
assert f["read"] > 100 and f["write"] > 100 and f["cas"] > 20, f   # every kind really happened
PY
[ "$(json_get "$case2/results.json" checkers.linearizable.verdict)" = invalid ] || fail "Case II: not invalid"
json_get "$case2/results.json" checkers.linearizable.figures.violation.op >/dev/null || fail "no violating operation reported"
"$SB_BIN" check "$case2" >"$WORK/check.txt"; rc=$?
grep -q "not linearizable" "$WORK/check.txt" || fail "offline check disagrees"
"$SB_BIN" check --checker linearizable "$healthy/history.jsonl" | grep "are linearizable" >/dev/null || fail "offline check of the healthy history"
# Counter: the lost increments are what the history says.
c2=$(ls -d "$WORK"/runs/sentinel-case2-counter-*)
python3 - "$c2/history.jsonl" "$(json_get "$c2/results.json" checkers.counter.figures.lost)" <<'PY'
import json, sys
acked, final = 0, None
for line in open(sys.argv[1]):
    op = json.loads(line)
    if isinstance(op["process"], int) and op["f"] == "incr" and op["type"] == "ok":
        acked += 1
    if op["process"] == "controller" and op["f"] == "read" and op["type"] == "ok":
        final = op["value"]
assert final is not None and acked - final == int(sys.argv[2]) > 0, (acked, final, sys.argv[2])
PY
assert_nothing_left
echo PASS
