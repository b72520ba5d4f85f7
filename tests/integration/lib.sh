# lib.sh -- shared helpers for the integration tests (sourced).
# Environment from CTest: SB_BIN (the binary), SB_SOURCE_DIR.
set -euo pipefail
: "${SB_BIN:?SB_BIN must point at the splitbrain binary}"
: "${SB_SOURCE_DIR:?SB_SOURCE_DIR must point at the source tree}"
SCEN="$SB_SOURCE_DIR/tests/integration/scenarios"
WORK=$(mktemp -d /tmp/sb-test.XXXXXX)

fail() { echo "FAIL: $*" >&2; exit 1; }

# Namespaces of ours still present (any run).
our_namespaces() { ip netns list 2>/dev/null | awk '{print $1}' | grep '^sb-' || true; }

# redis processes started from this test's work folder.
our_processes() { pgrep -af "[r]edis-server .*$WORK" || true; }

assert_nothing_left() {
  local ns procs
  ns=$(our_namespaces); procs=$(our_processes)
  [ -z "$ns" ] || fail "namespaces left behind: $ns"
  [ -z "$procs" ] || fail "processes left behind: $procs"
  ! ip -o link show type bridge | grep -q . || fail "a bridge appeared in the root namespace"
}

# Waits up to $1 seconds for the command in $2.. to succeed.
wait_for() {
  local secs=$1; shift
  local end=$((SECONDS + secs))
  until "$@"; do
    [ $SECONDS -lt $end ] || return 1
    sleep 0.1
  done
}

cleanup_work() {
  "$SB_BIN" clean >/dev/null 2>&1 || true
  rm -rf "$WORK"
}
trap cleanup_work EXIT

# Recounts the set checker's figures straight from history.jsonl, without
# any of the harness's code: lost = acknowledged adds missing from the final
# read. Prints "acknowledged lost unexpected".
recount() {
  python3 - "$1" <<'PY'
import json, sys
acked, attempted, final = set(), set(), None
with open(sys.argv[1]) as f:
    for line in f:
        op = json.loads(line)
        if op["process"] == "controller" and op["f"] == "read" and op["type"] == "ok":
            final = set(op["value"])
        elif isinstance(op["process"], int) and op["f"] == "add":
            if op["type"] == "invoke":
                attempted.add(op["value"])
            elif op["type"] == "ok":
                acked.add(op["value"])
assert final is not None, "no final read"
print(len(acked), len(acked - final), len(final - attempted))
PY
}

json_get() { python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); 
for k in sys.argv[2].split("."): d=d[k]
print(d)' "$1" "$2"; }
