#!/usr/bin/env python3
"""check_layers.py -- the layering of the product code, checked from its
#include lines.

    tools/check_layers.py [--root DIR]

Each product folder is one layer. LAYERS below is the one place that says
which layer may use which (the layers each one names, and theirs in turn);
CMakeLists.txt's sb_layer(...) lines must say the same, and this script
checks that they do. It then reads every #include "..." of every product
.c/.h file, finds the header it names (the including file's folder first,
then the one product header of that name) and fails when:
  - a file includes a header of a layer it may not use (a higher layer, or
    a sibling it does not name), or
  - folders include each other in a cycle.
Exit status 0 when the tree keeps its layers, 1 with one line per
violation (file:line: what it includes, from where, what is allowed), 2
when the tree cannot be read.
"""
import argparse
import os
import re
import sys

# Lowest first. Each layer: the layers it uses directly. What it may
# include is its own folder and the closure of these.
LAYERS = [
    ("base", []),  # util, history and its readers, the scenario model, ...
    ("checkers", ["base"]),  # pure functions of a history
    ("lab", ["base"]),  # host backends: local namespaces, ssh
    ("clients", ["lab", "base"]),  # Redis clients
    ("deploy", ["clients", "lab", "base"]),  # redis, sentinels, cluster, origin
    ("workloads", ["deploy", "clients", "lab", "base"]),
    ("nemesis", ["deploy", "lab", "base"]),  # the faults
    ("scenario", ["workloads", "nemesis", "checkers", "base"]),  # the parser
    ("reports", ["scenario", "checkers", "base"]),
    ("harness", ["reports", "scenario", "nemesis", "workloads", "deploy", "clients", "lab",
                 "checkers", "base"]),  # the application
]
# Built apart (the clock shim runs inside redis-server): it may read base's
# headers, and nothing includes it.
APART = {"shim": ["base"]}

INCLUDE = re.compile(r'^\s*#\s*include\s+"([^"]+)"')
SB_LAYER = re.compile(r"^sb_layer\((\w+)([^)]*)\)", re.M)


def closure(table):
    out = {}
    for name, deps in table.items():
        seen, todo = set(), list(deps)
        while todo:
            d = todo.pop()
            if d not in seen:
                seen.add(d)
                todo.extend(table.get(d, []))
        out[name] = seen
    return out


def cmake_layers(root):
    """The sb_layer(NAME DEPS a b LIBS ...) lines of CMakeLists.txt."""
    path = os.path.join(root, "CMakeLists.txt")
    with open(path) as f:
        text = f.read()
    text = re.sub(r"#.*", "", text)
    out = []
    for m in SB_LAYER.finditer(text):
        words = m.group(2).split()
        deps = []
        if "DEPS" in words:
            for w in words[words.index("DEPS") + 1:]:
                if w == "LIBS":
                    break
                deps.append(w)
        out.append((m.group(1), deps))
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--root", default=os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
    root = os.path.normpath(ap.parse_args().root)
    problems = []

    table = dict(LAYERS)
    table.update(APART)
    order = [n for n, _ in LAYERS]
    for i, (name, deps) in enumerate(LAYERS):
        for d in deps:
            if d not in order[:i]:
                problems.append(f"{__file__}: LAYERS: {name} uses {d}, which is not below it")
    try:
        in_cmake = cmake_layers(root)
    except OSError as e:
        print(f"check_layers: {e}", file=sys.stderr)
        return 2
    if [(n, sorted(d)) for n, d in in_cmake] != [(n, sorted(d)) for n, d in LAYERS]:
        problems.append("CMakeLists.txt: the sb_layer(...) lines differ from tools/check_layers.py's "
                        f"LAYERS: CMake has {in_cmake}, the script {LAYERS}")
    may = closure(table)

    # Every product header, by folder.
    files, by_name = [], {}
    for layer in table:
        d = os.path.join(root, layer)
        if not os.path.isdir(d):
            problems.append(f"{layer}/: a layer without a folder")
            continue
        for fn in sorted(os.listdir(d)):
            if fn.endswith((".c", ".h")):
                files.append((layer, fn))
                if fn.endswith(".h"):
                    by_name.setdefault(fn, []).append(layer)
    for fn, where in by_name.items():
        if len(where) > 1:
            problems.append(f"{fn}: a header name in several layers ({', '.join(where)}); "
                            "includes name headers without their folder, so names must be unique")

    edges = {}  # folder -> {folder: first "file:line"}
    n_inc = 0
    for layer, fn in files:
        rel = f"{layer}/{fn}"
        with open(os.path.join(root, rel), errors="replace") as f:
            for lineno, line in enumerate(f, 1):
                m = INCLUDE.match(line)
                if not m:
                    continue
                n_inc += 1
                inc = m.group(1)
                target = os.path.normpath(os.path.join(layer, inc))
                if os.path.exists(os.path.join(root, target)):
                    to = target.split(os.sep)[0]
                elif os.path.basename(inc) in by_name:
                    to = by_name[os.path.basename(inc)][0]
                else:
                    problems.append(f"{rel}:{lineno}: includes \"{inc}\", which is no product header")
                    continue
                if to == layer:
                    continue
                edges.setdefault(layer, {}).setdefault(to, f"{rel}:{lineno}")
                if to not in may[layer]:
                    allowed = ", ".join(sorted(may[layer])) or "none"
                    where = "a higher layer" if to in order and layer in order and \
                        order.index(to) > order.index(layer) else "a layer it does not use"
                    problems.append(f"{rel}:{lineno}: includes \"{inc}\" from {to}/, {where}; "
                                    f"{layer}/ may include: {allowed}")

    # Folder cycles, from the includes as they are.
    state, stack = {}, []

    def visit(v):
        state[v] = 1
        stack.append(v)
        for w in sorted(edges.get(v, {})):
            if state.get(w) == 1:
                cyc = stack[stack.index(w):] + [w]
                steps = [f"{a}/ -> {b}/ ({edges[a][b]})" for a, b in zip(cyc, cyc[1:])]
                problems.append("folders include each other: " + ", ".join(steps))
            elif not state.get(w):
                visit(w)
        stack.pop()
        state[v] = 2

    for v in sorted(edges):
        if not state.get(v):
            visit(v)

    for p in problems:
        print(p)
    if problems:
        print(f"check_layers: {len(problems)} problem(s) in {len(files)} files", file=sys.stderr)
        return 1
    print(f"check_layers: {len(files)} files, {n_inc} includes, {len(table)} layers: "
          "every include points down")
    return 0


if __name__ == "__main__":
    sys.exit(main())
