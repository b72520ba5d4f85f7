# test_knossos_data.sh -- Knossos's own cas-register histories get Knossos's
# verdicts from `splitbrain check --format jepsen`: every history in good/ is
# linearizable (exit 0), every one in bad/ is not (exit 1).
#
# Knossos's data (jepsen-io/knossos, data/cas-register) is under the Eclipse
# Public License, so it is not copied into this repository: the test runs
# when SB_KNOSSOS_DATA names that folder, and otherwise says so and passes.
#   git clone https://github.com/jepsen-io/knossos /tmp/knossos
#   SB_KNOSSOS_DATA=/tmp/knossos/data/cas-register ctest --test-dir build -R knossos -V
# or, with splitbrain on PATH (or SB_BIN set), run this script with bash.
# As Knossos's own test (core_test.clj, test-examples) does, only the .edn
# files are histories (bad/ also holds a rendered .html timeline).
# Small hand-written histories of the same shapes are unit tests
# (tests/unit/test_jepsen_history.c), which run everywhere.
set -euo pipefail
SB_BIN=${SB_BIN:-$(command -v splitbrain || true)}
: "${SB_BIN:?SB_BIN must point at the splitbrain binary (or splitbrain be on PATH)}"

if [ -z "${SB_KNOSSOS_DATA:-}" ]; then
  echo "SKIP: SB_KNOSSOS_DATA is not set. Knossos's data is not part of this repository"
  echo "      (Eclipse Public License); to run this check:"
  echo "        git clone https://github.com/jepsen-io/knossos /tmp/knossos"
  echo "        SB_KNOSSOS_DATA=/tmp/knossos/data/cas-register ctest --test-dir build -R knossos -V"
  exit 0
fi
# Set but wrong is a mistake to report, not a reason to pass quietly.
for d in good bad; do
  [ -d "$SB_KNOSSOS_DATA/$d" ] || {
    echo "FAIL: SB_KNOSSOS_DATA=$SB_KNOSSOS_DATA has no $d/ folder (expected Knossos's data/cas-register)" >&2
    exit 1
  }
done

# ms since the epoch, from bash's EPOCHREALTIME (seconds.microseconds).
now_ms() { local t=${EPOCHREALTIME/[.,]/}; echo $((10#$t / 1000)); }

out=$(mktemp /tmp/sb-knossos.XXXXXX)
trap 'rm -f "$out"' EXIT
files=0 agree=0 total_ms=0
disagree=()
printf '%-36s %-9s %-9s %8s  %s\n' file expected ours time result
for d in good bad; do
  expected=$([ "$d" = good ] && echo valid || echo invalid)
  want=$([ "$d" = good ] && echo 0 || echo 1)
  for f in "$SB_KNOSSOS_DATA/$d"/*.edn; do
    [ -e "$f" ] || continue
    files=$((files + 1))
    t0=$(now_ms)
    set +e
    "$SB_BIN" check --format jepsen "$f" >"$out" 2>&1
    status=$?
    set -e
    ms=$(($(now_ms) - t0))
    total_ms=$((total_ms + ms))
    # The checker's line: "  linearizable VERDICT  summary"; an unreadable
    # file (exit 2) has none.
    ours=$(awk '$1 == "linearizable" {print $2; exit}' "$out")
    [ -n "$ours" ] || ours=error
    if [ "$status" = "$want" ] && [ "$ours" = "$expected" ]; then
      result=ok
      agree=$((agree + 1))
    else
      result="DISAGREES (exit $status): $(grep -m1 -E 'linearizable|splitbrain check:' "$out" | sed 's/^ *//')"
      disagree+=("$d/${f##*/}")
    fi
    printf '%-36s %-9s %-9s %6dms  %s\n' "$d/${f##*/}" "$expected" "$ours" "$ms" "$result"
  done
done
echo "$files histories, $agree agree with Knossos, ${#disagree[@]} disagree; ${total_ms}ms in all"
[ "$files" -gt 0 ] || { echo "FAIL: no .edn history in $SB_KNOSSOS_DATA/good or bad" >&2; exit 1; }
[ "${#disagree[@]}" -eq 0 ] || { echo "FAIL: our verdict differs from Knossos's on: ${disagree[*]}" >&2; exit 1; }
echo "PASS"
