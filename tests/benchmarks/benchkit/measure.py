"""One client run: wall time, CPU, peak memory, the server's view, and the output's checksums.

Peak RSS comes from GNU time's %M (it forks the client from a ~1 MiB process), not from the
rusage of a child forked from this Python, which Linux folds the harness's own peak into. CPU
user+system comes from wait4. Server CPU and the rest of the machine's CPU (other sessions on a
shared machine: the noise figure) are read from /proc around the run.
"""

import os
import signal
import subprocess
import threading
import time

from .data import sha256_file
from .util import machine_busy_seconds, proc_cpu_seconds

GNU_TIME = "/usr/bin/time"


def timed_run(argv, env, log_base, timeout, server_pids):
    use_time = os.access(GNU_TIME, os.X_OK)
    rss_file = log_base + ".rss"
    full = [GNU_TIME, "-f", "%M", "-o", rss_file] + argv if use_time else argv
    server0 = sum(proc_cpu_seconds(p) or 0 for p in server_pids)
    busy0 = machine_busy_seconds()
    killed = []

    def on_timeout(pid):
        killed.append(True)
        try:
            os.killpg(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass

    with open(log_base + ".out", "wb") as so, open(log_base + ".err", "wb") as se:
        t0 = time.perf_counter()
        p = subprocess.Popen(full, stdin=subprocess.DEVNULL, stdout=so, stderr=se, env=env,
                             start_new_session=True)
        timer = threading.Timer(timeout, on_timeout, args=(p.pid,))
        timer.daemon = True
        timer.start()
        try:
            _, status, ru = os.wait4(p.pid, 0)
            wall = time.perf_counter() - t0
        except BaseException:  # Ctrl-C: take the client down with us
            on_timeout(p.pid)
            p.wait()
            raise
        finally:
            timer.cancel()
        p.returncode = os.waitstatus_to_exitcode(status)
    server_cpu = sum(proc_cpu_seconds(p) or 0 for p in server_pids) - server0
    cpu = ru.ru_utime + ru.ru_stime
    rss = None
    if use_time:
        try:
            with open(rss_file) as f:
                rss = int(f.read().split()[-1]) / 1024.0
        except (OSError, ValueError, IndexError):
            pass
    other = max(0.0, machine_busy_seconds() - busy0 - cpu - server_cpu)
    return dict(rc=p.returncode, timed_out=bool(killed), wall=wall, cpu=cpu, rss_mib=rss,
                server_cpu=server_cpu, other_cpu_cores=other / wall if wall > 0 else None)


def verify(expected, folder):
    """expected: [(name, size, sha256)]. Returns (ok, message)."""
    bad = []
    for name, size, digest in expected:
        path = os.path.join(folder, name)
        try:
            got = os.path.getsize(path)
        except OSError:
            bad.append(f"{name}: missing")
            continue
        if got != size:
            bad.append(f"{name}: {got} bytes, want {size}")
        elif sha256_file(path) != digest:
            bad.append(f"{name}: SHA-256 differs")
    if bad:
        return False, f"{len(bad)} of {len(expected)} bad: " + "; ".join(bad[:3])
    return True, f"{len(expected)} file(s), SHA-256 ok"


def server_view(rows):
    """Connections, requests and protocols from the server's log rows of one run."""
    conns = {(addr, conn) for addr, conn, _, _ in rows}
    statuses = {}
    for _, _, status, _ in rows:
        statuses[status] = statuses.get(status, 0) + 1
    return dict(conns=len(conns), reqs=len(rows), statuses=statuses,
                protocols=sorted({proto for _, _, _, proto in rows}))


def tail(path, n=800):
    try:
        with open(path, "rb") as f:
            f.seek(max(0, os.path.getsize(path) - n))
            return f.read().decode(errors="replace").strip()
    except OSError:
        return ""
