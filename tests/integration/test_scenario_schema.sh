#!/usr/bin/env bash
# test_scenario_schema.sh -- scenarios/schema.json and the scenario parser
# accept and reject the same files.
#
# 1. Every shipped scenario passes the schema (Draft 2020-12, the schema
#    itself checked first) and `splitbrain validate`.
# 2. One table of one-change variants of shipped scenarios: for a bad one
#    both must reject it, the parser with one line "file:line:col: ..."
#    holding the expected fragment (validate takes the files in batches and
#    must exit 2 exactly when a file of the batch is bad); a good one (things
#    the parser accepts that a schema could easily forbid) both must accept.
#    The few rules the schema cannot express (a host named must exist, ...)
#    are rows of their own: the parser rejects, the schema accepts.
# 3. The lists the parser prints after "allowed:" (keys of every object,
#    names of every enum, figures of every checker) equal the schema's, so
#    a key or name added to one side only fails here.
# Needs /usr/bin/python3 with jsonschema (Debian: python3-jsonschema); no
# root, no network, no lab.
set -euo pipefail
: "${SB_BIN:?SB_BIN must point at the splitbrain binary}"
: "${SB_SOURCE_DIR:?SB_SOURCE_DIR must point at the source tree}"
PYTHON=/usr/bin/python3
"$PYTHON" -c 'import jsonschema' 2>/dev/null ||
  { echo "FAIL: $PYTHON cannot import jsonschema (Debian: python3-jsonschema)" >&2; exit 1; }
WORK=$(mktemp -d /tmp/sb-schema.XXXXXX)
trap 'rm -rf "$WORK"' EXIT

"$PYTHON" - "$SB_BIN" "$SB_SOURCE_DIR" "$WORK" <<'PYTHON_END'
import copy
import glob
import json
import os
import re
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor

from jsonschema import Draft202012Validator

SB_BIN, SRC, WORK = sys.argv[1:4]
failures = []
# Every file the parser judges, with what to do with its verdict. validate
# takes many files at once (a line each: "ok FILE" on stdout, or
# "FILE:line:col: ..." on stderr; exit 2 when any is bad) and runs
# redis-server on the directives of each file it accepts, so the files go in
# a few batches run in parallel, and the verdicts are printed in order.
pending = []  # (path, judge(status, message)): status 0 accepted, 2 rejected


def result(ok, what, why=""):
    print("%s %s%s" % ("ok  " if ok else "FAIL", what, "" if ok or not why else ": " + why))
    if not ok:
        failures.append(what)


def load(rel):
    with open(os.path.join(SRC, rel)) as f:
        return json.load(f)


try:
    schema = load("scenarios/schema.json")
    Draft202012Validator.check_schema(schema)
    result(True, "schema.json is a valid Draft 2020-12 schema")
except Exception as e:  # not JSON, or a SchemaError: nothing else can be judged
    result(False, "schema.json is a valid Draft 2020-12 schema", str(e).splitlines()[0])
    sys.exit(1)
validator = Draft202012Validator(schema)


def schema_says(doc):
    """None when the schema accepts doc, else its first error."""
    errors = sorted(validator.iter_errors(doc), key=lambda e: list(e.absolute_path))
    if not errors:
        return None
    e = errors[0]
    return "%s: %s" % ("/".join(map(str, e.absolute_path)) or "top level", e.message[:160])


def parser_batch(paths):
    """{path: (0, "") or (2, its error line)} from one splitbrain validate; a
    path without exactly one verdict, or an exit status that disagrees with
    the verdicts (a crash), is reported against every path of the batch."""
    p = subprocess.run([SB_BIN, "validate"] + paths, stdin=subprocess.DEVNULL,
                       capture_output=True, text=True, timeout=120)
    out, err = p.stdout.splitlines(), p.stderr.splitlines()
    verdicts = {}
    for path in paths:
        ok = [l for l in out if l == "ok " + path or l.startswith("ok %s " % path)]
        bad = [l for l in err if l.startswith(path + ":")]
        if len(ok) + len(bad) == 1:
            verdicts[path] = (0, "") if ok else (2, bad[0])
    expected_rc = 2 if any(v[0] for v in verdicts.values()) else 0
    if len(verdicts) != len(paths) or p.returncode != expected_rc:
        why = "validate of %d files exited %d: %s" % (len(paths), p.returncode,
                                                     (p.stderr.strip() or "?")[-300:])
        return {path: (p.returncode if p.returncode not in (0, 2) else -1, why)
                for path in paths}
    return verdicts


def write(name, doc):
    path = os.path.join(WORK, name)
    with open(path, "w") as f:
        json.dump(doc, f, indent=2)
        f.write("\n")
    return path


# ====== 1. Shipped scenarios ======

shipped = sorted(set(glob.glob(os.path.join(SRC, "scenarios/**/*.json"), recursive=True)
                     + glob.glob(os.path.join(SRC, "tests/integration/scenarios/*.json"))
                     + glob.glob(os.path.join(SRC, "vagrant/scenarios/*.json"))))
shipped = [f for f in shipped if os.path.basename(f) != "schema.json"]
for path in shipped:
    with open(path) as f:
        err = schema_says(json.load(f))
    pending.append((path, lambda status, msg, rel=os.path.relpath(path, SRC), err=err:
                    result(err is None and status == 0, "shipped " + rel,
                           "schema: %s; parser: exit %d %s" % (err or "accepts", status, msg))))

# ====== 2. The table ======

BASES = {
    "case2": "scenarios/blog/sentinel-case2-partition.json",  # partition, heal; 4 checkers
    "random": "scenarios/jepsen-random-nemesis.json",         # two random schedules
    "cache": "scenarios/blog/thundering-herd-lock.json",      # origin, cache workload
    "cluster": "scenarios/ci/cluster-migrating-ask.json",     # migrate-slots
    "redlock": "scenarios/ci/lock-healthy-redlock.json",      # independent, lock workload
    "scaleup": "scenarios/blog/sentinel-scaleup-one-by-one.json",  # standby, sentinel-add
}
OK = None         # both accept
PARSER_ONLY = 1   # a rule the schema cannot express: parser rejects, schema accepts

# (name, base, patch: python statements on the scenario s, expected fragment of the
#  parser's message for a bad variant, or OK, or (PARSER_ONLY, fragment))
CASES = [
    # unknown keys
    ("unknown key at the top level", "case2", "s['wrokers'] = 4",
     'unknown key "wrokers" in the top level'),
    ("\"$schema\" is not a scenario key", "case2",
     "s['$schema'] = 'https://example.org/schema.json'", 'unknown key "$schema"'),
    ("unknown key in deployment", "case2", "s['deployment']['replicas'] = 2",
     'unknown key "replicas" in deployment;'),
    ("unknown key in deployment.redis", "case2", "s['deployment']['redis']['prot'] = 6380",
     'unknown key "prot" in deployment.redis;'),
    ("unknown key in deployment.sentinels", "case2",
     "s['deployment']['sentinels']['quorom'] = 2", 'unknown key "quorom" in deployment.sentinels'),
    ("unknown key in clients[]", "case2", "s['clients'][0]['wrokers'] = 4",
     'unknown key "wrokers" in clients[0]'),
    ("unknown key in workload", "case2", "s['workload']['ratee'] = 10",
     'unknown key "ratee" in workload'),
    ("unknown key in a fault", "case2", "s['nemesis'][0]['group'] = [['n1']]",
     'unknown key "group" in nemesis[0]'),
    ("unknown key in a random schedule", "random", "s['nemesis'][0]['random']['stop'] = '30s'",
     'unknown key "stop" in nemesis[0].random'),
    ("unknown key in a bound", "case2", "s['expect']['set']['lost_count']['maxx'] = 3",
     'unknown key "maxx" in expect.set.lost_count'),
    ("unknown key in origin", "cache", "s['origin']['latncy'] = '1s'",
     'unknown key "latncy" in origin'),
    ("unknown key in workload.cache", "cache", "s['workload']['cache']['tll'] = '1s'",
     'unknown key "tll" in workload.cache'),
    ("unknown key in a host object", "case2",
     "s['hosts'][0] = {'name': 'n1', 'address': '10.0.0.1', 'adress': 'x'}",
     'unknown key "adress" in hosts[0]'),
    ("random schedule with a key beside \"random\"", "random", "s['nemesis'][0]['at'] = '1s'",
     "a random schedule is an object with the one key"),
    # wrong types
    ("duration as a number", "case2", "s['duration'] = 20", "must be a duration string"),
    ("workers as a string", "case2", "s['clients'][0]['workers'] = '4'", "must be an integer"),
    ("hosts as a string", "case2", "s['hosts'] = 'n1 n2 n3'", "hosts must be an array"),
    ("checkers as a string", "case2", "s['checkers'] = 'set'", "must be an array of checker names"),
    ("rate as a string", "case2", "s['workload']['rate'] = 'fast'", "must be a number"),
    ("config value an object", "case2", "s['deployment']['redis']['config']['save'] = {}",
     "must be a string, number or boolean"),
    ("config value with a newline", "case2",
     "s['deployment']['redis']['config']['appendonly'] = 'no\\nslaveof x 1'",
     "cannot contain a newline"),
    ("sync_expiry as a string", "cache", "s['workload']['cache']['sync_expiry'] = 'yes'",
     "must be true or false"),
    # unknown names
    ("unknown deployment kind", "case2", "s['deployment']['kind'] = 'sentinal'",
     'unknown deployment kind "sentinal"'),
    ("unknown workload kind", "case2", "s['workload']['kind'] = 'sets'", 'unknown workload "sets"'),
    ("unknown fault", "case2", "s['nemesis'][0]['fault'] = 'partiton'", 'unknown fault "partiton"'),
    ("unknown checker", "case2", "s['checkers'].append('linearisable')",
     'unknown checker "linearisable"'),
    ("unknown partition shape", "case2",
     "s['nemesis'][0] = {'at': '5s', 'fault': 'partition', 'shape': 'triangle'}",
     'unknown partition shape "triangle"'),
    ("unknown cache strategy", "cache", "s['workload']['cache']['strategy'] = 'memolock-fix'",
     'unknown strategy "memolock-fix"'),
    ("unknown clock op", "case2",
     "s['nemesis'][0] = {'at': '5s', 'fault': 'clock', 'op': 'jump', 'delta': '3s'}",
     'unknown clock op "jump"'),
    ("unknown process", "case2",
     "s['nemesis'][0] = {'at': '5s', 'fault': 'kill', 'target': 'master', 'process': 'both'}",
     'unknown process "both"'),
    ("unknown lock mode", "redlock", "s['workload']['lock']['mode'] = 'multi'",
     'unknown lock mode "multi"'),
    ("unknown overload", "cache", "s['origin']['overload'] = '502'", 'unknown overload "502"'),
    ("unknown figure of a checker", "case2", "s['expect']['set']['lost'] = {'max': 0}",
     'checker set has no figure "lost"'),
    ("unknown log event", "case2", "s['expect']['events']['+switched-master'] = {'min': 1}",
     'checker events has no figure "+switched-master"'),
    ("expect for an unknown checker", "case2", "s['expect']['sett'] = {'valid': True}",
     'expect names checker "sett"'),
    # durations
    ("duration with a space", "case2", "s['duration'] = '20 s'", 'bad duration unit in "20 s"'),
    ("duration unit sec", "case2", "s['nemesis'][0]['at'] = '5sec'", 'bad duration unit in "5sec"'),
    ("duration without a unit", "case2", "s['clients'][0]['timeout'] = '500'",
     'bad duration unit in "500"'),
    ("negative duration", "case2", "s['nemesis'][0]['at'] = '-5s'", 'bad duration "-5s"'),
    ("zero where longer than 0 is needed", "case2", "s['duration'] = '0.0s'",
     "duration must be longer than 0"),
    ("zero clock delta", "case2",
     "s['nemesis'][0] = {'at': '5s', 'fault': 'clock', 'op': 'bump', 'delta': '-0ms'}",
     'delta "-0ms" is not a non-zero duration'),
    ("bad bandwidth rate", "case2",
     "s['nemesis'][0] = {'at': '5s', 'fault': 'bandwidth', 'rate': '2 mbit/s'}",
     'bad rate "2 mbit/s"'),
    # required keys
    ("missing name", "case2", "del s['name']", 'missing "name" in the top level'),
    ("missing deployment", "case2", "del s['deployment']", 'missing "deployment" in the top level'),
    ("missing clients", "case2", "del s['clients']", 'missing "clients" in the top level'),
    ("empty clients", "case2", "s['clients'] = []", "clients is empty"),
    ("missing workload kind", "case2", "del s['workload']['kind']", 'missing "kind" in workload'),
    ("missing sentinels in a sentinel deployment", "case2", "del s['deployment']['sentinels']",
     'missing "sentinels" in deployment'),
    ("missing master in a sentinel deployment", "case2",
     "del s['deployment']['redis']['master']", 'missing "master" in deployment.redis'),
    ("missing quorum", "case2", "del s['deployment']['sentinels']['quorum']",
     'missing "quorum" in deployment.sentinels'),
    ("fault without at", "case2", "del s['nemesis'][0]['at']", 'missing "at" in nemesis[0]'),
    ("partition without groups or shape", "case2", "del s['nemesis'][0]['groups']",
     'a partition needs "groups" or "shape"'),
    ("groups shape without groups", "case2",
     "s['nemesis'][0] = {'at': '5s', 'fault': 'partition', 'shape': 'groups'}",
     'a groups partition needs "groups"'),
    ("one-way partition without to", "case2",
     "s['nemesis'][0] = {'at': '5s', 'fault': 'partition', 'shape': 'one-way', 'from': ['n1']}",
     'missing "to" in nemesis[0]'),
    ("process fault without target", "case2", "s['nemesis'][0] = {'at': '5s', 'fault': 'kill'}",
     'missing "target" (or "host")'),
    ("loss without probability", "case2", "s['nemesis'][0] = {'at': '5s', 'fault': 'loss'}",
     'missing "probability" in nemesis[0]'),
    ("netem that does nothing", "case2",
     "s['nemesis'][0] = {'at': '5s', 'fault': 'netem', 'hosts': ['n1']}",
     "this netem fault does nothing"),
    ("random schedule without faults", "random", "del s['nemesis'][0]['random']['faults']",
     'missing "faults" in nemesis[0].random'),
    ("range without max", "random", "del s['nemesis'][0]['random']['gap']['max']",
     'missing "max" in nemesis[0].random.gap'),
    ("cache workload without origin", "cache", "del s['origin']",
     "the cache workload needs an origin service"),
    ("ssh options without an addressed host", "case2", "s['ssh'] = {'user': 'vagrant'}",
     "ssh options are given but no host has an \"address\""),
    ("host object with options but no address", "case2",
     "s['hosts'][0] = {'name': 'n1', 'user': 'vagrant'}", "has ssh options but no \"address\""),
    # parameters of another kind, or of another shape/op/mode/deployment
    ("heal with groups", "case2", "s['nemesis'][1]['groups'] = [['n1']]",
     'unknown key "groups" in nemesis[1]'),
    ("kill with a loss probability", "case2",
     "s['nemesis'][0] = {'at': '5s', 'fault': 'kill', 'target': 'master', 'probability': 0.5}",
     'unknown key "probability" in nemesis[0]'),
    ("for on a fault that does not stay", "case2", "s['nemesis'][1]['for'] = '2s'",
     '"for" needs a fault that stays in force'),
    ("at in a random template", "random", "s['nemesis'][0]['random']['faults'][3]['at'] = '5s'",
     'unknown key "at" in nemesis[0].random.faults[3]'),
    ("heal in a random schedule", "random",
     "s['nemesis'][0]['random']['faults'].append({'fault': 'heal'})",
     "a random schedule needs faults it can undo"),
    ("target on a halves partition", "case2",
     "s['nemesis'][0] = {'at': '5s', 'fault': 'partition', 'shape': 'halves', 'target': 'n1'}",
     '"target" does not apply to the partition shape "halves"'),
    ("isolate with target all", "case2",
     "s['nemesis'][0] = {'at': '5s', 'fault': 'partition', 'shape': 'isolate', 'target': 'all'}",
     "isolate takes one host"),
    ("ring over 3 hosts", "case2",
     "s['nemesis'][0] = {'at': '5s', 'fault': 'partition', 'shape': 'ring', "
     "'hosts': ['n1', 'n2', 'n3']}", 'shape "ring" needs at least 4 hosts'),
    ("host and target together", "case2",
     "s['nemesis'][0] = {'at': '5s', 'fault': 'pause', 'host': 'n1', 'target': 'master'}",
     'give "host" or "target", not both'),
    ("role target for sentinels", "case2",
     "s['nemesis'][0] = {'at': '5s', 'fault': 'pause', 'target': 'master', 'process': 'sentinel'}",
     '"master" applies to redis processes only'),
    ("delta on clock reset", "case2",
     "s['nemesis'][0] = {'at': '5s', 'fault': 'clock', 'op': 'reset', 'delta': '1s'}",
     '"delta" does not apply to clock op reset'),
    ("period on clock bump", "case2",
     "s['nemesis'][0] = {'at': '5s', 'fault': 'clock', 'op': 'bump', 'delta': '1s', "
     "'period': '1s'}", '"period" applies only to clock op strobe'),
    ("netem reorder without delay", "case2",
     "s['nemesis'][0] = {'at': '5s', 'fault': 'netem', 'reorder': 0.25}", "reorder needs a delay"),
    ("cluster fault on a sentinel deployment", "case2",
     "s['nemesis'][0] = {'at': '5s', 'fault': 'remove-shard', 'host': 'n1'}",
     'remove-shard needs deployment kind "cluster"'),
    ("cluster section on a sentinel deployment", "case2",
     "s['deployment']['cluster'] = {'masters': 1}", '"cluster" is for deployment kind "cluster"'),
    ("sentinels on a cluster", "cluster",
     "s['deployment']['sentinels'] = {'hosts': ['n1'], 'quorum': 1}",
     "a cluster deployment runs no sentinels"),
    ("client sentinels on a cluster", "cluster", "s['clients'][0]['sentinels'] = ['n1']",
     'host "n1" runs no sentinel'),
    ("stale-read on a cluster", "cluster", "s['workload']['kind'] = 'stale-read'",
     'workload "stale-read" does not run on a cluster yet'),
    ("redlock on a sentinel deployment", "case2",
     "s['workload'] = {'kind': 'lock', 'lock': {'mode': 'redlock'}}",
     "redlock needs independent masters"),
    ("lock nodes in single mode", "redlock", "s['workload']['lock']['mode'] = 'single'; "
     "s['workload']['lock']['nodes'] = ['r1', 'r2', 'r3']", 'nodes are for mode "redlock"'),
    ("lock options on a set workload", "case2", "s['workload']['lock'] = {'ttl': '1s'}",
     '"lock" is for the lock workload, not "set"'),
    ("cache options on a set workload", "case2", "s['workload']['cache'] = {'keys': 5}",
     '"cache" is for the cache workload, not "set"'),
    # values out of range
    ("bad expect valid", "case2", "s['expect']['set']['valid'] = 'maybe'",
     'valid must be true, false, "unknown" or "any"'),
    ("expect valid as 1", "case2", "s['expect']['set']['valid'] = 1",
     'valid must be true, false, "unknown" or "any"'),
    ("empty bound", "case2", "s['expect']['set']['lost_count'] = {}",
     'a bound needs "min", "max" or both'),
    ("bound min as a string", "case2", "s['expect']['set']['lost_count'] = {'min': '1'}",
     "expect.set.lost_count.min must be a number"),
    ("bad scenario name", "case2", "s['name'] = 'case 2'", 'bad name "case 2"'),
    ("upper-case host name", "case2", "s['hosts'][0] = 'N1'", 'bad host name "N1"'),
    ("workers 0", "case2", "s['clients'][0]['workers'] = 0", "is 0; allowed: 1..256"),
    ("negative seed", "case2", "s['seed'] = -1", "seed is -1; allowed: 0.."),
    ("loss probability 1.5", "case2",
     "s['nemesis'][0] = {'at': '5s', 'fault': 'loss', 'probability': 1.5}",
     "must be a probability"),
    ("loss probability 0", "case2",
     "s['nemesis'][0] = {'at': '5s', 'fault': 'loss', 'probability': 0}",
     "probability 0 drops nothing"),
    ("checker listed twice", "case2", "s['checkers'].append('set')",
     'checker "set" is listed twice'),
    ("more than 64 hosts", "case2", "s['hosts'] += ['h%d' % i for i in range(62)]",
     "hosts has 65 entries"),
    ("address with a quote", "case2", "s['hosts'][0] = {'name': 'n1', 'address': \"n1'x\"}",
     'bad address "n1\'x"'),
    ("dir with ..", "case2",
     "s['hosts'][0] = {'name': 'n1', 'address': '10.0.0.1', 'dir': '/tmp/../etc'}",
     'bad dir "/tmp/../etc"'),
    # rules across sections: the parser's alone
    ("a group names a host that does not exist", "case2", "s['nemesis'][0]['groups'][0] = ['n9']",
     (PARSER_ONLY, 'host "n9" does not exist')),
    ("quorum larger than the sentinels", "case2", "s['deployment']['sentinels']['quorum'] = 4",
     (PARSER_ONLY, "quorum 4 is larger than the 3 sentinels")),
    ("expect for a checker the scenario does not run", "case2",
     "s['expect']['perf'] = {'valid': True}", (PARSER_ONLY, 'expect names checker "perf"')),
    ("fault after the end of the run", "case2", "s['nemesis'][1]['at'] = '21s'",
     (PARSER_ONLY, "is after the end of the run")),
    ("integer written 4.0 (JSON Schema's integer admits it)", "case2",
     "s['clients'][0]['workers'] = 4.0", (PARSER_ONLY, "workers must be an integer")),
    # accepted by both: what the parser takes beyond the usual forms
    ("durations .5s, 1e3ms, 5.s and 1h", "case2",
     "s['clients'][0]['timeout'] = '.5s'; s['nemesis'][0]['at'] = '1e3ms'; "
     "s['nemesis'][1]['at'] = '5.s'; s['deployment']['converge_timeout'] = '1h'", OK),
    ("hexadecimal duration 0x10s", "case2", "s['nemesis'][1]['at'] = '0x10s'", OK),
    ("rate with a leading +", "case2",
     "s['nemesis'][0] = {'at': '5s', 'fault': 'bandwidth', 'rate': '+2mbit', 'hosts': 'all'}", OK),
    ("loss over all hosts from some peers", "case2",
     "s['nemesis'][0] = {'at': '5s', 'fault': 'loss', 'probability': 1, 'hosts': 'all', "
     "'peers': ['n1'], 'for': '2s'}", OK),
    ("clock strobe on sentinels of a host list", "case2",
     "s['nemesis'][0] = {'at': '5s', 'fault': 'clock', 'op': 'strobe', 'delta': '-500ms', "
     "'period': '100ms', 'duration': '2s', 'target': ['n1', 'n2'], 'process': 'sentinel', "
     "'monotonic': True}", OK),
    ("isolate with a one-host array", "case2",
     "s['nemesis'][0] = {'at': '5s', 'fault': 'partition', 'shape': 'isolate', "
     "'target': ['n2'], 'hosts': ['n1', 'n2']}", OK),
    ("one-way partition", "case2",
     "s['nemesis'][0] = {'at': '5s', 'fault': 'partition', 'shape': 'one-way', "
     "'from': ['n1'], 'to': ['n2', 'n3'], 'for': '1s'}", OK),
    ("config values: list, boolean, number", "case2",
     "s['deployment']['redis']['config'].update({'save': ['900 1', '300 10'], "
     "'appendonly': True, 'hz': 10})", OK),
    ("events figures with and without a host", "case2",
     "s['expect']['events'].update({'+tilt@n2': {'max': 0}, 'events': {'min': 1}, "
     "'+sdown': {'min': 0, 'max': 100}})", OK),
    ("kill the origin without a target", "cache",
     "s['nemesis'] = [{'at': '2s', 'fault': 'kill', 'process': 'origin', 'for': '1s'}]", OK),
    ("random schedule with plain durations", "random",
     "s['nemesis'][0]['random']['duration'] = '2s'; s['nemesis'][0]['random']['gap'] = '0s'; "
     "s['nemesis'][0]['random']['max'] = 3", OK),
    ("real hosts over ssh", "case2",
     "s['ssh'] = {'user': 'vagrant', 'sudo': True, 'dir': '/tmp/sb'}; "
     "s['hosts'] = [{'name': h, 'address': '192.168.56.1%d' % i, 'port': 2222} "
     "for i, h in enumerate(s['hosts'])] + ['c1']", OK),
]


def judge_case(path, name, schema_err, expect, status, msg):
    parser_only = isinstance(expect, tuple)
    fragment = expect[1] if parser_only else expect
    label = "case %s" % name
    if status not in (0, 2):
        return result(False, label, msg)
    if fragment is OK:
        if status != 0:
            return result(False, label, "parser rejects: " + msg)
        return result(schema_err is None, label, "schema stricter than the parser: " +
                      str(schema_err))
    if status == 0:
        return result(False, label, "parser accepts; expected: " + fragment)
    if not re.match(re.escape(path) + r":\d+:\d+: ", msg) or "\n" in msg:
        return result(False, label, "not one line file:line:col: " + msg)
    if fragment not in msg:
        return result(False, label, "parser message %r lacks %r" % (msg, fragment))
    if parser_only:
        return result(schema_err is None, label, "the schema now rejects it too (%s); move the "
                      "row to the bad ones" % schema_err)
    result(schema_err is not None, label, "drift: the parser rejects (%s), the schema accepts"
           % msg)


for i, (name, base, patch, expect) in enumerate(CASES):
    s = copy.deepcopy(load(BASES[base]))
    exec(patch, {"s": s})
    path = write("case%02d.json" % i, s)
    pending.append((path, lambda status, msg, path=path, name=name, err=schema_says(s),
                    expect=expect: judge_case(path, name, err, expect, status, msg)))

# ====== 3. The parser's "allowed:" lists against the schema's ======


def pointer(ptr):
    node = schema
    for part in ptr.strip("/").split("/"):
        part = part.replace("~1", "/").replace("~0", "~")
        node = node[int(part)] if isinstance(node, list) else node[part]
    return node


def schema_names(ptr):
    node = pointer(ptr)
    return set(node) if isinstance(node, dict) else {str(x) for x in node}


def fault_keys(kind):
    return schema_names("/$defs/fault-%s/properties" % kind)


Z = "zz_unknown"
# (what, base, patch that provokes an "allowed:" list, the schema's names, names to drop)
LISTS = [
    ("top-level keys", "case2", "s[Z] = 1", schema_names("/properties"), ()),
    ("deployment keys", "case2", "s['deployment'][Z] = 1",
     schema_names("/$defs/deployment/properties"), ()),
    ("deployment.redis keys", "case2", "s['deployment']['redis'][Z] = 1",
     schema_names("/$defs/deployment/properties/redis/properties"), ()),
    ("deployment.sentinels keys", "case2", "s['deployment']['sentinels'][Z] = 1",
     schema_names("/$defs/deployment/properties/sentinels/properties"), ()),
    ("deployment.cluster keys", "cluster", "s['deployment']['cluster'][Z] = 1",
     schema_names("/$defs/deployment/properties/cluster/properties"), ()),
    ("clients[] keys", "case2", "s['clients'][0][Z] = 1", schema_names("/$defs/client/properties"),
     ()),
    ("workload keys", "case2", "s['workload'][Z] = 1", schema_names("/$defs/workload/properties"),
     ()),
    ("workload.wait keys", "case2", "s['workload']['wait'] = {'replicas': 1, Z: 1}",
     schema_names("/$defs/workload/properties/wait/properties"), ()),
    ("workload.lock keys", "redlock", "s['workload']['lock'][Z] = 1",
     schema_names("/$defs/lock/properties"), ()),
    ("workload.lock.pause keys", "redlock",
     "s['workload']['lock']['pause'] = {'process': 0, 'duration': '1s', Z: 1}",
     schema_names("/$defs/lock/properties/pause/properties"), ()),
    ("workload.cache keys", "cache", "s['workload']['cache'][Z] = 1",
     schema_names("/$defs/cache/properties"), ()),
    ("origin keys", "cache", "s['origin'][Z] = 1", schema_names("/$defs/origin/properties"), ()),
    ("ssh keys", "case2", "s['ssh'] = {Z: 1}", schema_names("/properties/ssh/properties"), ()),
    ("host object keys", "case2", "s['hosts'][0] = {'name': 'n1', Z: 1}",
     schema_names("/$defs/hostObject/properties"), ()),
    ("random schedule keys", "random", "s['nemesis'][0]['random'][Z] = 1",
     schema_names("/$defs/randomSchedule/properties"), ()),
    ("range keys", "random", "s['nemesis'][0]['random']['gap'][Z] = '1s'",
     schema_names("/$defs/durationRange/anyOf/1/properties"), ()),
    ("bound keys", "case2", "s['expect']['set']['lost_count'][Z] = 1",
     schema_names("/$defs/bound/properties"), ()),
    ("deployment kinds", "case2", "s['deployment']['kind'] = Z",
     schema_names("/$defs/deployment/properties/kind/enum"), ()),
    ("workload kinds", "case2", "s['workload']['kind'] = Z",
     schema_names("/$defs/workload/properties/kind/enum"), ()),
    ("fault names", "case2", "s['nemesis'][0]['fault'] = Z",
     schema_names("/$defs/fault/properties/fault/enum"), ()),
    ("faults a random schedule draws", "random",
     "s['nemesis'][0]['random']['faults'].append({'fault': 'heal'})",
     schema_names("/$defs/faultTemplate/properties/fault/enum"), ()),
    ("faults that take \"for\"", "case2", "s['nemesis'][1]['for'] = '1s'",
     {k for k in schema_names("/$defs/fault/properties/fault/enum") if "for" in fault_keys(k)},
     ()),
    ("partition shapes", "case2", "s['nemesis'][0]['shape'] = Z",
     schema_names("/$defs/fault-partition/properties/shape/enum"), ()),
    ("target roles", "case2",
     "s['nemesis'][0] = {'at': '1s', 'fault': 'kill', 'target': 'zz'}",
     schema_names("/$defs/target/anyOf/0/anyOf/0/enum"), ("n1", "n2", "n3")),
    ("process fault processes", "cache",
     "s['nemesis'] = [{'at': '1s', 'fault': 'kill', 'target': 'all', 'process': Z}]",
     schema_names("/$defs/fault-kill/properties/process/enum"), ()),
    ("clock processes", "case2",
     "s['nemesis'][0] = {'at': '1s', 'fault': 'clock', 'op': 'reset', 'process': Z}",
     schema_names("/$defs/fault-clock/properties/process/enum"), ()),
    ("clock ops", "case2", "s['nemesis'][0] = {'at': '1s', 'fault': 'clock', 'op': Z}",
     schema_names("/$defs/fault-clock/properties/op/enum"), ()),
    ("sentinel-add modes", "scaleup", "s['nemesis'][0]['mode'] = Z",
     schema_names("/$defs/fault-sentinel-add/properties/mode/enum"), ()),
    ("cluster-failover modes", "cluster",
     "s['nemesis'] = [{'at': '1s', 'fault': 'cluster-failover', 'host': 'n4', 'mode': Z}]",
     schema_names("/$defs/fault-cluster-failover/properties/mode/enum"), ()),
    ("cache strategies", "cache", "s['workload']['cache']['strategy'] = Z",
     schema_names("/$defs/cache/properties/strategy/enum"), ()),
    ("lock modes", "redlock", "s['workload']['lock']['mode'] = Z",
     schema_names("/$defs/lock/properties/mode/enum"), ()),
    ("origin overload", "cache", "s['origin']['overload'] = Z",
     schema_names("/$defs/origin/properties/overload/enum"), ()),
    ("checker names", "case2", "s['checkers'].append(Z)",
     schema_names("/properties/checkers/items/enum"), ()),
    ("checker names under expect", "case2", "s['checkers'].append(Z)",
     schema_names("/properties/expect/propertyNames/enum"), ()),
]
# Keys of every fault kind, as a fixed fault ("fault", "at", "for" and its own).
FAULT_SAMPLES = {
    "partition": "{'fault': 'partition', 'shape': 'halves'}",
    "heal": "{'fault': 'heal'}",
    "kill": "{'fault': 'kill', 'target': 'master'}",
    "restart": "{'fault': 'restart', 'target': 'master'}",
    "pause": "{'fault': 'pause', 'target': 'master'}",
    "resume": "{'fault': 'resume', 'target': 'master'}",
    "loss": "{'fault': 'loss', 'probability': 0.5}",
    "bandwidth": "{'fault': 'bandwidth', 'rate': '1mbit'}",
    "netem": "{'fault': 'netem', 'delay': '10ms'}",
    "clock": "{'fault': 'clock', 'op': 'reset'}",
    "sentinel-add": "{'fault': 'sentinel-add', 'hosts': ['s6']}",
    "sentinel-remove": "{'fault': 'sentinel-remove', 'hosts': ['s5']}",
    "cluster-failover": "{'fault': 'cluster-failover', 'host': 'n4'}",
    "migrate-slots": "{'fault': 'migrate-slots', 'from': 'n1', 'to': 'n2'}",
    "add-shard": "{'fault': 'add-shard', 'host': 'n6'}",
    "remove-shard": "{'fault': 'remove-shard', 'host': 'n1'}",
    "power-loss": "{'fault': 'power-loss', 'target': 'master'}",
    "torn-write": "{'fault': 'torn-write', 'target': 'master'}",
    "disk-full": "{'fault': 'disk-full', 'target': 'master'}",
    "corrupt": "{'fault': 'corrupt', 'target': 'master', 'file': 'aof', 'flip': 1}",
}
for kind in sorted(schema_names("/$defs/fault/properties/fault/enum")):
    sample = FAULT_SAMPLES.get(kind)
    if sample is None:
        result(False, "keys of fault %s" % kind, "no sample in FAULT_SAMPLES")
        continue
    base = ("cluster" if kind in ("cluster-failover", "migrate-slots", "add-shard", "remove-shard")
            else "scaleup" if kind.startswith("sentinel-") else "case2")
    LISTS.append(("keys of fault %s" % kind, base,
                  "s['nemesis'] = [dict(%s, at='1s', %s=1)]" % (sample, Z), fault_keys(kind),
                  ("for",)))
# Figures of every checker ("valid" and its own); events' event names are below.
for name in sorted(schema_names("/properties/expect/properties")):
    if name == "events":
        continue
    LISTS.append(("figures of checker %s" % name, "case2",
                  "s['checkers'] = [%r]; s['expect'] = {%r: {Z: {'max': 1}}}" % (name, name),
                  schema_names("/properties/expect/properties/%s/properties" % name), ()))

def judge_list(what, names, drop, status, msg):
    m = re.search(r"allowed(?: with)?: (.*)$", msg)
    names = names - set(drop)
    if status != 2 or not m:
        return result(False, "allowed " + what, "no \"allowed:\" list in: exit %d %s"
                      % (status, msg))
    parser = {x.strip() for x in m.group(1).split(",")} - set(drop)
    missing, extra = sorted(parser - names), sorted(names - parser)
    result(not missing and not extra, "allowed " + what,
           "only the parser has %s; only the schema has %s" % (missing, extra))


for i, (what, base, patch, names, drop) in enumerate(LISTS):
    s = copy.deepcopy(load(BASES[base]))
    exec(patch, {"s": s, "Z": Z})
    pending.append((write("list%02d.json" % i, s),
                    lambda status, msg, what=what, names=names, drop=drop:
                    judge_list(what, names, drop, status, msg)))

# Log event names: base/logevents.c's table, the schema's pattern, and the parser.
with open(os.path.join(SRC, "base/logevents.c")) as f:
    source = f.read()
table = set(re.findall(r'LOGEV_SENTINEL\("([^"]+)"', source))
table |= set(re.findall(r'^\s*\{"([^"]+)", SB_PROC_', source, re.M))
pattern = pointer("/properties/expect/properties/events/propertyNames/anyOf/1/pattern")
in_schema = set(re.match(r"\^\(\?:(.*?)\)\(\?:@", pattern).group(1).replace("\\", "").split("|"))
pending.append((None, lambda *_: result(
    table == in_schema, "log event names of base/logevents.c in the schema",
    "only logevents.c has %s; only the schema has %s"
    % (sorted(table - in_schema), sorted(in_schema - table)))))
s = load(BASES["case2"])
s["expect"]["events"] = {e + ("@n1" if i % 2 else ""): {"min": 0} for i, e in
                         enumerate(sorted(table))}
pending.append((write("events.json", s), lambda status, msg, err=schema_says(s):
                result(status == 0 and err is None, "every log event is a figure of events "
                       "for both", "parser: exit %d %s; schema: %s"
                       % (status, msg, err or "accepts"))))

# ====== The parser's verdicts, in order ======

paths = [path for path, _ in pending if path]
n = max(2, os.cpu_count() or 2)
verdicts = {}
with ThreadPoolExecutor(max_workers=n) as pool:
    for batch in pool.map(parser_batch, [paths[i::n] for i in range(n)]):
        verdicts.update(batch)
for path, judge in pending:
    judge(*verdicts.get(path, (None, None)))

print("%d checks, %d failed" % (len(pending) + 2, len(failures)))
sys.exit(1 if failures else 0)
PYTHON_END
echo PASS
