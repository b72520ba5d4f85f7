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
# The ones present before this test began are not its doing.
NS_BEFORE=$(our_namespaces | tr '\n' ' ')

# redis processes started from this test's work folder.
our_processes() { pgrep -af "[r]edis-server .*$WORK" || true; }

# What is known about a namespace of ours: when it was made, and the run
# that owns it (its lock file names the pid and the run folder).
describe_namespace() {
  local ns=$1 id
  id=${ns#sb-}; id=${id%%-*}
  echo "  $ns: made $(stat -c %y "/run/netns/$ns" 2>/dev/null || echo '?')"
  if [ -r "/run/splitbrain/$id.lock" ]; then
    local pid; pid=$(awk '$1 == "pid" {print $2}' "/run/splitbrain/$id.lock")
    echo "    lock: $(tr '\n' ' ' <"/run/splitbrain/$id.lock")"
    echo "    owner: $(ps -o pid=,etime=,args= -p "$pid" 2>/dev/null || echo "pid $pid gone")"
  else
    echo "    no lock file (its run ended or was killed)"
  fi
}

# Run ids of the labs this test made (every lab writes "# lab ID: ..." to
# lab.log in its run folder, which is under $WORK).
our_run_ids() { grep -rhaos --include=lab.log '^# lab [0-9a-f]*' "$WORK" | awk '{print $3}' | sort -u || true; }

# Fails on namespaces of this test's labs that are still there, on redis
# processes of this test, and on bridges in the root namespace. Namespaces
# of other runs (another test, a user's run) are described on stderr, not
# blamed on this test: each C test checks its own labs.
assert_nothing_left() {
  local ns procs n id ids mine="" other=""
  ns=$(our_namespaces); procs=$(our_processes); ids=" $(our_run_ids | tr '\n' ' ') "
  for n in $ns; do
    id=${n#sb-}; id=${id%%-*}
    case "$ids" in *" $id "*) mine="$mine $n" ;; *) other="$other $n" ;; esac
  done
  if [ -n "$other" ]; then
    echo "note: namespaces of runs this test did not make (present before it: ${NS_BEFORE:-none}):" >&2
    for n in $other; do describe_namespace "$n" >&2; done
  fi
  if [ -n "$mine" ]; then
    for n in $mine; do describe_namespace "$n" >&2; done
    fail "namespaces left behind:$mine"
  fi
  [ -z "$procs" ] || fail "processes left behind: $procs"
  ! ip -o link show type bridge | grep . >/dev/null || fail "a bridge appeared in the root namespace"
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
