#!/usr/bin/env bash
# bench_disk.sh -- what the file-system fault layer (libsbdisk.so) costs
# redis-server: SET throughput (redis-benchmark -t set) with appendonly yes
# and appendfsync always and everysec, each with and without the layer, in
# one run. The four configurations are measured in ROUNDS interleaved
# rounds (so load from elsewhere on the machine falls on all of them) and
# the median of each is reported, with the layer's cost in percent. The
# target is at most 10% on everysec; the figure is printed and, with
# --check, enforced (exit 1 above it).
#
#   bench/bench_disk.sh [BUILD_DIR] [--check]   (default: build)
#
# Environment: ROUNDS (5), REQUESTS_EVERYSEC (200000), REQUESTS_ALWAYS
# (20000), CLIENTS (50), PORT (a free one above 20000). The data folders
# are on /tmp (a real disk, so fsync costs what it costs there).
set -euo pipefail
B=build
CHECK=0
for a in "$@"; do
  case "$a" in
  --check) CHECK=1 ;;
  *) B=$a ;;
  esac
done
SHIM=$(realpath "$B/libsbdisk.so")
CTL=$(realpath "$B/sbdiskctl")
ROUNDS=${ROUNDS:-5}
CLIENTS=${CLIENTS:-50}
PORT=${PORT:-$((24000 + $$ % 4000))}
WORK=$(mktemp -d /tmp/sb-bench-disk.XXXXXX)
PID=
cleanup() {
  [ -z "$PID" ] || kill -9 "$PID" 2>/dev/null || true
  rm -rf "$WORK"
}
trap cleanup EXIT

# run FSYNC SHIM(0|1) REQUESTS: one redis-server, one redis-benchmark;
# prints requests per second.
run() {
  local fsync=$1 shim=$2 n=$3 dir env=()
  dir=$(mktemp -d "$WORK/d.XXXXXX")
  "$CTL" "$dir" init
  [ "$shim" = 1 ] && env=(SB_DISK_DIR="$dir" LD_PRELOAD="$SHIM")
  env "${env[@]}" redis-server --port "$PORT" --bind 127.0.0.1 --dir "$dir" --save '' \
    --appendonly yes --appendfsync "$fsync" --logfile "$WORK/redis.log" &
  PID=$!
  local i
  for ((i = 0; i < 100; i++)); do
    [ "$(redis-cli -p "$PORT" ping 2>/dev/null)" = PONG ] && break
    sleep 0.1
  done
  redis-benchmark -p "$PORT" -t set -n "$n" -c "$CLIENTS" -r 100000 --csv 2>/dev/null |
    awk -F'"' '$2 == "SET" {print $4}'
  redis-cli -p "$PORT" shutdown nosave >/dev/null 2>&1 || true
  wait "$PID" 2>/dev/null || true
  PID=
  rm -rf "$dir"
}

median() { sort -g | awk '{v[NR] = $1} END {print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2}'; }

declare -A res
for ((r = 1; r <= ROUNDS; r++)); do
  for fsync in everysec always; do
    n=$([ "$fsync" = always ] && echo "${REQUESTS_ALWAYS:-20000}" || echo "${REQUESTS_EVERYSEC:-200000}")
    for shim in 0 1; do
      res[$fsync.$shim]+="$(run "$fsync" "$shim" "$n") "
    done
  done
done

echo "redis-server $(redis-server --version | sed 's/.*v=\([^ ]*\).*/\1/'), SET, $CLIENTS clients, median of $ROUNDS rounds (requests/s)"
printf '%-10s %12s %12s %8s   %s\n' appendfsync without with cost "rounds (without | with)"
fail=0
for fsync in everysec always; do
  a=$(tr ' ' '\n' <<<"${res[$fsync.0]}" | grep . | median)
  b=$(tr ' ' '\n' <<<"${res[$fsync.1]}" | grep . | median)
  cost=$(awk -v a="$a" -v b="$b" 'BEGIN {printf "%.1f", (a - b) * 100 / a}')
  printf '%-10s %12.0f %12.0f %7s%%   %s| %s\n' "$fsync" "$a" "$b" "$cost" "${res[$fsync.0]}" "${res[$fsync.1]}"
  if [ "$fsync" = everysec ] && awk -v c="$cost" 'BEGIN {exit !(c > 10)}'; then
    echo "the layer costs $cost% on everysec, above the 10% target" >&2
    fail=1
  fi
done
[ "$CHECK" = 0 ] || exit "$fail"
