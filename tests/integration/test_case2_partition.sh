# Case II of the background document, short: the master, the client and
# sentinel 1 are cut off; writes the old master acknowledges are lost.
source "$(dirname "$0")/lib.sh"

set +e
"$SB_BIN" run "$SCEN/case2-short.json" --out "$WORK/runs" --junit "$WORK/junit.xml" >"$WORK/out.txt" 2>"$WORK/err.txt"
status=$?
set -e
cat "$WORK/out.txt"
[ $status -eq 0 ] || { cat "$WORK/err.txt"; fail "run exited $status, expected 0 (expect met: writes lost)"; }
run=$(readlink -f "$WORK/runs/latest")
for f in scenario.json history.jsonl results.json summary.txt lab.log nodes/n1/redis/redis.log nodes/n2/sentinel/sentinel.log; do
  [ -s "$run/$f" ] || fail "run folder lacks $f"
done

read -r acked lost unexpected < <(recount "$run/history.jsonl")
[ "$lost" -gt 0 ] || fail "no acknowledged write was lost"
[ "$(json_get "$run/results.json" checkers.set.figures.lost_count)" = "$lost" ] || fail "results.json lost_count disagrees with the recount ($lost)"
[ "$(json_get "$run/results.json" checkers.set.figures.acknowledged)" = "$acked" ] || fail "acknowledged disagrees with the recount ($acked)"
[ "$(json_get "$run/results.json" checkers.set.verdict)" = "invalid" ] || fail "set verdict is not invalid"
[ "$(json_get "$run/results.json" checkers.convergence.figures.final_master)" != "n1" ] || fail "no failover away from n1"
grep -q '"f":"partition"' "$run/history.jsonl" || fail "no partition in the history"
grep -q -- '+switch-master' "$run"/nodes/n2/sentinel/sentinel.log "$run"/nodes/n3/sentinel/sentinel.log || fail "the majority's sentinels never switched master"
echo "lost $lost of $acked acknowledged writes; recount agrees"

# The lost writes were acknowledged by the old master.
python3 - "$run/results.json" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))["checkers"]["set"]["figures"]
assert set(r["lost_by_node"]) == {"n1"}, r["lost_by_node"]
assert r["lost_windows"] and all(w["node"] == "n1" for w in r["lost_windows"])
PY

# Offline check of the saved run gives the same verdicts.
"$SB_BIN" check "$run" >"$WORK/check.txt" || fail "offline check exited $? (expected 0)"
grep -q "lost $lost of" "$WORK/check.txt" || { cat "$WORK/check.txt"; fail "offline check disagrees"; }

# JUnit: one testsuite, one testcase per checker, well-formed.
python3 - "$WORK/junit.xml" <<'PY'
import sys, xml.etree.ElementTree as ET
root = ET.parse(sys.argv[1]).getroot()
suites = root.findall("testsuite")
assert len(suites) == 1, suites
cases = {c.get("name") for c in suites[0].findall("testcase")}
assert cases == {"set", "convergence"}, cases
PY
assert_nothing_left
echo PASS
