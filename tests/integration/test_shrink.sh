# shrink turns a failing run into the smallest schedule that still fails:
# a random schedule of harmless faults (a replica paused, a replica cut off)
# before the one partition that cuts the master and its client off from the
# majority (scenarios/shrink-random.json) loses acknowledged writes; shrink
# keeps that partition and its heal alone, the scenario it writes passes
# validate, and run on it misses the expect the same way (set invalid, writes
# lost). A run that missed no expectation is refused; Ctrl-C stops a search
# with the best schedule so far written and no lab left.
source "$(dirname "$0")/lib.sh"
S="$SCEN/shrink-random.json"

# Namespaces of labs whose run folder is under $WORK (their lock files say
# so): shrink's replays remove their run folders, so lab.log cannot tell.
labs_of_this_test() {
  local n id
  for n in $(our_namespaces); do
    id=${n#sb-}; id=${id%%-*}
    grep -qs "run_dir $WORK" "/run/splitbrain/$id.lock" && echo "$n"
  done
  true
}

# ====== 1. The failing run ======
set +e
"$SB_BIN" run --out "$WORK/runs" "$S" >"$WORK/run.txt" 2>"$WORK/run.err"
status=$?
set -e
cat "$WORK/run.txt"
[ $status -eq 1 ] || { cat "$WORK/run.err"; fail "the run exited $status, expected 1 (writes lost)"; }
applied=$(python3 - "$WORK/runs/latest/history.jsonl" <<'PY'
import json, sys
n = 0
for line in open(sys.argv[1]):
    op = json.loads(line)
    v = op.get("value") or {}
    if op["process"] == "nemesis" and op["type"] == "ok" and op["f"] not in ("undo", "heal") \
            and isinstance(v, dict) and v.get("id", -1) >= 0 and not v.get("skipped"):
        n += 1
print(n)
PY
)
[ "$applied" -ge 4 ] || fail "only $applied faults applied; the test needs noise to shrink away"

# ====== 2. A run that missed no expectation is refused ======
# The same history, judged against an expect it meets (set invalid).
cp -rL "$WORK/runs/latest" "$WORK/met"
python3 - "$WORK/met/scenario.json" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
d["expect"] = {"set": {"valid": False}}
json.dump(d, open(sys.argv[1], "w"))
PY
set +e
"$SB_BIN" shrink "$WORK/met" --out "$WORK/met-shrunk.json" >"$WORK/met.txt" 2>"$WORK/met.err"
status=$?
set -e
[ $status -eq 2 ] || fail "shrink of a run that met its expect exited $status, expected 2"
[ "$(wc -l <"$WORK/met.err")" -eq 1 ] || fail "refusal is not one line: $(cat "$WORK/met.err")"
grep -q "met every expectation" "$WORK/met.err" || fail "refusal says: $(cat "$WORK/met.err")"
[ ! -e "$WORK/met-shrunk.json" ] || fail "a refused shrink wrote a scenario"

# ====== 3. Shrink: the partition and its heal alone ======
out="$WORK/out/shrink-random-shrunk.json"
mkdir -p "$WORK/out"
start=$SECONDS
# One attempt per candidate and a budget keep the test short: ddmin is done
# within it (the refinements that follow may be cut off by the budget).
"$SB_BIN" shrink "$WORK/runs" --attempts 1 --confirm 2 --budget 150s --out "$out" \
  >"$WORK/shrink.txt" 2>"$WORK/shrink.err" ||
  { cat "$WORK/shrink.txt" "$WORK/shrink.err"; fail "shrink exited $?"; }
cat "$WORK/shrink.txt"
echo "shrink took $((SECONDS - start)) s"
summary=$(head -1 "$WORK/shrink.txt")
[[ $summary =~ ^$applied\ faults,\ 8\ s\ -\>\ 1\ partition\ \+\ 1\ heal,\ [0-9.]+\ s\;\ reproduces\ [12]/2$ ]] ||
  fail "summary line: '$summary'"
grep -q "candidates" "$WORK/shrink.err" || fail "no progress line on stderr"
log="$WORK/out/shrink-random-shrunk.log"
grep -q '^candidate 1: ' "$log" || fail "the log lacks its candidates: $(cat "$log")"
grep -q -- '-> FAILS' "$log" && grep -q -- '-> passes' "$log" ||
  fail "the log shows no failing and no passing candidate: $(cat "$log")"
python3 - "$out" <<'PY' || fail "shrunk scenario: $(cat "$out")"
import json, sys
d = json.load(open(sys.argv[1]))
nem = d["nemesis"]
assert len(nem) == 1, nem
f = nem[0]
assert f["fault"] == "partition", f
assert sorted(sorted(g) for g in f["groups"]) == [["n1"], ["n2", "n3"]], f
assert "for" in f and "at" in f, f
assert d["name"] == "shrink-random-shrunk", d["name"]
assert "reproduces" in d["description"] and "shrink-random" in d["description"], d["description"]
assert d["expect"] == {"set": {"valid": True}}, d["expect"]
PY
"$SB_BIN" validate "$out" >/dev/null || fail "the shrunk scenario does not validate"

# ====== 4. The shrunk scenario misses its expect the same way ======
# As shrink counts it: in one of three runs at most (a short partition near
# the failover's threshold may heal in time once).
missed=""
for i in 1 2 3; do
  set +e
  "$SB_BIN" run --out "$WORK/again$i" "$out" >"$WORK/again.txt" 2>"$WORK/again.err"
  status=$?
  set -e
  cat "$WORK/again.txt"
  [ $status -ne 2 ] || { cat "$WORK/again.err"; fail "the shrunk scenario could not run"; }
  [ $status -eq 1 ] || continue
  r="$WORK/again$i/latest/results.json"
  [ "$(json_get "$r" checkers.set.verdict)" = invalid ] || fail "set is not invalid in $r"
  lost=$(json_get "$r" checkers.set.figures.lost_count)
  [ "$lost" -gt 0 ] || fail "the shrunk scenario missed its expect without losing writes"
  read -r _ relost _ < <(recount "$WORK/again$i/latest/history.jsonl")
  [ "$relost" = "$lost" ] || fail "recounted $relost lost writes, the checker says $lost"
  missed=$i
  break
done
[ -n "$missed" ] || fail "the shrunk scenario met its expect in 3 runs: it does not reproduce"

# ====== 5. Ctrl-C: the best so far written, no lab left ======
"$SB_BIN" shrink "$WORK/runs" --attempts 1 --confirm 1 --out "$WORK/int/x.json" \
  >"$WORK/int.txt" 2>"$WORK/int.err" &
pid=$!
mkdir -p "$WORK/int"
wait_for 60 grep -qs '^candidate 2: ' "$WORK/int/x.log" || fail "no second candidate within 60 s"
sleep 2 # the replay has its lab
kill -INT "$pid"
set +e
wait "$pid"
status=$?
set -e
[ $status -eq 2 ] || fail "an interrupted shrink exited $status, expected 2"
grep -q "best schedule so far" "$WORK/int.err" || fail "interrupted: $(cat "$WORK/int.err")"
"$SB_BIN" validate "$WORK/int/x.json" >/dev/null || fail "the best-so-far scenario does not validate"
left=$(labs_of_this_test)
[ -z "$left" ] || fail "labs left behind after Ctrl-C: $left"
assert_nothing_left

# ====== 6. A run through an external client, shrunk from the user's folder ======
# The scenario names its client relative to itself (clients/redis-py/...
# from scenarios/clients/, as the shipped ones do), and the run folder's
# copy cannot resolve that: shrink finds the program again from the
# scenario run was given, and its candidates name it by absolute path.
U="$WORK/user"
mkdir -p "$U/scenarios/clients"
ln -s "$SB_SOURCE_DIR/clients" "$U/clients"
python3 - "$SB_SOURCE_DIR/scenarios/clients/case2-redis-py.json" \
  "$U/scenarios/clients/ext.json" <<'PY'
import json, sys
s = json.load(open(sys.argv[1]))
s.update(name="ext", duration="7s", checkers=["set"], expect={"set": {"valid": True}})
s["nemesis"] = [{"at": "1s", "fault": "partition", "groups": [["n1"], ["n2", "n3"]]},
                {"at": "5s", "fault": "heal"}]
json.dump(s, open(sys.argv[2], "w"))
PY
set +e
(cd "$U" && "$SB_BIN" run scenarios/clients/ext.json >run.txt 2>&1)
status=$?
set -e
[ $status -eq 1 ] || { cat "$U/run.txt"; fail "the redis-py run exited $status, expected 1"; }
(cd "$U" && "$SB_BIN" shrink runs/latest --attempts 1 --confirm 0 --budget 1s >shrink.txt 2>&1) \
  || { cat "$U/shrink.txt"; fail "shrink of the redis-py run failed"; }
python3 - "$U/ext-shrunk.json" "$SB_SOURCE_DIR" <<'PY'
import json, os, sys
s = json.load(open(sys.argv[1]))
prog = s["clients"][0]["client"]["command"][0]
assert prog == os.path.realpath(os.path.join(sys.argv[2], "clients/redis-py/adapter.py")), prog
PY
"$SB_BIN" validate "$U/ext-shrunk.json" >/dev/null || fail "the shrunk redis-py scenario does not validate"
grep -q "failure kept: set invalid (lost writes)" "$U/shrink.txt" || fail "$(cat "$U/shrink.txt")"
echo "external client: shrunk from the user's folder, the adapter named by absolute path"
assert_nothing_left
echo PASS
