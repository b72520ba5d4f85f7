#!/usr/bin/env bash
# setup.sh -- install what is missing (apt), build, and run the demo or the
# whole test suite. Run as root on Debian 12:
#   ./setup.sh demo   # Case II of the background document, prints its report
#   ./setup.sh test   # unit + integration tests, plain and under ASan/UBSan,
#                     # then each fuzz target for 20 s
#   ./setup.sh clients # what the client adapters need (clients/: python3-redis,
#                      # Node.js and the npm packages their lock files pin)
set -euo pipefail
cd "$(dirname "$0")"

# Three lists, so that the demo waits only for what it needs:
#   RUN:   what a run uses (namespaces, firewall rules, Redis and Sentinel)
#   BUILD: compiler, CMake and the -dev packages of the libraries we link
#   TEST:  the test suite's own tools (cmocka, clang for the fuzzers and
#          clang-format for the layout check, a
#          headless browser for the HTML report, sshd for the ssh backend,
#          Python for the HTTP test server, xmllint for the JUnit schema)
RUN_PACKAGES=(iproute2 nftables redis-server redis-sentinel redis-tools)
BUILD_PACKAGES=(cmake make gcc pkg-config
                libhiredis-dev libjansson-dev libpcre2-dev libnl-3-dev libnl-route-3-dev
                libcurl4-openssl-dev libmicrohttpd-dev)
TEST_PACKAGES=(libcmocka-dev python3 clang clang-format libclang-rt-14-dev chromium
               openssh-server openssh-client libxml2-utils python3-jsonschema
               groff-base # groff: test_package renders the man page
               python3-redis) # the redis-py client adapter (clients/redis-py)

need_root() {
  if [ "$(id -u)" -ne 0 ]; then
    echo "setup.sh: run as root (network namespaces and apt need it), e.g. sudo ./setup.sh $1" >&2
    exit 2
  fi
}

install_deps() { # install_deps PACKAGE...
  local missing=()
  for p in "$@"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done
  if [ ${#missing[@]} -gt 0 ]; then
    echo "setup.sh: installing ${missing[*]}"
    apt-get update -qq
    # openssh-server is for the ssh backend's tests, which start their own
    # sshd in namespaces: a policy-rc.d keeps the package from starting the
    # machine's own sshd (where one is not there already).
    local policy=/usr/sbin/policy-rc.d added=""
    if [ ! -e "$policy" ]; then
      printf '#!/bin/sh\nexit 101\n' >"$policy"; chmod 755 "$policy"; added=1
    fi
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
    [ -z "$added" ] || rm -f "$policy"
  fi
}

# The shipped client adapters' own dependencies (clients/*/): Node.js and
# npm from Debian when the machine has none, then each adapter's npm
# packages exactly as its package-lock.json pins them (npm ci).
client_deps() {
  command -v node >/dev/null && command -v npm >/dev/null || install_deps nodejs npm
  local dir
  for dir in clients/*/; do
    [ -f "$dir/package-lock.json" ] || continue
    echo "setup.sh: npm ci in $dir"
    npm ci --prefix "$dir" --no-audit --no-fund --loglevel=error >/dev/null
  done
}

build() { # build DIR [cmake args...]
  local dir=$1; shift
  cmake -S . -B "$dir" -DCMAKE_BUILD_TYPE=RelWithDebInfo "$@" >/dev/null
  cmake --build "$dir" -j "$(nproc)" >/dev/null
}

case "${1:-}" in
  demo)
    need_root demo
    install_deps "${RUN_PACKAGES[@]}" "${BUILD_PACKAGES[@]}"
    build build -DSPLITBRAIN_TESTS=OFF
    set +e
    ./build/splitbrain run scenarios/blog/sentinel-case2-partition.json
    status=$?
    set -e
    echo
    echo "run folder: runs/latest (history.jsonl, results.json, summary.txt, node logs)"
    exit $status
    ;;
  test)
    need_root test
    install_deps "${RUN_PACKAGES[@]}" "${BUILD_PACKAGES[@]}" "${TEST_PACKAGES[@]}"
    client_deps
    build build -DSPLITBRAIN_TESTS=ON
    build build-asan -DSPLITBRAIN_SANITIZE=ON -DSPLITBRAIN_TESTS=ON
    export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1
    # Every step runs even when an earlier one failed, and the end says
    # exactly which tests failed in which pass: the CI log's last lines are
    # the verdict.
    failed=()
    step() { # step NAME COMMAND...: runs it, timed; a failure is remembered
      local name=$1 t0=$SECONDS; shift
      echo "== $name"
      if "$@"; then
        echo "== $name: passed in $((SECONDS - t0)) s"
      else
        echo "== $name: FAILED after $((SECONDS - t0)) s"
        failed+=("$name")
      fi
    }
    failed_tests() { # the tests ctest recorded as failed in build dir $1
      local log=$1/Testing/Temporary/LastTestsFailed.log
      [ -f "$log" ] && cut -d: -f2 "$log" | tr '\n' ' '
    }
    step "formatting (clang-format, .clang-format)" tools/check_format.sh
    # Every integration test runs once, in one of the two passes; the unit
    # tests run in both. The ASan pass takes the integration tests that
    # drive our code paths (lab, nemesis, clients, workloads, checkers,
    # reports, cluster membership, the cache workload, the ssh backend,
    # --post). The plain pass takes the long reproductions whose time goes
    # into waiting for Redis failovers (test_blog_faults, test_register,
    # test_cluster, test_random_schedule, test_shrink, test_case1_master_down;
    # ~12 min),
    # test_locks, whose Redlock code runs under ASan in test_cache (strategy
    # III), and the tests that build their own plain binaries (test_readme:
    # the README in a fresh clone; test_package: the .deb). Keeps CI well
    # under its 45 minutes.
    plain_only='test_blog_faults|test_register|test_cluster|test_random_schedule|test_shrink|test_case1_master_down|test_locks|test_readme|test_package'
    step "tests (plain build)" ctest --test-dir build --output-on-failure \
      -R "^unit/|^integration/($plain_only)\$"
    plain_failed=$(failed_tests build || true)
    step "tests (ASan + UBSan build)" ctest --test-dir build-asan --output-on-failure \
      -E "^integration/($plain_only)\$"
    asan_failed=$(failed_tests build-asan || true)

    fuzz() {
      cmake -S . -B build-fuzz -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_C_COMPILER=clang \
        -DSPLITBRAIN_FUZZ=ON -DSPLITBRAIN_TESTS=OFF >/dev/null
      cmake --build build-fuzz -j "$(nproc)" --target fuzz_history fuzz_jepsen >/dev/null
      local src name work
      for src in fuzz/fuzz_*.c; do
        name=$(basename "$src" .c)
        work=$(mktemp -d) # the fuzzer adds to its corpus: run it on a copy
        cp fuzz/corpus/"${name#fuzz_}"/* "$work"/
        if ! ./build-fuzz/"$name" -max_total_time=20 -artifact_prefix="$work/" "$work" >"$work.log" 2>&1; then
          tail -n 40 "$work.log" >&2
          echo "setup.sh: $name crashed; the input is in $work (crash-*), the log in $work.log" >&2
          return 1
        fi
        echo "$name: $(grep -o 'Done [0-9]* runs in [0-9]* second(s)' "$work.log"), no crash"
        rm -rf "$work" "$work.log"
      done
    }
    step "fuzzing (clang, libFuzzer + ASan + UBSan, 20 s per target)" fuzz

    echo
    if [ ${#failed[@]} -eq 0 ]; then
      echo "setup.sh test: everything passed in $SECONDS s"
      exit 0
    fi
    echo "setup.sh test: FAILED after $SECONDS s:"
    for f in "${failed[@]}"; do
      case "$f" in
        "tests (plain build)") echo "  $f: ${plain_failed:-see above}" ;;
        "tests (ASan + UBSan build)") echo "  $f: ${asan_failed:-see above}" ;;
        *) echo "  $f" ;;
      esac
    done
    exit 1
    ;;
  clients)
    need_root clients
    install_deps python3-redis
    client_deps
    ;;
  *)
    echo "usage: ./setup.sh demo|test|clients" >&2
    exit 2
    ;;
esac
