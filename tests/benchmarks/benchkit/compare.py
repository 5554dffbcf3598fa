"""Regression check: this run's figures against tests/benchmarks/baseline.json.

Compared are ratios, never absolute times: each scenario's MAria2 MB/s ÷ the best peer's in the
same run, and each microbenchmark's time ÷ the calibration benchmark's in the same run. Given
several reports (repeated runs), the median per figure is compared. A figure fails when it is
worse than the baseline by more than the tolerance: ratio < baseline × (1 − ratio tolerance);
normalised time > baseline × (1 + micro tolerance). A figure whose own runs in the baseline
were further apart than that (1 - min/max) is allowed its own spread instead.
"""

import json

from .util import median

RATIO_TOLERANCE = 0.15
MICRO_TOLERANCE = 0.25


def figures(report):
    ratios = {}
    for r in report.get("scenarios", []):
        for c in r["cells"]:
            if c["kind"] == "candidate":
                ratios[f"{r['name']}/{c['client']}"] = c.get("ratio") if c["ok"] else 0.0
    micro = {}
    for name, b in ((report.get("micro") or {}).get("benchmarks") or {}).items():
        if b.get("normalised") is not None:
            micro[name] = b["normalised"]
    return ratios, micro


def collect(reports):
    """Every report's value of each figure: ({ratio key: [values]}, {micro key: [values]})."""
    ratios, micro = {}, {}
    for rep in reports:
        r, m = figures(rep)
        for k, v in r.items():
            ratios.setdefault(k, []).append(v)
        for k, v in m.items():
            micro.setdefault(k, []).append(v)
    return ratios, micro


def merge(reports):
    """Median of each figure over several reports."""
    ratios, micro = collect(reports)
    return ({k: median(v) for k, v in ratios.items()}, {k: median(v) for k, v in micro.items()},
            {k: len(v) for k, v in ratios.items()})


def spread(values):
    """How far apart the baseline's own runs were: 1 - min/max (0 for one run)."""
    values = [v for v in values if v]
    return 1 - min(values) / max(values) if len(values) > 1 else 0.0


def make_baseline(reports):
    all_ratios, all_micro = collect(reports)
    ratios, micro, _ = merge(reports)
    meta = reports[-1]["meta"]
    return {"about": "MAria2's benchmark baseline: ratios to the best peer per scenario and "
                     "microbenchmark times normalised by BM_Reference_Calibration; written by "
                     "`run.py baseline`, checked by `run.py compare`.",
            "machine": {k: meta.get(k) for k in ("date", "commit", "cpu", "cores", "memory_gib",
                                                 "os", "kernel")},
            "reports": len(reports),
            "tolerance": {"ratio": RATIO_TOLERANCE, "micro": MICRO_TOLERANCE},
            "ratios": dict(sorted(ratios.items())), "micro": dict(sorted(micro.items())),
            # A figure whose own runs were further apart than the tolerance gets that spread as
            # its tolerance: noise is not a regression.
            "spread": {k: round(spread(v), 3) for k, v in
                       sorted(list(all_ratios.items()) + list(all_micro.items()))
                       if spread(v) > 0}}


def compare(reports, baseline, ratio_tol=None, micro_tol=None):
    """Returns (ok, lines of text)."""
    tol = baseline.get("tolerance", {})
    ratio_tol = tol.get("ratio", RATIO_TOLERANCE) if ratio_tol is None else ratio_tol
    micro_tol = tol.get("micro", MICRO_TOLERANCE) if micro_tol is None else micro_tol
    ratios, micro, counts = merge(reports)
    lines, ok = [], True
    lines.append(f"{len(reports)} report(s) against the baseline of "
                 f"{baseline.get('machine', {}).get('date', '?')} "
                 f"(commit {baseline.get('machine', {}).get('commit', '?')}); tolerance: ratios "
                 f"-{ratio_tol:.0%}, microbenchmarks +{micro_tol:.0%}")
    own = baseline.get("spread", {})
    for key, base in baseline.get("ratios", {}).items():
        now = ratios.get(key)
        if now is None:
            lines.append(f"  skip   {key}: not in these reports")
            continue
        verdict, tol = "ok", max(ratio_tol, own.get(key, 0))
        if now < base * (1 - tol):
            verdict, ok = "WORSE", False
        elif now > base * (1 + tol):
            verdict = "better (update the baseline)"
        lines.append(f"  {verdict:6} {key}: ratio to best peer {now:.2f} (baseline {base:.2f}, "
                     f"-{tol:.0%} allowed, {counts.get(key, 0)} run(s))")
    for key, base in baseline.get("micro", {}).items():
        now = micro.get(key)
        if now is None:
            lines.append(f"  skip   {key}: not in these reports")
            continue
        verdict, tol = "ok", max(micro_tol, own.get(key, 0))
        if now > base * (1 + tol):
            verdict, ok = "WORSE", False
        elif now < base * (1 - tol):
            verdict = "better (update the baseline)"
        lines.append(f"  {verdict:6} {key}: {now:.4g} × calibration (baseline {base:.4g}, "
                     f"+{tol:.0%} allowed)")
    lines.append("no regression" if ok else "REGRESSION: a figure is worse than the tolerance")
    return ok, lines


def load(path):
    with open(path) as f:
        return json.load(f)
