# test_disk_faults.sh -- the disk faults torn-write, disk-full and corrupt
# (nemesis/fault_disk.c) in real runs of a lone master under the
# file-system layer, each judged from history.jsonl without the harness's
# checkers:
#   disk-full: adds fail while the folder is full, none acknowledged is lost;
#   torn-write (everysec, aof-load-truncated yes): writes are lost, every
#     one acknowledged less than 2 s before the loss, and the record keeps
#     37 bytes of the last unsynced append;
#   corrupt truncate: the record drops exactly 10 bytes of the incr AOF and
#     the node starts again; corrupt flip on dump.rdb: the restart's record
#     carries the node's own fatal line;
#   corrupt of a running redis is refused with the reason. Needs root.
source "$(dirname "$0")/lib.sh"

"$SB_BIN" run "$SCEN/disk-full-everysec.json" "$SCEN/torn-write-everysec.json" \
  "$SCEN/corrupt-aof-truncate.json" "$SCEN/corrupt-rdb-flip.json" --out "$WORK/runs" \
  >"$WORK/out.txt" 2>&1 || true # no expectations: the verdicts are judged below
[ -d "$WORK/runs" ] || { cat "$WORK/out.txt" >&2; fail "no runs"; }

hist() { ls "$WORK"/runs/"$1"-*/history.jsonl 2>/dev/null || fail "$1: no history"; }

# fault_ops HISTORY F: the completed records of fault F, one JSON a line.
fault_ops() {
  python3 - "$1" "$2" <<'PY'
import json, sys
for line in open(sys.argv[1]):
    op = json.loads(line)
    if op["process"] == "nemesis" and op["f"] == sys.argv[2] and op["type"] != "invoke":
        print(json.dumps(op))
PY
}

# --- disk-full: refusals inside the window, nothing acknowledged lost.
h=$(hist disk-full-everysec)
rec=$(fault_ops "$h" disk-full)
echo "$rec" | grep -q '"type": "ok"' || fail "disk-full: not applied: $rec"
echo "$rec" | grep -q '"folders"' || fail "disk-full: the record names no folder: $rec"
read -r failed_in failed_out < <(python3 - "$h" <<'PY'
import json, sys
ops = [json.loads(l) for l in open(sys.argv[1])]
start = next(o["time"] for o in ops if o["f"] == "disk-full" and o["type"] == "invoke")
end = next(o["time"] for o in ops if o["f"] == "undo" and o["type"] == "ok")
inside = sum(1 for o in ops if isinstance(o["process"], int) and o["f"] == "add"
             and o["type"] == "fail" and start <= o["time"] <= end + 500_000_000)
outside = sum(1 for o in ops if isinstance(o["process"], int) and o["f"] == "add"
              and o["type"] == "fail" and not start <= o["time"] <= end + 500_000_000)
print(inside, outside)
PY
)
[ "$failed_in" -gt 100 ] || fail "disk-full: only $failed_in writes refused while the disk was full"
[ "$failed_out" -eq 0 ] || fail "disk-full: $failed_out writes refused outside the fault"
read -r acked lost _ < <(recount "$h")
[ "$lost" = 0 ] || fail "disk-full: $lost of $acked acknowledged writes lost"
echo "ok: disk-full: $failed_in writes refused while full, 0 of $acked acknowledged lost"

# --- torn-write: lost writes are recent, 37 bytes kept.
h=$(hist torn-write-everysec)
fault_ops "$h" torn-write | grep -q '"fault": "torn-write"' ||
  fail "torn-write: the record is not a torn write: $(fault_ops "$h" torn-write)"
read -r acked lost _ < <(recount "$h")
[ "$lost" -gt 0 ] || fail "torn-write: no acknowledged write lost (everysec should lose some)"
oldest=$(python3 - "$h" <<'PY'
import json, sys
ops = [json.loads(l) for l in open(sys.argv[1])]
fault = next(o["time"] for o in ops if o["f"] == "torn-write" and o["type"] == "invoke")
final = set(next(o["value"] for o in ops if o["process"] == "controller" and o["f"] == "read"
                 and o["type"] == "ok"))
acks = [o["time"] for o in ops if isinstance(o["process"], int) and o["f"] == "add"
        and o["type"] == "ok" and o["value"] not in final]
print("%.3f" % ((fault - min(acks)) / 1e9))
PY
)
python3 -c "import sys; sys.exit(0 if float('$oldest') < 2.0 else 1)" ||
  fail "torn-write: a lost write was acknowledged ${oldest}s before the loss (>= 2 s)"
echo "ok: torn-write: $lost of $acked acknowledged writes lost, the oldest ${oldest}s before the loss"

# --- corrupt truncate: exactly 10 bytes cut, the node came back.
h=$(hist corrupt-aof-truncate)
rec=$(fault_ops "$h" corrupt)
python3 - "$rec" <<'PY' || fail "corrupt truncate: wrong record: $rec"
import json, sys
d = json.loads(sys.argv[1])["value"]["changes"][0]["disk"]
assert d["path"].startswith("appendonlydir/") and d["bytes_dropped"] == 10, d
assert d["truncated_to"] == d["size_before"] - 10, d
PY
fault_ops "$h" restart | grep -q refused_start && fail "corrupt truncate: the node refused to start"
read -r acked lost _ < <(recount "$h")
echo "ok: corrupt truncate: 10 AOF bytes cut, the node restarted ($lost of $acked lost)"

# --- corrupt flip on the RDB: the restart is refused, with Redis's own line.
h=$(hist corrupt-rdb-flip)
fault_ops "$h" corrupt | grep -q '"flipped": \[{"offset"' || fail "corrupt flip: no offsets recorded"
fatal=$(fault_ops "$h" restart | python3 -c '
import json, sys
print(json.loads(sys.stdin.readline())["value"]["refused_start"][0]["fatal"])') ||
  fail "corrupt flip: the restart's record has no refused_start"
[ -n "$fatal" ] && [ "$fatal" != "(no warning in redis.log)" ] || fail "corrupt flip: no fatal line"
grep -qF "${fatal%% / *}" "$WORK"/runs/corrupt-rdb-flip-*/nodes/n1/redis/redis.log ||
  fail "corrupt flip: '$fatal' is not in redis.log"
echo "ok: corrupt flip: the restart was refused: $fatal"

# --- corrupt of a running redis: refused, the run fails with the reason.
if "$SB_BIN" run "$SCEN/corrupt-running.json" --out "$WORK/running" >"$WORK/running.txt" 2>&1; then
  fail "corrupt of a running redis was accepted"
fi
grep -q "redis on n1 is running" "$WORK/running.txt" "$WORK"/running/*/history.jsonl 2>/dev/null ||
  { cat "$WORK/running.txt" >&2; fail "corrupt of a running redis: no reason given"; }
echo "ok: corrupt of a running redis refused"

assert_nothing_left
echo PASS
