# SIGINT mid-run and a start-up that fails half way both remove the lab and
# exit 2 with a one-line reason; bad scenarios give file:line:col and exit 2.
source "$(dirname "$0")/lib.sh"

history_started() { [ -s "$(readlink -f "$WORK/runs/latest")/history.jsonl" ] 2>/dev/null; }

# 1. SIGINT while the workload runs.
"$SB_BIN" run "$SCEN/case2-short.json" --out "$WORK/runs" >"$WORK/out.txt" 2>"$WORK/err.txt" &
pid=$!
wait_for 60 history_started || fail "run did not start"
kill -INT "$pid"
set +e; wait "$pid"; status=$?; set -e
[ $status -eq 2 ] || fail "SIGINT run exited $status, expected 2"
grep -q "interrupted" "$WORK/err.txt" || { cat "$WORK/err.txt"; fail "no interruption message"; }
assert_nothing_left
# The history it left is a readable prefix.
"$SB_BIN" check "$(readlink -f "$WORK/runs/latest")/history.jsonl" >/dev/null || [ $? -eq 1 ] || fail "interrupted history unreadable"

# 2. A redis-server that judges configs like Redis (run asks it about the
# scenario's directives first) but exits at once when started as a node:
# start-up fails half way.
printf '#!/bin/sh\n[ "$1" = "-" ] && exec /usr/bin/redis-server "$@"\necho "refusing to start" >&2\nexit 1\n' >"$WORK/false-redis"
chmod +x "$WORK/false-redis"
set +e
"$SB_BIN" run "$SCEN/healthy-short.json" --out "$WORK/runs2" --redis-server "$WORK/false-redis" >/dev/null 2>"$WORK/err2.txt"
status=$?
set -e
[ $status -eq 2 ] || fail "failed start exited $status, expected 2"
grep -q "exited during start-up: refusing to start; log: " "$WORK/err2.txt" || { cat "$WORK/err2.txt"; fail "no start-up reason"; }
# A binary that is no Redis at all is found out before any lab exists.
set +e
"$SB_BIN" run "$SCEN/healthy-short.json" --out "$WORK/runs2b" --redis-server /bin/false >/dev/null 2>"$WORK/err2b.txt"
status=$?
set -e
[ $status -eq 2 ] && grep -q "gave no verdict" "$WORK/err2b.txt" || { cat "$WORK/err2b.txt"; fail "/bin/false as redis-server: status $status"; }
[ ! -e "$WORK/runs2b" ] || fail "a binary that is no Redis got a run folder"
assert_nothing_left

# 3. A missing binary.
set +e
"$SB_BIN" run "$SCEN/healthy-short.json" --out "$WORK/runs3" --redis-server /nonexistent/redis >/dev/null 2>"$WORK/err3.txt"
status=$?
set -e
[ $status -eq 2 ] && [ "$(wc -l <"$WORK/err3.txt")" -eq 1 ] || fail "missing binary: status $status, $(cat "$WORK/err3.txt")"

# 4. Bad scenario files: one line with file:line:col, exit 2, nothing created.
while IFS=$'\t' read -r file pos; do
  [ -n "$file" ] || continue
  set +e
  "$SB_BIN" run "$SCEN/bad/$file" --out "$WORK/runs4" >/dev/null 2>"$WORK/bad.txt"
  status=$?
  set -e
  [ $status -eq 2 ] || fail "$file: exit $status, expected 2"
  [ "$(wc -l <"$WORK/bad.txt")" -eq 1 ] || fail "$file: more than one line: $(cat "$WORK/bad.txt")"
  grep -q "$file:$pos: " "$WORK/bad.txt" || fail "$file: expected position $pos in: $(cat "$WORK/bad.txt")"
  "$SB_BIN" validate "$SCEN/bad/$file" 2>/dev/null && fail "validate accepted $file"
done <"$SCEN/bad/EXPECTED.txt"
[ ! -e "$WORK/runs4" ] || fail "a bad scenario created a run folder"

# 5. Every shipped scenario validates; the CLI answers --help and --version.
"$SB_BIN" validate $(find "$SB_SOURCE_DIR/scenarios" -name '*.json' ! -name schema.json) >/dev/null || fail "shipped scenarios invalid"
for c in run validate check clean; do "$SB_BIN" $c --help | grep "usage: splitbrain $c" >/dev/null || fail "$c --help"; done
"$SB_BIN" --version | grep '^splitbrain [0-9]' >/dev/null || fail "--version"
set +e; "$SB_BIN" frobnicate 2>/dev/null; status=$?; set -e
[ $status -eq 2 ] || fail "unknown command exited $status"
assert_nothing_left
echo PASS
