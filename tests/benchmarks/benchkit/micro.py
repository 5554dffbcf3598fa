"""Runs the Google Benchmark binaries and keeps, per benchmark, the median time and its value
normalised by BM_Reference_Calibration from the same run (machines differ; ratios travel)."""

import json
import os
import subprocess

from .util import log

CALIBRATION = "BM_Reference_Calibration"
TO_NS = {"ns": 1.0, "us": 1e3, "ms": 1e6, "s": 1e9}


def run_micro(binaries, smoke, repetitions, scratch, env):
    """Each binary has its own BM_Reference_Calibration; its benchmarks are normalised by that
    one (same process, same moment), and the first binary's calibration is the one reported."""
    merged, calibration = {}, None
    for binary in binaries:
        if not binary or not os.access(binary, os.X_OK):
            return dict(error=f"{binary or 'the microbenchmark binary'} is not built "
                              "(cmake -DMARIA2_BUILD_BENCHMARKS=ON)")
        out = os.path.join(scratch, os.path.basename(binary) + ".json")
        argv = [binary, "--benchmark_format=console", f"--benchmark_out={out}",
                "--benchmark_out_format=json"]
        if smoke:
            argv.append("--benchmark_min_time=0.001")
        else:
            argv += [f"--benchmark_repetitions={repetitions}",
                     "--benchmark_report_aggregates_only=true"]
        log("microbenchmarks:", " ".join(argv))
        p = subprocess.run(argv, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                           stderr=subprocess.PIPE, text=True, env=env, timeout=1800)
        if p.returncode != 0:
            return dict(error=f"{os.path.basename(binary)} exited {p.returncode}: "
                              f"{p.stderr.strip()[-300:]}")
        with open(out) as f:
            data = json.load(f)
        own, own_calibration = {}, None
        for b in data.get("benchmarks", []):
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
