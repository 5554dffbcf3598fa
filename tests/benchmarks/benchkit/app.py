"""The desktop app (maria2) run from outside for gui_figures.py, on a private display.

- `Processes`: every process started here, each in its own process group, stopped in reverse
  order (TERM, then KILL after a bounded wait) even on an error or Ctrl-C.
- `start_xvfb`: a private Xvfb on a display it picks itself.
- /proc readers: CPU (whole process and per thread), context switches, VmRSS / VmHWM, and
  `measure_cpu` over a window.
- The start-up trace: the app appends one JSON line per milestone to MARIA2_STARTUP_TRACE
  (src/gui/StartupTrace.h); `read_trace` reads it.
- `AppLab`: a temporary folder, the display, a fresh HOME / XDG_* profile per start (no session
  bus, nothing of the person's desktop touched), the queue database filled by
  maria2_bench_store through the app's own DownloadStore, and the app's output scanned for
  sanitizer reports.
"""

import json
import os
import select
import shutil
import signal
import subprocess
import tempfile
import time

from .util import proc_cpu_seconds, stop_process

XVFB = "Xvfb"
CLK_TCK = os.sysconf("SC_CLK_TCK")
HERE = os.path.dirname(os.path.abspath(__file__))
LSAN_SUPP = os.path.normpath(os.path.join(HERE, "..", "..", "lsan.supp"))
SANITIZER_MARKS = ("ERROR: AddressSanitizer", "ERROR: LeakSanitizer", "runtime error:",
                   "ERROR: UndefinedBehaviorSanitizer")


class Failed(RuntimeError):
    """A figure cannot be measured (the app did not start, a count is wrong, ...)."""


# --- processes ---------------------------------------------------------------------------------


class Processes:
    """Every process started here, each in its own session (process group), stopped in reverse
    order with TERM, then KILL after its `grace` seconds; all waits bounded."""

    def __init__(self, log):
        self.log = log
        self.running = []  # (name, Popen, grace)

    def start(self, name, argv, grace=10.0, **kwargs):
        proc = subprocess.Popen(argv, stdin=subprocess.DEVNULL, start_new_session=True, **kwargs)
        self.running.append((name, proc, grace))
        return proc

    def stop(self, proc):
        """Stops one process group; returns the exit status (None if it had to be killed)."""
        for i, (name, p, grace) in enumerate(self.running):
            if p is proc:
                del self.running[i]
                return self._stop(name, p, grace)
        return proc.poll()

    def stop_all(self):
        while self.running:
            self._stop(*self.running.pop())

    def _stop(self, name, proc, grace):
        try:
            stop_process(proc, grace=grace)
        except subprocess.TimeoutExpired:
            self.log(f"{name} (pid {proc.pid}) survived KILL")
        if proc.returncode == -signal.SIGKILL:
            self.log(f"{name} (pid {proc.pid}) did not stop within {grace:.0f} s: KILL")
        return None if proc.returncode is None or proc.returncode < 0 else proc.returncode


def start_xvfb(procs, workdir, log):
    """Xvfb on a display it picks itself (-displayfd): no fixed display number, no races.
    Returns the display (":N")."""
    read_fd, write_fd = os.pipe()
    out = open(os.path.join(workdir, "xvfb.log"), "wb")
    try:
        proc = procs.start("Xvfb", [XVFB, "-displayfd", str(write_fd), "-screen", "0",
                                    "1280x1024x24", "-nolisten", "tcp", "-noreset"],
                           pass_fds=(write_fd,), stdout=out, stderr=out, grace=5)
    finally:
        os.close(write_fd)
        out.close()
    text = b""
    deadline = time.monotonic() + 30
    try:
        while not text.endswith(b"\n") and time.monotonic() < deadline:
            ready, _, _ = select.select([read_fd], [], [], 0.5)
            if ready:
                chunk = os.read(read_fd, 64)
                if not chunk:
                    break
                text += chunk
            elif proc.poll() is not None:
                break
    finally:
        os.close(read_fd)
    if not text.strip().isdigit():
        raise Failed(f"Xvfb did not start; see {workdir}/xvfb.log")
    display = ":" + text.strip().decode()
    log(f"Xvfb pid {proc.pid} on display {display}")
    return display


# --- /proc -------------------------------------------------------------------------------------


def thread_ticks(pid):
    """{tid: (name, user + system clock ticks)} of every live thread of pid."""
    out = {}
    for tid in os.listdir(f"/proc/{pid}/task"):
        try:
            with open(f"/proc/{pid}/task/{tid}/stat") as f:
                text = f.read()
        except OSError:
            continue
        name = text[text.index("(") + 1:text.rindex(")")]
        if tid == str(pid):
            name = "main thread"  # the others inherit its name unless they set their own
        fields = text.rsplit(")", 1)[1].split()
        out[tid] = (name, int(fields[11]) + int(fields[12]))
    return out


def context_switches(pid):
    """Voluntary + involuntary switches per thread: roughly how often each wakes up."""
    out = {}
    for tid in os.listdir(f"/proc/{pid}/task"):
        try:
            with open(f"/proc/{pid}/task/{tid}/status") as f:
                for line in f:
                    if line.startswith(("voluntary_ctxt_switches", "nonvoluntary_ctxt_switches")):
                        out[tid] = out.get(tid, 0) + int(line.split()[1])
        except OSError:
            continue
    return out


def memory_kib(pid):
    """{"VmRSS": KiB, "VmHWM": KiB} from /proc/PID/status."""
    values = {}
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            key, _, rest = line.partition(":")
            if key in ("VmRSS", "VmHWM"):
                values[key] = int(rest.split()[0])
    return values


def cpu_seconds(proc):
    """The process's CPU seconds so far; Failed once it is gone."""
    value = proc_cpu_seconds(proc.pid)
    if value is None:
        raise Failed(f"pid {proc.pid} exited during the window")
    return value


def measure_cpu(proc, seconds, check=None):
    """CPU seconds (user + system) of proc over `seconds`, from /proc/PID/stat; also the busiest
    threads and the context switches per second. `check` is called about twice a second."""
    pid = proc.pid
    threads0 = thread_ticks(pid)
    switches0 = context_switches(pid)
    start = time.monotonic()
    cpu0 = cpu_seconds(proc)
    end = start + seconds
    while True:
        now = time.monotonic()
        if now >= end:
            break
        time.sleep(min(0.5, end - now))
        if proc.poll() is not None:
            raise Failed(f"pid {pid} exited during the window (status {proc.returncode})")
        if check:
            check()
    cpu_s = cpu_seconds(proc) - cpu0
    wall = time.monotonic() - start
    switches1 = context_switches(pid)
    # Per thread: a thread that ended during the window (Qt's pooled threads do) takes its
    # count with it, so only the threads alive at the end are counted.
    switches = sum(n - switches0.get(tid, 0) for tid, n in switches1.items())
    per_thread = {}
    for tid, (name, t1) in thread_ticks(pid).items():
        t0 = threads0.get(tid, (name, 0))[1]
        per_thread[name] = per_thread.get(name, 0.0) + (t1 - t0) / CLK_TCK
    busiest = sorted(((round(v, 3), k) for k, v in per_thread.items() if v > 0), reverse=True)[:6]
    return {"seconds": round(wall, 3), "cpu_s": round(cpu_s, 3),
            "percent_core": round(100.0 * cpu_s / wall, 3),
            "wakeups_per_s": round(switches / wall, 1),
            "busiest_threads_cpu_s": [{"thread": k, "cpu_s": v} for v, k in busiest]}


# --- waiting and the start-up trace ------------------------------------------------------------


def wait_for(what, predicate, timeout, proc=None, interval=0.02):
    """predicate()'s first true value, polled; Failed if proc exits first or time runs out."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        if proc is not None and proc.poll() is not None:
            raise Failed(f"{what}: the process exited first (status {proc.returncode})")
        time.sleep(interval)
    raise Failed(f"{what}: not within {timeout:.0f} s")


def read_trace(path):
    """{event: its first JSON line} of a MARIA2_STARTUP_TRACE file; {} while there is none."""
    events = {}
    try:
        with open(path) as f:
            for line in f:
                line = line.strip()
                if line:
                    event = json.loads(line)
                    events.setdefault(event["event"], event)
    except (OSError, ValueError):
        pass
    return events


def diagnose(proc, log_path):
    """The tail of a stuck process's output and every thread's stack (gdb, when installed)."""
    text = ""
    if log_path:
        try:
            with open(log_path, "rb") as f:
                text += "; output: " + f.read()[-1500:].decode(errors="replace")
        except OSError:
            pass
    if proc.poll() is None and shutil.which("gdb"):
        try:
            bt = subprocess.run(["gdb", "-p", str(proc.pid), "-batch", "-nx", "-ex",
                                 "thread apply all bt 25"], capture_output=True, text=True,
                                timeout=60, stdin=subprocess.DEVNULL).stdout
            text += "; stacks:\n" + "\n".join(l for l in bt.splitlines()
                                              if l.startswith(("Thread", "#")))
        except (OSError, subprocess.TimeoutExpired):
            pass
    return text


# --- the lab -----------------------------------------------------------------------------------


class AppLab:
    """Where the app runs: a temporary folder, a private Xvfb, a fresh profile per start, every
    process started through `procs`. `notes` and `problems` collect what the report must say
    (a process that had to be killed, a sanitizer report in a process's output)."""

    def __init__(self, maria2, store_tool, log, start_timeout, keep_temp=False):
        self.maria2 = os.path.abspath(maria2)
        self.store_tool = os.path.abspath(store_tool)
        self.log = log
        self.start_timeout = start_timeout
        self.keep_temp = keep_temp
        self.procs = Processes(log)
        self.notes = []
        self.problems = []
        self.tmp = None
        self.display = None
        self.profiles = 0

    def open(self):
        self.tmp = tempfile.mkdtemp(prefix="maria2-gui-figures-")
        self.log(f"working in {self.tmp}")
        self.display = start_xvfb(self.procs, self.tmp, self.log)

    def close(self, servers=()):
        """Stops every process started here, then `servers` (they write into the folder), then
        removes the folder unless keep_temp."""
        self.procs.stop_all()
        for server in servers:
            server.stop()
        if self.tmp and os.path.isdir(self.tmp):
            if self.keep_temp:
                self.log(f"kept {self.tmp} (logs, traces, configs)")
            else:
                shutil.rmtree(self.tmp, ignore_errors=True)

    def profile(self, name, config=None):
        """A fresh, empty HOME / XDG_* tree; `config` (a dict) becomes the user's maria2.json.
        Returns (root, {home, config, data, cache, downloads, runtime: path}, environment)."""
        self.profiles += 1
        root = os.path.join(self.tmp, f"{self.profiles:02d}-{name}")
        dirs = {k: os.path.join(root, k) for k in ("home", "config", "data", "cache", "downloads",
                                                   "runtime")}
        for d in dirs.values():
            os.makedirs(d, mode=0o700)
        # Qt reads the Downloads folder from user-dirs.dirs, not from the environment.
        with open(os.path.join(dirs["config"], "user-dirs.dirs"), "w") as f:
            f.write(f'XDG_DOWNLOAD_DIR="{dirs["downloads"]}"\n')
        if config is not None:
            os.makedirs(os.path.join(dirs["config"], "maria2"))
            with open(os.path.join(dirs["config"], "maria2", "maria2.json"), "w") as f:
                json.dump(config, f, indent=2)
        env = dict(os.environ)
        for key in ("WAYLAND_DISPLAY", "QT_QPA_PLATFORMTHEME", "SESSION_MANAGER",
                    "MARIA2_STARTUP_TRACE"):
            env.pop(key, None)
        env.update({
            "HOME": dirs["home"],
            "XDG_CONFIG_HOME": dirs["config"],
            "XDG_DATA_HOME": dirs["data"],
            "XDG_CACHE_HOME": dirs["cache"],
            "XDG_DOWNLOAD_DIR": dirs["downloads"],
            "XDG_RUNTIME_DIR": dirs["runtime"],
            "DISPLAY": self.display,
            "QT_QPA_PLATFORM": "xcb",
            # No session bus: nothing of the person's desktop is touched, and libdbus does not
            # autolaunch a bus (a process we would not own).
            "DBUS_SESSION_BUS_ADDRESS": f"unix:path={root}/no-session-bus",
            "NO_AT_BRIDGE": "1",
        })
        lsan = env.get("LSAN_OPTIONS", "")
        if "suppressions=" not in lsan and os.path.exists(LSAN_SUPP):
            env["LSAN_OPTIONS"] = (lsan + ":" if lsan else "") + f"suppressions={LSAN_SUPP}"
        return root, dirs, env

    def fill_store(self, env, dirs, count, url_prefix, urls):
        """The profile's queue database with `urls` first, then `count` in all (the rest named
        url_prefix + N), all queued; maria2_bench_store's JSON summary (entries, insert_ms,
        load_ms, database)."""
        out = subprocess.run(
            [self.store_tool, "--count", str(count), "--dir", dirs["downloads"],
             "--url-prefix", url_prefix] + urls,
            env=env, stdin=subprocess.DEVNULL, capture_output=True, timeout=600)
        self.scan_output("maria2_bench_store", out.stdout + out.stderr)
        if out.returncode != 0:
            raise Failed("maria2_bench_store failed: " + out.stderr.decode(errors="replace"))
        made = json.loads(out.stdout.decode().strip().splitlines()[-1])
        expected = os.path.join(dirs["data"], "maria2", "maria2.sqlite")
        if os.path.realpath(made["database"]) != os.path.realpath(expected):
            raise Failed(f"the store tool wrote {made['database']}, the app opens {expected}")
        self.log(f"database: {made['entries']} entries in {made['insert_ms']} ms "
                 f"(DownloadStore::load() alone: {made['load_ms']} ms)")
        return made

    def scan_output(self, name, data):
        """Records the first sanitizer report in a process's output as a problem."""
        text = data.decode(errors="replace") if isinstance(data, bytes) else data
        for mark in SANITIZER_MARKS:
            if mark in text:
                line = next(l for l in text.splitlines() if mark in l)
                self.problems.append(f"{name}: {line.strip()}")
                return

    def start(self, root, env, argv=None, name="maria2"):
        """Starts the app (or argv) in the profile with the start-up trace on. Returns (proc,
        trace path, output path, wall-clock ms just before exec)."""
        trace = os.path.join(root, "trace.jsonl")
        env = dict(env, MARIA2_STARTUP_TRACE=trace)
        log_path = os.path.join(root, f"{name}.log")
        out = open(log_path, "wb")
        try:
            spawned_ms = time.time() * 1000.0
            # A long grace: with ASan the app's exit (and LeakSanitizer's check) takes a while.
            proc = self.procs.start(name, argv or [self.maria2], env=env, cwd=env["HOME"],
                                    stdout=out, stderr=subprocess.STDOUT, grace=60)
        finally:
            out.close()
        return proc, trace, log_path, spawned_ms

    def wait_trace(self, proc, trace, events, log_path=None):
        """The trace's events once all of `events` are in it. If they never come, the failure
        says what the app had got to, its last output and (gdb) where each thread was."""
        try:
            return wait_for(f"app start-up ({', '.join(events)})",
                            lambda: (lambda t: t if all(e in t for e in events) else None)(
                                read_trace(trace)),
                            self.start_timeout, proc)
        except Failed as e:
            raise Failed(f"{e}; trace so far: {sorted(read_trace(trace))}"
                         f"{diagnose(proc, log_path)}") from None

    def stop(self, proc, log_path, name):
        """Stops a process started by start() and scans its output for sanitizer reports."""
        status = self.procs.stop(proc)
        with open(log_path, "rb") as f:
            self.scan_output(name, f.read())
        if status is None:
            self.notes.append(f"{name} had to be killed at the end of a measurement")
        return status
