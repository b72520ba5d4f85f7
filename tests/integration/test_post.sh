# --post sends the results to an HTTP endpoint and never changes the exit
# status: the body is results.json, a ${VAR} header carries a token that is
# not in argv, 5xx/429 and timeouts are retried (retries+1 attempts), 4xx is
# not, a refused connection and a hang are reported on one stderr line, and
# a missing ${VAR} is a usage error (exit 2) before anything is done. The
# server (http_test_server.py) runs in a network namespace of this test's
# own, with only its loopback up.
source "$(dirname "$0")/lib.sh"

NS="sbt-post-$$"
SERVER_PID=
cleanup_post() {
  [ -z "$SERVER_PID" ] || kill "$SERVER_PID" 2>/dev/null || true
  ip netns delete "$NS" 2>/dev/null || true
  cleanup_work
}
trap cleanup_post EXIT

ip netns add "$NS"
ip -n "$NS" link set lo up
ip netns exec "$NS" python3 "$SB_SOURCE_DIR/tests/integration/http_test_server.py" \
  --port-file "$WORK/port" --record "$WORK/requests.jsonl" --hang 60 >"$WORK/server.log" 2>&1 &
SERVER_PID=$!
wait_for 10 test -s "$WORK/port" || { cat "$WORK/server.log"; fail "test server did not start"; }
URL="http://127.0.0.1:$(cat "$WORK/port")"
CLOSED="http://127.0.0.1:9/ok" # nothing listens in this namespace but our server

VALID="$SB_SOURCE_DIR/tests/data/jepsen/valid-register.edn" # linearizable: exit 0
STALE="$SB_SOURCE_DIR/tests/data/jepsen/stale-read.log"     # a stale read: exit 1

# Runs splitbrain check in the namespace: STATUS, $WORK/out.txt, $WORK/err.txt.
check() {
  set +e
  ip netns exec "$NS" "$SB_BIN" check --format jepsen "$@" >"$WORK/out.txt" 2>"$WORK/err.txt"
  STATUS=$?
  set -e
}
# Requests the server received on path $1.
count() {
  [ -e "$WORK/requests.jsonl" ] || { echo 0; return; }
  python3 -c 'import json, sys
print(sum(json.loads(l)["path"] == sys.argv[2] for l in open(sys.argv[1])))' "$WORK/requests.jsonl" "$1"
}
# Field $2 (body, or a header name in lower case) of request $1 (0-based).
request() {
  python3 -c 'import json, sys
e = [json.loads(l) for l in open(sys.argv[1])][int(sys.argv[2])]
sys.stdout.write(e["body"] if sys.argv[3] == "body" else e["headers"].get(sys.argv[3], ""))' \
    "$WORK/requests.jsonl" "$1" "$2"
}
total() { [ -e "$WORK/requests.jsonl" ] && wc -l <"$WORK/requests.jsonl" || echo 0; }
one_line_err() {
  [ "$(wc -l <"$WORK/err.txt")" -eq 1 ] || fail "$1: expected one line on stderr: $(cat "$WORK/err.txt")"
  grep -qF "$2" "$WORK/err.txt" || fail "$1: expected \"$2\" on stderr: $(cat "$WORK/err.txt")"
}

# The statuses without --post, which --post must not change.
check "$VALID"; [ $STATUS -eq 0 ] || fail "valid history: exit $STATUS without --post"
check "$STALE"; [ $STATUS -eq 1 ] || fail "stale read: exit $STATUS without --post"

export SB_POST_TOKEN="tok-$$-$RANDOM$RANDOM"
AUTH='Authorization: Bearer ${SB_POST_TOKEN}'

# 1. Delivered: the body is what results.json holds, the token arrives.
check "$VALID" --json "$WORK/results.json" --post "$URL/ok" --post-header "$AUTH"
[ $STATUS -eq 0 ] || fail "/ok: exit $STATUS, expected 0"
[ ! -s "$WORK/err.txt" ] || fail "/ok: stderr: $(cat "$WORK/err.txt")"
[ "$(count /ok)" -eq 1 ] || fail "/ok: $(count /ok) requests, expected 1"
request 0 body >"$WORK/body.json"
cmp -s "$WORK/body.json" "$WORK/results.json" || fail "/ok: the body differs from results.json"
[ "$(json_get "$WORK/body.json" checkers.linearizable.verdict)" = valid ] || fail "/ok: no verdict in the body"
[ "$(request 0 authorization)" = "Bearer $SB_POST_TOKEN" ] || fail "/ok: token header not received"
[ "$(request 0 content-type)" = application/json ] || fail "/ok: content type $(request 0 content-type)"

# 2. HTTP 500: retries+1 attempts, the status of the check unchanged.
check "$STALE" --post "$URL/fail500" --post-retries 2
[ $STATUS -eq 1 ] || fail "/fail500: exit $STATUS, expected 1 as without --post"
[ "$(count /fail500)" -eq 3 ] || fail "/fail500: $(count /fail500) attempts, expected 3"
one_line_err /fail500 "HTTP 500 after 3 attempts"
check "$STALE" --post "$URL/fail500" --post-retries 0
[ "$(count /fail500)" -eq 4 ] || fail "/fail500 --post-retries 0: more than one attempt"

# 3. 429 is retried, 404 is not; a server that recovers gets the results.
check "$VALID" --post "$URL/r429"
[ $STATUS -eq 0 ] && [ "$(count /r429)" -eq 3 ] || fail "/r429: exit $STATUS, $(count /r429) attempts"
one_line_err /r429 "HTTP 429 after 3 attempts"
check "$VALID" --post "$URL/r404"
[ $STATUS -eq 0 ] || fail "/r404: exit $STATUS, expected 0 as without --post"
[ "$(count /r404)" -eq 1 ] || fail "/r404: $(count /r404) attempts, expected 1 (no retry)"
one_line_err /r404 "HTTP 404 (not retried)"
check "$VALID" --post "$URL/flaky"
[ $STATUS -eq 0 ] && [ "$(count /flaky)" -eq 3 ] && [ ! -s "$WORK/err.txt" ] ||
  fail "/flaky: exit $STATUS, $(count /flaky) attempts, stderr $(cat "$WORK/err.txt")"

# 4. A server that never answers: given up after timeout x attempts plus
#    the backoff (0.5 s + 1 s) and some slack. Meanwhile argv is read: the
#    token is not in it, though it reached the server.
start=$(date +%s%N)
ip netns exec "$NS" "$SB_BIN" check --format jepsen "$STALE" --post "$URL/hang" --post-timeout 1 \
  --post-header "$AUTH" >"$WORK/out.txt" 2>"$WORK/err.txt" &
pid=$!
hang_arrived() { [ "$(count /hang)" -ge 1 ]; }
wait_for 10 hang_arrived || fail "/hang: no request arrived"
tr '\0' ' ' <"/proc/$pid/cmdline" >"$WORK/argv.txt" || fail "/hang: the check ended too early"
set +e; wait "$pid"; STATUS=$?; set -e
elapsed_ms=$((($(date +%s%N) - start) / 1000000))
! grep -qF "$SB_POST_TOKEN" "$WORK/argv.txt" || fail "the token is in argv"
grep -qF '${SB_POST_TOKEN}' "$WORK/argv.txt" || fail "argv not read: $(cat "$WORK/argv.txt")"
[ "$(request "$(($(total) - 1))" authorization)" = "Bearer $SB_POST_TOKEN" ] || fail "/hang: no token"
[ $STATUS -eq 1 ] || fail "/hang: exit $STATUS, expected 1 as without --post"
[ "$(count /hang)" -eq 3 ] || fail "/hang: $(count /hang) attempts, expected 3"
[ $elapsed_ms -ge 3000 ] && [ $elapsed_ms -le 7500 ] || fail "/hang: gave up after $elapsed_ms ms"
one_line_err /hang "timed out after 1 s (3 attempts)"

# 5. Nobody listening.
check "$VALID" --post "$CLOSED" --post-retries 1
[ $STATUS -eq 0 ] || fail "refused: exit $STATUS, expected 0"
one_line_err refused "connection refused (2 attempts)"

# 6. --post-junit: a second request with the JUnit file.
n=$(total)
check "$STALE" --junit "$WORK/out.xml" --post-junit --post "$URL/ok"
[ $STATUS -eq 1 ] && [ "$(total)" -eq $((n + 2)) ] || fail "--post-junit: exit $STATUS, $(($(total) - n)) requests"
[ "$(request $((n + 1)) content-type)" = application/xml ] || fail "--post-junit: not application/xml"
request $((n + 1)) body >"$WORK/body.xml"
cmp -s "$WORK/body.xml" "$WORK/out.xml" || fail "--post-junit: the body differs from the JUnit file"

# 7. Usage errors, before anything is done: nothing sent, nothing written.
n=$(total)
unset SB_POST_MISSING
check "$VALID" --json "$WORK/never.json" --post "$URL/ok" --post-header 'X-Token: ${SB_POST_MISSING}'
[ $STATUS -eq 2 ] || fail "missing \${VAR}: exit $STATUS, expected 2"
one_line_err "missing \${VAR}" "SB_POST_MISSING is not set"
check "$VALID" --json "$WORK/never.json" --post "$URL/ok" --post-header 'no colon here'
[ $STATUS -eq 2 ] || fail "malformed header: exit $STATUS, expected 2"
check "$VALID" --json "$WORK/never.json" --post "ftp://127.0.0.1/x"
[ $STATUS -eq 2 ] || fail "ftp URL: exit $STATUS, expected 2"
check "$VALID" --json "$WORK/never.json" --post "$URL/ok" --post-junit
[ $STATUS -eq 2 ] || fail "--post-junit without --junit: exit $STATUS, expected 2"
[ "$(total)" -eq "$n" ] && [ ! -e "$WORK/never.json" ] || fail "a usage error still did something"
echo PASS
