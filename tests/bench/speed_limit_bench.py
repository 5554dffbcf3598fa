#!/usr/bin/python3
"""Speed-limit benchmark for maria2c (issue #5, item 3), measured from outside.

Starts a private nginx on a free loopback port serving generated files, runs
maria2c with a speed limit, and samples the process's /proc/PID/io `wchar`
(bytes it wrote: the downloaded payload, written with pwrite as it arrives)
every 50 ms. Not `rchar`: it counts read(2) but not recv(2), so a libcurl
client's socket reads never show there (curl's rchar stays flat while it
downloads). What maria2c writes is what its limiter let through; libcurl holds
at most one receive buffer per connection between the socket and the write.
The figures are taken over the 20 s window that starts 2 s after the first
byte:

  * the mean rate and its deviation from the limit (target: within +-5%);
  * bursts, over the whole transfer: the highest rate over any 1 s sliding
    window, and the longest stretch whose mean rate is above twice the limit
    (target: none lasting more than 1 s).

Scenarios (--scenarios):

  global        one download per --limit, --max-overall-download-limit=LIMIT
  shared        two downloads at once (-j 2 -i LIST) under one global limit:
                total rate and each download's share (from --stats-json lines)
  per-download  two downloads at once, --max-download-limit=PER each and no
                global limit: each download's rate against its own limit

The resource governor is kept out of the way (ResourceThreshold 100%, via a
--conf-path file): on a busy machine it would cut downloads and cap the speed
on purpose, and this measures the limiter, not the governor (--with-governor
keeps it). The log file is off too, so that wchar is nearly all payload (the
rest, stats lines and control-file saves, is reported as overhead_bytes).

Outputs go to tmpfs (/dev/shm) when it has room, as in the shared benchmark,
so the disk is not what is measured; --out-dir puts them on a real disk, where
maria2c's once-a-second flush (fdatasync) shows up as short stalls.

Every output file is compared byte for byte with its source. Stdlib only;
run with /usr/bin/python3. The table goes to stdout (Markdown), progress to
stderr; --json PATH also writes every figure and sample count as JSON.
Exit status: 0 when every run completed and verified (with --strict, also
every target met), 1 otherwise. maria2c and nginx are always stopped.
"""

import argparse
import json
import os
import shutil
import signal
import sys
import tempfile

from bench_support import (KiB, MiB, NGINX, Nginx, fmt_limit, fmt_rate, log, parse_size,
                           private_env, run_maria2c, same_content, size_list, write_source)

DEFAULT_MARIA2C = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                                "../../build-rel/src/cli/maria2c"))
TOLERANCE = 0.05  # mean rate within +-5% of the limit
BURST_FACTOR = 2.0  # no stretch above 2x the limit ...
BURST_SECONDS = 1.0  # ... lasting more than this


# --- analysis ---------------------------------------------------------------------------------


def value_at(samples, t):
    """The counter at time t, linear between the two samples around it."""
    if t <= samples[0][0]:
        return samples[0][2]
    for (t0, _, v0), (t1, _, v1) in zip(samples, samples[1:]):
        if t0 <= t <= t1:
            return v0 + (v1 - v0) * (t - t0) / (t1 - t0) if t1 > t0 else v1
    return samples[-1][2]


def flow_bounds(samples, limit):
    """(first byte, last byte) times: where a sustained flow starts and where growth ends.

    The flow starts at the first sample from which the next second brings at least half a
    second's worth at the limit (start-up writes, stats lines and control files are far
    smaller); its first byte is the first step from there on that grew by more than 4 KiB, and
    the last byte the last such step.
    """
    first = None
    for i, (t, _, v) in enumerate(samples):
        if t + 1 > samples[-1][0]:
            break
        if value_at(samples, t + 1) - v >= 0.5 * limit:
            for (t0, _, v0), (_, _, v1) in zip(samples[i:], samples[i + 1:]):
                if v1 - v0 > 4 * KiB:
                    first = t0
                    break
            break
    last = None
    for (_, _, v0), (t1, _, v1) in zip(samples, samples[1:]):
        if v1 - v0 > 4 * KiB:
            last = t1
    return first, last


def longest_burst(samples, threshold):
    """Longest [a, b] (sample to sample) whose mean rate exceeds `threshold` B/s, in s."""
    best = 0.0
    for i, (ti, _, vi) in enumerate(samples):
        for tj, _, vj in reversed(samples[i + 1:]):
            if tj - ti <= best:
                break
            if vj - vi > threshold * (tj - ti):
                best = tj - ti
                break
    return best


def analyse(samples, limit, settle, window):
    """The figures of one run from its wchar samples (limit = the expected total rate)."""
    first, last = flow_bounds(samples, limit)
    if first is None or last is None:
        return {"error": "no sustained transfer seen"}
    w0 = first + settle
    w1 = w0 + window
    result = {"first_byte_s": round(first - samples[0][0], 3),
              "transfer_s": round(last - first, 3),
              "window": [round(w0 - samples[0][0], 3), round(w1 - samples[0][0], 3)]}
    if w1 > last:
        result["error"] = (f"transfer lasted {last - first:.1f} s: shorter than "
                           f"{settle:g} + {window:g} s (use a bigger file)")
        return result
    mean = (value_at(samples, w1) - value_at(samples, w0)) / window
    flow = [s for s in samples if first <= s[0] <= last]
    max_1s = 0.0
    for t, _, v in flow:
        if t - 1 >= first:
            max_1s = max(max_1s, v - value_at(samples, t - 1))
    burst = longest_burst(flow, BURST_FACTOR * limit)
    result.update({
        "mean_bps": mean,
        "deviation_pct": 100.0 * (mean - limit) / limit,
        "max_1s_bps": max_1s,
        "max_1s_x_limit": max_1s / limit,
        "longest_over_2x_s": burst,
        "mean_ok": abs(mean - limit) <= TOLERANCE * limit,
        "bursts_ok": burst <= BURST_SECONDS,
    })
    return result


def read_stats(path):
    """--stats-json lines -> {name: [(unix s, done bytes)]}; {} when there are none."""
    series = {}
    try:
        with open(path) as f:
            for line in f:
                try:
                    row = json.loads(line)
                except ValueError:
                    continue
                at = row.get("time", 0) / 1000.0
                for d in row.get("downloads", []):
                    # Until the server has answered, the name is the URL: keep its last part.
                    name = str(d.get("name", "")).rsplit("/", 1)[-1]
                    if name and isinstance(d.get("done"), (int, float)):
                        series.setdefault(name, []).append((at, d["done"]))
    except OSError:
        pass
    return series


def done_between(points, u0, u1):
    """Bytes a download got between unix times u0 and u1, from its 1 Hz (time, done) points."""
    if len(points) < 2 or points[0][0] > u0 or points[-1][0] < u1:
        return None

    def at(u):
        for (a, x), (b, y) in zip(points, points[1:]):
            if a <= u <= b:
                return x + (y - x) * (u - a) / (b - a) if b > a else y
        return points[-1][1]

    return at(u1) - at(u0)


def per_download(stats, names, samples, result, window, limit_each):
    """Each download's mean rate over the same window, its share, and Jain's fairness index."""
    if "window" not in result or "error" in result:
        return
    unix_offset = samples[0][1] - samples[0][0]
    u0 = samples[0][0] + result["window"][0] + unix_offset
    u1 = samples[0][0] + result["window"][1] + unix_offset
    rates = {}
    for name in names:
        got = done_between(stats.get(name, []), u0, u1)
        rates[name] = None if got is None else got / window
    result["downloads"] = {}
    known = [r for r in rates.values() if r is not None]
    total = sum(known)
    for name, rate in rates.items():
        entry = {"mean_bps": rate}
        if rate is not None and total > 0:
            entry["share_pct"] = 100.0 * rate / total
        if rate is not None and limit_each:
            entry["deviation_pct"] = 100.0 * (rate - limit_each) / limit_each
        result["downloads"][name] = entry
    if len(known) == len(names) and total > 0:
        result["jain_fairness"] = total * total / (len(known) * sum(r * r for r in known))
    else:
        result["note"] = "no per-download figures: maria2c wrote no usable --stats-json lines"


# --- scenarios --------------------------------------------------------------------------------


def bench_config(with_governor):
    """The --conf-path file: no log file; no governor unless asked (CPU/memory > 100% never)."""
    conf = {"Logging": {"File": False}}
    if not with_governor:
        conf["PerformanceSettings"] = {"ResourceThreshold": {"CPUUsage": 100, "MemoryUsage": 100}}
    return conf


class Bench:
    def __init__(self, args, work):
        self.args = args
        self.work = work
        self.www = os.path.join(work, "www")
        self.env = private_env(os.path.join(work, "home"))
        os.makedirs(self.www, exist_ok=True)
        self.nginx = Nginx(os.path.join(work, "nginx"), self.www)
        self.runs = []
        self.failures = 0
        self.conf = os.path.join(work, "bench.json")
        with open(self.conf, "w") as f:
            json.dump(bench_config(args.with_governor), f, indent=2)

    def seconds(self):
        # Long enough to cover the settle time, the window and a margin: >= 25 s by default.
        return max(self.args.min_seconds, self.args.settle + self.args.window + 3.0)

    def out_base(self, needed):
        """Where outputs go: --out-dir, else tmpfs (/dev/shm) when it has room, else work dir."""
        if self.args.out_dir:
            return self.args.out_dir
        try:
            if shutil.disk_usage("/dev/shm").free > needed * 1.1 + 64 * MiB:
                return "/dev/shm"
        except OSError:
            pass
        return self.work

    def run(self, label, sources, options, total_limit, limit_each=None):
        """Downloads `sources` ({name: size}) with maria2c `options`; records the figures."""
        out = tempfile.mkdtemp(prefix="maria2-speed-out-",
                               dir=self.out_base(sum(sources.values())))
        try:
            for i, (name, size) in enumerate(sources.items()):
                log(f"{label}: writing {name} ({size / MiB:.0f} MiB)")
                write_source(os.path.join(self.www, name), size, seed=i + 1)
            self.measure(label, sources, options, total_limit, limit_each, out)
        finally:
            shutil.rmtree(out, ignore_errors=True)
            for name in sources:
                path = os.path.join(self.www, name)
                if os.path.exists(path):
                    os.remove(path)

    def measure(self, label, sources, options, total_limit, limit_each, out):
        a = self.args
        stats_path = os.path.join(self.work, "stats.jsonl")
        if os.path.exists(stats_path):
            os.remove(stats_path)
        argv = [a.maria2c, "-d", out, "--allow-overwrite=true", f"--conf-path={self.conf}",
                f"--stats-json={stats_path}"]
        argv += options + a.extra
        if len(sources) == 1:
            argv.append(self.nginx.url(next(iter(sources))))
        else:
            listing = os.path.join(self.work, "list.txt")
            with open(listing, "w") as f:
                f.writelines(self.nginx.url(name) + "\n" for name in sources)
            argv += ["-j", str(len(sources)), "-i", listing]
        log(f"{label}: {' '.join(argv)}")
        expected = max(size for size in sources.values()) / (total_limit / len(sources))
        code, samples, cpu = run_maria2c(argv, self.env, os.path.join(self.work, "maria2c.log"),
                                         a.interval, timeout=2 * expected + 60)
        verified = all(same_content(os.path.join(self.www, n), os.path.join(out, n))
                       for n in sources)
        result = analyse(samples, total_limit, a.settle, a.window) if len(samples) > 2 else {
            "error": "no samples"}
        if len(sources) > 1:
            per_download(read_stats(stats_path), list(sources), samples, result, a.window,
                         limit_each)
        result.update({"scenario": label, "limit_bps": total_limit, "argv": argv,
                       "out_dir": os.path.dirname(out), "exit_code": code,
                       "verified": verified, "samples": len(samples), "cpu_s": cpu,
                       "overhead_bytes": (samples[-1][2] - sum(sources.values())
                                          if samples else None)})
        if limit_each:
            result["limit_each_bps"] = limit_each
        if code != 0 or not verified or "error" in result:
            self.failures += 1
            log(f"{label}: exit {code}, verified {verified}, {result.get('error', '')}")
        self.runs.append(result)

    def all(self):
        a = self.args
        self.nginx.start()
        if "global" in a.scenarios:
            for limit in a.limit:
                size = int(limit * self.seconds())
                self.run(f"global {fmt_limit(limit)}", {f"global-{limit}.bin": size},
                         [f"--max-overall-download-limit={limit}"], limit)
        if "shared" in a.scenarios:
            limit = a.shared_limit
            size = int(limit / 2 * self.seconds())
            self.run(f"shared {fmt_limit(limit)}, 2 downloads",
                     {"shared-a.bin": size, "shared-b.bin": size},
                     [f"--max-overall-download-limit={limit}"], limit, limit_each=limit / 2)
        if "per-download" in a.scenarios:
            each = a.per_download_limit
            size = int(each * self.seconds())
            self.run(f"per-download {fmt_limit(each)} x 2",
                     {"each-a.bin": size, "each-b.bin": size},
                     ["--max-overall-download-limit=0", f"--max-download-limit={each}"],
                     2 * each, limit_each=each)


# --- report -----------------------------------------------------------------------------------


def verdict(ok):
    return "yes" if ok else "**no**"


def machine_note(runs, load_start, load_end):
    outs = ", ".join(sorted({r["out_dir"] for r in runs if r.get("out_dir")})) or "-"
    return (f"{os.cpu_count()} cores; load average {load_start:.2f} at start, "
            f"{load_end:.2f} at the end (others' work included); outputs in {outs}")


def report(runs):
    lines = [
        "| scenario | limit | mean rate | deviation | max 1 s | longest > 2x | CPU | ok |",
        "|---|---:|---:|---:|---:|---:|---:|---|",
    ]
    for r in runs:
        if "mean_bps" not in r:
            lines.append(f"| {r['scenario']} | {fmt_rate(r['limit_bps'])} | - | - | - | - | - | "
                         f"**no**: {r.get('error', 'failed')} |")
            continue
        # maria2c's CPU time over the whole transfer, as a share of one core.
        cpu = (f"{100 * r['cpu_s'] / r['transfer_s']:.0f}%"
               if r.get("cpu_s") is not None and r.get("transfer_s") else "-")
        ok = r["mean_ok"] and r["bursts_ok"] and r["verified"] and r["exit_code"] == 0
        lines.append(
            f"| {r['scenario']} | {fmt_rate(r['limit_bps'])} | {fmt_rate(r['mean_bps'])} | "
            f"{r['deviation_pct']:+.2f}% | {r['max_1s_x_limit']:.2f}x | "
            f"{r['longest_over_2x_s']:.2f} s | {cpu} | {verdict(ok)} |")
    shares = [r for r in runs if r.get("downloads")]
    if shares:
        lines += ["", "| scenario | download | mean rate | share | vs its share |",
                  "|---|---|---:|---:|---:|"]
        for r in shares:
            for name, d in r["downloads"].items():
                rate = "-" if d["mean_bps"] is None else fmt_rate(d["mean_bps"])
                share = f"{d['share_pct']:.1f}%" if "share_pct" in d else "-"
                dev = f"{d['deviation_pct']:+.2f}%" if "deviation_pct" in d else "-"
                lines.append(f"| {r['scenario']} | {name} | {rate} | {share} | {dev} |")
            if "jain_fairness" in r:
                lines.append(f"| {r['scenario']} | Jain's fairness index | | "
                             f"{r['jain_fairness']:.4f} | |")
    return "\n".join(lines)


def parse_args(argv):
    p = argparse.ArgumentParser(description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--maria2c", default=DEFAULT_MARIA2C, help="maria2c binary to measure")
    p.add_argument("--limit", type=size_list, default=[10 * MiB],
                   help="global limit(s) for the 'global' scenario, comma-separated "
                        "(default 10M; e.g. 2M,10M,50M)")
    p.add_argument("--shared-limit", type=parse_size, default=10 * MiB,
                   help="global limit the two downloads of 'shared' share (default 10M)")
    p.add_argument("--per-download-limit", type=parse_size, default=MiB,
                   help="--max-download-limit of each download in 'per-download' (default 1M)")
    p.add_argument("--scenarios", default="global,shared,per-download",
                   type=lambda s: [x.strip() for x in s.split(",") if x.strip()],
                   help="which to run, comma-separated (default: all three)")
    p.add_argument("--window", type=float, default=20.0, help="measured window, s (20)")
    p.add_argument("--settle", type=float, default=2.0,
                   help="window starts this long after the first byte, s (2)")
    p.add_argument("--min-seconds", type=float, default=25.0,
                   help="each file lasts at least this long at its limit, s (25)")
    p.add_argument("--interval", type=float, default=0.05, help="wchar sampling period, s")
    p.add_argument("--with-governor", action="store_true",
                   help="leave the resource governor on (it may cut back on a busy machine)")
    p.add_argument("--out-dir", help="where maria2c writes (default: /dev/shm when it has "
                                     "room, as the shared benchmark does, else the work dir)")
    p.add_argument("--work-dir", help="scratch folder (default: a new one in $TMPDIR)")
    p.add_argument("--keep", action="store_true", help="keep the scratch folder (logs)")
    p.add_argument("--json", metavar="PATH", help="also write every figure as JSON")
    p.add_argument("--strict", action="store_true", help="exit 1 when a target is missed")
    p.add_argument("extra", nargs="*", help="extra maria2c options (after --)")
    args = p.parse_args(argv)
    unknown = set(args.scenarios) - {"global", "shared", "per-download"}
    if unknown:
        p.error(f"unknown scenario(s): {', '.join(sorted(unknown))}")
    if not os.access(args.maria2c, os.X_OK):
        p.error(f"maria2c not found or not executable: {args.maria2c}")
    if not os.access(NGINX, os.X_OK):
        p.error(f"nginx not found at {NGINX} (apt-get install nginx-light)")
    return args


def main(argv):
    args = parse_args(argv)
    # SIGTERM unwinds like Ctrl-C, so the finally blocks stop maria2c and nginx.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    work = args.work_dir or tempfile.mkdtemp(prefix="maria2-speed-bench-")
    os.makedirs(work, exist_ok=True)
    bench = Bench(args, work)
    load_start = os.getloadavg()[0]
    try:
        bench.all()
    finally:
        bench.nginx.stop()
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)
        else:
            log(f"kept {work}")
    load_end = os.getloadavg()[0]
    if args.json:  # first: a closed stdout must not lose it
        with open(args.json, "w") as f:
            json.dump({"maria2c": args.maria2c, "interval_s": args.interval,
                       "cores": os.cpu_count(), "load_start": load_start, "load_end": load_end,
                       "window_s": args.window, "settle_s": args.settle, "runs": bench.runs},
                      f, indent=2)
    print(report(bench.runs))
    print("\n" + machine_note(bench.runs, load_start, load_end))
    missed = any(not (r.get("mean_ok") and r.get("bursts_ok")) for r in bench.runs)
    return 1 if bench.failures or (args.strict and missed) else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
