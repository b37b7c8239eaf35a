#!/usr/bin/env python3
"""prom.py — reads a /metrics body with Debian's python3-prometheus-client
parser (so a body that does not parse fails the test) and prints samples.

  prom.py URL_OR_FILE NAME [label=value ...]   the sample's value (0 if absent)
  prom.py URL_OR_FILE --families               every family name and type
"""
import sys
import urllib.request

from prometheus_client.parser import text_string_to_metric_families


def body(src):
    if src.startswith("http://"):
        with urllib.request.urlopen(src, timeout=20) as r:
            return r.read().decode()
    with open(src) as f:
        return f.read()


def main():
    families = list(text_string_to_metric_families(body(sys.argv[1])))
    if sys.argv[2] == "--families":
        for fam in families:
            print(fam.name, fam.type)
        return
    want = dict(a.split("=", 1) for a in sys.argv[3:])
    total = 0.0
    for fam in families:
        for s in fam.samples:
            if s.name == sys.argv[2] and all(s.labels.get(k) == v for k, v in want.items()):
                total += s.value
    print(int(total) if total == int(total) else total)


main()
