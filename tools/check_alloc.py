#!/usr/bin/env python3
"""check_alloc.py -- the out-of-memory rule (README, "Development"): every
raw malloc/calloc/realloc/strdup/strndup in product code has its result
tested within the next lines (the failure becomes an error return);
anything else goes through sb_xmalloc & co (base/util.h), which end the
process with a message. Prints each unchecked call as file:line and exits 1
when there is one.

  tools/check_alloc.py [ROOT]      (default: the repository holding tools/)
"""
import os
import re
import sys

PRODUCT = ["base", "checkers", "lab", "clients", "deploy", "workloads", "nemesis",
           "scenario", "reports", "harness"]
CALL = re.compile(r"\b(malloc|calloc|realloc|strdup|strndup)\(")
# "x = malloc(", "x->y = (T *)calloc(", "!(p = strdup(": the variable is group 1
ASSIGN = re.compile(r"([A-Za-z_][\w.\->\[\]]*)\s*=\s*(?:\([^()]*\)\s*)?"
                    r"(?:malloc|calloc|realloc|strdup|strndup)\(")
LOOKAHEAD = 4  # lines after the call where its test may stand


def tested(var, text):
    v = re.escape(var)
    return re.search(r"!\s*%s\b(?!\s*=)|\b%s\s*==\s*NULL|!\(\s*%s\s*=" % (v, v, v), text)


def unchecked(path):
    lines = open(path, encoding="utf-8").read().split("\n")
    out = []
    for i, line in enumerate(lines):
        code = line.split("//")[0]
        if code.strip().startswith(("/*", "*")):
            continue
        calls = len(CALL.findall(code))
        if not calls:
            continue
        window = "\n".join(lines[i:i + 1 + LOOKAHEAD])
        assigned = ASSIGN.findall(code)
        ok = len(assigned) == calls and all(tested(v, window) for v in assigned)
        if not ok:
            out.append((i + 1, line.strip()))
    return out


def main():
    root = sys.argv[1] if len(sys.argv) > 1 else os.path.dirname(
        os.path.dirname(os.path.abspath(__file__)))
    bad = 0
    files = 0
    for d in PRODUCT:
        folder = os.path.join(root, d)
        for name in sorted(os.listdir(folder)) if os.path.isdir(folder) else []:
            if not name.endswith(".c"):
                continue
            files += 1
            for n, text in unchecked(os.path.join(folder, name)):
                print("%s/%s:%d: unchecked allocation (test its result, or use sb_x*): %s"
                      % (d, name, n, text))
                bad += 1
    if bad:
        print("check_alloc: %d unchecked allocations" % bad)
        return 1
    print("check_alloc: %d files, every allocation checked or through sb_x*" % files)
    return 0


if __name__ == "__main__":
    sys.exit(main())
