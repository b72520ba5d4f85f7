# The first hour with Splitbrain, as a newcomer walks it: run folders that
# are relative, hold spaces or go through a symlink; a misspelled Redis
# directive caught by validate at its place; a node that fails to start
# saying why; latest naming the last run with a history; check on bare
# histories and on many targets; list, help and a mistyped command.
source "$(dirname "$0")/lib.sh"

scen="$SCEN/healthy-short.json"
mk() { # mk OUT PYTHON-EXPR: a copy of healthy-short with one change
  python3 - "$scen" "$1" "$2" <<'EOF'
import json, sys
s = json.load(open(sys.argv[1]))
exec(sys.argv[3])
open(sys.argv[2], "w").write(json.dumps(s, indent=2) + "\n")
EOF
}

# 1. A relative run folder from a folder whose name has a space, entered
# through a symlink: the run works and says where its folder is, relatively.
mkdir -p "$WORK/my work"
ln -s "$WORK/my work" "$WORK/link"
cd "$WORK/link"
"$SB_BIN" run "$scen" >out.txt 2>err.txt || { cat out.txt err.txt; fail "run with the default run folder exited $?"; }
grep -q '^  run folder: runs/healthy-short-' out.txt || { cat out.txt; fail "the run folder is not shown relative to here"; }
[ -f runs/latest/history.jsonl ] || fail "runs/latest has no history"
good=$(readlink runs/latest)
grep -q 'waiting for convergence' err.txt || { cat err.txt; fail "the quiet phases are not narrated"; }
grep -q 'writing reports' err.txt || fail "the report phase is not narrated"

# An absolute --out with a space, reached through the symlink.
"$SB_BIN" run "$scen" --out "$WORK/link/other runs" >out2.txt 2>&1 || { cat out2.txt; fail "run with --out 'other runs' exited $?"; }
[ -f "$WORK/my work/other runs/latest/history.jsonl" ] || fail "no history under 'other runs'"
grep -q "^dir \"$WORK/link/other runs/" "$WORK/my work/other runs/latest/nodes/n1/redis/redis.conf" ||
  fail "the node's dir is not quoted in redis.conf"

# 2. A misspelled directive: validate names its place and Redis's reason,
# before any lab exists; run refuses it the same way.
mk typo.json 's["deployment"]["redis"]["config"]["appendonlyy"] = "no"'
set +e
"$SB_BIN" validate typo.json >v.txt 2>&1; st=$?
set -e
[ "$st" -eq 2 ] || { cat v.txt; fail "validate of a misspelled directive exited $st, not 2"; }
grep -Eq '^typo\.json:[0-9]+:[0-9]+: redis\.conf directive "appendonlyy no" rejected by /usr/bin/redis-server: Bad directive' v.txt ||
  { cat v.txt; fail "validate does not name the directive, its place and Redis's reason"; }
mk bad-sentinel.json 's["deployment"]["sentinels"]["config"]["down-after-milliseconds"] = "soon"'
set +e
"$SB_BIN" validate bad-sentinel.json >v.txt 2>&1; st=$?
set -e
[ "$st" -eq 2 ] && grep -q 'sentinel.conf directive "sentinel down-after-milliseconds mymaster soon"' v.txt ||
  { cat v.txt; fail "a bad sentinel directive is not caught"; }
set +e
"$SB_BIN" run typo.json >r.txt 2>&1; st=$?
set -e
[ "$st" -eq 2 ] && grep -q 'appendonlyy' r.txt || { cat r.txt; fail "run of a misspelled directive: exit $st"; }
[ "$(ls runs | wc -l)" -eq 2 ] || { ls runs; fail "a refused scenario made a run folder"; }

# 3. A node that fails after its config was read: the error quotes Redis's
# reason and the log's path from here; latest does not move.
mk nostart.json 's["deployment"]["redis"]["config"]["unixsocket"] = "/nonexistent-sb-dir/redis.sock"'
set +e
"$SB_BIN" run nostart.json >r.txt 2>&1; st=$?
set -e
[ "$st" -eq 2 ] || { cat r.txt; fail "a node that cannot start: exit $st, not 2"; }
grep -Eq 'exited during start-up: .*(Unix socket|unixsocket|No such file).*; log: runs/healthy-short-[0-9-]+/nodes/n[0-9]/redis/redis\.log' r.txt ||
  { cat r.txt; fail "the start-up error does not quote Redis's reason and the log's relative path"; }
[ "$(readlink runs/latest)" = "$good" ] || fail "latest moved to a run that failed to start"
failed_dir=$(ls -d runs/healthy-short-* | grep -v "$good" | head -1)
grep -q 'exited during start-up' "$failed_dir/summary.txt" || fail "the failed run's summary.txt lacks its error"
grep -q 'exited during start-up' "$failed_dir/results.json" || fail "the failed run's results.json lacks its error"

# 4. report and check on the folder of runs take its latest run.
"$SB_BIN" report runs >rep.txt 2>&1 || { cat rep.txt; fail "report runs exited $?"; }
grep -qx "runs/latest/report.html" rep.txt || { cat rep.txt; fail "report runs did not pick the latest run"; }
"$SB_BIN" check runs >chk.txt 2>&1 || { cat chk.txt; fail "check runs exited $?"; }
grep -q "run $(json_get runs/latest/results.json run_id)" chk.txt || { cat chk.txt; fail "check RUN lost the run id"; }
mkdir nolatest && cp -a "runs/$good" nolatest/
mv "nolatest/$good" nolatest/a-run
set +e
"$SB_BIN" check nolatest >chk.txt 2>&1; st=$?
set -e
[ "$st" -eq 2 ] && grep -q 'a folder of runs without a latest run; give one of: nolatest/a-run' chk.txt ||
  { cat chk.txt; fail "a folder of runs without latest does not list its runs"; }

# 5. check on a bare history: the checkers that apply, the rest skipped, exit 0.
"$SB_BIN" check runs/latest/history.jsonl >chk.txt 2>&1 || { cat chk.txt; fail "check on a valid bare history exited $?"; }
grep -q '^  skipped .*counter' chk.txt || { cat chk.txt; fail "checkers with nothing to check are not marked skipped"; }
grep -q 'unknown' chk.txt && { cat chk.txt; fail "a checker with nothing to check says unknown"; }
# Many targets in one call: one line each, a total, the worst status.
for i in $(seq 1 100); do cp runs/latest/history.jsonl "h$i.jsonl"; done
set +e
"$SB_BIN" check h*.jsonl runs/latest /nonexistent --json all.jsonl >many.txt 2>&1; st=$?
set -e
[ "$st" -eq 2 ] || { tail many.txt; fail "check over many targets with a missing one exited $st, not 2"; }
grep -q '^total: 102 histories, 101 passed, 0 missed, 1 could not be checked' many.txt || { tail many.txt; fail "no total line"; }
[ "$(wc -l <all.jsonl)" -eq 102 ] || fail "--json over many targets is not one object per target"
"$SB_BIN" check h1.jsonl h2.jsonl >two.txt 2>&1 || fail "two valid histories exited $?"

# 5b. A role target nobody holds when its fault fires (here: no master, the
# only one is killed and the sentinels are slow to notice) is recorded as
# skipped with the reason; the run goes on and ends normally.
mk norole.json 's["deployment"]["sentinels"]["config"]["down-after-milliseconds"] = 30000
s["nemesis"] = [{"at": "1s", "fault": "kill", "target": "master", "process": "redis"},
                {"at": "2s", "fault": "pause", "target": "master", "process": "redis", "for": "1s"}]
s["expect"] = {"set": {"valid": "any"}, "convergence": {"valid": "any"}}'
"$SB_BIN" run norole.json --out norole >nr.txt 2>&1 || { cat nr.txt; fail "a fault whose role nobody holds ended the run: exit $?"; }
grep '"f":"pause"' norole/latest/history.jsonl | grep '"type":"fail"' | grep -q '"skipped":true' ||
  { grep '"process":"nemesis"' norole/latest/history.jsonl; fail "the pause of no master was not recorded as skipped"; }
grep -q 'no redis node says it is master' norole/latest/history.jsonl || fail "the skipped fault lacks its reason"

# 6. list, help, a mistyped command.
cd "$SB_SOURCE_DIR"
"$SB_BIN" list >"$WORK/list.txt" || fail "list exited $?"
grep -Eq '^scenarios/blog/sentinel-case2-partition\.json +sentinel +20s +' "$WORK/list.txt" || { head "$WORK/list.txt"; fail "list lacks Case II with its kind and duration"; }
"$SB_BIN" help check | grep -q '^usage: splitbrain check' || fail "help check is not check --help"
"$SB_BIN" help mediator | grep -q 'de-duplicates' || fail "mediator has no full help"
set +e
"$SB_BIN" chekc >"$WORK/typo.txt" 2>&1; st=$?
set -e
[ "$st" -eq 2 ] && grep -q 'did you mean "check"' "$WORK/typo.txt" || { cat "$WORK/typo.txt"; fail "a mistyped command is not corrected"; }
cd /
assert_nothing_left
echo PASS
