# The consistency model list-append judges by, chosen by the user: a
# scenario's workload "model" (validated, with the models allowed) and
# check --model on any history (no Redis needed).
source "$(dirname "$0")/lib.sh"
cd "$WORK"
mk() { # mk OUT PYTHON-EXPR: a copy of the healthy list-append scenario with one change
  python3 - "$SB_SOURCE_DIR/scenarios/ci/sentinel-healthy-list-append.json" "$1" "$2" <<'PY'
import json, sys
s = json.load(open(sys.argv[1]))
exec(sys.argv[3])
open(sys.argv[2], "w").write(json.dumps(s, indent=2) + "\n")
PY
}
mk ok.json 's["workload"]["model"] = "snapshot-isolation"'
"$SB_BIN" validate ok.json >v.txt 2>&1 || { cat v.txt; fail "a known model is refused"; }
mk typo.json 's["workload"]["model"] = "serialisable"'
set +e
"$SB_BIN" validate typo.json >v.txt 2>&1; st=$?
set -e
[ "$st" -eq 2 ] && grep -Eq '^typo\.json:[0-9]+:[0-9]+: model "serialisable" unknown; allowed: .*strict-serializable' v.txt ||
  { cat v.txt; fail "an unknown model: exit $st, or no place and no list of models"; }
mk set.json 's["workload"]["kind"] = "set"; s["workload"]["model"] = "serializable"; s["checkers"] = ["set"]; s["expect"] = {}'
set +e
"$SB_BIN" validate set.json >v.txt 2>&1; st=$?
set -e
[ "$st" -eq 2 ] && grep -q '"model" is for the list-append workload, not "set"' v.txt ||
  { cat v.txt; fail "a model on the set workload is not refused"; }

# A later read misses an acknowledged append: G-single-item-realtime under
# the history's strict-serializable, fine under serializable.
cat >h.jsonl <<'H'
{"index":0,"process":"controller","time":0,"type":"ok","f":"list-append-config","value":{"model":"strict-serializable"}}
{"index":1,"process":0,"time":1000,"type":"invoke","f":"txn","value":[["append","x",1]]}
{"index":2,"process":1,"time":2000,"type":"invoke","f":"txn","value":[["r","x",null]]}
{"index":3,"process":1,"time":3000,"type":"ok","f":"txn","value":[["r","x",[]]]}
{"index":4,"process":0,"time":4000,"type":"ok","f":"txn","value":[["append","x",1]]}
{"index":5,"process":1,"time":5000,"type":"invoke","f":"txn","value":[["r","x",null]]}
{"index":6,"process":1,"time":6000,"type":"ok","f":"txn","value":[["r","x",[]]]}
H
set +e
"$SB_BIN" check h.jsonl --checker list-append >c.txt 2>&1; st=$?
set -e
[ "$st" -eq 1 ] && grep -q 'G-single-item-realtime' c.txt || { cat c.txt; fail "strict: exit $st, not 1 with G-single-item-realtime"; }
"$SB_BIN" check h.jsonl --checker list-append --model serializable >c.txt 2>&1 ||
  { cat c.txt; fail "--model serializable did not make the history valid"; }
set +e
"$SB_BIN" check h.jsonl --model bogus >c.txt 2>&1; st=$?
set -e
[ "$st" -eq 2 ] && grep -q -- '--model: model "bogus" unknown; allowed: ' c.txt ||
  { cat c.txt; fail "--model bogus: exit $st"; }
echo "test_model: ok"
