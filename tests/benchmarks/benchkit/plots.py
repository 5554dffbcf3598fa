"""One plot per scenario (SVG): each client's median MB/s with its min-max range, and its CPU
seconds. Made with Debian's python3-matplotlib; without it the report says so and goes on."""

import os

COLORS = {"candidate": "#d9480f", "peer": "#4263eb", "ref": "#adb5bd"}


def available():
    try:
        import matplotlib  # noqa: F401
        return True
    except ImportError:
        return False


def plot_scenario(result, path):
    import matplotlib

    matplotlib.use("Agg")
    matplotlib.rcParams["svg.hashsalt"] = "maria2-bench"  # same input, same file
    import matplotlib.pyplot as plt

    cells = [c for c in result["cells"] if c.get("median")]
    if not cells:
        return False
    cells.sort(key=lambda c: c["median"]["mbps"])
    labels = [c["client"] for c in cells]
    mbps = [c["median"]["mbps"] for c in cells]
    lo = [m - min(r["mbps"] for r in c["runs"] if r["ok"]) for m, c in zip(mbps, cells)]
    hi = [max(r["mbps"] for r in c["runs"] if r["ok"]) - m for m, c in zip(mbps, cells)]
    cpu = [c["median"]["cpu"] for c in cells]
    colors = [COLORS[c["kind"]] for c in cells]
    fig, (a, b) = plt.subplots(1, 2, figsize=(9, 0.45 * len(cells) + 1.4),
                               gridspec_kw={"width_ratios": [3, 1.4]}, sharey=True)
    a.barh(labels, mbps, xerr=[lo, hi], color=colors, capsize=3)
    a.set_xlabel("MB/s (median; bar: min-max of runs)")
    for y, (m, c) in enumerate(zip(mbps, cells)):
        tag = f" {m:.0f}" + (f"  {c['ratio']:.2f}x" if c.get("ratio") and c["kind"] != "peer"
                             else "")
        a.text(m, y, tag, va="center", fontsize=8)
    a.margins(x=0.25)
    b.barh(labels, cpu, color=colors)
    b.set_xlabel("CPU s (median)")
    fig.suptitle(f"{result['name']}: {result['what']}", fontsize=9)
    fig.tight_layout()
    os.makedirs(os.path.dirname(path), exist_ok=True)
    fig.savefig(path, format="svg", metadata={"Date": None})
    plt.close(fig)
    return True
