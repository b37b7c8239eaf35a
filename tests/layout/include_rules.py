#!/usr/bin/env python3
"""include_rules.py — the layers' include rules (docs/architecture.md,
"Layers"), checked on every `#include "…"` of core/src and plugins/.

  util     libc and the SDK (core/include/ferry) only
  engine   util                 store    util   (never each other)
  service  engine, store, util  cli      anything; nothing includes cli
  plugins  the SDK, plugins/common and their own folder only

A quoted include is resolved beside the including file first, then in each
layer folder (and plugins/common); one that resolves nowhere it may reach is
a violation too. Prints one line per violation; exit 1 if any.
Usage: include_rules.py [SOURCE_DIR] (default: $FERRY_SOURCE_DIR or ../..).
"""
import os
import re
import sys

ALLOWED = {
    "util": {"util"},
    "engine": {"engine", "util"},
    "store": {"store", "util"},
    "service": {"service", "engine", "store", "util"},
    "cli": {"cli", "service", "engine", "store", "util"},
}
INCLUDE = re.compile(r'^\s*#\s*include\s+"([^"]+)"', re.M)


def sources(folder):
    for dirpath, _, names in os.walk(folder):
        for n in sorted(names):
            if n.endswith((".c", ".h")):
                yield os.path.join(dirpath, n)


def includes(path):
    with open(path, encoding="utf-8", errors="replace") as f:
        text = f.read()
    for m in INCLUDE.finditer(text):
        yield text.count("\n", 0, m.start()) + 1, m.group(1)


def check_core(root, bad):
    src = os.path.join(root, "core", "src")
    for layer in sorted(os.listdir(src)):
        if layer not in ALLOWED:
            bad.append(f"core/src/{layer}: not a layer folder")
            continue
        for path in sources(os.path.join(src, layer)):
            for line, name in includes(path):
                if name.startswith("ferry/"):
                    continue
                where = [l for l in ALLOWED if os.path.exists(os.path.join(src, l, name))]
                if not where:
                    bad.append(f"{os.path.relpath(path, root)}:{line}: \"{name}\" is no core header")
                elif layer in where:
                    continue
                elif not set(where) & ALLOWED[layer]:
                    bad.append(f"{os.path.relpath(path, root)}:{line}: {layer} includes "
                               f"{where[0]}/{name}")


def check_plugins(root, bad):
    plugins = os.path.join(root, "plugins")
    common = os.path.join(plugins, "common")
    for d in sorted(os.listdir(plugins)):
        folder = os.path.join(plugins, d)
        if not os.path.isdir(folder):
            continue
        for path in sources(folder):
            here = os.path.dirname(path)
            for line, name in includes(path):
                if name.startswith("ferry/"):
                    continue
                target = os.path.normpath(os.path.join(here, name))
                ok = os.path.exists(target) and (
                    os.path.dirname(target) == os.path.normpath(folder)
                    or os.path.dirname(target) == os.path.normpath(here))
                ok = ok or (d != "common" and os.path.exists(os.path.join(common, name))
                            and "/" not in name)
                if not ok:
                    bad.append(f"{os.path.relpath(path, root)}:{line}: plugin includes \"{name}\" "
                               "(only the SDK, plugins/common and its own folder)")


def main():
    root = sys.argv[1] if len(sys.argv) > 1 else os.environ.get(
        "FERRY_SOURCE_DIR", os.path.join(os.path.dirname(__file__), "..", ".."))
    bad = []
    check_core(root, bad)
    check_plugins(root, bad)
    for b in bad:
        print(b)
    print(f"include rules: {len(bad)} violation(s)")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
