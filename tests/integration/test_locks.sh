# The lock workload against real Redis: a single-instance lock and Redlock
# hold safely without faults; Kleppmann's two cases break them: a clock jump
# on the Redlock node both sides share gives two holders at once, and a
# client paused past its TTL writes with an old fencing token. Every figure
# the expectations rest on is recounted here from history.jsonl.
source "$(dirname "$0")/lib.sh"
S="$SB_SOURCE_DIR/scenarios"

"$SB_BIN" run --out "$WORK/runs" "$S/ci/lock-healthy-single.json" "$S/ci/lock-healthy-redlock.json" \
  "$S/blog/redlock-clock-jump.json" "$S/blog/lock-process-pause.json" \
  >"$WORK/out.txt" 2>"$WORK/err.txt" \
  || { cat "$WORK/out.txt" "$WORK/err.txt"; fail "run exited $?, expected 0 (every expectation met)"; }
cat "$WORK/out.txt"

recount() { # run-folder -> "holds overlaps fence_inversions"
  python3 - "$1/history.jsonl" <<'PY'
import json, sys
holds, resource = [], None
for line in open(sys.argv[1]):
    op = json.loads(line)
    v = op.get("value")
    if isinstance(op["process"], int) and op["f"] == "lock" and op["type"] == "ok":
        holds.append((v["acquired"], v["released"], op["process"]))
    if op["process"] == "controller" and op["f"] == "read" and op["type"] == "ok":
        resource = v["resource"]
overlaps = sum(1 for i, a in enumerate(holds) for b in holds[i + 1:]
               if a[2] != b[2] and a[0] < b[1] and b[0] < a[1])
fences = [int(e.split(":")[1]) for e in resource]
inversions = sum(1 for i in range(1, len(fences)) if fences[i] <= max(fences[:i]))
print(len(holds), overlaps, inversions)
PY
}
for name in lock-healthy-single lock-healthy-redlock; do
  read -r holds overlaps inv < <(recount "$(ls -d "$WORK"/runs/$name-*)")
  [ "$holds" -ge 20 ] && [ "$overlaps" -eq 0 ] && [ "$inv" -eq 0 ] \
    || fail "$name: $holds holds, $overlaps overlaps, $inv fence inversions"
done
r=$(ls -d "$WORK"/runs/redlock-clock-jump-*)
read -r holds overlaps inv < <(recount "$r")
[ "$overlaps" -ge 1 ] || fail "redlock clock jump: no overlapping holds in $holds"
[ "$(json_get "$r/results.json" checkers.lock.figures.overlaps)" = "$overlaps" ] \
  || fail "redlock: the checker's overlaps disagree with the recount ($overlaps)"
grep -q '"f":"clock".*"r3"' "$r/history.jsonl" || fail "no clock fault on r3 in the history"
p=$(ls -d "$WORK"/runs/lock-process-pause-*)
read -r holds overlaps inv < <(recount "$p")
[ "$inv" -ge 1 ] || fail "process pause: fences in order ($holds holds)"
[ "$(json_get "$p/results.json" checkers.lock.figures.fence_violations)" = "$inv" ] \
  || fail "pause: the checker's fence_violations disagree with the recount ($inv)"
"$SB_BIN" check "$p" >/dev/null || fail "offline check of the pause run does not meet its expectations"
assert_nothing_left
echo PASS
