#!/usr/bin/python3
"""scripts/bench/bench.py — the measuring half of scripts/bench/run.sh.

Given a running MariaDB with ferry's migrations applied, for each row count
it loads the demo data (scripts/demo_data.py), then runs ferry's demo
pipelines (CSV, JSON, Excel, gzip'd CSV) and the peers of scripts/bench/peers/
on the same SQL and the same rows, one process at a time, and measures each
one's wall time and peak RSS through peakrss.c (ru_maxrss from wait4: the
largest single process of what it started, so for `mariadb | gzip` the
larger of the two, not their sum; the MariaDB server is not counted). It writes the table and the flat-memory comparison to the
markdown file given by --doc. A failed run is recorded in the table, never
dropped. Call it through run.sh, which starts and stops the private MariaDB.
"""
import argparse
import datetime
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import time

import MySQLdb

HERE = os.path.dirname(os.path.abspath(__file__))
SOURCE = os.path.dirname(os.path.dirname(HERE))
PEERS = os.path.join(HERE, "peers")
PY = "/usr/bin/python3"

# A run of ferry may grow by at most this much from the smallest to the
# largest row count to count as flat ("at most a few MB more", issue 2).
FLAT_MIB = 5.0
# PDF is measured up to format-pdf's default row_cap.
PDF_MAX_ROWS = 100000


def log(msg):
    print("bench: " + msg, file=sys.stderr, flush=True)


def measure(args, argv, env, out_dir):
    """Runs argv under peakrss with stdout/stderr in out_dir; returns (exit
    code, seconds, peak RSS KiB, stdout, stderr)."""
    so_path = os.path.join(out_dir, ".stdout")
    se_path = os.path.join(out_dir, ".stderr")
    res_path = os.path.join(out_dir, ".peakrss")
    with open(so_path, "wb") as so, open(se_path, "wb") as se:
        subprocess.run([args.peakrss, res_path, *argv], stdout=so, stderr=se, env=env,
                       check=True)
    with open(res_path) as f:
        code, secs, kib = f.read().split()
    with open(so_path, encoding="utf-8", errors="replace") as f:
        out = f.read()
    with open(se_path, encoding="utf-8", errors="replace") as f:
        err = f.read()
    for p in (so_path, se_path, res_path):
        os.unlink(p)
    return int(code), float(secs), int(kib), out, err


def cases(args):
    """(format, tool, kind, argv builder taking the output directory)."""
    sock, db = args.socket, args.database
    ferry = args.ferry

    def ferry_run(cfg):
        return lambda d: [ferry, "run", os.path.join(SOURCE, "conf", "pipelines", cfg),
                          "--output-dir", d]

    def peer(script, name, *extra):
        return lambda d: [os.path.join(PEERS, script), sock, db, os.path.join(d, name), *extra]

    def cpeer(prog, name):
        return lambda d: [os.path.join(args.work, prog), sock, db, os.path.join(d, name),
                          os.path.join(PEERS, "timesheet.sql")]

    def pypeer(script, name):
        return lambda d: [PY, os.path.join(PEERS, script), sock, db, os.path.join(d, name)]

    return [
        ("CSV", "ferry (format-csv)", "ferry", ferry_run("timesheet.cfg")),
        ("CSV", "mariadb --batch --raw (TSV)", "peer", peer("mariadb_tsv.sh", "out.tsv")),
        ("CSV", "mariadb --batch --raw --quick (TSV)", "peer",
         peer("mariadb_tsv.sh", "out.tsv", "--quick")),
        ("CSV", "Python MySQLdb SSCursor + csv", "peer", lambda d: [
            PY, os.path.join(PEERS, "py_csv.py"), sock, db, os.path.join(d, "out.csv")]),
        ("CSV", "plain C: Connector/C + stdio CSV (peers/c_csv.c)", "peer",
         cpeer("c_csv", "out.csv")),
        ("CSV", "SELECT … INTO OUTFILE (server writes)", "peer",
         peer("server_side.sh", "out.csv", "outfile")),
        ("CSV", "mydumper, the one table (INSERTs, not the join)", "peer",
         peer("server_side.sh", "out.sql", "mydumper")),
        ("JSON", "ferry (format-json)", "ferry", ferry_run("timesheet-json.cfg")),
        ("JSON", "Python MySQLdb SSCursor + json", "peer", lambda d: [
            PY, os.path.join(PEERS, "py_json.py"), sock, db, os.path.join(d, "out.json")]),
        ("JSON", "server-side JSON_OBJECT(…) via mariadb --quick", "peer",
         peer("server_side.sh", "out.json", "json")),
        ("Excel", "ferry (format-xlsx)", "ferry", ferry_run("timesheet-xlsx.cfg")),
        ("Excel", "Python MySQLdb SSCursor + openpyxl write-only", "peer", lambda d: [
            PY, os.path.join(PEERS, "py_xlsx.py"), sock, db, os.path.join(d, "out.xlsx")]),
        ("Excel", "Python MySQLdb SSCursor + xlsxwriter constant_memory", "peer",
         pypeer("py_xlsxwriter.py", "out.xlsx")),
        ("Excel", "plain C: Connector/C + libxlsxwriter (peers/c_xlsx.c)", "peer",
         cpeer("c_xlsx", "out.xlsx")),
        ("PDF", "ferry (format-pdf)", "ferry", ferry_run("timesheet-pdf.cfg")),
        ("PDF", "plain C: Connector/C + libharu (peers/c_pdf.c)", "peer", cpeer("c_pdf", "out.pdf")),
        ("PDF", "Python MySQLdb SSCursor + ReportLab canvas", "peer",
         pypeer("py_reportlab.py", "out.pdf")),
        ("CSV gzip", "ferry (format-csv + encode-gzip)", "ferry",
         ferry_run("timesheet-csv-gz.cfg")),
        ("CSV gzip", "mariadb --batch --raw --quick \\| gzip -6", "peer",
         peer("mariadb_tsv.sh", "out.tsv.gz", "--quick", "--gzip")),
        ("CSV gzip", "mariadb --batch --raw --quick \\| pigz -6 -p2", "peer",
         peer("mariadb_tsv.sh", "out.tsv.gz", "--quick", "--pigz")),
    ]


def output_size(d):
    files = [f for f in os.listdir(d) if not f.startswith(".")]
    return sum(os.path.getsize(os.path.join(d, f)) for f in files), files


def run_case(args, env, n, fmt, tool, kind, build):
    runs = args.repeat
    secs, rss, size, error = [], 0, None, None
    for i in range(runs):
        d = os.path.join(args.work, "out-%d-%d" % (n, i))
        shutil.rmtree(d, ignore_errors=True)
        os.makedirs(d)
        rc, s, kib, out, err = measure(args, build(d), env, d)
        rss = max(rss, kib)
        if rc != 0:
            last = [l for l in err.strip().splitlines() if l.strip()]
            error = "exit %d: %s" % (rc, last[-1] if last else "(no message)")
        elif kind == "ferry":
            m = re.search(r"\((\d+) bytes, (\d+) rows\)", err)
            if m and int(m.group(2)) != n:
                error = "wrote %s rows, expected %d" % (m.group(2), n)
        if error is None:
            size, files = output_size(d)
            if not files:
                error = "no output file"
        shutil.rmtree(d, ignore_errors=True)
        secs.append(s)
        if error:
            break
    r = {"format": fmt, "rows": n, "tool": tool, "kind": kind, "runs": len(secs),
         "seconds": statistics.median(secs), "rss_kib": rss, "bytes": size, "error": error}
    log("%-8s %9d  %-46s %8.2f s %8.1f MiB %s" % (
        fmt, n, tool.replace("\\|", "|"), r["seconds"], rss / 1024.0, error or ""))
    return r


def load(args, n):
    log("loading %d demo rows …" % n)
    t0 = time.monotonic()
    subprocess.run([PY, os.path.join(SOURCE, "scripts", "demo_data.py"), "--socket", args.socket,
                    "--database", args.database, "--rows", str(n)],
                   check=True, stdout=subprocess.DEVNULL)
    secs = time.monotonic() - t0
    # Warm the buffer pool and the sort once, so the first tool measured
    # does not pay for a cold cache that the others do not.
    subprocess.run([os.path.join(PEERS, "mariadb_tsv.sh"), args.socket, args.database,
                    "/dev/null", "--quick"], check=True)
    return secs


def machine(args):
    cpu = "unknown CPU"
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    mem = 0
    with open("/proc/meminfo") as f:
        for line in f:
            if line.startswith("MemTotal:"):
                mem = int(line.split()[1]) // 1024
    conn = MySQLdb.connect(unix_socket=args.socket, user="ferry", passwd="ferry",
                           db=args.database)
    cur = conn.cursor()
    cur.execute("SELECT VERSION()")
    mariadb = cur.fetchone()[0]
    conn.close()
    version = subprocess.run([args.ferry, "--version"], capture_output=True,
                             text=True).stdout.strip().splitlines()
    commit = subprocess.run(["git", "-C", SOURCE, "describe", "--always", "--dirty",
                             "--abbrev=7"], capture_output=True, text=True).stdout.strip()
    with open("/proc/loadavg") as f:
        load1 = f.read().split()[0]
    return {"cpu": cpu, "load": load1, "nproc": os.cpu_count(), "mem_mib": mem,
            "mariadb": mariadb,
            "kernel": platform.release(), "ferry": version[0] if version else "ferry",
            "commit": commit or "unknown",
            "date": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")}


def fmt_int(v):
    return "{:,}".format(v)


def write_doc(args, m, results, loads):
    rows = sorted({r["rows"] for r in results})
    order = {}
    for fmt, tool, _, _ in cases(args):
        order.setdefault(fmt, len(order))
        order.setdefault((fmt, tool), len(order))
    results = sorted(results, key=lambda r: (order[r["format"]], r["rows"],
                                             order[(r["format"], r["tool"])]))
    L = []
    L.append("# Benchmarks")
    L.append("")
    L.append("ferry's demo exports against the tools a team would otherwise use, on the "
             "same SQL and the same rows, measured side by side in one run by "
             "`scripts/bench/run.sh`. Generated by that script: do not edit by hand.")
    L.append("")
    L.append("- **Machine:** %s, %d CPUs (`nproc`), %s MiB memory, Linux %s; load "
             "average %s when the run started (anything else running on the machine "
             "shows up as noise in the seconds, not in the memory)." % (
                 m["cpu"], m["nproc"], fmt_int(m["mem_mib"]), m["kernel"], m["load"]))
    L.append("- **Database:** MariaDB %s, a private instance started by the script "
             "(`scripts/db.sh`: 256 MiB buffer pool, on the same machine, over its Unix "
             "socket)." % m["mariadb"])
    L.append("- **ferry:** %s, commit `%s` (`-dirty`: the working tree had uncommitted changes), built with `scripts/build.sh` "
             "(RelWithDebInfo: `-O2 -g`)." % (m["ferry"], m["commit"]))
    L.append("- **Date:** %s. Rows: %s." % (m["date"], ", ".join(fmt_int(n) for n in rows)))
    L.append("- **Rerun:** `scripts/bench/run.sh --rows \"%s\"` (add `--build DIR` to use "
             "another build directory). It starts its own MariaDB in a temporary "
             "directory, applies `ferry db migrate`, loads `scripts/demo_data.py --rows N` "
             "for each N, measures, rewrites this file and stops the database." %
             " ".join(str(n) for n in rows))
    L.append("")
    L.append("## How it is measured")
    L.append("")
    L.append("- Every tool runs the same statement, the one ferry's `source-mysql` sends for "
             "the demo pipelines (`scripts/bench/peers/timesheet.sql`): the time entries "
             "joined with projects and tasks, six columns, `ORDER BY date, id`, over a "
             "socket, writing one file. The peers are in `scripts/bench/peers/`.")
    L.append("- **seconds**: wall time of the whole process (connect, query, sort in the "
             "server, write, close), the median of %d runs. **peak RSS**: `ru_maxrss` of the process from `wait4` (the largest "
             "over those runs), taken by `scripts/bench/peakrss.c`, a tiny launcher: "
             "Linux keeps `ru_maxrss` across `execve`, so a child forked from the Python "
             "driver would start at the driver's own peak. For a shell pipeline it is the "
             "largest single process, not the sum; the peer scripts' own `bash` counts as "
             "one of them. The MariaDB server's memory is not counted. **rows/s**: rows / "
             "seconds." % args.repeat)
    L.append("- Before each row count's measurements, one untimed `mariadb --quick` run "
             "warms the buffer pool, so no tool pays alone for a cold cache.")
    L.append("- The peers do less than ferry: they write the driver's values as they come "
             "(the duration as integer microseconds, not `h:mm`; no CSV formula guard; "
             "`mariadb --batch --raw` writes TSV with no quoting, so a newline inside a "
             "description breaks its rows; openpyxl gets no header style, frozen pane, "
             "autofilter or column widths), and they write straight to their file. ferry "
             "also types every value, writes to a staging file, computes its SHA-256, "
             "fsyncs it, renames it into place and publishes it through `sink-file`.")
    L.append("- Without `--quick` the `mariadb` client reads the whole result into memory "
             "before printing it (`mysql_store_result`); both ways are shown.")
    L.append("")
    L.append("## Results")
    L.append("")
    L.append("**x fastest peer**: seconds over the fastest peer's of the same format and "
             "row count (below 1: faster than every peer).")
    L.append("")
    L.append("| format | rows | tool | seconds | x fastest peer | peak RSS MiB | output bytes | rows/s |")
    L.append("|---|---:|---|---:|---:|---:|---:|---:|")
    best = {}
    for r in results:
        if r["kind"] == "peer" and not r["error"]:
            k = (r["format"], r["rows"])
            best[k] = min(best.get(k, r["seconds"]), r["seconds"])
    for r in results:
        b = best.get((r["format"], r["rows"]))
        ratio = "%.2f" % (r["seconds"] / b) if b and not r["error"] else "-"
        if r["error"]:
            L.append("| %s | %s | %s | %.2f | - | %.1f | **failed** | %s |" % (
                r["format"], fmt_int(r["rows"]), r["tool"], r["seconds"],
                r["rss_kib"] / 1024.0, r["error"].replace("|", "\\|")))
            continue
        L.append("| %s | %s | %s | %.2f | %s | %.1f | %s | %s |" % (
            r["format"], fmt_int(r["rows"]), r["tool"], r["seconds"], ratio, r["rss_kib"] / 1024.0,
            fmt_int(r["bytes"]), fmt_int(int(r["rows"] / r["seconds"])) if r["seconds"] else "-"))
    L.append("")
    L.append("Loading the demo data (`scripts/demo_data.py`, not part of the table): " +
             "; ".join("%s rows in %.1f s" % (fmt_int(n), s) for n, s in loads) + ".")
    L.append("")
    if len(rows) >= 2:
        lo, hi = rows[0], rows[-1]
        L.append("## Flat memory")
        L.append("")
        L.append("Every ferry format but PDF streams, so its peak RSS must not grow with the "
                 "rows: at %s rows at most a few MB more than at %s (counted as flat here: "
                 "at most %.0f MiB more)." % (fmt_int(hi), fmt_int(lo), FLAT_MIB))
        L.append("")
        L.append("| format | peak RSS MiB at %s rows | peak RSS MiB at %s rows | growth MiB | "
                 "flat? |" % (fmt_int(lo), fmt_int(hi)))
        L.append("|---|---:|---:|---:|---|")
        verdicts = []
        for fmt in [c[0] for c in cases(args) if c[2] == "ferry" and c[0] != "PDF"]:
            a = next((r for r in results if r["kind"] == "ferry" and r["format"] == fmt
                      and r["rows"] == lo), None)
            b = next((r for r in results if r["kind"] == "ferry" and r["format"] == fmt
                      and r["rows"] == hi), None)
            if a is None or b is None or a["error"] or b["error"]:
                L.append("| %s | %s | %s | - | **no figure: a run failed** |" % (
                    fmt, "failed" if a is None or a["error"] else "%.1f" % (a["rss_kib"] / 1024.0),
                    "failed" if b is None or b["error"] else "%.1f" % (b["rss_kib"] / 1024.0)))
                verdicts.append((fmt, None))
                continue
            grow = (b["rss_kib"] - a["rss_kib"]) / 1024.0
            flat = grow <= FLAT_MIB
            verdicts.append((fmt, flat))
            L.append("| %s | %.1f | %.1f | %+.1f | %s |" % (
                fmt, a["rss_kib"] / 1024.0, b["rss_kib"] / 1024.0, grow,
                "yes" if flat else "**no**"))
        L.append("")
        bad = [f for f, v in verdicts if v is False]
        failed = [f for f, v in verdicts if v is None]
        if not bad and not failed:
            L.append("ferry's memory is flat for every streaming format.")
        else:
            if bad:
                L.append("**Not flat:** %s — peak RSS grows with the rows; see the "
                         "figures above." % ", ".join(bad))
            if failed:
                L.append("**Not measured:** %s — a run failed; see the table." %
                         ", ".join(failed))
        L.append("")
    # The hand-written part: profiles, what changed, targets met or missed.
    notes = os.path.join(SOURCE, "docs", "src", "benchmarks-notes.md")
    if os.path.exists(notes):
        with open(notes, encoding="utf-8") as f:
            L.append(f.read())
    tmp = args.doc + ".tmp"
    with open(tmp, "w", encoding="utf-8") as f:
        f.write("\n".join(L))
    os.replace(tmp, args.doc)
    log("wrote " + args.doc)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--ferry", required=True)
    ap.add_argument("--peakrss", required=True, help="scripts/bench/peakrss.c, compiled")
    ap.add_argument("--socket", required=True)
    ap.add_argument("--database", required=True)
    ap.add_argument("--work", required=True, help="scratch directory for outputs")
    ap.add_argument("--rows", default="10000 1000000")
    ap.add_argument("--doc", default=os.path.join(SOURCE, "docs", "benchmarks.md"))
    ap.add_argument("--repeat", type=int, default=3, help="runs of each case (median)")
    args = ap.parse_args()
    counts = sorted(int(x) for x in args.rows.replace(",", " ").split())
    env = dict(os.environ)
    env["FERRY_DATABASE_URL"] = "mysql://ferry:ferry@localhost/%s?socket=%s" % (
        args.database, args.socket)
    m = machine(args)
    results, loads = [], []
    for n in counts:
        loads.append((n, load(args, n)))
        for fmt, tool, kind, build in cases(args):
            if fmt == "PDF" and n > PDF_MAX_ROWS:
                continue  # format-pdf's row_cap: a PDF is for reading, not for dumps
            results.append(run_case(args, env, n, fmt, tool, kind, build))
    write_doc(args, m, results, loads)


if __name__ == "__main__":
    main()
