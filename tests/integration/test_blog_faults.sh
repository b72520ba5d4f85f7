# The nemesis scenarios of the background document, run from the CLI as
# users run them, with their expectations as the verdict:
#   persistence off + fast master restart: the replicas resync to the empty
#   data set and the acknowledged writes are gone (BP.4); with AOF, nothing;
#   a +5 s clock jump on one sentinel puts exactly that sentinel in TILT;
#   sentinel scale-up: S6 and S7 added together, then a partition -> two
#   majorities, a second master, lost writes; added one by one -> none.
# Each figure is recounted from the history where it can be.
source "$(dirname "$0")/lib.sh"
B="$SB_SOURCE_DIR/scenarios/blog"

status=0
"$SB_BIN" run --out "$WORK/runs" --junit "$WORK/junit.xml" \
  "$B/persistence-off-restart.json" "$B/persistence-aof-restart.json" "$B/sentinel-tilt.json" \
  "$B/sentinel-scaleup-splitbrain.json" "$B/sentinel-scaleup-one-by-one.json" \
  >"$WORK/out.txt" 2>"$WORK/err.txt" || status=$?
cat "$WORK/out.txt"
[ $status -eq 0 ] || { cat "$WORK/err.txt"; fail "run exited $status, expected 0 (every expectation met)"; }
grep -q 'failures="0"' "$WORK/junit.xml" || fail "JUnit reports failures"

dir() { ls -d "$WORK"/runs/"$1"-* | head -1; }

# Persistence off: the loss is what the history says it is, and large.
read -r acked lost _ < <(recount "$(dir persistence-off-restart)/history.jsonl")
[ "$lost" -ge 2000 ] || fail "persistence off: only $lost lost"
[ "$(json_get "$(dir persistence-off-restart)/results.json" checkers.set.figures.lost_count)" = "$lost" ] \
  || fail "persistence off: lost_count disagrees with the recount"
grep -q 'full-resync' "$(dir persistence-off-restart)/history.jsonl" \
  || fail "persistence off: no full resync recorded from the logs"
read -r acked lost _ < <(recount "$(dir persistence-aof-restart)/history.jsonl")
[ "$lost" -eq 0 ] || fail "AOF: $lost lost"

# TILT: the sentinel's own log says so, and only n2's.
t=$(dir sentinel-tilt)
grep -q '+tilt' "$t/nodes/n2/sentinel/sentinel.log" || fail "no +tilt in n2's sentinel log"
! grep -q '+tilt' "$t/nodes/n1/sentinel/sentinel.log" "$t/nodes/n3/sentinel/sentinel.log" \
  || fail "+tilt on a sentinel whose clock did not move"
grep -q '"process":"node".*"f":"+tilt".*"node":"n2"' "$t/history.jsonl" || fail "+tilt not in the history"

# Scale-up together: during the partition two nodes acted as master at once.
s=$(dir sentinel-scaleup-splitbrain)
python3 - "$s/history.jsonl" <<'PY'
import json, sys
# A moment where side 1 counts 7 sentinels and side 2 still counts 5, and
# the two sides name different masters: both had a majority of what they knew.
found = None
for line in open(sys.argv[1]):
    op = json.loads(line)
    if op["process"] != "controller" or op["f"] != "sentinel-views":
        continue
    v = op["value"]
    if not all(v.get(h) for h in ("s1", "s2", "s3", "s4")):
        continue
    if (v["s1"]["known_sentinels"] == 7 and all(v[h]["known_sentinels"] == 5 for h in ("s2", "s3", "s4"))
            and v["s1"]["master"] != v["s2"]["master"]):
        found = (op["time"] / 1e9, v["s1"]["master"], v["s2"]["master"])
        break
assert found, "no moment with two majorities naming two masters"
print("two majorities at %.1fs: side 1 names %s, side 2 names %s" % found)
PY
read -r acked lost _ < <(recount "$s/history.jsonl")
[ "$lost" -gt 0 ] || fail "scale-up together: nothing lost"
read -r acked lost _ < <(recount "$(dir sentinel-scaleup-one-by-one)/history.jsonl")
[ "$lost" -eq 0 ] || fail "scale-up one by one: $lost lost"

assert_nothing_left
# Runtime folders of this test's runs (another run, e.g. a user's, may be
# alive at the same time and keep its own).
for id in $(our_run_ids); do
  [ ! -e "/run/splitbrain/$id.d" ] || fail "runtime folder /run/splitbrain/$id.d left behind"
done
echo PASS
