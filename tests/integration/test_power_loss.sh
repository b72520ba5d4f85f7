# test_power_loss.sh -- the power-loss fault (nemesis/fault_disk.c) in real
# runs: a lone master under the file-system layer loses power at 3 s and
# is restarted at 4 s on what its files kept. With appendfsync always no
# acknowledged write is lost; with appendfsync no every write before the
# loss is (Redis never synced its incr AOF). The loss is recounted from
# history.jsonl without the harness's checkers, and the fault's record must
# name the files it touched and the AOF bytes it dropped. Needs root.
source "$(dirname "$0")/lib.sh"

"$SB_BIN" run "$SCEN/power-loss-always.json" "$SCEN/power-loss-no.json" --out "$WORK/runs" \
  >"$WORK/out.txt" 2>&1 || { cat "$WORK/out.txt" >&2; fail "runs exited $?"; }

# aof_dropped HISTORY: the incr AOF bytes the power loss dropped.
aof_dropped() {
  python3 - "$1" <<'PY'
import json, sys
for line in open(sys.argv[1]):
    op = json.loads(line)
    if op["f"] == "power-loss" and op["type"] == "ok":
        losses = op["value"]["losses"]
        assert [l["host"] for l in losses] == ["n1"], losses
        files = losses[0]["disk"]["files"]
        assert any(f["path"] == "appendonlydir/appendonly.aof.manifest" for f in files), files
        print(sum(f["bytes_dropped"] for f in files if f["path"].endswith(".incr.aof")))
        sys.exit(0)
sys.exit("no completed power-loss in the history")
PY
}

h=$(ls "$WORK"/runs/power-loss-always-*/history.jsonl)
read -r acked lost _ < <(recount "$h")
[ "$acked" -gt 1000 ] || fail "always: only $acked acknowledged writes"
[ "$lost" = 0 ] || fail "always: $lost of $acked acknowledged writes lost"
# Redis writes a batch, fsyncs it, then answers: a loss between the write
# and the fsync drops the batch of the 4 workers' unanswered SADDs (under
# 100 bytes each), never more.
dropped=$(aof_dropped "$h")
[ "$dropped" -le 1024 ] || fail "always: the power loss dropped $dropped AOF bytes (> 1 KiB)"
echo "ok: appendfsync always: 0 of $acked acknowledged writes lost to the power loss ($dropped unsynced AOF bytes dropped)"

h=$(ls "$WORK"/runs/power-loss-no-*/history.jsonl)
read -r acked lost _ < <(recount "$h")
[ "$lost" -ge 500 ] || fail "no: only $lost of $acked acknowledged writes lost"
dropped=$(aof_dropped "$h")
[ "$dropped" -gt 0 ] || fail "no: the power loss dropped no AOF bytes"
echo "ok: appendfsync no: $lost of $acked acknowledged writes lost ($dropped AOF bytes dropped)"

assert_nothing_left
echo PASS
