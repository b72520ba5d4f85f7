# The ssh backend against real sshd processes (sshd_lab.sh: one network
# namespace per host, generated keys, a file tree per host), driven from a
# control namespace: Case II (short) and the healthy scenario with only
# their hosts section changed (and traffic control, clock and disk faults
# further down). The results must agree with the local lab's
# (same verdicts; Case II loses acknowledged writes, all acknowledged by
# n1, and fails over away from n1; healthy loses nothing), node logs come
# back (and their events reach the history while the run goes, through the
# log mirror), the partition is made of the remote hosts' nftables rules
# with the placements' port ranges, and nothing is left on any host:
# processes, firewall tables, the run's folder, ssh connections.
source "$(dirname "$0")/lib.sh"
command -v sshd >/dev/null || [ -x /usr/sbin/sshd ] || fail "openssh-server is not installed (./setup.sh installs it)"
LAB="$WORK/sshlab"
cleanup_ssh() {
  [ -n "${KEEP:-}" ] && { echo "kept $WORK"; return; }
  bash "$SB_SOURCE_DIR/tests/integration/sshd_lab.sh" down "$LAB" || true
  cleanup_work
}
trap cleanup_ssh EXIT
# A lab whose test died before its `down` (a ctest timeout kills with
# SIGKILL) is removed by the next lab's `up`: one made for a process that
# then exits must be gone, sshd and all, once ours is up.
sleep 60 & owner=$!
SSHLAB_OWNER=$owner bash "$SB_SOURCE_DIR/tests/integration/sshd_lab.sh" up "$WORK/orphan" 1
orphan_ns=$(sed -n 's/^SSHLAB_NS_h1=//p' "$WORK/orphan/lab.env")
ip netns list | grep -q "^$orphan_ns" || fail "the orphan lab was not made"
kill $owner; wait $owner 2>/dev/null || true
bash "$SB_SOURCE_DIR/tests/integration/sshd_lab.sh" up "$LAB" 3
if ip netns list | grep -q "^$orphan_ns"; then fail "a lab whose owner is gone was left: $orphan_ns"; fi
if pgrep -f "$WORK/orphan/h1/sshd_config" >/dev/null; then fail "the orphan lab's sshd was left"; fi
source "$LAB/lab.env"

# Debian's sudo is not installed here and the test runs as root: each
# host's bin/ (first on its ssh PATH) gets a stand-in that checks -n, drops
# the environment and runs the command, and counts its calls.
for h in $SSHLAB_HOSTS; do
  root_var=SSHLAB_ROOT_$h
  mkdir -p "${!root_var}/bin"
  cat >"${!root_var}/bin/sudo" <<EOF
#!/bin/sh
[ "\$1" = -n ] || exit 99
shift
echo x >> "${!root_var}/bin/calls"
exec env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin "\$@"
EOF
  chmod 755 "${!root_var}/bin/sudo"
done
mkdir -p "$WORK/scen"
to_ssh() { # SRC DST: the scenario with only its hosts section changed
  python3 - "$1" "$2" "$LAB/lab.env" <<'PY'
import json, sys, shlex
env = dict(l.strip().split("=", 1) for l in open(sys.argv[3]) if "=" in l)
s = json.load(open(sys.argv[1]))
# only the hosts section changes: h1..h3 of the sshd lab are n1..n3
s["hosts"] = [{"name": h, "address": env["SSHLAB_ADDR_h%d" % (i + 1)],
               "dir": env["SSHLAB_ROOT_h%d" % (i + 1)]} for i, h in enumerate(s["hosts"])]
# through sudo, as on most real hosts: the stand-in below resets the
# environment as sudo's env_reset does
s["ssh"] = {"user": "root", "key": env["SSHLAB_KEY"], "sudo": True}
json.dump(s, open(sys.argv[2], "w"), indent=1)
PY
}
for n in case2-short healthy-short; do to_ssh "$SCEN/$n.json" "$WORK/scen/$n.json"; done

set +e
ip netns exec "$SSHLAB_CTL_NS" "$SB_BIN" run "$WORK/scen/case2-short.json" \
  "$WORK/scen/healthy-short.json" --out "$WORK/runs" >"$WORK/out.txt" 2>"$WORK/err.txt"
status=$?
"$SB_BIN" run "$SCEN/case2-short.json" "$SCEN/healthy-short.json" --out "$WORK/local" \
  >"$WORK/local.txt" 2>&1
lstatus=$?
set -e
cat "$WORK/out.txt"
[ $status -eq 0 ] || { cat "$WORK/err.txt"; fail "ssh run exited $status, expected 0 (expectations met)"; }
[ $lstatus -eq 0 ] || { cat "$WORK/local.txt"; fail "local run exited $lstatus"; }

run=$(ls -d "$WORK"/runs/case2-short-2*)
healthy=$(ls -d "$WORK"/runs/healthy-short-2*)
for d in "$run" "$healthy"; do
  for f in nodes/n1/redis/redis.log nodes/n2/redis/redis.log nodes/n3/sentinel/sentinel.log \
           nodes/n1/redis/redis.conf ssh.log; do
    [ -s "$d/$f" ] || fail "$(basename "$d"): no $f came back"
  done
done
# the configs went with paths on the host, and came back as the host left them
grep -q "^dir \"\\?$SSHLAB_ROOT_h1/" "$run/nodes/n1/redis/redis.conf" || fail "n1's config has no remote dir"

read -r acked lost unexpected < <(recount "$run/history.jsonl")
[ "$lost" -gt 0 ] || fail "ssh: no acknowledged write was lost in Case II"
[ "$unexpected" -eq 0 ] || fail "ssh: $unexpected values nobody wrote"
[ "$(json_get "$run/results.json" checkers.set.figures.lost_count)" = "$lost" ] || fail "lost_count disagrees with the recount"
python3 - "$run/results.json" <<'PY' || fail "lost writes not all acknowledged by n1"
import json, sys
r = json.load(open(sys.argv[1]))["checkers"]["set"]["figures"]
by = r.get("lost_by_node") or {}
assert by and set(by) == {"n1"}, by
PY
[ "$(json_get "$run/results.json" checkers.convergence.figures.final_master)" != "n1" ] || fail "no failover away from n1"
read -r hacked hlost hunexp < <(recount "$healthy/history.jsonl")
[ "$hlost" -eq 0 ] && [ "$hacked" -gt 100 ] || fail "healthy over ssh: $hlost of $hacked lost"
# node log events reached the history while the run went (the log mirror)
grep -q 'switch-master' "$run/history.jsonl" || fail "no +switch-master from the mirrored sentinel logs"
# the partition: remote nftables rules with the placement port ranges
grep -q "tcp sport" "$run/lab.log" "$run"/faults/*.nft 2>/dev/null || fail "no placement rule in the partition"

[ -s "$SSHLAB_ROOT_h1/bin/calls" ] || fail "no command went through sudo"
# same verdicts as the local lab
for n in case2-short healthy-short; do
  a=$(python3 -c 'import json,sys; r=json.load(open(sys.argv[1]))["checkers"]; print(sorted((k, v["verdict"]) for k, v in r.items()))' "$(ls -d "$WORK"/runs/$n-2*)/results.json")
  b=$(python3 -c 'import json,sys; r=json.load(open(sys.argv[1]))["checkers"]; print(sorted((k, v["verdict"]) for k, v in r.items()))' "$(ls -d "$WORK"/local/$n-2*)/results.json")
  [ "$a" = "$b" ] || fail "$n: ssh verdicts $a, local $b"
done
read -r lacked llost _ < <(recount "$(ls -d "$WORK"/local/case2-short-2*)/history.jsonl")
echo "Case II lost: ssh $lost of $acked, local $llost of $lacked"

# Traffic control over ssh: a token bucket on n2 for 2 s (tc on the
# interface holding its address), and a netem fault marked optional on n3:
# applied where the kernel has sch_netem, else skipped with the reason.
python3 - "$WORK/scen/healthy-short.json" "$WORK/scen/tc.json" <<'PY'
import json, sys
s = json.load(open(sys.argv[1])); s["name"] = "tc"; s["duration"] = "5s"; s["expect"] = {}
s["nemesis"] = [{"at": "1s", "fault": "bandwidth", "hosts": ["n2"], "rate": "1mbit", "for": "2s"},
                {"at": "1s", "fault": "netem", "hosts": ["n3"], "delay": "20ms", "optional": True,
                 "for": "2s"}]
json.dump(s, open(sys.argv[2], "w"))
PY
ip netns exec "$SSHLAB_CTL_NS" "$SB_BIN" run "$WORK/scen/tc.json" --out "$WORK/tc" >"$WORK/tc.txt" 2>&1 &
tcrun=$!
seen_tbf=0 seen_netem=0
# Watch until the run ends (start-up over ssh can take many seconds on a
# busy machine; the fault comes 1 s into the workload), at most 5 minutes.
for _ in $(seq 1 3000); do
  # (the output in a variable: with pipefail, `tc | grep -q` fails when
  # grep exits before tc has written everything)
  q2=$(ip netns exec "$SSHLAB_NS_h2" tc qdisc show dev eth0 || true)
  q3=$(ip netns exec "$SSHLAB_NS_h3" tc qdisc show dev eth0 || true)
  [[ "$q2" == *"qdisc tbf"* ]] && seen_tbf=1
  [[ "$q3" == *"qdisc netem"* ]] && seen_netem=1
  kill -0 $tcrun 2>/dev/null || break
  sleep 0.1
done
wait $tcrun || { cat "$WORK/tc.txt"; fail "the tc scenario failed over ssh"; }
[ $seen_tbf -eq 1 ] || { cat "$WORK/tc.txt"; fail "no tbf qdisc on n2 during the bandwidth fault"; }
if [ $seen_netem -eq 0 ]; then
  grep -q "netem.*SKIPPED\|skipped" "$WORK/tc.txt" "$(ls -d "$WORK"/tc/tc-2*)/history.jsonl" \
    || fail "netem neither applied on n3 nor skipped"
fi
for h in h2 h3; do
  ns_var=SSHLAB_NS_$h
  if ip netns exec "${!ns_var}" tc qdisc show dev eth0 | grep "tbf\|netem" >/dev/null; then
    fail "$h: qdisc left after the run"
  fi
done

# Clock faults over ssh: the background document's TILT case with only its
# hosts changed. The shim and sbclockctl go to the hosts, every node starts
# under LD_PRELOAD with its control file there, and the +5 s jump is written
# into n2's sentinel's file by sbclockctl on n2: exactly that sentinel
# enters TILT.
to_ssh "$SB_SOURCE_DIR/scenarios/blog/sentinel-tilt.json" "$WORK/scen/tilt.json"
ip netns exec "$SSHLAB_CTL_NS" "$SB_BIN" run "$WORK/scen/tilt.json" --out "$WORK/tilt" \
  >"$WORK/tilt.txt" 2>&1 || { cat "$WORK/tilt.txt"; fail "the TILT scenario over ssh did not meet its expectations"; }
t=$(ls -d "$WORK"/tilt/sentinel-tilt-2*)
grep -q '+tilt' "$t/nodes/n2/sentinel/sentinel.log" || fail "ssh: no +tilt in n2's sentinel log"
! grep -q '+tilt' "$t/nodes/n1/sentinel/sentinel.log" "$t/nodes/n3/sentinel/sentinel.log" \
  || fail "ssh: +tilt on a sentinel whose clock did not move"
grep -q "clock on n2: .* bump 5000000000 -> offset_ns 5000000000" "$t/lab.log" \
  || fail "ssh: the bump did not reach n2's control file"
grep -q "libsbclock.so and sbclockctl copied" "$t/lab.log" || fail "ssh: the shim was not copied"

# Disk faults over ssh: libsbdisk.so and sbdiskctl go to the hosts, n1's
# redis-server starts under the layer with its data folder there, and the
# power loss is applied by sbdiskctl on n1. With appendfsync everysec the
# last writes are lost (the scenario's bounds: at least one, all acknowledged
# in the last ~2 s); a torn AOF tail makes n1 refuse to start with
# aof-load-truncated no. The same expectations as on the local lab.
for n in power-loss-everysec power-loss-torn-truncated-no; do
  to_ssh "$SB_SOURCE_DIR/scenarios/blog/$n.json" "$WORK/scen/$n.json"
done
ip netns exec "$SSHLAB_CTL_NS" "$SB_BIN" run "$WORK/scen/power-loss-everysec.json" \
  "$WORK/scen/power-loss-torn-truncated-no.json" --out "$WORK/disk" >"$WORK/disk.txt" 2>&1 \
  || { cat "$WORK/disk.txt"; fail "the power-loss scenarios over ssh did not meet their expectations"; }
e=$(ls -d "$WORK"/disk/power-loss-everysec-2*)
t=$(ls -d "$WORK"/disk/power-loss-torn-truncated-no-2*)
for r in "$e" "$t"; do
  grep -q "n1: libsbdisk.so and sbdiskctl copied" "$r/lab.log" || fail "ssh: the disk layer was not copied to n1"
done
grep -q "disk on n1: .* power-loss\$" "$e/lab.log" || fail "ssh: no power loss applied on n1"
grep -q "sbdiskctl.*/nodes/n1/redis.*power-loss" "$e/ssh.log" \
  || fail "ssh: sbdiskctl did not run on n1's copy of the data folder"
python3 - "$e/history.jsonl" <<'PY' || fail "ssh: the power loss dropped nothing on n1"
import json, sys
ops = [json.loads(l) for l in open(sys.argv[1])]
rec = [o for o in ops if o.get("f") == "power-loss" and o.get("type") == "ok"]
assert rec, "no power-loss record"
d = rec[0]["value"]["losses"][0]["disk"]
print("ssh power loss on n1:", d["files_touched"], "files,", d["bytes_dropped"], "bytes dropped")
assert d["bytes_dropped"] > 0 and d["files_touched"] >= 1
PY
grep -q "Unexpected end of file" "$t/nodes/n1/redis/redis.log" \
  || fail "ssh: n1 did not refuse its torn AOF (its log came back without the fatal line)"

# A run killed with SIGKILL leaves its servers on the hosts (they run in
# their own sessions there); `splitbrain clean --hosts` removes them.
python3 - "$WORK/scen/healthy-short.json" "$WORK/scen/long.json" <<'PY'
import json, sys
s = json.load(open(sys.argv[1])); s["name"] = "long"; s["duration"] = "60s"; s["expect"] = {}
json.dump(s, open(sys.argv[2], "w"))
PY
ip netns exec "$SSHLAB_CTL_NS" "$SB_BIN" run "$WORK/scen/long.json" --out "$WORK/killed" \
  >"$WORK/killed.txt" 2>&1 &
victim=$!
running() { # (no grep -q at the end of a pipe: with pipefail its early exit fails it)
  local files comms
  files=$(ls -A "$SSHLAB_ROOT_h1" | grep -v '^bin$' || true)
  comms=$(for p in $(ip netns pids "$SSHLAB_NS_h1"); do cat /proc/$p/comm 2>/dev/null; done || true)
  [ -n "$files" ] && [[ "$comms" == *redis-server* ]]
}
wait_for 30 running || fail "the run to be killed never started its servers"
sleep 1
kill -9 "$victim"
wait "$victim" 2>/dev/null || true
ip netns exec "$SSHLAB_CTL_NS" "$SB_BIN" clean --hosts "$WORK/scen/long.json" >"$WORK/clean.txt" 2>&1 \
  || { cat "$WORK/clean.txt"; fail "clean --hosts failed"; }
cat "$WORK/clean.txt"
grep -q "removed h\?n1:.*process" "$WORK/clean.txt" || grep -q "removed n1:" "$WORK/clean.txt" \
  || fail "clean --hosts removed nothing on n1"

# nothing left on the hosts
for h in $SSHLAB_HOSTS; do
  ns_var=SSHLAB_NS_$h; root_var=SSHLAB_ROOT_$h
  ns=${!ns_var}; root=${!root_var}
  left=$(ls -A "$root" | grep -v '^bin$' || true)
  [ -z "$left" ] || fail "$h: files left in its tree: $left"
  if ip netns exec "$ns" nft list tables | grep splitbrain >/dev/null; then fail "$h: firewall table left"; fi
  procs=$(for p in $(ip netns pids "$ns"); do cat /proc/$p/comm 2>/dev/null; done | grep -v '^sshd$' || true)
  [ -z "$procs" ] || fail "$h: processes left: $procs"
done
! pgrep -af "[s]sh .*ControlPersist" || fail "an ssh control master is still running"
assert_nothing_left
echo PASS
