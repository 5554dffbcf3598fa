"""Runs the Google Benchmark binaries and keeps, per benchmark, the median time and its value
normalised by BM_Reference_Calibration from the same run (machines differ; ratios travel)."""

import json
import os
import re
import subprocess

from .util import log

CALIBRATION = "BM_Reference_Calibration"
GLIBC_TUNABLES = "glibc.malloc.trim_threshold=4294967295:glibc.malloc.mmap_threshold=33554432"
TO_NS = {"ns": 1.0, "us": 1e3, "ms": 1e6, "s": 1e9}


def list_benchmarks(binary, env):
    p = subprocess.run([binary, "--benchmark_list_tests=true"], stdin=subprocess.DEVNULL,
                       capture_output=True, text=True, env=env, timeout=120)
    names = [line.strip() for line in p.stdout.splitlines() if line.strip()]
    return names if p.returncode == 0 and names else None


def run_micro(binaries, smoke, repetitions, scratch, env):
    """Each binary has its own BM_Reference_Calibration; its benchmarks are normalised by that
    one (same process, same moment), and the first binary's calibration is the one reported."""
    merged, calibration = {}, None
    # glibc returns freed heap to the kernel (trim) and moves its mmap threshold as a program
    # runs; benchmarks that allocate per iteration (BM_Snapshot_Tick10k: 10,000 snapshots) then
    # swing 2-3x between page-faulting and not. Fixed thresholds measure our code, not that.
    env = dict(env, GLIBC_TUNABLES=GLIBC_TUNABLES)
    for binary in binaries:
        if not binary or not os.access(binary, os.X_OK):
            return dict(error=f"{binary or 'the microbenchmark binary'} is not built "
                              "(cmake -DMARIA2_BUILD_BENCHMARKS=ON)")
        # Full runs give each benchmark a process of its own: in one shared process the heap
        # left by earlier benchmarks made BM_Snapshot_Tick10k vary 2.5x between runs.
        filters = [None] if smoke else list_benchmarks(binary, env)
        if filters is None:
            return dict(error=f"{os.path.basename(binary)} --benchmark_list_tests failed")
        results = []
        for index, name in enumerate(filters):
            out = os.path.join(scratch, f"{os.path.basename(binary)}-{index}.json")
            argv = [binary, "--benchmark_format=console", f"--benchmark_out={out}",
                    "--benchmark_out_format=json"]
            if smoke:
                argv.append("--benchmark_min_time=0.001")
            else:
                argv += [f"--benchmark_filter=^{re.escape(name)}$",
                         f"--benchmark_repetitions={repetitions}",
                         "--benchmark_report_aggregates_only=true"]
            log("microbenchmarks:", " ".join(argv))
            p = subprocess.run(argv, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                               stderr=subprocess.PIPE, text=True, env=env, timeout=1800)
            if p.returncode != 0:
                return dict(error=f"{os.path.basename(binary)} exited {p.returncode}: "
                                  f"{p.stderr.strip()[-300:]}")
            with open(out) as f:
                results += json.load(f).get("benchmarks", [])
        own, own_calibration = {}, None
        for b in results:
            if b.get("error_occurred"):
                return dict(error=f"{b['name']}: {b.get('error_message')}")
            if b.get("run_type") == "aggregate" and b.get("aggregate_name") != "median":
                continue
            name = b.get("run_name", b["name"])
            own[name] = dict(time=b["real_time"], unit=b["time_unit"],
                             ns=b["real_time"] * TO_NS[b["time_unit"]],
                             bytes_per_second=b.get("bytes_per_second"),
                             items_per_second=b.get("items_per_second"),
                             binary=os.path.basename(binary))
            if name == CALIBRATION:
                own_calibration = own[name]["ns"]
        for name, b in own.items():
            b["normalised"] = b["ns"] / own_calibration if own_calibration else None
            if name != CALIBRATION or calibration is None:
                merged[name] = b
        calibration = calibration or own_calibration
    return dict(benchmarks=merged, calibration_ns=calibration,
                error=None if calibration else f"no {CALIBRATION} in the run")
