"""Small shared helpers: sizes, logging, free ports, stopping processes, running a command."""

import os
import signal
import socket
import statistics
import subprocess
import sys
import time

KiB = 1 << 10
MiB = 1 << 20
GiB = 1 << 30


def log(*parts):
    print("[bench]", *parts, file=sys.stderr, flush=True)


def parse_size(text):
    """'64K', '256M', '1G' or a byte count -> bytes (1024-based, as aria2 and nginx read them)."""
    s = str(text).strip().upper().removesuffix("IB").removesuffix("B")
    mult = {"K": KiB, "M": MiB, "G": GiB}.get(s[-1:], 1)
    if mult != 1:
        s = s[:-1]
    try:
        value = int(float(s) * mult)
    except ValueError:
        raise ValueError(f"not a size: {text!r} (use e.g. 64K, 256M, 1G)") from None
    if value <= 0:
        raise ValueError(f"a size must be positive: {text!r}")
    return value


def fmt_size(n):
    for unit, div in (("G", GiB), ("M", MiB), ("K", KiB)):
        if n >= div and n % div == 0:
            return f"{n // div}{unit}"
    return str(n)


def median(values):
    values = [v for v in values if v is not None]
    return statistics.median(values) if values else None


def free_port(host="127.0.0.1"):
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((host, 0))
        return s.getsockname()[1]


def free_port_on_all(hosts):
    """One port that is free on every address in `hosts` (tried a few times)."""
    for _ in range(50):
        port = free_port(hosts[0])
        try:
            for host in hosts[1:]:
                with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
                    s.bind((host, port))
            return port
        except OSError:
            continue
    raise RuntimeError(f"no port free on all of {hosts}")


def wait_listening(host, port, proc, seconds=15):
    """True once host:port accepts connections; False if `proc` died or time ran out."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if proc is not None and proc.poll() is not None:
            return False
        try:
            with socket.create_connection((host, port), timeout=0.5):
                return True
        except OSError:
            time.sleep(0.05)
    return False


def stop_process(proc, group=True, grace=5.0):
    """TERM, then KILL after `grace` s: the process we started and (group) its process group."""
    if proc is None or proc.poll() is not None:
        return

    def send(sig):
        try:
            if group:
                os.killpg(proc.pid, sig)
            else:
                proc.send_signal(sig)
        except ProcessLookupError:
            pass

    send(signal.SIGTERM)
    try:
        proc.wait(timeout=grace)
    except subprocess.TimeoutExpired:
        send(signal.SIGKILL)
        proc.wait(timeout=10)


def first_line(argv, env=None):
    """The first non-empty line a command prints (its version, say), or '' when it fails."""
    try:
        out = subprocess.run(argv, capture_output=True, text=True, timeout=20, env=env,
                             stdin=subprocess.DEVNULL)
    except (OSError, subprocess.TimeoutExpired):
        return ""
    for line in (out.stdout + "\n" + out.stderr).splitlines():
        if line.strip():
            return line.strip()
    return ""


def proc_cpu_seconds(pid):
    """user+system CPU seconds of a live process (and its reaped children), None if gone."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
    except OSError:
        return None
    ticks = sum(int(fields[i]) for i in (11, 12, 13, 14))  # utime stime cutime cstime
    return ticks / os.sysconf("SC_CLK_TCK")


def established_connections(port):
    """TCP connections in state ESTABLISHED whose local port is `port` (IPv4, /proc/net/tcp):
    on a server's port, how many clients are connected right now."""
    suffix = f":{port:04X}"
    count = 0
    with open("/proc/net/tcp") as f:
        next(f)  # the header
        for line in f:
            fields = line.split()
            if fields[1].endswith(suffix) and fields[3] == "01":  # local_address, st
                count += 1
    return count


def machine_busy_seconds():
    """Whole-machine busy CPU time so far, all cores, in seconds."""
    with open("/proc/stat") as f:
        fields = [int(x) for x in f.readline().split()[1:]]
    # user nice system idle iowait irq softirq steal
    busy = sum(fields[i] for i in (0, 1, 2, 5, 6, 7) if i < len(fields))
    return busy / os.sysconf("SC_CLK_TCK")
