# The JUnit XML of `splitbrain check RUN_DIR --junit FILE` is valid for the
# schema CI is held to (tests/data/junit.xsd), for a run folder whose
# expectations are met and for one that misses a bound; the failure's
# message names the bound that missed. Needs no root, no Redis: the run
# folders are written by hand (scenario.json and history.jsonl).
set -euo pipefail
: "${SB_BIN:?SB_BIN must point at the splitbrain binary}"
: "${SB_SOURCE_DIR:?SB_SOURCE_DIR must point at the source tree}"
XSD="$SB_SOURCE_DIR/tests/data/junit.xsd"
WORK=$(mktemp -d /tmp/sb-junit.XXXXXX)
trap 'rm -rf "$WORK"' EXIT

fail() { echo "FAIL: $*" >&2; exit 1; }
command -v xmllint >/dev/null || fail "xmllint is missing (apt-get install libxml2-utils)"

# A run folder $1: the healthy CI scenario checked by the set checker alone,
# at most 1% of acknowledged writes may be lost; ten writes acknowledged by
# n1, of which the final read (from n2) holds the values in $2.
make_run() {
  local dir=$1 final=$2
  mkdir -p "$dir"
  python3 - "$SB_SOURCE_DIR/scenarios/ci/sentinel-healthy.json" "$dir/scenario.json" <<'PY'
import json, sys
s = json.load(open(sys.argv[1]))
s["name"] = "junit-schema"
s["checkers"] = ["set"]
s["expect"] = {"set": {"valid": "any", "lost_fraction": {"max": 0.01}}}
json.dump(s, open(sys.argv[2], "w"), indent=2)
PY
  python3 - "$dir/history.jsonl" "$final" <<'PY'
import json, sys
ops, ms = [], 1000000
for v in range(10):
    p = v % 2
    ops.append({"process": p, "type": "invoke", "f": "add", "value": v, "time": (100 + 10 * v) * ms})
    ops.append({"process": p, "type": "ok", "f": "add", "value": v, "time": (101 + 10 * v) * ms,
                "node": "n1"})
ops.append({"process": "controller", "type": "invoke", "f": "read", "value": None, "time": 500 * ms,
            "node": "n2"})
ops.append({"process": "controller", "type": "ok", "f": "read", "value": json.loads(sys.argv[2]),
            "time": 501 * ms, "node": "n2"})
with open(sys.argv[1], "w") as f:
    for i, op in enumerate(ops):
        f.write(json.dumps(dict(index=i, **op)) + "\n")
PY
}

# Checks run folder $1 with --junit $2 (and --json $2.json); the exit
# status must be $3.
check_junit() {
  local status=0
  "$SB_BIN" check "$1" --junit "$2" --json "$2.json" >"$WORK/out.txt" 2>"$WORK/err.txt" \
    || status=$?
  [ "$status" -eq "$3" ] || { cat "$WORK/out.txt" "$WORK/err.txt"; fail "check $1 exited $status, expected $3"; }
  [ -s "$2" ] || fail "check $1 wrote no $2"
  xmllint --noout --schema "$XSD" "$2" 2>"$WORK/xmllint.txt" \
    || { cat "$WORK/xmllint.txt" "$2"; fail "$2 is not valid for $XSD"; }
}

make_run "$WORK/pass" "[0, 1, 2, 3, 4, 5, 6, 7, 8, 9]"
make_run "$WORK/miss" "[0, 1, 2, 3, 4, 5, 9]" # 7, 8 and 6 lost: 30% > 1%

check_junit "$WORK/pass" "$WORK/pass.xml" 0
grep -q '<testsuites name="splitbrain" tests="1" failures="0" errors="0"' "$WORK/pass.xml" \
  || { cat "$WORK/pass.xml"; fail "pass.xml: totals"; }
! grep -q '<failure' "$WORK/pass.xml" || { cat "$WORK/pass.xml"; fail "pass.xml has a failure"; }

check_junit "$WORK/miss" "$WORK/miss.xml" 1
grep -q '<testsuites name="splitbrain" tests="1" failures="1" errors="0"' "$WORK/miss.xml" \
  || { cat "$WORK/miss.xml"; fail "miss.xml: totals"; }
msg=$(grep -o '<failure type="expectation" message="[^"]*"' "$WORK/miss.xml" || true)
[ -n "$msg" ] || { cat "$WORK/miss.xml"; fail "miss.xml: no failure of type expectation"; }
case "$msg" in
  *'message="set: lost_fraction 0.3 &gt; max 0.01"'*) ;;
  *) fail "the failure message does not name the bound: $msg" ;;
esac
for p in scenario seed run_id run_dir rerun; do
  grep -q "<property name=\"$p\" value=" "$WORK/miss.xml" || fail "miss.xml: no property $p"
done
grep -q "<property name=\"run_dir\" value=\"$WORK/miss\"/>" "$WORK/miss.xml" \
  || { cat "$WORK/miss.xml"; fail "miss.xml: run_dir property"; }
grep -q "^report: $WORK/miss/report.html\$" "$WORK/miss.xml" \
  || { cat "$WORK/miss.xml"; fail "miss.xml: the failure does not end with the report's path"; }
python3 - "$WORK/miss.xml.json" <<'PY' || fail "results (--json) lack a number check_seconds for set"
import json, sys
s = json.load(open(sys.argv[1]))["checkers"]["set"]["check_seconds"]
assert isinstance(s, float) and s >= 0, s
PY
echo "ok: both JUnit files valid for junit.xsd; the failure names lost_fraction and its max"
