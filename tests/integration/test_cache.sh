# The cache workload against real Redis and a real origin service: the
# shipped thundering-herd scenarios, shortened to 4 s, in one run. The
# herd sizes, staleness and starvation are recounted here from the history
# (the origin's own arrival log), independently of the cache checker:
# without protection a hot key's expiry sends several requests to the
# origin at once; the lock, mediator, Redlock and fixed-MemoLock strategies
# send one per expiry; never-invalidate serves stale versions; the first
# MemoLock starves clients when the notification comes before they
# subscribe (the test hook makes that certain), the fixed one does not.
source "$(dirname "$0")/lib.sh"
S="$SB_SOURCE_DIR/scenarios/blog"
mkdir -p "$WORK/scen"
names="thundering-herd-none thundering-herd-lock thundering-herd-mediator thundering-herd-redlock
       thundering-herd-never-invalidate thundering-herd-update-on-write memolock-starvation
       memolock-starvation-fixed"
# Under faults, at their own lengths (their schedules are timed around an expiry).
faulted="thundering-herd-failover thundering-herd-origin-paused"
for n in $faulted; do cp "$S/$n.json" "$WORK/scen/$n.json"; done
for n in $names; do
  python3 - "$S/$n.json" "$WORK/scen/$n.json" <<'PY'
import json, sys
s = json.load(open(sys.argv[1]))
s["duration"] = "4s"
json.dump(s, open(sys.argv[2], "w"))
PY
done
set +e
"$SB_BIN" run --out "$WORK/runs" $(for n in $names $faulted; do echo "$WORK/scen/$n.json"; done) \
  >"$WORK/out.txt" 2>"$WORK/err.txt"
status=$?
set -e
cat "$WORK/out.txt"
[ $status -eq 0 ] || { cat "$WORK/err.txt"; fail "run exited $status, expected 0 (every expectation met)"; }
grep -q "cache strategies (cache checker):" "$WORK/out.txt" || fail "no comparison table"

# recount DIR: herd sizes per expiry from the origin's log, stale reads and
# starved gets from the clients' records. Prints JSON.
recount_cache() {
  python3 - "$1/history.jsonl" <<'PY'
import json, sys
ops = [json.loads(l) for l in open(sys.argv[1])]
cfg = next(op["value"] for op in ops if op["process"] == "controller" and op["f"] == "cache-config")
origin = [op["value"] for op in ops if op["process"] == "controller" and op["f"] == "origin" and op["type"] == "ok"]
assert origin, "no origin record"
gap = max(cfg["ttl_ms"] / 2, 50) * 1e6
herds = []
for key, times in origin[0]["arrivals"].items():
    times = sorted(times)
    size = 0
    for i, t in enumerate(times):
        if i and t - times[i - 1] > gap:
            herds.append(size)
            size = 0
        size += 1
    if size:
        herds.append(size)
newest = {}  # key -> [(completion time, version)] of acknowledged writes
writes = sorted((op["time"], op["value"]["k"], op["value"]["v"]) for op in ops
                if isinstance(op["process"], int) and op["f"] == "write" and op["type"] == "ok")
inv = {}
stale = starved = gets = 0
for op in ops:
    if not isinstance(op["process"], int) or op["f"] != "get":
        continue
    if op["type"] == "invoke":
        inv[op["process"]] = op["time"]
        continue
    t0 = inv.pop(op["process"], None)
    gets += 1
    if op["type"] != "ok":
        starved += (op.get("error") or "").startswith("starved")
        continue
    k, v = op["value"]["k"], op["value"]["v"]
    known = [w[2] for w in writes if w[1] == k and w[0] < t0]
    stale += bool(known) and v < max(known)
print(json.dumps({"herd_max": max(herds or [0]), "herds": len(herds), "stale": stale,
                  "starved": starved, "gets": gets, "requests": sum(herds)}))
PY
}
field() { python3 -c 'import json,sys; print(json.loads(sys.argv[1])[sys.argv[2]])' "$1" "$2"; }
for n in $names $faulted; do
  d=$(ls -d "$WORK"/runs/$n-2*)
  c=$(recount_cache "$d")
  echo "$n: $c"
  [ "$(field "$c" gets)" -gt 100 ] || fail "$n: too few gets: $c"
  # The checker's herd figure agrees with the recount.
  [ "$(json_get "$d/results.json" checkers.cache.figures.herd_max)" = "$(field "$c" herd_max)" ] \
    || fail "$n: herd_max $(json_get "$d/results.json" checkers.cache.figures.herd_max) vs recount $c"
  case $n in
    thundering-herd-none) [ "$(field "$c" herd_max)" -ge 2 ] || fail "$n: no herd: $c" ;;
    thundering-herd-mediator) # coalesces concurrent misses; one that comes just
      # after the flight ended (before any client stored the value) starts another
      [ "$(field "$c" herd_max)" -le 3 ] || fail "$n: mediator let a herd through: $c"
      [ "$(field "$c" starved)" -eq 0 ] || fail "$n: starved clients: $c" ;;
    thundering-herd-lock|thundering-herd-redlock|memolock-starvation-fixed)
      [ "$(field "$c" herd_max)" -eq 1 ] || fail "$n: more than one request per expiry: $c"
      [ "$(field "$c" starved)" -eq 0 ] || fail "$n: starved clients: $c" ;;
    thundering-herd-never-invalidate)
      [ "$(field "$c" stale)" -gt 0 ] || fail "$n: no stale read: $c"
      [ "$(field "$c" herds)" -le 20 ] || fail "$n: keys fetched more than once: $c" ;;
    thundering-herd-update-on-write) # the writer refreshes the cache: few stale reads
      none=$(recount_cache "$(ls -d "$WORK"/runs/thundering-herd-none-2*)")
      [ "$(field "$c" stale)" -lt $(( $(field "$none" stale) / 5 )) ] \
        || fail "$n: update-on-write not fresher than none: $c vs $none" ;;
    memolock-starvation) [ "$(field "$c" starved)" -gt 0 ] || fail "$n: nobody starved: $c" ;;
    thundering-herd-failover) # the lock taken on the old master is lost: two fetchers
      [ "$(field "$c" herd_max)" -ge 2 ] || fail "$n: no doubled fetch: $c" ;;
    thundering-herd-origin-paused) # lock_ttl < the stall: fetchers pile into the origin
      [ "$(field "$c" herd_max)" -ge 2 ] || fail "$n: no pile-up at the paused origin: $c" ;;
  esac
done
# report.html draws the cache run over time (issue 16, item 6): origin
# requests with the herds, staleness and waits; the none strategy's herd as
# a point over the bound-less chart, the lock's bound as a dashed line.
for n in thundering-herd-none thundering-herd-lock; do
  d=$(ls -d "$WORK"/runs/$n-2*)
  for chart in cache-herds cache-stale cache-waits; do
    grep -q "<svg class=\"plot cache-chart $chart\"" "$d/report.html" \
      || fail "$n: report.html has no $chart chart"
  done
  grep -q '<rect class="cc-req"' "$d/report.html" || fail "$n: no origin request drawn"
  grep -q '<circle class="cc-herd' "$d/report.html" || fail "$n: no herd drawn"
done
grep -q '<line class="cc-bound"' "$(ls -d "$WORK"/runs/thundering-herd-lock-2*)/report.html" \
  || fail "lock: no herd bound drawn"
grep -q '<circle class="cc-herd[^"]*"[^>]*><title>herd of [2-9]' \
  "$(ls -d "$WORK"/runs/thundering-herd-none-2*)/report.html" || fail "none: no herd of 2 or more drawn"
# index.html: the strategies side by side, a bar per run in each panel.
grep -q '<svg class="plot cache-strategies"' "$WORK/runs/index.html" \
  || fail "index.html has no chart of the cache strategies"
bars=$(grep -o '<rect class="cs-bar cs-herd' "$WORK/runs/index.html" | wc -l)
[ "$bars" -eq "$(echo $names $faulted | wc -w)" ] || fail "index.html: $bars herd bars, expected one per run"
# The origin and mediator processes went with the lab.
# (this binary's: another run beside the test keeps its own)
! pgrep -af "^$SB_BIN (origin|mediator) --listen" || fail "origin or mediator left running"
assert_nothing_left
echo PASS
