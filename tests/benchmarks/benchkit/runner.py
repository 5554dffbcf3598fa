"""Runs one scenario: every client, interleaved, warm-up then repeats; medians and ratios."""

import os
import shutil
import subprocess
import time

from . import clients as C
from .measure import server_view, tail, timed_run, verify
from .scenarios import slow_region_query
from .util import log, median


class Servers:
    """What a scenario's URLs point at: nginx, and the fault server / delay proxy when used."""

    def __init__(self, nginx, fault=None, proxy=None):
        self.nginx, self.fault, self.proxy = nginx, fault, proxy

    def urls(self, scenario, names, size):
        s = scenario.server
        if s in ("fault", "fault-fast"):
            q = slow_region_query(size, fast_only=s == "fault-fast")
            return [self.fault.url(f"slow-region/{n}?{q}") for n in names]
        if s.startswith("proxy-"):
            kind = s.split("-", 1)[1]
            scheme = "https" if kind == "https" else "http"
            return [f"{scheme}://127.0.0.1:{self.proxy.ports[kind]}/{n}" for n in names]
        if s == "hosts":
            return [self.nginx.url("hosts", n, i % len(self.nginx.host_addrs))
                    for i, n in enumerate(names)]
        return [self.nginx.url(s, n) for n in names]

    def log_source(self, scenario):
        """(server whose log counts the requests, port to count, pids whose CPU is the server's)."""
        s = scenario.server
        if s in ("fault", "fault-fast"):
            return self.fault, None, self.fault.pids()
        if s.startswith("proxy-"):
            kind = s.split("-", 1)[1]
            return self.nginx, self.nginx.ports[kind], self.nginx.pids() + self.proxy.pids()
        return self.nginx, self.nginx.ports[s], self.nginx.pids()


def settle(server, offset, seconds=1.0):
    """Waits (bounded) until the server's request log stops growing: the last line of a run is
    written once the response is finished, which may be just after the client has exited."""
    last, deadline = -1, time.monotonic() + seconds
    while time.monotonic() < deadline:
        size = server.log_offset()
        if size == last:
            return
        last = size
        time.sleep(0.05)


class Cell:
    def __init__(self, client, kind):
        self.client, self.kind = client, kind
        self.runs, self.warmups, self.skipped, self.argv = [], [], None, None

    def measured_seconds(self):
        return sum(r["wall"] for r in self.runs)

    def summary(self, payload):
        ok_runs = [r for r in self.runs if r["ok"]]
        # A peer that crashes now and then (axel does) is judged by its good runs, and the
        # failures are shown; MAria2 must verify every time.
        failed = len(self.runs) - len(ok_runs)
        ok = bool(ok_runs) and (failed == 0 or self.kind != "candidate")
        out = dict(client=self.client, kind=self.kind, argv=self.argv, skipped=self.skipped,
                   runs=self.runs, n=len(ok_runs), failed_runs=failed, ok=ok)
        if ok_runs:
            mbps = [r["mbps"] for r in ok_runs]
            out["median"] = {k: median([r[k] for r in ok_runs]) for k in
                             ("wall", "mbps", "cpu", "rss_mib", "conns", "reqs", "server_cpu",
                              "other_cpu_cores")}
            m = out["median"]["mbps"]
            out["spread_pct"] = 100.0 * (max(mbps) - min(mbps)) / m if m else None
            out["protocols"] = sorted({p for r in ok_runs for p in r["protocols"]})
        return out


def run_scenario(sc, servers, table, files, opts, scratch, env, previous):
    """files: [(name, path, size, sha256)]. previous: earlier scenarios' results by name."""
    names = [f[0].rsplit("/", 1)[-1] for f in files]
    expected = [(n, f[2], f[3]) for n, f in zip(names, files)]
    payload = sum(f[2] for f in files)
    urls = servers.urls(sc, [f[0] for f in files], files[0][2])
    job = C.Job(urls=urls, names=names, size=files[0][2], conns=sc.conns, jobs=sc.jobs,
                https="https" in sc.server, ca=opts.ca, src=files[0][1])
    work = os.path.join(scratch, sc.name)
    os.makedirs(work, exist_ok=True)
    job.write_lists(work)
    source, port, pids = servers.log_source(sc)

    clients = list(sc.clients) + (list(C.REFS) if sc.refs and not opts.no_refs else [])
    reused = previous.get(sc.peers_from) if sc.peers_from else None
    cells = []
    for name in clients:
        if name not in table or (opts.clients and name.split("-")[0] not in opts.clients
                                 and name not in opts.clients):
            continue
        kind, build = table[name]
        if reused and kind == "peer":
            continue  # measured in sc.peers_from, same server and file
        cell = Cell(name, kind)
        job.dir = os.path.join(work, "out")
        try:
            cell.argv = build(job)
        except C.Skip as e:
            cell.skipped = str(e)
        cells.append(cell)

    warmup = 0 if opts.smoke else opts.warmup
    repeats = 1 if opts.smoke else max(opts.repeats, sc.repeats)
    max_repeats = 1 if opts.smoke else max(opts.max_repeats, repeats)
    active = [c for c in cells if not c.skipped]
    for round_no in range(warmup + max_repeats):
        for cell in active:
            if not needs_more(cell, round_no, warmup, repeats, max_repeats, opts):
                continue
            out = os.path.join(work, "out")
            shutil.rmtree(out, ignore_errors=True)
            os.makedirs(out)
            job.dir = out
            argv = table[cell.client][1](job)
            offset = source.log_offset()
            base = os.path.join(work, f"{cell.client}-{round_no}")
            r = timed_run(argv, env, base, opts.timeout, pids)
            settle(source, offset)
            r.update(server_view(source.requests_since(offset, port)))
            if r["rc"] == 0 and cell.client in C.NO_OUTPUT:
                ok, msg = True, "writes nothing (reference)"
            elif r["rc"] == 0 and not r["timed_out"]:
                ok, msg = verify(expected, out)
            else:
                ok, msg = (
                    False, f"exit {r['rc']}{' (timed out)' if r['timed_out'] else ''}: "
                    f"{tail(base + '.err', 300)}")
            r.update(ok=ok, check=msg, mbps=payload / r["wall"] / 1e6)
            shutil.rmtree(out, ignore_errors=True)
            warm = round_no < warmup and r["wall"] <= opts.warmup_keep
            (cell.warmups if warm else cell.runs).append(r)
            log(f"{sc.name:12} {cell.client:13} {'warm-up' if warm else 'run':7} "
                f"{r['wall']:7.2f} s {r['mbps']:8.1f} MB/s cpu {r['cpu']:5.2f} "
                f"conns {r['conns']:3} {'ok' if ok else 'FAILED: ' + msg}")
    summaries = [c.summary(payload) for c in cells]
    if reused:
        summaries = [s for s in reused["cells"] if s["kind"] == "peer"] + summaries
    result = dict(name=sc.name, what=sc.what, server=sc.server, files=len(files),
                  size=files[0][2], payload=payload, conns=sc.conns, jobs=sc.jobs,
                  rtt_ms=sc.rtt_ms, peers_from=sc.peers_from if reused else None,
                  cells=summaries)
    rank(result)
    if opts.engine_report and "maria2c" in table:
        result["engine_report"] = engine_report(sc, job, opts, work, env)
    return result


def needs_more(cell, round_no, warmup, repeats, max_repeats, opts):
    if round_no < warmup:
        return True
    n = len(cell.runs)
    if n >= max_repeats:
        return False
    if n >= 1 and cell.measured_seconds() + sum(r["wall"] for r in cell.warmups) >= opts.cell_budget:
        return False
    return n < repeats or cell.measured_seconds() < opts.min_cell_seconds


def rank(result):
    """Best peer (highest median MB/s among verified peers) and everyone's ratio to it."""
    peers = [c for c in result["cells"] if c["kind"] == "peer" and c.get("median") and c["ok"]]
    best = max(peers, key=lambda c: c["median"]["mbps"], default=None)
    result["best_peer"] = best["client"] if best else None
    for c in result["cells"]:
        if best and c.get("median"):
            c["ratio"] = c["median"]["mbps"] / best["median"]["mbps"]


def engine_report(sc, job, opts, work, env):
    """maria2c --engine-report on the scenario's first URL: each engine in turn, and the one
    the router picks. For list scenarios that is one of its small files."""
    folder = os.path.join(work, "engine-report")
    shutil.rmtree(folder, ignore_errors=True)
    os.makedirs(folder)
    argv = [opts.maria2c, "--engine-report", "-d", folder]
    if job.https:
        argv.append(f"--ca-certificate={job.ca}")
    if sc.conns and not sc.name.endswith("-auto"):
        argv += ["-s", str(sc.conns), "-x", str(sc.conns), "-k", "1M"]
    argv.append(job.urls[0])
    try:
        p = subprocess.run(argv, capture_output=True, text=True, env=env, timeout=opts.timeout * 4,
                           stdin=subprocess.DEVNULL)
    except subprocess.TimeoutExpired:
        return dict(error="timed out", argv=argv)
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    rows = parse_engine_report(p.stdout)
    log(f"{sc.name:12} engine report: " + ", ".join(
        f"{r['engine']}{'*' if r.get('chosen') else ''} {r.get('mbps', 'failed')}" for r in rows))
    return dict(argv=argv, rc=p.returncode, rows=rows,
                error=None if rows else (p.stderr.strip()[-300:] or "no rows"))


def parse_engine_report(text):
    rows = []
    for line in text.splitlines()[1:]:
        parts = line.split()
        if not parts:
            continue
        if len(parts) > 1 and parts[1] == "failed:":
            rows.append(dict(engine=parts[0], ok=False, error=line.split("failed:", 1)[1].strip(),
                             chosen="(chosen)" in line))
            continue
        try:
            rows.append(dict(engine=parts[0], ok=True, conns=int(parts[1]), mbps=float(parts[2]),
                             cpu=float(parts[3]), ttfb_ms=float(parts[4]),
                             chosen=len(parts) > 5 and parts[5] == "yes"))
        except (ValueError, IndexError):
            continue
    return rows
