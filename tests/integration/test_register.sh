# The register workload against real Redis: linearizable without faults
# (the final read included), not linearizable in Case II, with the
# operation that cannot be placed; `splitbrain check` agrees offline.
source "$(dirname "$0")/lib.sh"
S="$SB_SOURCE_DIR/scenarios"

"$SB_BIN" run --out "$WORK/runs" "$S/ci/sentinel-healthy-register.json" \
  "$S/blog/sentinel-case2-register.json" >"$WORK/out.txt" 2>"$WORK/err.txt" \
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
"$SB_BIN" check --checker linearizable "$healthy/history.jsonl" | grep -q "are linearizable" || fail "offline check of the healthy history"
assert_nothing_left
echo PASS
