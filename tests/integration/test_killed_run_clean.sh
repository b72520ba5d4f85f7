# A run killed with SIGKILL while faults are in force (partition, loss,
# TBF qdisc, paused process, clock offsets) leaves its namespaces and its
# runtime folder of clock-shim control files; `splitbrain clean` removes
# them and everything inside, and leaves a live run alone.
source "$(dirname "$0")/lib.sh"

faults_in_force() { grep -q '"type":"ok","f":"partition"' "$(readlink -f "$WORK/runs/latest")/history.jsonl" 2>/dev/null; }

before=$(our_namespaces | tr '\n' ' ')
setsid "$SB_BIN" run "$SCEN/killed-with-faults.json" --out "$WORK/runs" >"$WORK/out.txt" 2>&1 &
pid=$!
wait_for 60 faults_in_force || { cat "$WORK/out.txt"; fail "run did not start"; }
run=$(readlink -f "$WORK/runs/latest")
runid=""
for ns in $(our_namespaces); do
  case " $before " in *" $ns "*) ;; *) runid=$(echo "$ns" | cut -d- -f2); break ;; esac
done
[ -n "$runid" ] || fail "no namespace of the new run found"

# While it runs, clean must not touch it.
"$SB_BIN" clean >"$WORK/clean0.txt"
ip netns list | grep "sb-$runid-n1" >/dev/null || fail "clean removed a live run"

kill -KILL "$pid"
wait "$pid" 2>/dev/null || true
ip netns list | grep "sb-$runid-" >/dev/null || fail "expected leftovers after SIGKILL"
ls "/run/splitbrain/$runid.d"/clock-* >/dev/null || fail "expected clock control files after SIGKILL"

"$SB_BIN" clean >"$WORK/clean.txt" || fail "clean exited $?"
cat "$WORK/clean.txt"
! ip netns list | grep "sb-$runid-" >/dev/null || fail "namespaces of run $runid remain"
[ ! -e "/run/splitbrain/$runid.lock" ] || fail "lock file remains"
[ ! -e "/run/splitbrain/$runid.d" ] || fail "runtime folder (clock control files) remains"
grep -q "removed runtime folder" "$WORK/clean.txt" || fail "clean did not report the runtime folder"
wait_for 10 bash -c "! pgrep -af '[r]edis-server .*$WORK' >/dev/null" || fail "redis processes remain"
assert_nothing_left
echo PASS
