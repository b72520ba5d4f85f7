# Case I of the background document, short: the master is killed, the
# majority fails over, and the restarted old master rejoins as a replica
# (it must stay up after the nemesis schedule has finished).
source "$(dirname "$0")/lib.sh"

"$SB_BIN" run "$SCEN/case1-short.json" --out "$WORK/runs" >"$WORK/out.txt" 2>"$WORK/err.txt" \
  || { cat "$WORK/out.txt" "$WORK/err.txt"; fail "run exited $?, expected 0"; }
cat "$WORK/out.txt"
run=$(readlink -f "$WORK/runs/latest")
python3 - "$run/results.json" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))["checkers"]
conv = r["convergence"]["figures"]
assert conv["final_master"] != "n1", conv
assert "n1" in conv["replicas"], conv          # the old master came back as a replica
assert r["set"]["figures"]["lost_fraction"] <= 0.05, r["set"]["figures"]
PY
grep -q '"f":"restart"' "$run/history.jsonl" || fail "no restart in the history"
# Whichever sentinel sees the returned old master first reconfigures it.
grep -q -- '+convert-to-slave' "$run"/nodes/*/sentinel/sentinel.log || fail "no sentinel reconfigured the old master"
read -r acked lost unexpected < <(recount "$run/history.jsonl")
[ "$(json_get "$run/results.json" checkers.set.figures.lost_count)" = "$lost" ] || fail "lost_count disagrees with the recount"
assert_nothing_left
echo PASS
