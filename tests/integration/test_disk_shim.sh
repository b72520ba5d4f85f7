# test_disk_shim.sh -- the file-system fault layer (libsbdisk.so, sbdiskctl)
# under a real redis-server 7.0 on loopback, in a folder of its own: write
# keys with appendfsync always / everysec / no, SIGKILL, power loss, then
#   - every file's bytes are what the layer says was durable: its size is
#     the durable size in the report, and its bytes are the first bytes of
#     the same inode just before the loss (a copy taken then); no other
#     file is left in the folder;
#   - Redis restarted (without the layer) on what is left: with `always`
#     every acknowledged write is there; with `no` the unsynced tail is
#     gone (no write ever reached the disk); `everysec` keeps what was
#     written a second and more before the loss.
# Then BGREWRITEAOF and BGSAVE (temp file + rename) before the loss,
# compaction of the kept inodes while Redis runs, a torn write, disk full
# (ENOSPC until heal) and corruption. Needs redis-server
# and redis-cli, not root; nothing stays preloaded or running afterwards.
set -euo pipefail
: "${SB_BIN:?SB_BIN must point at the splitbrain binary}"
B=${SB_BUILD_DIR:-$(dirname "$SB_BIN")}
SHIM=$B/libsbdisk.so
CTL=$B/sbdiskctl
[ -f "$SHIM" ] && [ -x "$CTL" ] || { echo "FAIL: build libsbdisk.so and sbdiskctl first" >&2; exit 1; }
WORK=$(mktemp -d /tmp/sb-disk-shim.XXXXXX)
PORT=$((21000 + $$ % 4000))
PID=

fail() { echo "FAIL: $*" >&2; exit 1; }
cleanup() {
  [ -z "$PID" ] || kill -9 "$PID" 2>/dev/null || true
  rm -rf "$WORK"
}
trap cleanup EXIT

cli() { redis-cli -p "$PORT" "$@"; }
wait_for() {
  local secs=$1; shift
  local end=$((SECONDS + secs))
  until "$@"; do
    [ $SECONDS -lt $end ] || return 1
    sleep 0.1
  done
}
up() { [ "$(cli ping 2>/dev/null)" = PONG ]; }

# start DIR SHIM(0|1) CONFIG...: redis-server on DIR, its log outside it.
start() {
  local dir=$1 shim=$2; shift 2
  local env=()
  [ "$shim" = 1 ] && env=(SB_DISK_DIR="$dir" LD_PRELOAD="$SHIM")
  env "${env[@]}" redis-server --port "$PORT" --bind 127.0.0.1 --dir "$dir" --save '' \
    --logfile "$WORK/redis.log" "$@" &
  PID=$!
  wait_for 10 up || { tail -20 "$WORK/redis.log" >&2; fail "redis-server did not start"; }
  local maps; maps=$(cat "/proc/$PID/maps")
  if [ "$shim" = 1 ]; then
    grep -q libsbdisk <<<"$maps" || fail "the layer is not loaded in redis-server"
  else
    ! grep -q libsbdisk <<<"$maps" || fail "the layer is loaded where it was not asked for"
  fi
}
kill9() { kill -9 "$PID"; wait "$PID" 2>/dev/null || true; PID=; }
stop() { cli shutdown nosave >/dev/null 2>&1 || true; wait "$PID" 2>/dev/null || true; PID=; }

# fresh NAME: an empty data folder with the layer's journal started.
fresh() {
  local dir=$WORK/$1
  mkdir -p "$dir"
  "$CTL" "$dir" init
  echo "$dir"
}

# set_keys PREFIX N: SETs N keys in one connection; prints how many were
# acknowledged (+OK).
set_keys() {
  local i
  for ((i = 0; i < $2; i++)); do echo "SET $1:$i v$i"; done | cli | grep -c '^OK$' || true
}

# power_loss DIR [ARGS]: copies DIR (with the layer's kept inodes) as it
# is, applies the loss, and checks the folder against the report.
power_loss() {
  local dir=$1; shift
  rm -rf "$dir.before"
  cp -a "$dir" "$dir.before"
  "$CTL" "$dir" power-loss "$@" >"$dir.report" || fail "sbdiskctl power-loss failed"
  python3 - "$dir" "$dir.before" "$dir.report" <<'PY' || fail "$dir: files differ from what the layer says was durable"
import json, os, sys
d, before, report = sys.argv[1], sys.argv[2], json.load(open(sys.argv[3]))
listed = set()
torn = report.get("torn")
for f in report["files"]:
    path = os.path.join(d, f["path"])
    listed.add(f["path"])
    data = open(path, "rb").read()
    want = f["durable"] + (torn["kept"] if torn and torn["path"] == f["path"] else 0)
    old = open(os.path.join(before, ".sbdisk", "keep", str(f["ino"])), "rb").read()
    if len(data) != want or f["size_after"] != want:
        sys.exit(f"{f['path']}: {len(data)} bytes, report says {f['size_after']}, durable {want}")
    if f["bytes_restored"] == 0 and data != old[:want]:
        sys.exit(f"{f['path']}: bytes are not the first {want} of the file before the loss")
    if os.stat(path).st_ino != f["ino"]:
        sys.exit(f"{f['path']}: another inode than the report's")
for root, dirs, files in os.walk(d):
    dirs[:] = [x for x in dirs if not (root == d and x == ".sbdisk")]
    for name in files:
        rel = os.path.relpath(os.path.join(root, name), d)
        if rel not in listed:
            sys.exit(f"{rel} is in the folder but not in the report")
PY
}

report_get() { python3 -c 'import json,sys; d=json.load(open(sys.argv[1]))
for k in sys.argv[2].split("."): d=d[int(k)] if k.isdigit() else d[k]
print(d)' "$1" "$2"; }
incr_dropped() { python3 -c 'import json,sys; d=json.load(open(sys.argv[1]))
print(sum(f["bytes_dropped"] for f in d["files"] if f["path"].endswith(".incr.aof")))' "$1"; }
dbsize() { cli dbsize; }

# ====== appendfsync always: nothing acknowledged is lost ======
D=$(fresh always)
start "$D" 1 --appendonly yes --appendfsync always
acked=$(set_keys a 300)
[ "$acked" = 300 ] || fail "always: $acked of 300 SETs acknowledged"
kill9
power_loss "$D"
[ "$(incr_dropped "$D.report")" = 0 ] || fail "always: the power loss dropped AOF bytes: $(cat "$D.report")"
start "$D" 0 --appendonly yes
[ "$(dbsize)" = 300 ] || fail "always: $(dbsize) keys after the power loss, 300 acknowledged"
stop
echo "ok: appendfsync always keeps all 300 acknowledged writes"

# ====== appendfsync no: the unsynced tail is lost ======
D=$(fresh no)
start "$D" 1 --appendonly yes --appendfsync no
acked=$(set_keys n 300)
[ "$acked" = 300 ] || fail "no: $acked of 300 SETs acknowledged"
kill9
power_loss "$D"
dropped=$(incr_dropped "$D.report")
[ "$dropped" -gt 0 ] || fail "no: nothing dropped from the AOF: $(cat "$D.report")"
start "$D" 0 --appendonly yes
n=$(dbsize)
[ "$n" -lt 300 ] || fail "no: all $n keys survive a power loss with appendfsync no"
stop
echo "ok: appendfsync no loses the unsynced tail ($dropped AOF bytes, $n of 300 keys left)"

# ====== appendfsync everysec: what was written over a second before stays ======
D=$(fresh everysec)
start "$D" 1 --appendonly yes --appendfsync everysec
set_keys e1 200 >/dev/null
sleep 2.5
set_keys e2 200 >/dev/null
kill9
power_loss "$D"
start "$D" 0 --appendonly yes
n=$(dbsize)
[ "$n" -ge 200 ] && [ "$n" -le 400 ] || fail "everysec: $n keys, expected 200..400"
stop
echo "ok: appendfsync everysec keeps the writes synced a second later ($n of 400 keys)"

# ====== BGREWRITEAOF, then a power loss ======
rewritten() { [ "$(cli info persistence | tr -d '\r' | grep -cE '^aof_rewrite_(in_progress|scheduled):0$')" = 2 ]; }
saved() { cli info persistence | tr -d '\r' | grep -q '^rdb_bgsave_in_progress:0$'; }
D=$(fresh rewrite)
start "$D" 1 --appendonly yes --appendfsync always
set_keys r1 100 >/dev/null
cli bgrewriteaof >/dev/null
wait_for 20 rewritten || fail "rewrite: BGREWRITEAOF did not finish"
sleep 0.2
acked=$(set_keys r2 50)
kill9
ls "$D/appendonlydir" | grep -q 'appendonly.aof.2.base.rdb' || fail "rewrite: no second base file"
power_loss "$D"
grep -q 'appendonly.aof.2.base.rdb' "$D/appendonlydir/appendonly.aof.manifest" ||
  fail "rewrite: the power loss lost the rewritten manifest"
start "$D" 0 --appendonly yes
[ "$(dbsize)" = $((100 + acked)) ] || fail "rewrite: $(dbsize) keys, $((100 + acked)) acknowledged"
stop
echo "ok: BGREWRITEAOF then power loss keeps the new base, the manifest and every write"

# ====== compaction while Redis runs, then a power loss ======
# Two rewrites and a snapshot replace the AOF's files and dump.rdb; the
# kept inodes of the replaced ones go (their removal was synced, nothing
# holds them open), and the power loss after it still gives every write.
D=$(fresh compact)
start "$D" 1 --appendonly yes --appendfsync always
total=0
for round in 1 2; do
  total=$((total + $(set_keys c$round 100)))
  cli bgrewriteaof >/dev/null
  wait_for 20 rewritten || fail "compact: BGREWRITEAOF did not finish"
done
cli bgsave >/dev/null
sleep 0.2
wait_for 20 saved || fail "compact: BGSAVE did not finish"
total=$((total + $(set_keys c3 50)))
"$CTL" "$D" compact >"$D.compact" || fail "sbdiskctl compact failed"
pruned=$(report_get "$D.compact" pruned)
[ "$pruned" -ge 2 ] || fail "compact: $pruned inodes pruned: $(cat "$D.compact")"
[ "$(report_get "$D.compact" bytes_freed)" -gt 0 ] || fail "compact: no bytes freed: $(cat "$D.compact")"
total=$((total + $(set_keys c4 50)))
kill9
power_loss "$D"
start "$D" 0 --appendonly yes
[ "$(dbsize)" = "$total" ] || fail "compact: $(dbsize) keys after the power loss, $total acknowledged"
stop
echo "ok: compaction while Redis runs pruned $pruned kept inodes; the power loss after it keeps all $total writes"

# ====== BGSAVE (temp file, fsync, rename, folder sync), then a power loss ======
D=$(fresh bgsave)
start "$D" 1 --appendonly no
set_keys s1 100 >/dev/null
cli bgsave >/dev/null
sleep 0.2
wait_for 20 saved || fail "bgsave: BGSAVE did not finish"
set_keys s2 50 >/dev/null
kill9
power_loss "$D"
[ "$(report_get "$D.report" files_touched)" != "" ] || fail "bgsave: no report"
start "$D" 0 --appendonly no
[ "$(dbsize)" = 100 ] || fail "bgsave: $(dbsize) keys from dump.rdb, 100 were saved"
stop
echo "ok: BGSAVE's renamed snapshot survives the power loss, later writes do not"

# ====== a replica's received RDB (temp file, fsync, rename, folder sync) ======
linked() { cli info replication | tr -d '\r' | grep -q '^master_link_status:up$'; }
MPORT=$((PORT + 1))
mkdir -p "$WORK/master"
redis-server --port "$MPORT" --bind 127.0.0.1 --dir "$WORK/master" --save '' \
  --repl-diskless-sync-delay 0 --logfile "$WORK/master.log" &
MPID=$!
trap 'kill -9 $MPID 2>/dev/null || true; cleanup' EXIT
wait_for 10 eval '[ "$(redis-cli -p $MPORT ping 2>/dev/null)" = PONG ]' || fail "replica: no master"
for ((i = 0; i < 100; i++)); do echo "SET m:$i v$i"; done | redis-cli -p "$MPORT" >/dev/null
D=$(fresh replica)
start "$D" 1 --appendonly no --replicaof 127.0.0.1 "$MPORT"
wait_for 20 linked || fail "replica: no full sync"
kill9
redis-cli -p "$MPORT" shutdown nosave >/dev/null 2>&1 || true
wait "$MPID" 2>/dev/null || true
power_loss "$D"
start "$D" 0 --appendonly no
[ "$(dbsize)" = 100 ] || fail "replica: $(dbsize) keys in its dump.rdb after the power loss, 100 synced"
stop
echo "ok: a replica's received RDB survives the power loss whole"

# ====== torn write: a seeded prefix of the unsynced tail survives ======
D=$(fresh torn)
start "$D" 1 --appendonly yes --appendfsync no
set_keys t 100 >/dev/null
kill9
power_loss "$D" torn-seed 7
kept=$(report_get "$D.report" torn.kept)
of=$(report_get "$D.report" torn.of)
[ "$kept" -gt 0 ] && [ "$kept" -lt "$of" ] || fail "torn: kept $kept of $of bytes"
start "$D" 0 --appendonly yes --aof-load-truncated yes
n=$(dbsize)
[ "$n" -lt 100 ] || fail "torn: $n keys, the torn tail held all 100"
stop
echo "ok: a torn write keeps $kept of $of unsynced bytes; Redis loads $n keys from them"

# ====== disk full: ENOSPC until heal ======
misconf() { cli set probe 1 2>&1 | grep -q 'MISCONF'; }
accepted() { [ "$(cli set probe 2 2>&1)" = OK ]; }
D=$(fresh full)
start "$D" 1 --appendonly yes --appendfsync everysec
set_keys f1 20 >/dev/null
"$CTL" "$D" full
cli set trigger 1 >/dev/null 2>&1 || true
wait_for 5 misconf || fail "full: writes still accepted with the disk full"
grep -q 'No space left on device' "$WORK/redis.log" || fail "full: Redis logged no ENOSPC"
"$CTL" "$D" heal
wait_for 5 accepted || fail "full: writes still refused after heal"
stop
echo "ok: a full disk makes Redis refuse writes (MISCONF, ENOSPC), heal brings them back"

# ====== corrupt: truncate a stopped node's AOF, flip bytes of its RDB ======
D=$(fresh corrupt)
start "$D" 1 --appendonly yes --appendfsync always
set_keys c 100 >/dev/null
cli bgsave >/dev/null
sleep 0.2
wait_for 20 saved || fail "corrupt: BGSAVE did not finish"
stop
incr=$(cd "$D" && ls appendonlydir/*.incr.aof)
size=$(stat -c %s "$D/$incr")
"$CTL" "$D" corrupt "$incr" truncate $((size / 2)) >"$D.trunc"
[ "$(stat -c %s "$D/$incr")" = $((size / 2)) ] || fail "corrupt: truncation not applied"
[ "$(report_get "$D.trunc" bytes_dropped)" = $((size - size / 2)) ] || fail "corrupt: report $(cat "$D.trunc")"
cp "$D/dump.rdb" "$WORK/dump.before"
"$CTL" "$D" corrupt dump.rdb flip 3 42 >"$D.flip"
diffs=$({ cmp -l "$WORK/dump.before" "$D/dump.rdb" || true; } | wc -l)
[ "$diffs" -ge 1 ] && [ "$diffs" -le 3 ] || fail "corrupt: $diffs bytes differ after 3 flips"
"$CTL" "$D" corrupt dump.rdb flip 3 42 >/dev/null # the same seed flips them back
cmp -s "$WORK/dump.before" "$D/dump.rdb" || fail "corrupt: flips are not seeded"
start "$D" 0 --appendonly yes --aof-load-truncated yes
n=$(dbsize)
[ "$n" -lt 100 ] || fail "corrupt: $n keys after truncating the AOF to half"
stop
echo "ok: corrupt truncates the AOF ($n of 100 keys load) and flips seeded RDB bytes"

! pgrep -af "[r]edis-server .*$WORK" || fail "redis-server left running"
echo "PASS"
