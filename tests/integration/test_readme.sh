# The README, as a newcomer types it: the repository is cloned into a fresh
# folder, `./setup.sh demo` runs there exactly as printed (its working
# directory, its default run folder `runs`), and then every `splitbrain`
# command of the README's shell examples runs in that clone, read from
# README.md itself, so the test follows the text. A command that fails
# fails the test; the few that cannot run here are named in SKIP with the
# reason.
source "$(dirname "$0")/lib.sh"

# Commands that cannot run on this machine, by a fragment of their text.
declare -A SKIP=(
  ["--post https://results.example"]="posts to a real results server; --post is tested against a local server in test_post.sh"
  ["export SB_TOKEN"]="sets a secret for the --post example above"
)

# The clone: what is committed, plus the working tree's own files, so that a
# developer's uncommitted change is what the test reads (in CI they agree).
clone="$WORK/clone dir"  # a space in the path, as users' folders have
git clone -q "$SB_SOURCE_DIR" "$clone" 2>/dev/null || cp -a "$SB_SOURCE_DIR" "$clone"
(cd "$SB_SOURCE_DIR" && git ls-files -z --cached --others --exclude-standard 2>/dev/null) |
  (cd "$SB_SOURCE_DIR" && xargs -0 -r cp --parents -t "$clone" 2>/dev/null) || true
rm -rf "$clone/build" "$clone/runs"

# 1. The demo, verbatim: the command as README.md prints it.
demo=$(grep -m1 -o '^\./setup\.sh demo' "$SB_SOURCE_DIR/README.md") || fail "README.md has no ./setup.sh demo"
echo "== $demo"
set +e
(cd "$clone" && $demo) >"$WORK/demo.txt" 2>&1
status=$?
set -e
cat "$WORK/demo.txt"
[ "$status" -eq 0 ] || fail "'$demo' exited $status in a fresh clone"
grep -Eq 'lost [1-9][0-9]* of [0-9]+ acknowledged writes' "$WORK/demo.txt" ||
  fail "the demo's summary shows no lost acknowledged writes"
[ -f "$clone/runs/latest/history.jsonl" ] || fail "the demo left no runs/latest/history.jsonl"

# 2. Every splitbrain command in the README's ```sh blocks, in order, run in
# the clone with the demo's build on PATH. Continuation lines are joined and
# trailing comments dropped; a command must exit 0 unless its comment says
# otherwise ("# a stale read, exit 1").
extract() {
  awk '
    /^```sh$/ { inblock = 1; next }
    /^```/    { inblock = 0; next }
    inblock {
      line = $0
      if (cont != "") { line = cont " " line; cont = "" }
      if (line ~ /\\$/) { sub(/[ ]*\\$/, "", line); cont = line; next }
      want = 0  # a trailing comment may state the exit status: "# ..., exit 1"
      if (match(line, /[ ]+# .*exit [0-9]/)) {
        c = substr(line, RSTART); sub(/.*exit /, "", c); want = substr(c, 1, 1)
      }
      sub(/[ ]+# .*$/, "", line)
      if (line ~ /^(splitbrain|export) /) print want "\t" line
    }' "$SB_SOURCE_DIR/README.md"
}
mapfile -t commands < <(extract)
[ "${#commands[@]}" -ge 8 ] || fail "found only ${#commands[@]} commands in README.md"

export PATH="$clone/build:$PATH"
ran=0
for entry in "${commands[@]}"; do
  want=${entry%%$'\t'*}; cmd=${entry#*$'\t'}
  reason=""
  for frag in "${!SKIP[@]}"; do
    case "$cmd" in *"$frag"*) reason=${SKIP[$frag]} ;; esac
  done
  if [ -n "$reason" ]; then
    echo "== skip: $cmd   ($reason)"
    continue
  fi
  # A comparison needs a baseline that an earlier run of the same scenario
  # left, as the README's CI job keeps one from the main branch.
  if [[ "$cmd" =~ compare\ (baseline/[^ ]*) ]]; then
    base=${BASH_REMATCH[1]}
    if [ ! -e "$clone/$base" ]; then
      name=${base#baseline/}; name=${name%/}
      if [ -n "$name" ]; then
        scen=$(cd "$clone" && ls scenarios/*/"$name".json scenarios/"$name".json 2>/dev/null | head -1 || true)
        [ -n "$scen" ] || fail "no scenario named $name for $base"
        (cd "$clone" && splitbrain run --out "$WORK/baseline-runs" "$scen" >/dev/null 2>&1) ||
          fail "could not make the baseline for: $cmd"
        mkdir -p "$clone/baseline"
        cp -a "$(readlink -f "$WORK/baseline-runs/latest")" "$clone/$base"
      else
        cp -a "$clone/runs" "$clone/baseline"
      fi
    fi
  fi
  echo "== $cmd"
  set +e
  (cd "$clone" && eval "$cmd") >"$WORK/cmd.txt" 2>&1
  status=$?
  set -e
  tail -n 25 "$WORK/cmd.txt"
  [ "$status" -eq "$want" ] || fail "README command exited $status (the README says $want): $cmd"
  ran=$((ran + 1))
done
echo "ran $ran README commands, skipped $((${#commands[@]} - ran))"
assert_nothing_left
echo PASS
