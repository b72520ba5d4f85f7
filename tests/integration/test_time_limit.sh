# test_time_limit.sh -- `splitbrain check --time-limit` bounds the
# linearizability search of each history: a history whose search is
# exponential ends quickly with verdict unknown and the reason, exit 1 (a
# checker not valid: a missed expectation), and the next history is still
# checked. Needs no root, no Redis: the histories are written here.
#
# The pathological history: K writes of values 1..K invoked at once by K
# processes, each ending :info (may have happened, at any time, or never),
# then one process reading 1, 2, ..., K in turn, then a read of a value
# nobody wrote. It is not linearizable, but proving it means trying every
# subset of the writes placed before each read: about K * 2^K
# configurations, hours for K = 40.
set -euo pipefail
: "${SB_BIN:?SB_BIN must point at the splitbrain binary}"
WORK=$(mktemp -d /tmp/sb-time-limit.XXXXXX)
trap 'rm -rf "$WORK"' EXIT

fail() { echo "FAIL: $*" >&2; exit 1; }

K=40
{
  echo "["
  for ((w = 1; w <= K; w++)); do
    echo "{:process $w, :type :invoke, :f :write, :value $w}"
  done
  for ((v = 1; v <= K; v++)); do
    echo "{:process 0, :type :invoke, :f :read, :value nil}"
    echo "{:process 0, :type :ok, :f :read, :value $v}"
  done
  echo "{:process 0, :type :invoke, :f :read, :value nil}"
  echo "{:process 0, :type :ok, :f :read, :value 1000}"
  for ((w = 1; w <= K; w++)); do
    echo "{:process $w, :type :info, :f :write, :value $w, :error :timeout}"
  done
  echo "]"
} >"$WORK/pathological.edn"
printf '%s\n' '[{:process 0, :type :invoke, :f :write, :value 1}' \
  ' {:process 0, :type :ok, :f :write, :value 1}' \
  ' {:process 1, :type :invoke, :f :read, :value nil}' \
  ' {:process 1, :type :ok, :f :read, :value 1}]' >"$WORK/valid.edn"

# ms since the epoch, from bash's EPOCHREALTIME (seconds.microseconds).
now_ms() { local t=${EPOCHREALTIME/[.,]/}; echo $((10#$t / 1000)); }

# 1. One history: unknown with the reason, exit 1, well before a hang.
t0=$(now_ms)
set +e
timeout 20 "$SB_BIN" check --format jepsen --time-limit 200ms "$WORK/pathological.edn" \
  >"$WORK/one.txt" 2>&1
status=$?
set -e
ms=$(($(now_ms) - t0))
cat "$WORK/one.txt"
[ "$status" -ne 124 ] || fail "check did not end within 20 s despite --time-limit 200ms"
[ "$status" -eq 1 ] || fail "exit status $status, want 1 (unknown is not valid)"
grep -Eq '^ *linearizable +unknown' "$WORK/one.txt" || fail "the verdict is not unknown"
grep -q 'time limit 200ms reached on the register' "$WORK/one.txt" ||
  fail "the reason does not name the time limit and where it was reached"
[ "$ms" -lt 5000 ] || fail "check took ${ms}ms with --time-limit 200ms"
echo "one history: unknown after ${ms}ms, exit $status"

# 2. The limit is per history: the next one is checked, and decided.
set +e
timeout 20 "$SB_BIN" check --format jepsen --time-limit 200ms --json "$WORK/all.jsonl" \
  "$WORK/pathological.edn" "$WORK/valid.edn" >"$WORK/two.txt" 2>&1
status=$?
set -e
cat "$WORK/two.txt"
[ "$status" -eq 1 ] || fail "two histories: exit status $status, want 1"
grep -Eq '^FAIL +.*pathological.edn +linearizable unknown' "$WORK/two.txt" ||
  fail "the pathological history is not unknown among several"
grep -Eq '^PASS +.*valid.edn +linearizable valid' "$WORK/two.txt" ||
  fail "the history after the pathological one was not checked"
grep -q 'time limit 200ms reached' "$WORK/all.jsonl" || fail "--json lacks the reason"

# 3. A limit that is not a positive duration is a usage error, exit 2.
for bad in 0s 10 -1s soon; do
  set +e
  "$SB_BIN" check --format jepsen --time-limit "$bad" "$WORK/valid.edn" >"$WORK/bad.txt" 2>&1
  status=$?
  set -e
  [ "$status" -eq 2 ] || fail "--time-limit $bad: exit $status, want 2"
  grep -q -- '--time-limit' "$WORK/bad.txt" || fail "--time-limit $bad: the error does not say which option"
done

# 4. A decided history under a limit keeps its verdict.
"$SB_BIN" check --format jepsen --time-limit 10s "$WORK/valid.edn" >"$WORK/ok.txt" ||
  fail "a valid history under --time-limit 10s did not pass"
echo "PASS"
