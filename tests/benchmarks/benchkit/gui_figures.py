"""The desktop app's figures (tests/benchmarks/gui_figures.py is the command line for them).

1. cold start: exec -> main window first exposed and painted on Xvfb, fresh empty profile
   (median of 5 starts; 1 with smoke);
2. CPU over the window with 1,000 queued downloads that may not start (a closed time window);
3. CPU over the window with 5 downloads running (and the rest queued), and maria2c downloading
   the same 5 files from the same server over the same window;
4. VmRSS / VmHWM with 10,000 entries in the list;
5. time to restore 10,000 entries from the database at start.

smoke: 3 s windows, 100 entries instead of 1,000 / 10,000, one start (for ctest).
The app runs in an `AppLab` (app.py); the downloads come from the `capped` server of a private
`Nginx` (servers.py). One figure failing does not lose the others: it is reported as missing.
"""

import json
import os
import statistics
import time

from .app import CLK_TCK, AppLab, Failed, measure_cpu, memory_kib, wait_for
from .servers import Nginx
from .util import MiB, established_connections, fmt_size, log

FIGURES = ("cold_start_ms", "idle_cpu_1000_queued", "running5_cpu", "rss_10000_mib",
           "restore_10000_ms")


def closed_window():
    """A one-hour time window half a day from now: queued downloads a person scheduled for the
    night. Nothing may start while it is closed."""
    t = time.localtime(time.time() + 12 * 3600)
    h, m = t.tm_hour, t.tm_min
    return f"{h:02d}:{m:02d}-{(h + 1) % 24:02d}:{m:02d}"


def fair_config():
    """The same settings for the app and maria2c, so that only the front end differs."""
    return {
        "Download": {"Split": 1, "MaxConnectionsPerServer": 1, "ConnectionCeiling": 1,
                     "Preallocate": False},
        "PerformanceSettings": {"MaxConcurrentDownloads": 5, "DownloadSpeedLimit": 0,
                                "ResourceThreshold": {"CPUUsage": 100, "MemoryUsage": 100}},
        "Monitor": {"FreeSpaceFloorMB": 0},
        "Queue": {"Retries": 0},
        "Interface": {"KeepAwake": False, "Notifications": False, "WatchClipboard": False},
        "Logging": {"Level": "warn", "File": False},
    }


def download_bytes(folder):
    """Bytes in the finished or partial downloads of a folder (not the .maria2 control files nor
    their temporary copies, NAME.part.maria2.tXXXXX, which come and go several times a second).
    A file renamed or removed between the listing and its stat (a part file becoming the
    finished one) is counted at the next call."""
    total = 0
    for entry in os.scandir(folder):
        name = entry.name
        if name.endswith(".maria2") or ".maria2.t" in name or (
                name.startswith(".maria2-") and name.endswith(".tmp")):
            continue
        try:
            if entry.is_file():
                total += entry.stat().st_size
        except FileNotFoundError:
            pass
    return total


class Bench:
    def __init__(self, maria2, maria2c, store_tool, smoke, window_seconds, log, keep_temp=False):
        self.maria2c = os.path.abspath(maria2c)
        self.smoke = smoke
        self.window = 3.0 if smoke else float(window_seconds)
        self.settle = 1.0 if smoke else 5.0  # after the window is shown, before measuring
        self.log = log
        self.entries_idle = 100 if smoke else 1000
        self.entries_big = 100 if smoke else 10000
        self.starts = 1 if smoke else 5
        # Generous: CI runs the app built with ASan/UBSan on a busy machine.
        self.start_timeout = 180.0
        self.rate = MiB  # bytes/s per connection, nginx limit_rate
        self.lab = AppLab(maria2, store_tool, log, self.start_timeout, keep_temp)
        self.notes = self.lab.notes
        self.problems = self.lab.problems
        self.nginx = None

    def setup(self):
        self.lab.open()
        docroot = os.path.join(self.lab.tmp, "www")
        os.makedirs(docroot)
        # Big enough that no download ends before the window does, even under ASan: sparse, so
        # nothing is written here.
        self.file_size = int(self.rate * (self.window + self.settle + 2 * self.start_timeout))
        for i in range(5):
            with open(os.path.join(docroot, f"big{i}.bin"), "wb") as f:
                f.truncate(self.file_size)
        self.nginx = Nginx(os.path.join(self.lab.tmp, "nginx"), docroot,
                           capped_rate=fmt_size(self.rate))
        self.nginx.start()

    def cleanup(self):
        self.lab.close(servers=[self.nginx] if self.nginx else [])

    def established(self):
        """Connections open to the server the downloads use (the capped one)."""
        return established_connections(self.nginx.ports["capped"])

    def fill_store(self, env, dirs, count, urls):
        return self.lab.fill_store(env, dirs, count, self.nginx.url("capped", "queued/"), urls)

    # -- the figures ----------------------------------------------------------------------------

    def cold_start(self):
        runs, inside, rss = [], [], []
        for i in range(self.starts):
            root, _, env = self.lab.profile(f"cold{i + 1}")
            proc, trace, log_path, spawned_ms = self.lab.start(root, env)
            try:
                events = self.lab.wait_trace(proc, trace, ["shown"], log_path)
                rss.append(round(memory_kib(proc.pid)["VmRSS"] / 1024, 1))
            finally:
                self.lab.stop(proc, log_path, "maria2")
            runs.append(round(events["shown"]["epoch_ms"] - spawned_ms, 1))
            inside.append(round(events["shown"]["main_ms"], 1))
            self.log(f"cold start {i + 1}/{self.starts}: {runs[-1]} ms to the first shown window")
        return {"median": round(statistics.median(runs), 1), "runs": runs,
                "in_main_ms": inside, "rss_at_shown_mib": rss}

    def idle_cpu(self):
        window = closed_window()
        root, dirs, env = self.lab.profile("idle", {"Queue": {"TimeWindows": window}})
        self.fill_store(env, dirs, self.entries_idle, [])
        proc, trace, log_path, _ = self.lab.start(root, env)
        try:
            events = self.lab.wait_trace(proc, trace, ["restored", "shown"], log_path)
            if events["restored"]["downloads"] != self.entries_idle:
                raise Failed(f"restored {events['restored']['downloads']} downloads, "
                             f"expected {self.entries_idle}")
            time.sleep(self.settle)
            offset = self.nginx.log_offset()
            self.log(f"idle: measuring {self.window:.0f} s with {self.entries_idle} queued")
            result = measure_cpu(proc, self.window)
            started = len(self.nginx.log_lines_since(offset)) + self.established()
        finally:
            self.lab.stop(proc, log_path, "maria2")
        result["entries"] = self.entries_idle
        result["time_windows"] = window
        result["requests_during_window"] = started
        if started:
            self.notes.append(f"idle: {started} request(s) reached the server while the time "
                              f"window was closed: the queue was not idle")
        self.notes.append(
            f"idle: {self.entries_idle} downloads stored as queued (maria2_bench_store, through "
            f"DownloadStore) and Queue.TimeWindows = \"{window}\" in the user's maria2.json (a "
            f"one-hour window 12 h from now, as for downloads scheduled for the night), so the "
            f"queue holds them and may not start any; otherwise the default configuration. "
            f"Measured from {self.settle:.0f} s after the window was shown.")
        return result

    def measure_running(self, proc, name, folder):
        wait_for(f"{name}: 5 connections to the server",
                 lambda: self.established() >= 5, self.start_timeout, proc, interval=0.1)
        time.sleep(self.settle)
        fewest = [self.established()]

        def check():
            fewest[0] = min(fewest[0], self.established())

        bytes0 = download_bytes(folder)
        self.log(f"{name}: measuring {self.window:.0f} s with 5 downloads running")
        result = measure_cpu(proc, self.window, check)
        check()
        result["mib_per_s"] = round((download_bytes(folder) - bytes0) / MiB /
                                    result["seconds"], 2)
        result["fewest_connections"] = fewest[0]
        if fewest[0] < 5:
            self.notes.append(f"running5: {name} had only {fewest[0]} connection(s) open at one "
                              f"point of the window (5 expected)")
        return result

    def running_app(self, name, label, config, count, urls):
        """The app with `count` entries, `urls` first: measure_running, then wait until its
        connections are closed (the next measurement needs the server to itself)."""
        root, dirs, env = self.lab.profile(name, config)
        self.fill_store(env, dirs, count, urls)
        proc, trace, log_path, _ = self.lab.start(root, env)
        try:
            self.lab.wait_trace(proc, trace, ["shown"], log_path)
            result = self.measure_running(proc, label, dirs["downloads"])
        finally:
            self.lab.stop(proc, log_path, "maria2")
        wait_for("the app's connections to close", lambda: self.established() == 0, 30)
        return result

    def running5(self):
        config = fair_config()
        urls = [self.nginx.url("capped", f"big{i}.bin") for i in range(5)]
        app = self.running_app("running5-app", "maria2", config, self.entries_idle, urls)
        app_alone = None
        if not self.smoke:  # the same 5 with nothing queued: the front end's part alone
            app_alone = self.running_app("running5-app-alone", "maria2 (5 entries)", config, 5,
                                         urls)

        root, dirs, env = self.lab.profile("running5-maria2c")
        conf = os.path.join(root, "maria2c.json")
        with open(conf, "w") as f:
            json.dump(config, f, indent=2)
        argv = [self.maria2c, "--conf-path", conf, "-d", dirs["downloads"]] + urls
        proc, _, log_path, _ = self.lab.start(root, env, argv, name="maria2c")
        try:
            cli = self.measure_running(proc, "maria2c", dirs["downloads"])
        finally:
            self.lab.stop(proc, log_path, "maria2c")
        wait_for("maria2c's connections to close", lambda: self.established() == 0, 30)

        ratio = app["cpu_s"] / cli["cpu_s"] if cli["cpu_s"] > 0 else float("inf")
        self.notes.append(
            f"running5: nginx caps each connection at {self.rate // 1024} KiB/s (limit_rate) on "
            f"{self.file_size // MiB} MiB sparse files, so the 5 downloads run through the whole "
            f"window. The app's list holds {self.entries_idle} entries (the 5 first, the rest "
            f"queued behind them); maria2c gets the same 5 URLs. Same config for both (the app's "
            f"user maria2.json, maria2c's --conf-path): Download.Split = MaxConnectionsPerServer "
            f"= ConnectionCeiling = 1 (one connection per download, no auto-tuning or racing, "
            f"so both run exactly 5), Preallocate off, MaxConcurrentDownloads 5, no global speed "
            f"limit, resource thresholds 100% (the governor never throttles one of them because "
            f"of other load on the machine), free-space floor off, Queue.Retries 0, KeepAwake "
            f"and notifications off, Logging.Level warn with no log file (maria2c logs errors "
            f"to the console only). maria2c's progress line goes to a file.")
        result = {"seconds": app["seconds"], "gui_cpu_s": app["cpu_s"],
                  "maria2c_cpu_s": cli["cpu_s"], "ratio": round(ratio, 3), "gui": app,
                  "maria2c": cli}
        if app_alone is not None:
            result["gui_only_5_entries"] = app_alone
            if cli["cpu_s"] > 0:
                result["ratio_only_5_entries"] = round(app_alone["cpu_s"] / cli["cpu_s"], 3)
            self.notes.append("running5: gui_only_5_entries is the app with just the 5 downloads "
                              "in its list (nothing queued), same config: what the queued "
                              "entries add, against what the front end itself costs.")
        return result

    def big_list(self):
        window = closed_window()
        root, dirs, env = self.lab.profile("big", {"Queue": {"TimeWindows": window}})
        made = self.fill_store(env, dirs, self.entries_big, [])
        proc, trace, log_path, spawned_ms = self.lab.start(root, env)
        try:
            events = self.lab.wait_trace(proc, trace, ["restoring", "restored", "shown"], log_path)
            if events["restored"]["downloads"] != self.entries_big:
                raise Failed(f"restored {events['restored']['downloads']} downloads, "
                             f"expected {self.entries_big}")
            time.sleep(self.settle)
            mem = memory_kib(proc.pid)
            idle = None
            if not self.smoke:  # does the idle cost grow with the list? (1,000 vs 10,000)
                self.log(f"idle: measuring {self.window:.0f} s with {self.entries_big} queued")
                idle = measure_cpu(proc, self.window)
                idle["entries"] = self.entries_big
        finally:
            self.lab.stop(proc, log_path, "maria2")
        restore_ms = events["restored"]["main_ms"] - events["restoring"]["main_ms"]
        detail = {
            "entries": self.entries_big,
            "restore_ms": round(restore_ms, 1),
            "restored_to_shown_ms": round(events["shown"]["main_ms"] -
                                          events["restored"]["main_ms"], 1),
            "start_to_shown_ms": round(events["shown"]["epoch_ms"] - spawned_ms, 1),
            "store_load_ms": made["load_ms"],
        }
        if idle is not None:
            detail["idle_cpu"] = idle
        self.notes.append(
            f"restore: the Session's construction with {self.entries_big} stored downloads "
            f"(open and check the database, load every row, hand the unfinished ones to the "
            f"engines), from the app's MARIA2_STARTUP_TRACE \"restoring\" to \"restored\"; "
            f"then {detail['restored_to_shown_ms']} ms more until the window with the list was "
            f"first shown. DownloadStore::load() of the same database alone took "
            f"{made['load_ms']} ms (maria2_bench_store). Same closed time window as the idle "
            f"figure, so nothing runs.")
        self.notes.append(f"memory: VmRSS / VmHWM from /proc/PID/status {self.settle:.0f} s "
                          f"after the window with {self.entries_big} entries was shown.")
        return {"rss": round(mem["VmRSS"] / 1024, 1), "hwm": round(mem["VmHWM"] / 1024, 1)}, \
            round(restore_ms, 1), detail

    def run(self):
        result = {"cold_start_ms": None, "idle_cpu_1000_queued": None, "running5_cpu": None,
                  "rss_10000_mib": None, "restore_10000_ms": None, "notes": self.notes}
        result["load_average_before"] = list(os.getloadavg())
        self.setup()
        steps = [("cold_start_ms", self.cold_start),
                 ("idle_cpu_1000_queued", self.idle_cpu),
                 ("running5_cpu", self.running5),
                 ("big_list", self.big_list)]
        for key, step in steps:
            self.log(f"--- {key}")
            try:
                value = step()
            except Exception as error:  # one figure failing must not lose the others
                self.log(f"{key} failed: {error}")
                self.notes.append(f"{key}: not measured: {error}")
                self.problems.append(f"{key}: {error}")
                continue
            if key == "big_list":
                result["rss_10000_mib"], result["restore_10000_ms"], detail = value
                if "idle_cpu" in detail:
                    result["idle_cpu_10000_queued"] = detail.pop("idle_cpu")
                result["restore_10000_detail"] = detail
            else:
                result[key] = value
        self.notes.append(
            f"cold start: from just before exec to the main window's first expose being handled "
            f"(painted) on Xvfb 1280x1024x24, each start with a fresh empty HOME/XDG_* profile "
            f"and no session bus; median of {self.starts}. The app writes the wall-clock moment "
            f"(MARIA2_STARTUP_TRACE); in_main_ms is the part after main() began.")
        self.notes.append(f"CPU: utime + stime of the whole process from /proc/PID/stat "
                          f"(clock ticks of 1/{CLK_TCK} s), over windows of {self.window:.0f} s.")
        if self.smoke:
            self.notes.append(f"smoke mode: {self.entries_idle} entries instead of 1,000 and "
                              f"10,000, {self.window:.0f} s windows, one start")
        result["load_average_after"] = list(os.getloadavg())
        result["cpus"] = os.cpu_count()
        result["mode"] = "smoke" if self.smoke else "full"
        result["problems"] = self.problems
        return result


def measure(maria2, maria2c, store_tool, smoke=False, window_seconds=30.0, log=log,
            keep_temp=False):
    """Runs every measurement and returns the figures (see the module's docstring). Every
    process started is stopped before it returns or raises. keep_temp keeps the working folder
    (the processes' logs and traces) for a look afterwards."""
    bench = Bench(maria2, maria2c, store_tool, smoke, window_seconds, log, keep_temp)
    try:
        return bench.run()
    finally:
        bench.cleanup()


def markdown(result):
    """The figures as a two-column Markdown table ("missing" where one was not measured)."""
    def fmt(value, unit="", digits=1):
        return "missing" if value is None else f"{value:.{digits}f}{unit}"

    rows = []
    cold = result.get("cold_start_ms")
    rows.append(("Cold start to first shown window (median)",
                 "missing" if cold is None else
                 f"{cold['median']:.0f} ms (runs: {', '.join(f'{r:.0f}' for r in cold['runs'])})"))
    idle = result.get("idle_cpu_1000_queued")
    rows.append((f"CPU, {idle['entries'] if idle else 1000} queued, nothing running",
                 "missing" if idle is None else
                 f"{idle['cpu_s']:.2f} CPU s in {idle['seconds']:.0f} s = "
                 f"{idle['percent_core']:.2f}% of a core"))
    idle_big = result.get("idle_cpu_10000_queued")
    if idle_big:  # extra, full mode only
        rows.append((f"CPU, {idle_big['entries']} queued, nothing running",
                     f"{idle_big['cpu_s']:.2f} CPU s in {idle_big['seconds']:.0f} s = "
                     f"{idle_big['percent_core']:.2f}% of a core"))
    run5 = result.get("running5_cpu")
    rows.append(("CPU, 5 downloads running: app / maria2c",
                 "missing" if run5 is None else
                 f"{run5['gui_cpu_s']:.2f} / {run5['maria2c_cpu_s']:.2f} CPU s in "
                 f"{run5['seconds']:.0f} s, ratio {run5['ratio']:.2f}"))
    rss = result.get("rss_10000_mib")
    detail = result.get("restore_10000_detail") or {}
    entries = detail.get("entries", 10000)
    rows.append((f"Memory with {entries} entries (VmRSS / VmHWM)",
                 "missing" if rss is None else f"{rss['rss']:.1f} / {rss['hwm']:.1f} MiB"))
    rows.append((f"Restore {entries} entries at start", fmt(result.get("restore_10000_ms"), " ms")))
    lines = ["| Figure | Value |", "|---|---|"]
    lines += [f"| {a} | {b} |" for a, b in rows]
    return "\n".join(lines)


def missing_figures(result):
    return [k for k in FIGURES if result.get(k) is None]
