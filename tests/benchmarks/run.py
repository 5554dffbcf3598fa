#!/usr/bin/python3
"""MAria2's benchmark: maria2c beside curl, wget2, aria2c and axel, plus microbenchmarks and the
desktop app's figures, in one report (docs/benchmarks.md explains every figure).

    run.py [run] [--smoke] [--scenarios big,many] [--out DIR] ...   measure, write the report
    run.py compare REPORT.json [REPORT.json ...]                      fail on a regression
    run.py baseline REPORT.json [REPORT.json ...]                     write baseline.json
    run.py render REPORT.json --out DIR [--publish DIR]                 report.md + plots again

Everything runs on this machine: private servers on free loopback ports, data generated from a
fixed seed, outputs on tmpfs. Needs python3 (with python3-matplotlib for the plots), nginx,
openssl, GNU time and the peers that are installed (a missing peer is reported, not fatal).
"""

import argparse
import json
import os
import shutil
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, HERE)

from benchkit import clients, compare, machine, micro, plots, report  # noqa: E402
from benchkit.data import DataCache  # noqa: E402
from benchkit.runner import Servers, run_scenario  # noqa: E402
from benchkit.scenarios import BY_NAME, SCENARIOS  # noqa: E402
from benchkit.servers import DelayProxy, FaultServer, Nginx  # noqa: E402
from benchkit.util import log  # noqa: E402


class NothingToServe(Exception):
    pass


def parse_run_args(argv):
    p = argparse.ArgumentParser(prog="run.py", description="Measure and write the report.")
    p.add_argument("--build", default=os.path.join(REPO, "build-rel"),
                   help="build folder with maria2c, maria2 and the benchmark binaries")
    p.add_argument("--maria2c", help="maria2c to measure (default: BUILD/src/cli/maria2c)")
    p.add_argument("--out", default=None, help="report folder (default: BUILD/bench-report)")
    p.add_argument("--smoke", action="store_true",
                   help="tiny sizes, one run, no warm-up: proves it works, measures nothing")
    p.add_argument("--scenarios", default=",".join(s.name for s in SCENARIOS))
    p.add_argument("--clients", default="", help="only these (comma-separated; default: all)")
    p.add_argument("--repeats", type=int, default=3, help="measured runs per cell, at least")
    p.add_argument("--warmup", type=int, default=1, help="unmeasured runs first")
    p.add_argument("--warmup-keep", type=float, default=10.0,
                   help="a warm-up longer than this (s) counts as a measured run")
    p.add_argument("--min-cell-seconds", type=float, default=2.0,
                   help="short cells repeat until their runs total this (s) ...")
    p.add_argument("--max-repeats", type=int, default=10, help="... or this many runs")
    p.add_argument("--cell-budget", type=float, default=40.0,
                   help="a cell stops repeating once its runs took this long (s)")
    p.add_argument("--scale-files", type=float, default=1.0,
                   help="multiply the file counts of list scenarios (full runs only)")
    p.add_argument("--timeout", type=float, default=300.0, help="per run, seconds")
    p.add_argument("--cache-dir", default="/var/tmp/maria2-bench-data")
    p.add_argument("--no-refs", action="store_true", help="skip the ref-* rows of big")
    p.add_argument("--no-engine-report", dest="engine_report", action="store_false")
    p.add_argument("--no-micro", dest="micro", action="store_false")
    p.add_argument("--micro-repetitions", type=int, default=5)
    p.add_argument("--no-gui", dest="gui", action="store_false")
    p.add_argument("--gui-window", type=float, default=30.0, help="GUI CPU windows, seconds")
    p.add_argument("--publish", metavar="DIR",
                   help="also copy report.md, report.json and the plots here (docs/benchmarks)")
    p.add_argument("--keep", action="store_true", help="keep the scratch folder (logs)")
    p.add_argument("--strict", action="store_true",
                   help="fail when a peer is missing or a plot, microbenchmark or GUI figure "
                        "could not be made (CI); always: fail when maria2c's download did not "
                        "verify (a peer's failures are shown, never fatal: not our code)")
    a = p.parse_args(argv)
    a.scenarios = [s for s in a.scenarios.split(",") if s]
    unknown = [s for s in a.scenarios if s not in BY_NAME]
    if unknown:
        p.error(f"unknown scenario(s) {', '.join(unknown)}; known: {', '.join(BY_NAME)}")
    a.clients = [c for c in a.clients.split(",") if c]
    a.maria2c = a.maria2c or os.path.join(a.build, "src", "cli", "maria2c")
    if not os.access(a.maria2c, os.X_OK):
        p.error(f"no maria2c at {a.maria2c}: build it first (see docs/benchmarks.md) or pass "
                "--maria2c")
    a.maria2c = os.path.abspath(a.maria2c)
    a.out = os.path.abspath(a.out or os.path.join(a.build, "bench-report"))
    if a.smoke:
        a.timeout = min(a.timeout, 120.0)
    return a


def scratch_dir(need_bytes):
    shm = "/dev/shm"
    if os.path.isdir(shm) and shutil.disk_usage(shm).free > need_bytes:
        return tempfile.mkdtemp(prefix="maria2-bench-", dir=shm)
    return tempfile.mkdtemp(prefix="maria2-bench-")


def client_env(scratch):
    home = os.path.join(scratch, "home")
    for sub in ("config", "data", "cache", "downloads"):
        os.makedirs(os.path.join(home, sub), exist_ok=True)
    env = {k: v for k, v in os.environ.items()
           if k in ("PATH", "TERM", "TZ") or k.startswith(("ASAN_", "LSAN_", "UBSAN_"))}
    env.update(HOME=home, LANG="C.UTF-8", XDG_CONFIG_HOME=f"{home}/config",
               XDG_DATA_HOME=f"{home}/data", XDG_CACHE_HOME=f"{home}/cache",
               XDG_DOWNLOAD_DIR=f"{home}/downloads")
    return env


def prepare_files(sc, cache, opts):
    count, size = sc.scaled(opts.smoke, opts.scale_files)
    kind = {"plain": "big", "capped": "capped", "fault": "slow", "fault-fast": "slow",
            "hosts": "hosts"}.get(sc.server)
    if sc.files > 1 and sc.server != "hosts":
        names = [f"small/f{size}-{i:04d}.bin" for i in range(count)]
    elif sc.server == "hosts":
        names = [f"hosts/h{i}-{size}.bin" for i in range(count)]
    else:
        names = [f"{kind}/blob-{size}.bin"]
    files = []
    for name in names:
        path, digest = cache.ensure(name, size)
        files.append((name, path, size, digest))
    cache.warm([f[1] for f in files])
    return files


def run(opts):
    selected = [BY_NAME[n] for n in opts.scenarios]
    table, missing = clients.client_table(opts.maria2c)
    if missing:
        log("peers not installed, skipped:", ", ".join(missing))
    meta = machine.describe(opts.maria2c, REPO)
    meta["smoke"] = opts.smoke
    cache = DataCache(opts.cache_dir)
    largest = max((sc.scaled(opts.smoke, opts.scale_files)[1] * sc.scaled(opts.smoke)[0]
                   for sc in selected), default=0)
    scratch = scratch_dir(2 * largest + (256 << 20))
    log("scratch:", scratch, "report:", opts.out)
    env = client_env(scratch)
    servers = []
    results = {}
    try:
        if not selected:
            raise NothingToServe
        nginx = Nginx(os.path.join(scratch, "nginx"), cache.root)
        nginx.start()
        servers.append(nginx)
        opts.ca = nginx.ca
        fault = proxy = None
        if any(sc.server in ("fault", "fault-fast") for sc in selected):
            fault = FaultServer(os.path.join(scratch, "fault"), cache.root)
            fault.start()
            servers.append(fault)
        rtts = {sc.rtt_ms for sc in selected if sc.server.startswith("proxy-")}
        if rtts:
            proxy = DelayProxy(os.path.join(scratch, "proxy"),
                               {"plain": ("127.0.0.1", nginx.ports["plain"]),
                                "https": ("127.0.0.1", nginx.ports["https"]),
                                "capped": ("127.0.0.1", nginx.ports["capped"])}, max(rtts))
            proxy.start()
            servers.append(proxy)
        hub = Servers(nginx, fault, proxy)
        for sc in selected:
            files = prepare_files(sc, cache, opts)
            log(f"== {sc.name}: {sc.what}")
            results[sc.name] = run_scenario(sc, hub, table, files, opts, scratch, env, results)
    except NothingToServe:
        pass  # --scenarios '': only the microbenchmarks and the GUI figures
    finally:
        for s in reversed(servers):
            s.stop()
        if not opts.keep:
            shutil.rmtree(scratch, ignore_errors=True)
        else:
            log("kept", scratch)

    out = {"meta": machine.finish(meta), "missing_peers": missing,
           "scenarios": [results[sc.name] for sc in selected if sc.name in results]}
    build = opts.build
    if opts.micro:
        bins = [os.path.join(build, "tests", "benchmarks", "micro", n)
                for n in ("maria2_microbench", "maria2_microbench_gui")]
        with tempfile.TemporaryDirectory() as tmp:
            out["micro"] = micro.run_micro(bins, opts.smoke, opts.micro_repetitions, tmp,
                                           dict(os.environ, QT_QPA_PLATFORM="offscreen"))
    if opts.gui:
        out["gui"] = gui_figures(opts)
    plotted = write(out, opts)
    problems = [f"{r['name']}/{c['client']} did not verify" for r in out["scenarios"]
                for c in r["cells"] if c.get("runs") and not c["ok"] and c["kind"] == "candidate"]
    if opts.strict:
        problems += [f"{p} is not installed" for p in missing]
        problems += [f"{k}: {out[k]['error']}" for k in ("micro", "gui")
                     if out.get(k) and out[k].get("error")]
        problems += [f"no plot for {r['name']}" for r in out["scenarios"]
                     if r["name"] not in plotted]
    if problems:
        log("FAILED:", "; ".join(problems))
        return 1
    return 0


def gui_figures(opts):
    maria2 = os.path.join(opts.build, "src", "gui", "maria2")
    tool = os.path.join(opts.build, "tests", "benchmarks", "gui", "maria2_bench_store")
    for path in (maria2, tool):
        if not os.access(path, os.X_OK):
            return {"error": f"{path} is not built"}
    try:
        import gui_figures as g
    except ImportError as e:
        return {"error": f"tests/benchmarks/gui_figures.py: {e}"}
    try:
        return g.measure(maria2, opts.maria2c, tool, smoke=opts.smoke,
                         window_seconds=opts.gui_window, log=lambda *p: log("gui:", *p))
    except Exception as e:  # a figure that cannot be measured is reported, not fatal
        return {"error": f"{type(e).__name__}: {e}"}


def write(out, opts):
    os.makedirs(opts.out, exist_ok=True)
    plot_paths = {}
    if plots.available():
        for r in out["scenarios"]:
            rel = f"plots/{r['name']}.svg"
            if plots.plot_scenario(r, os.path.join(opts.out, rel)):
                plot_paths[r["name"]] = rel
    else:
        log("no plots: python3-matplotlib is not installed")
    with open(os.path.join(opts.out, "report.json"), "w") as f:
        json.dump(out, f, indent=1)
    text = report.markdown(out, plot_paths)
    with open(os.path.join(opts.out, "report.md"), "w") as f:
        f.write(text + "\n")
    print(text)
    if opts.publish:
        os.makedirs(os.path.join(opts.publish, "plots"), exist_ok=True)
        for name in ("report.md", "report.json"):
            shutil.copy(os.path.join(opts.out, name), os.path.join(opts.publish, name))
        for rel in plot_paths.values():
            shutil.copy(os.path.join(opts.out, rel), os.path.join(opts.publish, rel))
    log("report:", os.path.join(opts.out, "report.md"))
    return plot_paths


def main(argv):
    if argv and argv[0] == "render":
        p = argparse.ArgumentParser(prog="run.py render")
        p.add_argument("report")
        p.add_argument("--out", required=True)
        p.add_argument("--publish")
        a = p.parse_args(argv[1:])
        a.out = os.path.abspath(a.out)
        write(compare.load(a.report), a)
        return 0
    if argv and argv[0] in ("compare", "baseline"):
        p = argparse.ArgumentParser(prog=f"run.py {argv[0]}")
        p.add_argument("reports", nargs="+", help="report.json files of repeated runs")
        p.add_argument("--baseline", default=os.path.join(HERE, "baseline.json"))
        if argv[0] == "compare":
            p.add_argument("--ratio-tolerance", type=float)
            p.add_argument("--micro-tolerance", type=float)
        a = p.parse_args(argv[1:])
        reports = [compare.load(r) for r in a.reports]
        if argv[0] == "baseline":
            with open(a.baseline, "w") as f:
                json.dump(compare.make_baseline(reports), f, indent=1)
                f.write("\n")
            print(f"wrote {a.baseline}")
            return 0
        ok, lines = compare.compare(reports, compare.load(a.baseline), a.ratio_tolerance,
                                    a.micro_tolerance)
        print("\n".join(lines))
        return 0 if ok else 1
    if argv and argv[0] == "run":
        argv = argv[1:]
    return run(parse_run_args(argv))


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
