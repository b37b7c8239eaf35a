#!/usr/bin/python3
"""scripts/bench/worker.py — worker throughput: export requests through `ferry worker`.

Given a running MariaDB with `ferry db migrate` applied and the demo data
loaded (scripts/demo_data.py; 100,000 rows give about 850 rows per user and
month), it writes a ferry.conf for a site under --work (file store, the
demo's timesheet.cfg as the request pipeline, CSV), starts the workers,
inserts export requests the way the web app does (Django's columns, one
user and a date window each, chosen from the data so that each request
yields about --rows-per-request rows), waits until every one is completed or
failed and reports from the database's own timestamps (created_at and
completed_at are DATETIME(6), NOW(6) of the same server clock):

  - throughput: requests / (last completed_at - first created_at)
  - latency: completed_at - created_at per request, p50/p95/p99/max
  - failures (must be 0) and the mean rows per request (ferry_row_count)

Modes (--mode):
  backlog  all requests inserted at once (one INSERT, one commit) while the
           workers idle: the queue drained by the workers (the issue's
           "1,000 pending requests through 4 workers")
  rate     open loop: one request every 1/--rate seconds (each its own
           autocommitted INSERT), whatever the workers do; p99 "at that rate"

Workers (--layout):
  procs    --workers `ferry worker --concurrency 1` processes
  slots    one `ferry worker --concurrency W` process

Each run empties export_requests (and their audit rows, deliveries and
usage counters) first: it is a benchmark database, never a site's.

  scripts/bench/worker.py --ferry build/core/ferry --socket /path/mysqld.sock \\
      --database ferry_bench --work /tmp/w [--requests 1000] [--workers 4] \\
      [--layout procs|slots] [--mode backlog|rate] [--rate 300] [--store-files N] [--json FILE]

Importable: run(ferry, socket, database, work, requests=1000, workers=4, …) -> dict.
"""
import argparse
import datetime
import json
import os
import shutil
import signal
import statistics
import subprocess
import sys
import threading
import time
import uuid

import MySQLdb

HERE = os.path.dirname(os.path.abspath(__file__))
SOURCE = os.path.dirname(os.path.dirname(HERE))
PIPELINE = os.path.join(SOURCE, "conf", "pipelines", "timesheet.cfg")
_DAY = datetime.timedelta(days=1)


def log(msg):
    print("worker-bench: " + msg, file=sys.stderr, flush=True)


def connect(socket, database):
    return MySQLdb.connect(unix_socket=socket, user="ferry", passwd="ferry", db=database,
                           charset="utf8mb4", use_unicode=True, autocommit=True)


def write_conf(ferry, socket, database, work, poll_ms, extra="", store_files=0,
               pipeline=PIPELINE):
    store = os.path.join(work, "store")
    shutil.rmtree(store, ignore_errors=True)
    os.makedirs(store)
    # Artifacts of earlier requests (store.retention_days of them on a busy
    # site): empty files named as ferry names its artifacts.
    for i in range(store_files):
        open(os.path.join(store, "%032x-1.csv" % i), "w").close()
    plugins = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(ferry))), "plugins")
    conf = os.path.join(work, "ferry.conf")
    poll = "worker: { poll_interval_ms = %d; };\n" % poll_ms if poll_ms else ""
    with open(conf, "w") as f:
        f.write('database: { url = "mysql://ferry:ferry@localhost/%s?socket=%s"; };\n'
                'store: { path = "%s"; base_url = "http://127.0.0.1:1"; retention_days = 7; };\n'
                'requests: { pipeline = "%s"; };\n'
                'plugins: { path = ["%s"]; sink-file = { base_url = "http://127.0.0.1:1"; }; };\n'
                % (database, socket, store, pipeline, plugins) + poll + extra)
    return conf


def windows(cur, target, users):
    """(user_id, start, end) date windows holding about `target` rows each:
    for each of `users`, consecutive runs of whole days whose count first
    reaches `target`."""
    cur.execute("SELECT user_id, date, COUNT(*) FROM tracking_timeentry WHERE user_id IN (%s) "
                "GROUP BY user_id, date ORDER BY user_id, date" % ",".join(map(str, users)))
    out, acc = [], {}
    for uid, day, n in cur.fetchall():
        start, count = acc.get(uid, (day, 0))
        count += n
        if count >= target:
            # Stop before this day when that lands closer to the target.
            if count - target > target - (count - n) and count - n > 0:
                out.append((uid, start, day, count - n))
                acc[uid] = (day, n)
                continue
            out.append((uid, start, day + _DAY, count))
            acc.pop(uid)
        else:
            acc[uid] = (start, count)
    return out


def reset(cur):
    for t in ("ferry_deliveries", "export_audit_logs", "export_usage_stats", "export_requests"):
        cur.execute("SELECT COUNT(*) FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE()"
                    " AND TABLE_NAME = %s", (t,))
        if cur.fetchone()[0]:
            cur.execute("DELETE FROM `%s`" % t)


INSERT = ("INSERT INTO export_requests (id, title, description, format, filters, date_range_start,"
          " date_range_end, selected_fields, status, progress_percentage, error_message, file_path,"
          " file_size, download_url, download_count, is_scheduled, schedule_pattern, next_run,"
          " created_at, updated_at, started_at, completed_at, expires_at, template_id, user_id)"
          " VALUES ")
ROW = ("(%s, %s, '', 'csv', '{}', %s, %s, '[]', 'pending', 0, '', '', NULL, '', 0, 0, '', NULL,"
       " NOW(6), NOW(6), NULL, NULL, NULL, NULL, %s)")


def row_args(i, w):
    uid, start, end, _ = w
    return (uuid.uuid4().hex, "bench %d" % i, "%s 00:00:00" % start, "%s 00:00:00" % end, uid)


def insert_backlog(conn, ws, n):
    cur = conn.cursor()
    args = []
    for i in range(n):
        args.extend(row_args(i, ws[i % len(ws)]))
    conn.autocommit(False)
    cur.execute(INSERT + ",".join([ROW] * n), args)
    conn.commit()
    conn.autocommit(True)


def insert_rate(conn, ws, n, rate):
    """Open loop: request i is due at t0 + i/rate, inserted then (or as soon
    as the inserter catches up); returns how late the inserter ran at most."""
    cur = conn.cursor()
    t0 = time.monotonic()
    late = 0.0
    for i in range(n):
        due = t0 + i / rate
        now = time.monotonic()
        if due > now:
            time.sleep(due - now)
        else:
            late = max(late, now - due)
        cur.execute(INSERT + ROW, row_args(i, ws[i % len(ws)]))
    return late


def start_workers(ferry, conf, work, layout, workers, log_json, wrap=None):
    procs = []
    n = workers if layout == "procs" else 1
    conc = 1 if layout == "procs" else workers
    env = dict(os.environ)
    env.pop("FERRY_DATABASE_URL", None)
    env.pop("FERRY_PLUGIN_PATH", None)
    for i in range(n):
        argv = (wrap.replace("%i", str(i)).split() if wrap else []) + [ferry, "--config", conf]
        if log_json:
            argv += ["--log-format", "json"]
        argv += ["worker", "--concurrency", str(conc)]
        lf = open(os.path.join(work, "worker-%d.log" % i), "wb")
        # A session of its own: stopping signals the whole group, so a
        # --wrap (strace, perf) never leaves its worker running on.
        procs.append((subprocess.Popen(argv, stdout=lf, stderr=subprocess.STDOUT, env=env,
                                       start_new_session=True), lf))
    # Ready when each has logged "worker started" (its preflight connection).
    deadline = time.monotonic() + 60
    for i in range(n):
        path = os.path.join(work, "worker-%d.log" % i)
        while time.monotonic() < deadline:
            with open(path, "rb") as f:
                if b"worker started" in f.read():
                    break
            if procs[i][0].poll() is not None:
                raise RuntimeError("worker %d exited: see %s" % (i, path))
            time.sleep(0.05)
    time.sleep(0.3)
    return procs


def child_pids(pid):
    """The live children of a process (every thread's), from /proc."""
    kids = []
    for d in os.listdir("/proc"):
        if d.isdigit():
            try:
                with open("/proc/%s/stat" % d) as f:
                    if int(f.read().rsplit(")", 1)[1].split()[1]) == pid:
                        kids.append(int(d))
            except (OSError, ValueError, IndexError):
                pass
    return kids


def cpu_seconds(pid, children=True):
    """utime + stime (+ reaped children's) of a process, in seconds. With
    children, also its live children's own and reaped ones': a worker's
    request children are reaped by its fork server, which lives as long as
    the worker."""
    try:
        with open("/proc/%d/stat" % pid) as f:
            fields = f.read().rsplit(")", 1)[1].split()
    except OSError:
        return None
    ticks = sum(int(x) for x in fields[11:15 if children else 13])
    secs = ticks / os.sysconf("SC_CLK_TCK")
    if children:
        secs += sum(cpu_seconds(k, True) or 0.0 for k in child_pids(pid))
    return secs


def server_pid(cur):
    cur.execute("SELECT @@pid_file")
    try:
        with open(cur.fetchone()[0]) as f:
            return int(f.read().strip())
    except (OSError, ValueError):
        return None


STATUS = ("Questions", "Com_stmt_prepare", "Com_stmt_execute", "Com_stmt_close", "Com_commit",
          "Connections", "Handler_read_next", "Handler_read_key", "Handler_write",
          "Handler_update", "Innodb_rows_read", "Bytes_sent", "Bytes_received")


def server_status(cur):
    """The server's global counters of STATUS (this benchmark's own MariaDB)."""
    cur.execute("SHOW GLOBAL STATUS WHERE Variable_name IN (%s)" % ",".join(["%s"] * len(STATUS)),
                STATUS)
    return {k: int(v) for k, v in cur.fetchall()}


def stop_workers(procs):
    for p, _ in procs:
        if p.poll() is None:
            os.killpg(p.pid, signal.SIGTERM)
    for p, lf in procs:
        try:
            p.wait(timeout=60)
        except subprocess.TimeoutExpired:
            os.killpg(p.pid, signal.SIGKILL)
            p.wait()
        lf.close()
    time.sleep(0.5)
    for p, _ in procs:  # anything left of the group (a wrapped worker)
        try:
            os.killpg(p.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass


def wait_done(conn, n, timeout):
    cur = conn.cursor()
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        cur.execute("SELECT COUNT(*) FROM export_requests WHERE status IN ('completed', 'failed')")
        if cur.fetchone()[0] >= n:
            return True
        time.sleep(0.05)
    return False


def pct(xs, p):
    """Nearest-rank percentile of a sorted list."""
    if not xs:
        return None
    k = max(0, min(len(xs) - 1, int(-(-p * len(xs) // 100)) - 1))
    return xs[k]


def results(conn):
    cur = conn.cursor()
    cur.execute("SELECT status, TIMESTAMPDIFF(MICROSECOND, created_at, completed_at),"
                " TIMESTAMPDIFF(MICROSECOND, created_at, started_at), ferry_row_count,"
                " ferry_attempt, error_message, TIMESTAMPDIFF(MICROSECOND,"
                " (SELECT MIN(created_at) FROM export_requests), created_at) FROM export_requests")
    rows = cur.fetchall()
    # Past the first second: the workers were idle (polling every
    # poll_interval_ms) when the first request came.
    warm = sorted(r[1] / 1e6 for r in rows if r[0] == "completed" and r[6] >= 1000000)
    cur.execute("SELECT TIMESTAMPDIFF(MICROSECOND, MIN(created_at), MAX(completed_at)),"
                " TIMESTAMPDIFF(MICROSECOND, MIN(created_at), MAX(created_at))"
                " FROM export_requests")
    span_us, insert_us = cur.fetchone()
    done = [r for r in rows if r[0] == "completed"]
    lat = sorted(r[1] / 1e6 for r in done)
    wait = sorted(r[2] / 1e6 for r in done if r[2] is not None)
    errors = sorted({r[5] for r in rows if r[0] != "completed"})
    return {
        "requests": len(rows),
        "completed": len(done),
        "failures": len(rows) - len(done),
        "errors": errors[:5],
        "retries": sum(1 for r in done if r[4] > 1),
        "mean_rows": statistics.mean(r[3] for r in done) if done else 0,
        "seconds": span_us / 1e6 if span_us else None,
        "insert_seconds": insert_us / 1e6 if insert_us is not None else None,
        "req_per_s": len(done) / (span_us / 1e6) if span_us else None,
        "latency_s": {"p50": pct(lat, 50), "p95": pct(lat, 95), "p99": pct(lat, 99),
                      "max": lat[-1] if lat else None,
                      "mean": statistics.mean(lat) if lat else None},
        "claim_wait_s": {"p50": pct(wait, 50), "p99": pct(wait, 99)},
        "latency_after_1s_s": {"n": len(warm), "p50": pct(warm, 50), "p95": pct(warm, 95),
                               "p99": pct(warm, 99), "max": warm[-1] if warm else None},
    }


def worker_durations(work, nlogs):
    """duration_ms of each 'request completed' line of the JSON worker logs."""
    out = []
    for i in range(nlogs):
        path = os.path.join(work, "worker-%d.log" % i)
        if not os.path.exists(path):
            continue
        with open(path, encoding="utf-8", errors="replace") as f:
            for line in f:
                if '"request completed"' not in line:
                    continue
                try:
                    d = json.loads(line).get("duration_ms")
                except ValueError:
                    continue
                if d is not None:
                    out.append(float(d))
    return sorted(out)


def run(ferry, socket, database, work, requests=1000, workers=4, layout="procs", mode="backlog",
        rate=300.0, rows_per_request=850, poll_ms=None, timeout=600, log_json=True, wrap=None, store_files=0,
        pipeline=PIPELINE):
    """Runs one measurement; returns the results as a dict (see the module text)."""
    os.makedirs(work, exist_ok=True)
    conf = write_conf(ferry, socket, database, work, poll_ms, store_files=store_files,
                      pipeline=pipeline)
    conn = connect(socket, database)
    cur = conn.cursor()
    cur.execute("SET time_zone = '+00:00'")
    cur.execute("SELECT id FROM auth_user WHERE username <> 'admin' ORDER BY id")
    users = [r[0] for r in cur.fetchall()]
    ws = windows(cur, rows_per_request, users)
    if not ws:
        raise RuntimeError("no demo data: run scripts/demo_data.py --rows 100000 first")
    cur.execute("SELECT COUNT(*) FROM information_schema.PROCESSLIST WHERE DB = DATABASE()"
                " AND ID <> CONNECTION_ID()")
    others = cur.fetchone()[0]
    if others:
        # Another worker (say, one a crashed run left) would take requests too.
        raise RuntimeError("%d other connection(s) use database %s: stop them first"
                           % (others, database))
    reset(cur)
    procs = start_workers(ferry, conf, work, layout, workers, log_json, wrap)
    late = None
    spid = server_pid(cur)
    s0 = cpu_seconds(spid, False) if spid else None
    w0 = [cpu_seconds(p.pid) for p, _ in procs]
    st0 = server_status(cur)
    try:
        t0 = time.monotonic()
        if mode == "backlog":
            insert_backlog(conn, ws, requests)
        else:
            late = insert_rate(conn, ws, requests, rate)
        ok = wait_done(conn, requests, timeout)
        wall = time.monotonic() - t0
        s1 = cpu_seconds(spid, False) if spid else None
        w1 = [cpu_seconds(p.pid) for p, _ in procs]
    finally:
        stop_workers(procs)
    st1 = server_status(cur)
    r = results(conn)
    conn.close()
    # Per request, less the benchmark's own polling (a few statements a 50 ms).
    r["server_per_request"] = {k: round((st1[k] - st0.get(k, 0)) / max(1, requests), 2)
                               for k in st1}
    r.update({"mode": mode, "layout": layout, "workers": workers,
              "pipeline": os.path.basename(pipeline),
              "worker_processes": workers if layout == "procs" else 1,
              "rate": rate if mode == "rate" else None, "inserter_late_s": late,
              "timed_out": not ok, "wall_seconds": wall,
              "poll_interval_ms": poll_ms, "target_rows": rows_per_request,
              "store_files": store_files,
              "windows": len(ws),
              "cpu_s": {"server": s1 - s0 if s0 is not None and s1 is not None else None,
                        "workers": sum(b - a for a, b in zip(w0, w1)
                                       if a is not None and b is not None)}})
    d = worker_durations(work, len(procs))
    if d:
        r["worker_duration_ms"] = {"p50": pct(d, 50), "p95": pct(d, 95), "p99": pct(d, 99),
                                   "mean": statistics.mean(d)}
    return r


def summary(r):
    lat = r["latency_s"]
    f = lambda v: "%.3f" % v if v is not None else "-"  # noqa: E731
    how = ("%d × `ferry worker --concurrency 1`" % r["workers"] if r["layout"] == "procs"
           else "1 × `ferry worker --concurrency %d`" % r["workers"])
    what = ("backlog of %d" % r["requests"] if r["mode"] == "backlog"
            else "%d at %.0f req/s (open loop)" % (r["requests"], r["rate"]))
    if r.get("pipeline", "timesheet.cfg") != "timesheet.cfg":
        what += " through %s" % r["pipeline"]
    s = ("%s, %s: %.1f req/s (%.2f s first insert → last completion), latency p50 %s p95 %s "
         "p99 %s max %s s, %d failures, %.0f rows/request"
         % (what, how, r["req_per_s"] or 0, r["seconds"] or 0, f(lat["p50"]), f(lat["p95"]),
            f(lat["p99"]), f(lat["max"]), r["failures"], r["mean_rows"]))
    w = r.get("latency_after_1s_s", {})
    if r["mode"] == "rate" and w.get("n"):
        s += "; created after the first second (%d): p50 %s p95 %s p99 %s max %s s" % (
            w["n"], f(w["p50"]), f(w["p95"]), f(w["p99"]), f(w["max"]))
    cw = r.get("claim_wait_s", {})
    if cw.get("p50") is not None:
        s += "; insert-to-claim p50 %.3f p99 %.3f s" % (cw["p50"], cw["p99"])
    if "worker_duration_ms" in r:
        s += "; worker duration_ms p50 %.0f p99 %.0f" % (r["worker_duration_ms"]["p50"],
                                                           r["worker_duration_ms"]["p99"])
    cpu = r.get("cpu_s", {})
    if cpu.get("server") is not None and r["completed"]:
        s += "; CPU ms/request: server %.1f, workers %.1f" % (
            cpu["server"] * 1000 / r["completed"], cpu["workers"] * 1000 / r["completed"])
    spr = r.get("server_per_request", {})
    if spr:
        s += "; per request: %.1f statements (%.1f prepares, %.1f executes), %.2f connections" % (
            spr.get("Questions", 0), spr.get("Com_stmt_prepare", 0),
            spr.get("Com_stmt_execute", 0), spr.get("Connections", 0))
    if r.get("timed_out"):
        s += " (TIMED OUT)"
    return s


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--ferry", required=True)
    ap.add_argument("--socket", required=True)
    ap.add_argument("--database", required=True)
    ap.add_argument("--work", required=True, help="scratch directory (ferry.conf, store, logs)")
    ap.add_argument("--requests", type=int, default=1000)
    ap.add_argument("--workers", type=int, default=4)
    ap.add_argument("--layout", choices=("procs", "slots"), default="procs")
    ap.add_argument("--mode", choices=("backlog", "rate"), default="backlog")
    ap.add_argument("--rate", type=float, default=300.0, help="requests/s in --mode rate")
    ap.add_argument("--rows-per-request", type=int, default=850)
    ap.add_argument("--poll-ms", type=int, default=None,
                    help="worker.poll_interval_ms (default: ferry's own default)")
    ap.add_argument("--pipeline", default=PIPELINE,
                    help="the request pipeline (default: the demo's timesheet.cfg)")
    ap.add_argument("--store-files", type=int, default=0,
                    help="artifacts already in the store (a site's retention), default 0")
    ap.add_argument("--repeat", type=int, default=1)
    ap.add_argument("--wrap", help="a command prefix for each worker (profiling), e.g. "
                    "'strace -f -tt -T -o /tmp/st.%%i' (%%i: the worker's number)")
    ap.add_argument("--json", help="write the results (a list, one per run) here")
    a = ap.parse_args()
    out = []
    for i in range(a.repeat):
        r = run(a.ferry, a.socket, a.database, a.work, a.requests, a.workers, a.layout, a.mode,
                a.rate, a.rows_per_request, a.poll_ms, wrap=a.wrap, store_files=a.store_files,
                pipeline=os.path.abspath(a.pipeline))
        out.append(r)
        print(summary(r), flush=True)
    if a.json:
        with open(a.json, "w") as f:
            json.dump(out, f, indent=2, default=str)
    return 0 if all(r["failures"] == 0 and not r["timed_out"] for r in out) else 1


if __name__ == "__main__":
    sys.exit(main())
