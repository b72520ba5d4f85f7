# No faults: nothing may be lost, nothing unexpected may appear.
source "$(dirname "$0")/lib.sh"

"$SB_BIN" run "$SCEN/healthy-short.json" --out "$WORK/runs" || fail "healthy run exited $?"
run=$(readlink -f "$WORK/runs/latest")
read -r acked lost unexpected < <(recount "$run/history.jsonl")
[ "$acked" -gt 100 ] || fail "only $acked writes acknowledged"
[ "$lost" -eq 0 ] || fail "$lost writes lost without faults"
[ "$unexpected" -eq 0 ] || fail "$unexpected unexpected values"
[ "$(json_get "$run/results.json" checkers.set.verdict)" = "valid" ] || fail "set verdict not valid"
[ "$(json_get "$run/results.json" passed)" = "True" ] || fail "run not passed"
assert_nothing_left
echo PASS
