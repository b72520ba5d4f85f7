# The layering check (tools/check_layers.py): the tree keeps its layers,
# and the check fails, naming the file, the line and what is allowed, on a
# deliberately wrong include (base including the controller), on folders
# that include each other, and on CMakeLists.txt drifting from its table.
# Then the out-of-memory rule (tools/check_alloc.py): it holds on the tree
# and fails, naming the line, on an allocation whose result goes untested.
source "$(dirname "$0")/lib.sh"
CHECK="$SB_SOURCE_DIR/tools/check_layers.py"

python3 "$CHECK" >out.txt 2>&1 || { cat out.txt; fail "the tree breaks its layers"; }
cd "$WORK"
copy() { # a copy of the product tree to break
  rm -rf tree && mkdir tree
  for d in base checkers lab clients deploy workloads nemesis scenario reports harness shim; do
    cp -a "$SB_SOURCE_DIR/$d" tree/
  done
  cp "$SB_SOURCE_DIR/CMakeLists.txt" tree/
}
expect_fail() { # expect_fail WHAT REGEX
  set +e
  python3 "$CHECK" --root tree >out.txt 2>&1; st=$?
  set -e
  [ "$st" -eq 1 ] || { cat out.txt; fail "$1: exit $st, not 1"; }
  grep -Eq "$2" out.txt || { cat out.txt; fail "$1: the message does not say '$2'"; }
}

copy
python3 "$CHECK" --root tree >/dev/null || fail "an unchanged copy fails"
sed -i '0,/#include "util.h"/s//#include "util.h"\n#include "controller.h"/' tree/base/util.c
expect_fail "base including the controller" \
  '^base/util\.c:[0-9]+: includes "controller\.h" from harness/, a higher layer; base/ may include: none'

copy
sed -i '0,/#include "util.h"/s//#include "util.h"\n#include "checker.h"/' tree/base/history.c
expect_fail "base and checkers including each other" \
  'folders include each other: (base/ -> checkers/ \(base/history\.c:[0-9]+\), checkers/ -> base/|checkers/ -> base/ .*, base/ -> checkers/ \(base/history\.c)'

copy
sed -i '0,/#include "ssh.h"/s//#include "ssh.h"\n#include "checker.h"/' tree/lab/ssh.c
expect_fail "a lower layer it does not use" \
  '^lab/ssh\.c:[0-9]+: includes "checker\.h" from checkers/, a layer it does not use; lab/ may include: base$'

copy
sed -i 's/^sb_layer(checkers  DEPS base)/sb_layer(checkers  DEPS lab base)/' tree/CMakeLists.txt
expect_fail "CMake drifting from the table" 'sb_layer\(\.\.\.\) lines differ'

ALLOC="$SB_SOURCE_DIR/tools/check_alloc.py"
python3 "$ALLOC" >out.txt 2>&1 || { cat out.txt; fail "an allocation breaks the out-of-memory rule"; }
copy
python3 "$ALLOC" tree >/dev/null || fail "check_alloc: an unchanged copy fails"
cat >>tree/base/util.c <<'C'
char *sb_test_unchecked(void)
{
    char *p = malloc(16); /* used without a test */
    p[0] = 0;
    return p;
}
char *sb_test_checked(void)
{
    char *p = malloc(16);
    if (!p)
        return NULL;
    return p;
}
C
set +e
python3 "$ALLOC" tree >out.txt 2>&1; st=$?
set -e
[ "$st" -eq 1 ] || { cat out.txt; fail "check_alloc on an unchecked malloc: exit $st, not 1"; }
n=$(wc -l <out.txt)
grep -Eq '^base/util\.c:[0-9]+: unchecked allocation .*char \*p = malloc\(16\); /\* used without' out.txt &&
  [ "$n" -eq 2 ] || { cat out.txt; fail "check_alloc did not name exactly the unchecked malloc"; }
echo "test_layers: ok"
