#!/usr/bin/env bash
# bench_porcupine.sh -- our linearizability check against Porcupine's on
# the same Jepsen register histories: verdicts file by file, and time.
#
#   bench/bench_porcupine.sh [BUILD_DIR]      (default: build)
#
# The corpus: `bench_jepsen --corpus` histories (FILES of them, from SEED:
# 100-1,000 operations, 5-50 clients, 10-30% of outcomes :info, every fifth
# one made non-linearizable; see bench/bench_jepsen.c), plus Knossos's
# data/cas-register histories when SB_KNOSSOS_DATA names that folder. Then:
#   ours       `splitbrain check --format jepsen --time-limit T FILE...`:
#              one process over every file, timed whole (start-up, reading
#              and checking);
#   Porcupine  bench/porcupine/main.go, built against Porcupine's source
#              (PORCUPINE_SRC), over the same files in one process; its
#              time is Porcupine's check alone (CheckOperationsTimeout per
#              file, parsing excluded), its wall time is shown too.
# Every file must be decided by both, with the same verdict, and the one
# its folder says (good/ linearizable, bad/ not): anything else is listed
# and the exit status is 1. The target is ours <= 0.5 x Porcupine's check
# time; the ratio is printed, not enforced (times are noisy on shared
# machines).
#
# Needs Go and Porcupine's source, neither a build dependency of
# splitbrain; without them this says how to get them and exits 0:
#   apt-get install golang-go
#   git clone https://github.com/anishathalye/porcupine /tmp/porcupine
# Porcupine needs only Go's standard library: the driver is built offline
# (GOPROXY=off, go.mod's replace directive pointing at PORCUPINE_SRC).
#
# Environment: PORCUPINE_SRC (default /tmp/porcupine), SB_KNOSSOS_DATA
# (Knossos's data/cas-register; unset: the generated corpus only), FILES
# (100), SEED (1), TIME_LIMIT (60s, for each history, both checkers);
# GOMAXPROCS=1 makes Porcupine check the keys of a history one at a time,
# as we do (by default it checks them in parallel on every core).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
build=${1:-build}
PORCUPINE_SRC=${PORCUPINE_SRC:-/tmp/porcupine}
FILES=${FILES:-100}
SEED=${SEED:-1}
TIME_LIMIT=${TIME_LIMIT:-60s}

for prog in splitbrain bench_jepsen; do
  [ -x "$build/$prog" ] || { echo "bench_porcupine: no $build/$prog; build first (cmake -S . -B $build && cmake --build $build)" >&2; exit 2; }
done
if ! command -v go >/dev/null; then
  echo "SKIP: Go is not installed. Porcupine is a Go library; to compare with it:"
  echo "        apt-get install golang-go"
  echo "        git clone https://github.com/anishathalye/porcupine /tmp/porcupine"
  echo "        PORCUPINE_SRC=/tmp/porcupine $0 $build"
  exit 0
fi
if ! grep -qs '^module github.com/anishathalye/porcupine' "$PORCUPINE_SRC/go.mod"; then
  echo "SKIP: no Porcupine source at PORCUPINE_SRC=$PORCUPINE_SRC. To compare with it:"
  echo "        git clone https://github.com/anishathalye/porcupine /tmp/porcupine"
  echo "        PORCUPINE_SRC=/tmp/porcupine $0 $build"
  exit 0
fi
command -v python3 >/dev/null || { echo "bench_porcupine: python3 is needed to read the results" >&2; exit 2; }

work=$(mktemp -d /tmp/sb-porcupine.XXXXXX)
trap 'rm -rf "$work"' EXIT

# 1. Porcupine's driver, offline.
mkdir "$work/driver"
cp "$here/porcupine/main.go" "$here/porcupine/go.mod" "$work/driver/"
src=$(cd "$PORCUPINE_SRC" && pwd)
(
  cd "$work/driver"
  export GOPROXY=off GOFLAGS=-mod=mod GO111MODULE=on GOTOOLCHAIN=local
  go mod edit -replace="github.com/anishathalye/porcupine=$src"
  go build -o porcupine-check .
) || { echo "bench_porcupine: building the Porcupine driver failed" >&2; exit 2; }
porcupine_rev=$(git -C "$src" rev-parse --short HEAD 2>/dev/null || echo "source at $src")

# 2. The corpus.
"$build/bench_jepsen" --corpus "$work/corpus" --files "$FILES" --seed "$SEED"
files=("$work"/corpus/good/*.edn "$work"/corpus/bad/*.edn)
if [ -n "${SB_KNOSSOS_DATA:-}" ]; then
  for d in good bad; do
    [ -d "$SB_KNOSSOS_DATA/$d" ] || { echo "bench_porcupine: SB_KNOSSOS_DATA=$SB_KNOSSOS_DATA has no $d/ folder (expected Knossos's data/cas-register)" >&2; exit 2; }
  done
  knossos=("$SB_KNOSSOS_DATA"/good/*.edn "$SB_KNOSSOS_DATA"/bad/*.edn)
  files+=("${knossos[@]}")
  echo "plus ${#knossos[@]} histories of Knossos's data ($SB_KNOSSOS_DATA)"
else
  echo "(SB_KNOSSOS_DATA unset: Knossos's data/cas-register histories left out)"
fi

# 3. Both checkers, each in one process over every file.
now_ns() { local t=${EPOCHREALTIME/[.,]/}; echo $((10#$t * 1000)); }
t0=$(now_ns)
set +e
"$build/splitbrain" check --format jepsen --time-limit "$TIME_LIMIT" --json "$work/ours.jsonl" \
  "${files[@]}" >"$work/ours.txt" 2>"$work/ours.err"
ours_status=$?
t1=$(now_ns)
"$work/driver/porcupine-check" -timeout "$TIME_LIMIT" "${files[@]}" >"$work/porcupine.tsv" 2>"$work/porcupine.err"
porcupine_status=$?
t2=$(now_ns)
set -e
[ "$ours_status" -le 1 ] || { echo "bench_porcupine: splitbrain check exited $ours_status:" >&2; cat "$work/ours.err" >&2; }
[ "$porcupine_status" -eq 0 ] || { echo "bench_porcupine: the Porcupine driver exited $porcupine_status:" >&2; cat "$work/porcupine.err" >&2; }

# 4. File by file, then the times.
python3 - "$work/ours.jsonl" "$work/porcupine.tsv" "$((t1 - t0))" "$((t2 - t1))" \
  "$porcupine_rev" "$TIME_LIMIT" "${files[@]}" <<'PY'
import json, os, sys
ours_path, porc_path, ours_ns, porc_wall_ns, rev, limit = sys.argv[1:7]
files = sys.argv[7:]
ours, ours_check = {}, 0.0
for line in open(ours_path):
    d = json.loads(line)
    c = (d.get("checkers") or {}).get("linearizable") or {}
    ours[d["target"]] = (c.get("verdict") or "error", c.get("summary") or d.get("error") or "")
    ours_check += c.get("check_seconds") or 0.0
porc, porc_check, porc_parse = {}, None, None
for line in open(porc_path):
    f = line.rstrip("\n").split("\t")
    if f[0] == "total":
        porc_check = float(f[2].split()[1])
        porc_parse = float(f[3].split()[1])
    else:
        porc[f[2]] = (f[0], float(f[1]), f[3] if len(f) > 3 else "")
bad = []
for path in files:
    want = "valid" if os.path.basename(os.path.dirname(path)) == "good" else "invalid"
    o, why = ours.get(path, ("missing", ""))
    p = porc.get(path, ("missing", 0, ""))[0]
    if o != p or o != want:
        bad.append(f"  {path}: ours {o}, Porcupine {p}, expected {want}" + (f" ({why})" if why and o != want else ""))
n = len(files)
ours_s, porc_wall = int(ours_ns) / 1e9, int(porc_wall_ns) / 1e9
print(f"\n{n} histories ({sum(1 for f in files if os.path.basename(os.path.dirname(f)) == 'bad')} not linearizable), time limit {limit} each")
print(f"  ours       {ours_s:8.3f} s  whole `splitbrain check` process ({ours_check:.3f} s in the checker)")
if porc_check is not None:
    print(f"  Porcupine  {porc_check:8.3f} s  CheckOperationsTimeout over the files (parsing {porc_parse:.3f} s more;"
          f" process {porc_wall:.3f} s), Porcupine {rev}")
    ratio = ours_s / porc_check if porc_check > 0 else float("inf")
    print(f"  ratio      {ratio:8.3f}    ours / Porcupine's check (target <= 0.5: {'met' if ratio <= 0.5 else 'MISSED'})")
if bad:
    print(f"\nVERDICTS DIFFER OR UNDECIDED on {len(bad)} of {n} histories:")
    print("\n".join(bad))
    sys.exit(1)
print(f"  verdicts   all {n} decided and identical (and as each file's folder says)")
PY
