#!/usr/bin/env bash
# check_format.sh -- every C file of the tree is as clang-format (with the
# checked-in .clang-format) writes it.
#
#   tools/check_format.sh        lists the files that differ, exit 1 if any
#   tools/check_format.sh --fix  rewrites them in place
#
# The version is the one setup.sh installs (Debian 12's clang-format, 14):
# another version may lay out the same code differently.
set -euo pipefail
cd "$(dirname "$0")/.."
fmt=${CLANG_FORMAT:-clang-format}
command -v "$fmt" >/dev/null || { echo "check_format: $fmt not found (./setup.sh test installs it)" >&2; exit 2; }
if [ -d .git ]; then
  mapfile -t files < <(git ls-files '*.c' '*.h')
else
  mapfile -t files < <(find . -name '*.[ch]' -not -path './build*' | sed 's|^\./||' | sort)
fi
if [ "${1:-}" = --fix ]; then
  "$fmt" -i "${files[@]}"
  exit 0
fi
bad=()
for f in "${files[@]}"; do
  "$fmt" --dry-run --Werror "$f" >/dev/null 2>&1 || bad+=("$f")
done
if [ ${#bad[@]} -gt 0 ]; then
  printf '%s\n' "${bad[@]}"
  echo "check_format: ${#bad[@]} of ${#files[@]} files differ from $("$fmt" --version | sed 's/.*version //'); tools/check_format.sh --fix rewrites them" >&2
  exit 1
fi
echo "check_format: ${#files[@]} files as $fmt writes them"
