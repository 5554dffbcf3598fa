"""What the figures were measured on: machine, versions, commit and load."""

import datetime
import os
import platform
import shutil
import subprocess

from .util import first_line

VERSION_ARGS = {"curl": ["--version"], "wget2": ["--version"], "aria2c": ["--version"],
                "axel": ["--version"], "nginx": ["-v"]}


def _read(path):
    try:
        with open(path) as f:
            return f.read()
    except OSError:
        return ""


def describe(maria2c=None, repo=None):
    cpu = next((l.split(":", 1)[1].strip() for l in _read("/proc/cpuinfo").splitlines()
                if l.startswith("model name")), platform.processor())
    mem_kib = next((int(l.split()[1]) for l in _read("/proc/meminfo").splitlines()
                    if l.startswith("MemTotal:")), 0)
    os_name = next((l.split("=", 1)[1].strip().strip('"') for l in
                    _read("/etc/os-release").splitlines() if l.startswith("PRETTY_NAME=")), "")
    versions = {}
    for tool, args in VERSION_ARGS.items():
        path = shutil.which(tool) or (f"/usr/sbin/{tool}" if tool == "nginx" else None)
        versions[tool] = first_line([path] + args) if path and os.path.exists(path) else "missing"
    if maria2c:
        versions["maria2c"] = first_line([maria2c, "--version"])
    commit = ""
    if repo:
        try:
            commit = subprocess.run(["git", "-C", repo, "describe", "--always", "--dirty"],
                                    capture_output=True, text=True, timeout=10).stdout.strip()
        except (OSError, subprocess.TimeoutExpired):
            pass
    return dict(date=datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
                commit=commit, cpu=cpu, cores=os.cpu_count(), memory_gib=round(mem_kib / 2**20, 1),
                kernel=platform.release(), os=os_name, python=platform.python_version(),
                versions=versions, load_before=os.getloadavg())


def finish(meta):
    meta["load_after"] = os.getloadavg()
    return meta
