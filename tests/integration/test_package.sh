# The Debian package: a fresh configure builds it with cpack, it unpacks
# into any root (dpkg-deb -x), and the unpacked splitbrain works from
# there: --version, validate and list on the installed scenarios, the man
# page and the bash completion in their places, and the clock shim found at
# its installed place relative to the binary. cmake --install --prefix puts
# the same files. Builds its own tree (plain, no tests, no benchmarks) from
# SB_SOURCE_DIR: what is tested is the package, not SB_BIN. Needs root (the
# shim probe starts a lab).
source "$(dirname "$0")/lib.sh"

build=$WORK/build root=$WORK/root prefix=$WORK/prefix
log() { # log NAME COMMAND...: runs it, its output in $WORK/NAME.log, shown on failure
  local name=$1 status=0; shift
  "$@" >"$WORK/$name.log" 2>&1 || status=$?
  [ $status -eq 0 ] || { tail -n 40 "$WORK/$name.log" >&2; fail "$name: $1 ... exited $status"; }
}
cache() { sed -n "s/^$1:[A-Z]*=//p" "$build/CMakeCache.txt"; }

# ====== 1. The package ======
# Only what is installed is built (CMAKE_SKIP_INSTALL_ALL_DEPENDENCY: cpack
# and cmake --install do not build the rest).
log configure cmake -S "$SB_SOURCE_DIR" -B "$build" -DSPLITBRAIN_TESTS=OFF \
  -DCMAKE_INSTALL_PREFIX=/usr -DCMAKE_SKIP_INSTALL_ALL_DEPENDENCY=ON
log build cmake --build "$build" -j2 --target splitbrain sbclock sbclockctl sbdisk sbdiskctl
(cd "$build" && log cpack cpack -G DEB)
version=$(cache CMAKE_PROJECT_VERSION) bindir=$(cache CMAKE_INSTALL_BINDIR)
libdir=$(cache CMAKE_INSTALL_LIBDIR)
[ -n "$version" ] && [ "$bindir" = bin ] && [ -n "$libdir" ] ||
  fail "cache: version '$version' bindir '$bindir' libdir '$libdir'"
deb=$build/splitbrain_${version}_$(dpkg --print-architecture).deb
[ -f "$deb" ] || fail "no $deb; cpack made: $(ls "$build"/*.deb 2>/dev/null)"

[ "$(dpkg-deb -f "$deb" Package)" = splitbrain ] || fail "package name: $(dpkg-deb -f "$deb" Package)"
[ "$(dpkg-deb -f "$deb" Version)" = "$version" ] || fail "version: $(dpkg-deb -f "$deb" Version)"
info=$(dpkg-deb -I "$deb")
depends=$(dpkg-deb -f "$deb" Depends)
[[ $info == *"Depends: $depends"* ]] || fail "dpkg-deb -I shows no Depends: $info"
for p in libc6 libhiredis0.14 libjansson4 libpcre2-8-0 libnl-3-200 libnl-route-3-200 libcurl4 \
  libmicrohttpd12 iproute2 nftables; do
  [[ ", $depends," =~ ,\ $p[\ ,] ]] || fail "Depends lacks $p: $depends"
done
[[ $(dpkg-deb -f "$deb" Recommends) == *redis-server* ]] || fail "redis-server not recommended"

# Exactly the tool's files: no tests, benchmarks or fuzzers; the client
# adapters without their npm packages.
pkglib=usr/$libdir/splitbrain
want=$({
  printf '%s\n' usr/bin/splitbrain "$pkglib/libsbclock.so" "$pkglib/sbclockctl" \
    "$pkglib/libsbdisk.so" "$pkglib/sbdiskctl" \
    usr/share/man/man1/splitbrain.1 usr/share/bash-completion/completions/splitbrain
  (cd "$SB_SOURCE_DIR" && find scenarios -name '*.json' | sed 's,^,usr/share/splitbrain/,')
  (cd "$SB_SOURCE_DIR" && { echo clients/PROTOCOL.md
    find clients/redis-py clients/ioredis clients/node-redlock \( -name node_modules -o -name __pycache__ \) \
      -prune -o -type f -print
  } | sed 's,^,usr/share/splitbrain/,')
} | LC_ALL=C sort)
got=$(dpkg-deb -c "$deb" | awk '$6 !~ /\/$/ {sub(/^\.\//, "", $6); print $6}' | LC_ALL=C sort)
[ "$got" = "$want" ] || fail "package contents, expected < got >: $(diff <(echo "$want") <(echo "$got"))"

# ====== 2. Unpacked into a root of its own (relocated) ======
dpkg-deb -x "$deb" "$root"
sb=$root/usr/bin/splitbrain
[ "$("$sb" --version)" = "splitbrain $version" ] || fail "--version: $("$sb" --version)"
scen=$root/usr/share/splitbrain/scenarios
mapfile -t scenarios < <(find "$scen" -name '*.json' ! -name schema.json | LC_ALL=C sort)
log validate "$sb" validate "${scenarios[@]}"
n_ok=$(grep -c '^ok ' "$WORK/validate.log")
[ "$n_ok" -eq ${#scenarios[@]} ] && [ "$n_ok" -gt 30 ] ||
  fail "validate: $n_ok ok of ${#scenarios[@]}"

# The man page renders without a warning.
man1=$root/usr/share/man/man1/splitbrain.1
[ -f "$man1" ] || fail "no man page at $man1"
warnings=$(groff -man -ww -z "$man1" 2>&1) && [ -z "$warnings" ] || fail "man page: $warnings"

# The clock shim: a run with a clock fault looks for it before it starts
# any node, and preloads it into each. The stand-in redis-server records
# what it was given and fails the start-up (config checks go to Redis).
cat >"$WORK/clock.json" <<'EOF'
{
  "name": "package-shim-probe",
  "description": "One node with a clock fault: its start needs the clock shim.",
  "seed": 1,
  "duration": "2s",
  "hosts": ["n1"],
  "deployment": {"kind": "independent", "redis": {"hosts": ["n1"]}},
  "clients": [{"host": "n1", "workers": 1}],
  "workload": {"kind": "set", "rate": 10},
  "nemesis": [{"at": "1s", "fault": "clock", "op": "bump", "delta": "+1s", "target": "n1"}],
  "checkers": ["set"]
}
EOF
cat >"$WORK/fake-redis" <<EOF
#!/bin/sh
[ "\${1-}" = - ] && exec /usr/bin/redis-server "\$@"
echo "LD_PRELOAD=\${LD_PRELOAD-}" >>"$WORK/preload.txt"
exit 1
EOF
chmod +x "$WORK/fake-redis"
probe() { # probe BINARY: its run's stderr in $WORK/probe.err; exit status 2 expected
  rm -f "$WORK/preload.txt"
  set +e
  "$1" run "$WORK/clock.json" --out "$WORK/runs" --redis-server "$WORK/fake-redis" \
    >/dev/null 2>"$WORK/probe.err"
  local status=$?
  set -e
  [ $status -eq 2 ] || fail "probe with $1 exited $status: $(cat "$WORK/probe.err")"
}
shim=$root/$pkglib/libsbclock.so
[ -f "$shim" ] && [ -x "$root/$pkglib/sbclockctl" ] || fail "no shim or sbclockctl in $root/$pkglib"
probe "$sb"
[[ $(cat "$WORK/probe.err") == *"exited during start-up"* ]] || fail "probe: $(cat "$WORK/probe.err")"
[ "$(cat "$WORK/preload.txt")" = "LD_PRELOAD=$shim" ] ||
  fail "preloaded: $(cat "$WORK/preload.txt" 2>/dev/null)"
# Without it, the error names both places looked at.
mv "$root/$pkglib" "$root/$pkglib.away"
probe "$sb"
for p in "$root/usr/bin/libsbclock.so" "$root/usr/bin/../$libdir/splitbrain/libsbclock.so"; do
  [[ $(cat "$WORK/probe.err") == *"$p: No such file"* ]] ||
    fail "missing shim: $p not named in: $(cat "$WORK/probe.err")"
done
[ ! -e "$WORK/preload.txt" ] || fail "a node started without the shim"
mv "$root/$pkglib.away" "$root/$pkglib"

# ====== 3. The bash completion ======
completion=$root/usr/share/bash-completion/completions/splitbrain
[ -f "$completion" ] || fail "no completion at $completion"
mkdir -p "$WORK/files/sub"
touch "$WORK/files/a.json" "$WORK/files/b.txt"
complete_words() { # complete_words WORD...: what TAB offers for the last (being typed)
  (cd "$WORK/files" && bash -c 'source "$1"; shift; COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1))
    _splitbrain; printf "%s\n" "${COMPREPLY[@]}" | LC_ALL=C sort | tr "\n" " "' _ "$completion" "$@")
}
expect_completion() { # expect_completion "WANTED" WORD...
  local want=$1; shift
  local got; got=$(complete_words "$@")
  [ "$got" = "$want " ] || fail "completion of '$*': got '$got', want '$want '"
}
expect_completion \
  "--help --version check clean compare help list mediator origin report run shrink validate" splitbrain ""
expect_completion "check clean compare" splitbrain c
# Every checker of the table, no more.
checkers=$(grep -ho '\.name = "[a-z-]*"' "$SB_SOURCE_DIR"/checkers/*.c | cut -d'"' -f2 |
  LC_ALL=C sort | tr '\n' ' ')
offered=$(complete_words splitbrain check --checker "")
[ "$offered" = "$checkers" ] || fail "--checker offers '$offered', the checkers are '$checkers'"
expect_completion "jepsen native" splitbrain check --format ""
expect_completion "always auto never" splitbrain run --color ""
expect_completion "a.json sub" splitbrain validate ""
expect_completion "a.json sub" splitbrain run --seed 3 ""
expect_completion "sub" splitbrain report ""
expect_completion "sub" splitbrain shrink ""
expect_completion "a.json sub" splitbrain shrink runs --out ""
expect_completion "a.json sub" splitbrain list ""
expect_completion "a.json b.txt sub" splitbrain check ""
expect_completion "" splitbrain run --seed ""
# Every option a command's --help lists is offered.
for cmd in run validate list check compare report shrink clean origin; do
  offered=" $(complete_words splitbrain "$cmd" --) "
  # the options of the usage line and of the option list, not those quoted in prose
  for opt in $("$sb" "$cmd" --help | grep -oE '(^ +|\[|\|)--[a-z][a-z-]*' |
    grep -oE -- '--[a-z-]+' || true); do
    [[ $offered == *" $opt "* ]] || fail "completion of $cmd lacks $opt (offers:$offered)"
  done
done

# ====== 4. cmake --install --prefix: the same files, and a shim found ======
log install cmake --install "$build" --prefix "$prefix"
files_in() { (cd "$1" && find . -type f | LC_ALL=C sort); }
[ "$(files_in "$root/usr")" = "$(files_in "$prefix")" ] ||
  fail "cmake --install, package < install >: $(diff <(files_in "$root/usr") <(files_in "$prefix"))"
probe "$prefix/bin/splitbrain"
[ "$(cat "$WORK/preload.txt")" = "LD_PRELOAD=$prefix/$libdir/splitbrain/libsbclock.so" ] ||
  fail "installed binary preloaded: $(cat "$WORK/preload.txt" 2>/dev/null)"
assert_nothing_left

# ====== 5. list: the installed scenarios, named or found from the binary ======
log list "$sb" list "$scen"
[ "$(grep -c . "$WORK/list.log")" -ge ${#scenarios[@]} ] || fail "list: $(cat "$WORK/list.log")"
for name in blog/sentinel-case2-partition.json ci/cluster-healthy.json jepsen-2013-sentinel.json; do
  [[ $(cat "$WORK/list.log") == *"$name"* ]] || fail "list does not show $name: $(cat "$WORK/list.log")"
done
(cd "$WORK/files" && log list-default "$sb" list) # no ./scenarios there
from_scenarios() { sed 's,^.*/scenarios/,,' "$1"; }
[ "$(from_scenarios "$WORK/list-default.log")" = "$(from_scenarios "$WORK/list.log")" ] ||
  fail "list without arguments (the binary's scenarios), named < default >:
$(diff <(from_scenarios "$WORK/list.log") <(from_scenarios "$WORK/list-default.log"))"
echo PASS
