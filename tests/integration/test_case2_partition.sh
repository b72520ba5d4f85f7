# Case II of the background document, short: the master, the client and
# sentinel 1 are cut off; writes the old master acknowledges are lost. Run
# with a short healthy scenario in one invocation, which also gives an
# index.html; then the HTML reports in a real browser: headless Chromium
# (Debian's package) opens them in a network namespace with nothing but a
# loopback, so a page that needed the network could not render, and the
# test reads the DOM Chromium built: the timeline with a lane per client
# and the partition shaded and labelled, who was master with the window of
# two masters, the verdicts, and rows for lost writes with the node that
# acknowledged them. A screenshot is kept beside the test binaries
# (test-artifacts/report-case2.png). `splitbrain report` rebuilds the same
# page byte for byte from the saved run folder.
source "$(dirname "$0")/lib.sh"
command -v chromium >/dev/null || fail "chromium is not installed (./setup.sh installs it)"
NS="sbt-browser-$$"
cleanup_browser() {
  ip netns delete "$NS" 2>/dev/null || true
  cleanup_work
}
trap cleanup_browser EXIT

set +e
"$SB_BIN" run "$SCEN/case2-short.json" "$SCEN/healthy-short.json" "$SCEN/case2-short-subscribe.json" --out "$WORK/runs" --junit "$WORK/junit.xml" >"$WORK/out.txt" 2>"$WORK/err.txt"
status=$?
set -e
cat "$WORK/out.txt"
[ $status -eq 0 ] || { cat "$WORK/err.txt"; fail "run exited $status, expected 0 (expect met: writes lost)"; }
run=$(ls -d "$WORK"/runs/case2-short-2*)
subscribe=$(ls -d "$WORK"/runs/case2-short-subscribe-*)
healthy=$(ls -d "$WORK"/runs/healthy-short-*)
for f in scenario.json history.jsonl results.json summary.txt lab.log nodes/n1/redis/redis.log nodes/n2/sentinel/sentinel.log; do
  [ -s "$run/$f" ] || fail "run folder lacks $f"
done

read -r acked lost unexpected < <(recount "$run/history.jsonl")
[ "$lost" -gt 0 ] || fail "no acknowledged write was lost"
[ "$(json_get "$run/results.json" checkers.set.figures.lost_count)" = "$lost" ] || fail "results.json lost_count disagrees with the recount ($lost)"
[ "$(json_get "$run/results.json" checkers.set.figures.acknowledged)" = "$acked" ] || fail "acknowledged disagrees with the recount ($acked)"
[ "$(json_get "$run/results.json" checkers.set.verdict)" = "invalid" ] || fail "set verdict is not invalid"
[ "$(json_get "$run/results.json" checkers.convergence.figures.final_master)" != "n1" ] || fail "no failover away from n1"
grep -q '"f":"partition"' "$run/history.jsonl" || fail "no partition in the history"
grep -q -- '+switch-master' "$run"/nodes/n2/sentinel/sentinel.log "$run"/nodes/n3/sentinel/sentinel.log || fail "the majority's sentinels never switched master"
echo "lost $lost of $acked acknowledged writes; recount agrees"

# The lost writes were acknowledged by the old master.
python3 - "$run/results.json" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))["checkers"]["set"]["figures"]
assert set(r["lost_by_node"]) == {"n1"}, r["lost_by_node"]
assert r["lost_windows"] and all(w["node"] == "n1" for w in r["lost_windows"])
PY

# The observer watched to the end: role polls through heal, convergence and
# the final read, then "observer-stopped", and the last poll shows one
# master, not n1. In the subscribe run (which has the split-brain checker)
# the two-master window closed at the demotion the polls saw.
python3 - "$run/history.jsonl" "$subscribe/results.json" <<'PY'
import json, sys
h = [json.loads(l) for l in open(sys.argv[1])]
ctl = [o for o in h if o["process"] == "controller"]
end = next(o["time"] for o in ctl if o["f"] == "workload-end")
read = max(o["time"] for o in ctl if o["f"] == "read" and o["type"] == "ok")
stopped = [o for o in ctl if o["f"] == "observer-stopped"]
assert len(stopped) == 1 and stopped[0]["time"] >= read, stopped
assert stopped[0]["value"]["roles_polls"] > 0, stopped
polls = [o for o in ctl if o["f"] == "roles"]
assert polls[-1]["time"] > end, "no poll after the workload"
last = polls[-1]["value"]
masters = [n for n, r in last.items() if r == "master"]
assert len(masters) == 1 and masters[0] != "n1", last
sb = json.load(open(sys.argv[2]))["checkers"]["split-brain"]["figures"]
assert sb["windows"] >= 1 and all(not w.get("open_at_last_poll") for w in sb["detail"]), sb
PY

# discovery "subscribe": the client heard Sentinel 1 announce the failover
# after the heal and wrote to the new master while n1 still said master
# (the asking client stays on n1 until n1 is demoted and refuses).
python3 - "$subscribe/history.jsonl" "$run/history.jsonl" <<'PY'
import json, sys
def early_moves(path):
    roles, moved = None, 0
    for o in map(json.loads, open(path)):
        if o["process"] == "controller" and o["f"] == "roles":
            roles = o["value"]
        elif isinstance(o["process"], int) and o["type"] == "ok" and o["f"] == "add" \
                and o.get("node") not in (None, "", "n1") and roles and roles.get("n1") == "master":
            moved += 1
    return moved
sub, plain = early_moves(sys.argv[1]), early_moves(sys.argv[2])
assert sub > 0, "the subscribing client never left n1 while n1 was master"
assert plain == 0, ("the asking client left n1 while n1 was master", plain)
print(f"subscribe: {sub} writes acknowledged by the new master while n1 still said master")
PY

# The family's table in the run's output: a line per setting, the lost
# counts as results.json has them, and when the clients' writes moved to
# another node: the subscribing client's did, the asking client's not.
python3 - "$WORK/out.txt" "$run" "$subscribe" <<'PY'
import json, re, sys
out = open(sys.argv[1]).read()
assert "family case2-short: what each setting loses" in out, out[-1500:]
table = out[out.index("family case2-short:"):]
moved = {}
for d in sys.argv[2:]:
    res = json.load(open(d + "/results.json"))
    setting = json.load(open(d + "/scenario.json"))["setting"]
    f = res["checkers"]["set"]["figures"]
    line = next(l for l in table.splitlines() if l.startswith(setting[:40]))
    cells = line[len(setting):].split()
    assert int(cells[0]) == f["acknowledged"] and int(cells[1]) == f["lost_count"], (line, f)
    m = re.search(r"(\w+) \(([\d.]+) s\)", line[len(setting):])
    if f["moved_to"] is None:
        assert not m and " never " in line, line
    else:
        assert m and m.group(1) == f["moved_to"], (line, f["moved_to"])
    moved[setting] = float(m.group(2)) if m else None
    # dups: the built-in client never sends a write twice; follows: from
    # the first +switch-master in the history to the move, recomputed here.
    after = line[len(setting):][m.end():].split() if m else cells[6:]
    assert cells[4] == "0" == str(f["duplicates"]), (line, f["duplicates"])
    switch = [o["time"] / 1e9 for o in map(json.loads, open(d + "/history.jsonl"))
              if o["process"] == "node" and o["f"] == "+switch-master"]
    if m and switch:
        assert abs(float(after[0].rstrip("s").strip()) - (f["moved_at_s"] - switch[0])) < 0.06, \
            (line, f["moved_at_s"], switch[0])
    else:
        assert after[0] == "-", line
# 9 s: the asking client never leaves n1 within the workload (n1 is demoted
# after it); the subscribing one follows Sentinel 1's announcement.
asking, subscribing = moved.values()
assert asking is None and subscribing is not None, moved
print("family table: %s" % moved)
PY

# Offline check of the saved run gives the same verdicts.
"$SB_BIN" check "$run" >"$WORK/check.txt" || fail "offline check exited $? (expected 0)"
grep -q "lost $lost of" "$WORK/check.txt" || { cat "$WORK/check.txt"; fail "offline check disagrees"; }

# JUnit: one testsuite per scenario, one testcase per checker, well-formed.
python3 - "$WORK/junit.xml" <<'PY'
import sys, xml.etree.ElementTree as ET
root = ET.parse(sys.argv[1]).getroot()
suites = root.findall("testsuite")
assert [s.get("name") for s in suites] == ["case2-short", "healthy-short", "case2-short-subscribe"], suites
cases = {c.get("name") for c in suites[0].findall("testcase")}
assert cases == {"set", "convergence"}, cases
PY

for f in "$run/report.html" "$healthy/report.html" "$WORK/runs/index.html"; do
  [ -s "$f" ] || fail "$f was not written"
  ! grep -qiE 'https?://|<script|<link|<img|<iframe|@import|url\(' "$f" \
    || fail "$f refers to something outside the page: $(grep -oiE 'https?://[^"< ]*|<script|<link|<img|<iframe|@import|url\(' "$f" | head -3)"
done

ip netns add "$NS"
ip -n "$NS" link set lo up
browse() { # browse OUTPUT_ARGS... URL: Chromium headless, no network but loopback
  ip netns exec "$NS" timeout 120 chromium --headless --no-sandbox --disable-gpu \
    --no-first-run --user-data-dir="$WORK/chromium" "$@" 2>>"$WORK/chromium.log"
}
browse --enable-logging=stderr --v=0 --dump-dom "file://$run/report.html" >"$WORK/case2.dom.html" \
  || { tail -20 "$WORK/chromium.log"; fail "chromium could not open the report"; }
browse --enable-logging=stderr --v=0 --dump-dom "file://$WORK/runs/index.html" >"$WORK/index.dom.html" \
  || { tail -20 "$WORK/chromium.log"; fail "chromium could not open the index"; }
ART="$(dirname "$SB_BIN")/test-artifacts"
mkdir -p "$ART"
browse --screenshot="$ART/report-case2.png" --window-size=1400,3000 "file://$run/report.html" \
  >/dev/null || fail "no screenshot"
[ -s "$ART/report-case2.png" ] || fail "the screenshot is empty"
echo "screenshot: $ART/report-case2.png"
# On paper (the page's print layout): a PDF, kept beside the screenshot.
browse --print-to-pdf="$ART/report-case2.pdf" --no-pdf-header-footer "file://$run/report.html" \
  >/dev/null || fail "chromium could not print the report"
head -c 5 "$ART/report-case2.pdf" | grep -q '%PDF-' || fail "the printed report is not a PDF"
[ "$(stat -c %s "$ART/report-case2.pdf")" -gt 20000 ] || fail "the printed report is nearly empty"

python3 - "$WORK/case2.dom.html" "$run/results.json" "$run/history.jsonl" <<'PY'
import json, sys
from html.parser import HTMLParser

class Dom(HTMLParser):
    """Text per section (by id) and the rows of every table, from the DOM
    Chromium built."""
    def __init__(self):
        super().__init__()
        self.stack, self.sections, self.rows, self.row, self.cell = [], {}, [], None, None
        self.svg_in, self.classes = {}, set()
    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        self.stack.append((tag, a.get("id")))
        for c in (a.get("class") or "").split():
            self.classes.add(c)
        if tag == "svg":
            for _, sid in self.stack:
                if sid:
                    self.svg_in[sid] = self.svg_in.get(sid, 0) + 1
        if tag == "tr":
            self.row = []
        elif tag in ("td", "th") and self.row is not None:
            self.cell = ""
    def handle_endtag(self, tag):
        while self.stack:
            t, _ = self.stack.pop()
            if t == tag:
                break
        if tag in ("td", "th") and self.row is not None and self.cell is not None:
            self.row.append(self.cell.strip())
            self.cell = None
        elif tag == "tr" and self.row is not None:
            self.rows.append(self.row)
            self.row = None
    def handle_data(self, data):
        for _, sid in self.stack:
            if sid:
                self.sections[sid] = self.sections.get(sid, "") + data
        if self.cell is not None:
            self.cell += data

d = Dom()
d.feed(open(sys.argv[1]).read())
res = json.load(open(sys.argv[2]))
for sid in ("verdicts", "timeline", "masters", "perf", "anomalies", "faults"):
    assert sid in d.sections, ("section missing", sid, sorted(d.sections))
for sid in ("timeline", "masters", "perf"):
    assert d.svg_in.get(sid), ("no plot in", sid)

# Timeline: a lane per client process, the partition labelled.
workers = {op["process"] for op in map(json.loads, open(sys.argv[3])) if isinstance(op["process"], int)}
tl = d.sections["timeline"]
for p in workers:
    assert f"process {p}" in tl, ("no lane for process", p)
assert "partition {n1} | {n2,n3}" in tl, tl[:400]

# The lost writes on the timeline: a red band over n1's isolated time and
# the window in words, as the set checker counts it.
import re
assert "an-lost" in d.classes, "no lost-write band on the timeline"
wins = res["checkers"]["set"]["figures"]["lost_windows"]
lost = max(w["count"] for w in wins)  # the largest window is said first
said = re.search(r"([\d,]+) writes acknowledged by n1 between ([\d.]+) s and ([\d.]+) s were lost", tl)
assert said, tl[-600:]
assert int(said.group(1).replace(",", "")) == lost, (said.group(0), lost)
part = next(op for op in map(json.loads, open(sys.argv[3])) if op["f"] == "partition" and op["type"] == "ok")
assert float(said.group(2)) * 1e9 >= part["time"] - 1e9, (said.group(0), part["time"])
# Latency of each operation: a scatter plot under the quantiles, saying
# how many of the completed operations it draws.
perf = d.sections["perf"]
assert "sc" in d.classes and "latency of each operation" in perf, perf[:300]
drawn = re.search(r"(\d+) of (\d+) completed operations drawn|All (\d+) completed operations drawn", perf)
assert drawn, perf[-400:]
total = int(drawn.group(2) or drawn.group(3))
assert total == sum(1 for op in map(json.loads, open(sys.argv[3]))
                    if isinstance(op["process"], int) and op["type"] != "invoke"), total
# Node log details name hosts, not addresses.
assert not re.search(r"10\.77\.\d+\.\d+", d.sections.get("events", "")), "an address in the events"

# Who was master: n1 and the promoted replica both said master for a while.
final = res["checkers"]["convergence"]["figures"]["final_master"]
assert "multi" in d.classes, "no two-master window drawn"
assert "n1" in d.sections["masters"] and final in d.sections["masters"]

# Verdicts, as results.json has them.
verdicts = {r[0]: r[1] for r in d.rows if len(r) >= 2 and r[0] in res["checkers"]}
for name, c in res["checkers"].items():
    assert verdicts.get(name) == c["verdict"], (name, verdicts.get(name), c["verdict"])

# Lost writes: rows with the value, when and by which node it was acknowledged.
lost = res["checkers"]["set"]["figures"]["lost"]
assert lost, "the run lost nothing"
rows = {r[0]: r for r in d.rows if r and r[0].isdigit()}
for v in lost[:5] + lost[-1:] if len(lost) <= 200 else lost[:5]:
    r = rows.get(str(v))
    assert r and "n1" in r and any(c.endswith("s") for c in r[1:]), ("lost write row", v, r)
print("report: sections, %d lanes, partition, two masters, %d verdicts, lost-write rows ok"
      % (len(workers), len(verdicts)))
PY

# The index: one row per run, linking to reports that exist.
python3 - "$WORK/index.dom.html" "$WORK/runs" <<'PY'
import os, sys
from html.parser import HTMLParser
class Links(HTMLParser):
    def __init__(self):
        super().__init__(); self.hrefs, self.text = [], ""
    def handle_starttag(self, tag, attrs):
        if tag == "a" and dict(attrs).get("href"): self.hrefs.append(dict(attrs)["href"])
    def handle_data(self, data): self.text += data
p = Links(); p.feed(open(sys.argv[1]).read())
reports = [h for h in p.hrefs if h.endswith("report.html")]
assert len(set(reports)) == 3, p.hrefs
for h in reports:
    assert os.path.isfile(os.path.join(sys.argv[2], h)), h
assert "case2-short" in p.text and "healthy-short" in p.text
# The family chart: one bar per member, labelled with its setting.
assert "case2-short: what each setting loses" in p.text, p.text[-800:]
for label in ("client asks its sentinel after an error", "client follows +switch-master (10 s)"):
    assert label in p.text, label
print("index: 3 runs linked, the case2-short family charted")
PY

# timeline.html as Chromium builds it: a lane per client process, a bar per
# operation (invocations paired with their completions, as in the history),
# n1's lost writes shaded over the lanes; and no page logged anything to the
# console (no script, no error; Chromium's own chrome:// pages may log, ours may not).
browse --enable-logging=stderr --v=0 --dump-dom "file://$run/timeline.html" >"$WORK/timeline.dom.html" \
  || fail "chromium could not open timeline.html"
browse --screenshot="$ART/timeline-case2.png" --window-size=1400,1200 "file://$run/timeline.html" \
  >/dev/null || fail "no screenshot of timeline.html"
python3 - "$WORK/timeline.dom.html" "$run/history.jsonl" "$run/results.json" <<'PY'
import json, re, sys
dom = open(sys.argv[1]).read()
ops = [json.loads(l) for l in open(sys.argv[2])]
client = [op for op in ops if isinstance(op["process"], int)]
procs = {op["process"] for op in client}
invoked = sum(op["type"] == "invoke" for op in client)
assert '<section id="all">' in dom, "a 9 s run is drawn whole"
lanes = re.findall(r'<div class="l"><i>p (\d+)</i>', dom)
assert sorted(map(int, lanes)) == sorted(procs), (lanes, procs)
bars = re.findall(r'<b class="([kfnx])( a)?"', dom)
assert len(bars) == invoked, (len(bars), invoked)
done = {t: sum(op["type"] == t for op in client) for t in ("ok", "fail")}
assert sum(b[0] in "kx" for b in bars) == done["ok"] and sum(b[0] == "f" for b in bars) == done["fail"]
# purple: the acknowledged writes the set checker found lost, as many as it counts
lost = json.load(open(sys.argv[3]))["checkers"]["set"]["figures"]["lost_count"]
assert sum(b[0] == "x" for b in bars) == lost, (sum(b[0] == "x" for b in bars), lost)
lw = re.findall(r'<div class="lw"[^>]*title="([\d,]+) writes acknowledged by n1', dom)
assert lw, "no lost-write shading on timeline.html"
print("timeline.html: %d lanes, %d bars (%d lost), %d lost-write windows shaded"
      % (len(lanes), len(bars), lost, len(lw)))
PY
! grep -a 'CONSOLE.*source: file://' "$WORK/chromium.log" || fail "a page wrote to the browser console"

# Offline rebuild of the saved run: the same page.
cp "$run/report.html" "$WORK/first.html"
"$SB_BIN" report "$run" >/dev/null || fail "splitbrain report exited $?"
cmp -s "$WORK/first.html" "$run/report.html" || fail "splitbrain report rebuilt a different page"
# An anomaly you can follow: a list-append write skew (G2-item), written by
# hand into a run folder, is drawn as a cycle (two transactions, an arrow
# per edge labelled rw x / rw y) with the sentence for each edge.
cyc="$WORK/cycle-run"
mkdir -p "$cyc"
python3 - "$SCEN/case2-short.json" "$cyc" <<'PY'
import json, sys
s = json.load(open(sys.argv[1]))
s.update(name="g2-by-hand", workload={"kind": "list-append", "rate": 100}, nemesis=[],
         checkers=["list-append"], expect={"list-append": {"valid": False}})
for k in ("family", "setting"):
    s.pop(k, None)
json.dump(s, open(sys.argv[2] + "/scenario.json", "w"))
ops = [(0, "invoke", [["r", "y", None], ["append", "x", 1]]),
       (1, "invoke", [["r", "x", None], ["append", "y", 2]]),
       (0, "ok", [["r", "y", []], ["append", "x", 1]]),
       (1, "ok", [["r", "x", []], ["append", "y", 2]])]
with open(sys.argv[2] + "/history.jsonl", "w") as f:
    for i, (p, t, v) in enumerate(ops):
        f.write(json.dumps({"index": i, "process": p, "type": t, "f": "txn", "value": v,
                            "time": (i + 1) * 1000000, "node": "n1" if t == "ok" else ""}) + "\n")
PY
"$SB_BIN" report "$cyc" >/dev/null || fail "splitbrain report of the hand-written cycle exited $?"
browse --dump-dom "file://$cyc/report.html" >"$WORK/cycle.dom.html" || fail "chromium could not open the cycle report"
browse --screenshot="$ART/report-cycle.png" --window-size=1000,2000 "file://$cyc/report.html" >/dev/null \
  || fail "no screenshot of the cycle"
python3 - "$WORK/cycle.dom.html" <<'PY'
import re, sys
dom = open(sys.argv[1]).read()
svg = re.search(r'<svg class="plot cycle".*?</svg>', dom, re.S)
assert svg, "no cycle picture"
assert len(re.findall(r'class="cy-e"', svg.group(0))) == 2, "not two edges"
labels = re.findall(r'<text class="cy-l"[^>]*>([^<]*)</text>', svg.group(0))
assert sorted(labels) == ["rw x", "rw y"], labels
why = re.search(r'<ol class="cy-why">(.*?)</ol>', dom, re.S)
assert why and len(re.findall(r"<li>", why.group(1))) == 2, "not one sentence per edge"
assert "read key y empty" in why.group(1) and "read key x empty" in why.group(1), why.group(1)
print("cycle: drawn with 2 edges and 2 sentences")
PY

# A register that cannot be linearized and two lock holds that overlap,
# written by hand, drawn so they can be followed: the read outlined among
# the writes concurrent with it, values on the bars; the two holds shaded
# where they overlap, against the holds that wrote to the resource.
for kind in register lock; do
  mkdir -p "$WORK/$kind-run"
  python3 - "$SCEN/case2-short.json" "$WORK/$kind-run" "$kind" <<'PY'
import json, sys
s = json.load(open(sys.argv[1]))
kind = sys.argv[3]
s.update(name=kind + "-by-hand", workload={"kind": kind}, nemesis=[],
         checkers=["linearizable" if kind == "register" else "lock"], expect={})
for k in ("family", "setting"):
    s.pop(k, None)
json.dump(s, open(sys.argv[2] + "/scenario.json", "w"))
ops = []
def add(p, t, f, v, ms, node=""):
    ops.append({"process": p, "type": t, "f": f, "value": v, "time": int(ms * 1e6), "node": node})
if kind == "register":
    add(0, "invoke", "write", 1, 0); add(0, "ok", "write", 1, 10, "n1")
    add(1, "invoke", "read", None, 20); add(2, "invoke", "write", 2, 21)
    add(1, "ok", "read", 5, 30, "n2"); add(2, "ok", "write", 2, 31, "n1")
else:
    for p, fence, a, r in ((1, 5, 100, 300), (0, 4, 200, 400)):
        add(p, "invoke", "lock", {"lock": "L", "ttl_ms": 1000}, a - 1)
        add(p, "ok", "lock", {"lock": "L", "ttl_ms": 1000, "acquired": int(a * 1e6), "validity_ms": 990,
                              "fence": fence, "appended": True, "released": int(r * 1e6),
                              "release_ok": True}, r + 1, "n1")
    add("controller", "invoke", "read", None, 500, "n1")
    add("controller", "ok", "read", {"resource": ["1:5", "0:4"]}, 501, "n1")
ops.sort(key=lambda o: o["time"])
with open(sys.argv[2] + "/history.jsonl", "w") as f:
    for i, op in enumerate(ops):
        op["index"] = i
        f.write(json.dumps(op) + "\n")
PY
  "$SB_BIN" report "$WORK/$kind-run" >/dev/null || fail "splitbrain report of the hand-written $kind run exited $?"
  browse --enable-logging=stderr --v=0 --dump-dom "file://$WORK/$kind-run/report.html" >"$WORK/$kind.dom.html" \
    || fail "chromium could not open the $kind report"
  browse --screenshot="$ART/report-$kind.png" --window-size=1300,1400 "file://$WORK/$kind-run/report.html" \
    >/dev/null || fail "no screenshot of the $kind report"
done
python3 - "$WORK/register.dom.html" "$WORK/lock.dom.html" <<'PY'
import re, sys
dom = open(sys.argv[1]).read()
svg = re.search(r'<svg class="plot register-window".*?</svg>', dom, re.S)
assert svg, "no picture of the register window"
assert len(re.findall(r'<g class="rg-op', svg.group(0))) == 2, "not the read and the write"
assert len(re.findall(r'<g class="rg-op rg-bad">', svg.group(0))) == 1, "the read is not outlined"
labels = re.findall(r'<text class="rg-l"[^>]*>([^<]*)</text>', svg.group(0))
assert sorted(labels) == ["read 5", "write 2"], labels
assert "Process 1's read 5 (outlined) cannot be placed." in dom
dom = open(sys.argv[2]).read()
svg = re.search(r'<svg class="plot lock-overlap".*?</svg>', dom, re.S)
assert svg, "no picture of the overlapping holds"
assert len(re.findall(r'class="lk-hold"', svg.group(0))) == 2
assert "both held the lock for 100.0 ms" in svg.group(0)
assert sorted(re.findall(r'<text class="lk-t"[^>]*>([^<]*)</text>', svg.group(0))) == ["0:4", "1:5"]
assert "Fence 4 was written after fence 5" in dom
print("register window and lock overlap: drawn")
PY
! grep -a 'CONSOLE.*source: file://' "$WORK/chromium.log" || fail "a page wrote to the browser console"

ip netns delete "$NS"
assert_nothing_left
echo PASS
