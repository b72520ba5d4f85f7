# No faults: nothing may be lost, nothing unexpected may appear.
source "$(dirname "$0")/lib.sh"

# Two runs at once: each lab is private (its own namespaces and bridge), so
# both work although they use the same addresses.
"$SB_BIN" run "$SCEN/healthy-short.json" --out "$WORK/runs2" >"$WORK/second.txt" 2>&1 &
second=$!
"$SB_BIN" run "$SCEN/healthy-short.json" --out "$WORK/runs" || fail "healthy run exited $?"
wait "$second" || { cat "$WORK/second.txt"; fail "the concurrent second run exited $?"; }
run=$(readlink -f "$WORK/runs/latest")
[ "$(json_get "$(readlink -f "$WORK/runs2/latest")/results.json" passed)" = "True" ] || fail "second run did not pass"
[ "$(json_get "$run/results.json" run_id)" != "$(json_get "$(readlink -f "$WORK/runs2/latest")/results.json" run_id)" ] || fail "both runs had one run id"
read -r acked lost unexpected < <(recount "$run/history.jsonl")
[ "$acked" -gt 100 ] || fail "only $acked writes acknowledged"
[ "$lost" -eq 0 ] || fail "$lost writes lost without faults"
[ "$unexpected" -eq 0 ] || fail "$unexpected unexpected values"
[ "$(json_get "$run/results.json" checkers.set.verdict)" = "valid" ] || fail "set verdict not valid"
[ "$(json_get "$run/results.json" passed)" = "True" ] || fail "run not passed"
assert_nothing_left
echo PASS
