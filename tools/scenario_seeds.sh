#!/usr/bin/env bash
# scenario_seeds.sh -- are the shipped scenarios dependable gates?
#
# Runs every scenario on several seeds, one after the other (scenario-major:
# all seeds of one scenario before the next, so a partial run already says
# something), and prints a table of PASS / FAIL / ERROR per seed with the
# total and the time spent, then every miss with its reason and run folder.
#
#   tools/scenario_seeds.sh [--seeds 1-5] [--bin PATH] [--out DIR] [SCENARIO...]
#
#   --seeds LIST  seeds to run: "1-5" (default), "1,3,7", "1-3,9"
#   --bin PATH    the splitbrain binary (default build/splitbrain)
#   --out DIR     where run folders and logs go (default runs/seeds-<time>)
#   SCENARIO...   scenario files (default: every scenarios/**/*.json except
#                 scenarios/schema.json, sorted)
#
# Exit status: 0 every run met its expect, 1 something missed (FAIL or
# ERROR) or a run left namespaces or processes behind, 2 bad usage,
# 130 interrupted.
#
# This is a tool, not a test: the whole set on seeds 1-5 takes 1.5 to 2
# hours. It is not registered with ctest nor run by .ci/run. It needs root
# (like splitbrain run). Other runs may share the machine: after each run
# only the namespaces named after that run's id ("sb-<id>-*") and the
# processes working in its run folder count as left behind; other
# namespaces are only mentioned.
#
# Files in DIR: <scenario>/seed<N>/<run folder>, <scenario>/seed<N>.log (the
# run's stdout and stderr), results.tsv (one line per run, appended as runs
# finish: scenario, seed, status, exit code, seconds, run folder, reason).
#
# Ctrl-C (or SIGTERM) stops the run in progress (splitbrain cleans its lab
# up on SIGTERM), prints the table of what finished, and exits 130.

set -u -o pipefail

usage() {
    sed -n '2,/^$/{s/^# \{0,1\}//;p}' "$0" >&2
    exit 2
}

seeds_spec="1-5"
bin="build/splitbrain"
out=""
scenarios=()
while [ $# -gt 0 ]; do
    case "$1" in
    --seeds) [ $# -ge 2 ] || usage; seeds_spec="$2"; shift 2 ;;
    --seeds=*) seeds_spec="${1#*=}"; shift ;;
    --bin) [ $# -ge 2 ] || usage; bin="$2"; shift 2 ;;
    --bin=*) bin="${1#*=}"; shift ;;
    --out) [ $# -ge 2 ] || usage; out="$2"; shift 2 ;;
    --out=*) out="${1#*=}"; shift ;;
    -h | --help) usage ;;
    --) shift; scenarios+=("$@"); break ;;
    -*) echo "scenario_seeds.sh: unknown option $1" >&2; usage ;;
    *) scenarios+=("$1"); shift ;;
    esac
done

# The repository's root: default scenarios and binary are relative to it.
root="$(cd "$(dirname "$0")/.." && pwd)"

# "1-3,7" -> "1 2 3 7"
seeds=()
IFS=',' read -r -a parts <<<"$seeds_spec"
for p in "${parts[@]}"; do
    if [[ "$p" =~ ^([0-9]+)-([0-9]+)$ ]]; then
        for ((s = BASH_REMATCH[1]; s <= BASH_REMATCH[2]; s++)); do seeds+=("$s"); done
    elif [[ "$p" =~ ^[0-9]+$ ]]; then
        seeds+=("$p")
    else
        echo "scenario_seeds.sh: --seeds $seeds_spec: expected N, N-M or a comma-separated list" >&2
        exit 2
    fi
done
[ ${#seeds[@]} -gt 0 ] || { echo "scenario_seeds.sh: --seeds $seeds_spec: no seeds" >&2; exit 2; }

if [ ${#scenarios[@]} -eq 0 ]; then
    while IFS= read -r f; do scenarios+=("$f"); done < <(
        cd "$root" && find scenarios -name '*.json' ! -path scenarios/schema.json | LC_ALL=C sort)
    for i in "${!scenarios[@]}"; do scenarios[$i]="$root/${scenarios[$i]}"; done
fi
for f in "${scenarios[@]}"; do
    [ -f "$f" ] || { echo "scenario_seeds.sh: $f: no such file" >&2; exit 2; }
done

case "$bin" in /*) ;; *) [ -x "$bin" ] || bin="$root/$bin" ;; esac
[ -x "$bin" ] || { echo "scenario_seeds.sh: $bin: not an executable (build it, or --bin PATH)" >&2; exit 2; }
bin="$(cd "$(dirname "$bin")" && pwd)/$(basename "$bin")"

[ -n "$out" ] || out="$root/runs/seeds-$(date +%Y%m%d-%H%M%S)"
mkdir -p "$out" || exit 2
out="$(cd "$out" && pwd)"
tsv="$out/results.tsv"
: >"$tsv"

# A scenario's short name: its path under scenarios/ without .json
# ("blog/sentinel-case2-partition"), else its file name.
short_name() {
    local f="$1" s
    case "$f" in
    */scenarios/*) s="${f##*/scenarios/}" ;;
    scenarios/*) s="${f#scenarios/}" ;;
    *) s="$(basename "$f")" ;;
    esac
    echo "${s%.json}"
}

# Why a run missed, from its log: "checker: reason" for every EXPECT
# MISSED line of report_text (the checker is the first word of the line
# before), and the "error:" line of a run that could not run; else the
# last line of stderr. Joined with " | ".
miss_reason() {
    local log="$1" r
    r="$(awk '
        /EXPECT MISSED:/ { sub(/^.*EXPECT MISSED:[ ]*/, ""); printf "%s%s: %s", n++ ? " | " : "", checker, $0; next }
        /^  error:/ { sub(/^  error:[ ]*/, ""); printf "%serror: %s", n++ ? " | " : "", $0; next }
        /^  [a-z][a-z-]* +(valid|invalid|unknown) / { checker = $1 }
    ' "$log")"
    if [ -z "$r" ]; then
        r="$(grep -v '^\s*$' "$log" | grep -iE 'error|splitbrain|fail' | tail -n 1)"
        [ -n "$r" ] || r="$(grep -v '^\s*$' "$log" | tail -n 1)"
    fi
    echo "$r" | tr '\t\n' '  ' | sed 's/ *$//'
}

# The run folder a run reported, else the one folder under its --out.
run_folder() {
    local log="$1" dir="$2" f
    f="$(sed -n 's/^  run folder: //p' "$log" | tail -n 1)"
    if [ -n "$f" ]; then
        case "$f" in /*) ;; *) [ -d "$dir/$(basename "$f")" ] && f="$dir/$(basename "$f")" ;; esac
        echo "$f"
        return
    fi
    find "$dir" -mindepth 1 -maxdepth 1 -type d 2>/dev/null | head -n 1
}

child=""
interrupted=0
on_signal() {
    interrupted=1
    if [ -n "$child" ] && kill -0 "$child" 2>/dev/null; then
        echo "scenario_seeds.sh: interrupted; stopping the run in progress (pid $child)" >&2
        kill -TERM "$child" 2>/dev/null
    fi
}
trap on_signal INT TERM

declare -A status secs
leftovers=()
misses=()
t_start=$(date +%s)

print_row_header() {
    printf '%-42s' "scenario"
    for s in "${seeds[@]}"; do printf ' %-6s' "s$s"; done
    printf ' %-7s %8s\n' "total" "seconds"
}

print_row() {
    local sc="$1" pass=0 n=0 t=0 s st
    printf '%-42s' "$sc"
    for s in "${seeds[@]}"; do
        st="${status[$sc/$s]:--}"
        printf ' %-6s' "$st"
        case "$st" in PASS) pass=$((pass + 1)); n=$((n + 1)) ;; FAIL | ERROR) n=$((n + 1)) ;; esac
        t=$((t + ${secs[$sc/$s]:-0}))
    done
    printf ' %-7s %8s\n' "$pass/$n" "$t"
}

print_summary() {
    local sc
    echo
    echo "== seeds ${seeds_spec}: $(basename "$bin") $bin"
    print_row_header
    for f in "${scenarios[@]}"; do
        sc="$(short_name "$f")"
        print_row "$sc"
    done
    echo
    echo "wall time: $(($(date +%s) - t_start)) s"
    if [ ${#misses[@]} -gt 0 ]; then
        echo
        echo "== misses (${#misses[@]})"
        printf '%s\n' "${misses[@]}"
    fi
    if [ ${#leftovers[@]} -gt 0 ]; then
        echo
        echo "== left behind (${#leftovers[@]})"
        printf '%s\n' "${leftovers[@]}"
    fi
    echo
    echo "results: $tsv"
}

# Namespaces and processes of one run (by its run id and folder) still
# there after it ended. Other runs on the machine are only mentioned.
check_leftovers() {
    local sc="$1" seed="$2" log="$3" folder="$4" id ns procs others
    id="$(sed -n 's/^.*  run \([0-9a-f]\{4,\}\)  seed .*$/\1/p' "$log" | head -n 1)"
    ns="$(ip netns list 2>/dev/null | awk '{print $1}')"
    if [ -n "$id" ]; then
        mine="$(echo "$ns" | grep -E "^sb-$id-" | tr '\n' ' ')"
        others="$(echo "$ns" | grep -vE "^sb-$id-" | grep -v '^$' | tr '\n' ' ')"
    else
        mine=""
        others="$(echo "$ns" | grep -v '^$' | tr '\n' ' ')"
    fi
    procs=""
    if [ -n "$folder" ] && [ -d "$folder" ]; then
        # redis-server rewrites its title, but works in its node folder
        # (find, not a loop of readlinks: forks are slow on a loaded machine)
        local d
        for d in $(find /proc -mindepth 2 -maxdepth 2 -name cwd \( -lname "$folder" -o -lname "$folder/*" \) 2>/dev/null); do
            d="${d%/cwd}"
            procs+="${d#/proc/} $(tr '\0' ' ' <"$d/cmdline" 2>/dev/null | cut -c1-80);"
        done
    fi
    if [ -n "$mine" ] || [ -n "$procs" ]; then
        leftovers+=("$sc seed $seed: run ${id:-?} left namespaces [${mine% }] processes [${procs%;}]")
        echo "  !! $sc seed $seed left namespaces [${mine% }] processes [${procs%;}]" >&2
    fi
    if [ -n "$others" ]; then
        # one run id per lab ("sb-<id>-<host>"), other namespaces by name
        others="$(echo "$others" | tr ' ' '\n' | grep -v '^$' |
            sed 's/^sb-\([0-9a-f]\{1,\}\)-.*/run \1/' | sort -u | tr '\n' ',')"
        echo "  (namespaces of others present after $sc seed $seed: ${others%,})" >&2
    fi
}

echo "scenario_seeds: ${#scenarios[@]} scenarios x ${#seeds[@]} seeds ($seeds_spec), bin $bin, out $out"
echo "started $(date '+%F %T')"
print_row_header

for f in "${scenarios[@]}"; do
    sc="$(short_name "$f")"
    for seed in "${seeds[@]}"; do
        [ "$interrupted" = 0 ] || break 2
        dir="$out/$sc/seed$seed"
        log="$out/$sc/seed$seed.log"
        mkdir -p "$dir"
        t0=$(date +%s%N)
        "$bin" run "$f" --seed "$seed" --out "$dir" --color never >"$log" 2>&1 </dev/null &
        child=$!
        # wait returns early when a signal arrives: wait again for the
        # child to finish its cleanup.
        while :; do
            wait "$child"
            rc=$?
            kill -0 "$child" 2>/dev/null || break
        done
        child=""
        t1=$(date +%s%N)
        dt=$(((t1 - t0 + 500000000) / 1000000000))
        case "$rc" in
        0) st=PASS ;;
        1) st=FAIL ;;
        *) st=ERROR ;;
        esac
        if [ "$interrupted" = 1 ] && [ "$rc" != 0 ] && [ "$rc" != 1 ]; then
            st="-"  # stopped by us: not a result
        fi
        folder="$(run_folder "$log" "$dir")"
        reason=""
        if [ "$st" = FAIL ] || [ "$st" = ERROR ]; then
            reason="$(miss_reason "$log")"
            [ "$st" = ERROR ] && reason="exit $rc: $reason"
            misses+=("$sc seed $seed $st: $reason
    run folder: ${folder:-$dir}  log: $log")
        fi
        status[$sc/$seed]="$st"
        secs[$sc/$seed]="$dt"
        printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$sc" "$seed" "$st" "$rc" "$dt" "${folder:-$dir}" "$reason" >>"$tsv"
        echo "  $sc seed $seed: $st (exit $rc, ${dt}s)${reason:+  $reason}" >&2
        check_leftovers "$sc" "$seed" "$log" "$folder"
    done
    [ "$interrupted" = 0 ] || break
    print_row "$sc"
done

print_summary
[ "$interrupted" = 0 ] || exit 130
[ ${#misses[@]} -eq 0 ] && [ ${#leftovers[@]} -eq 0 ] || exit 1
exit 0
