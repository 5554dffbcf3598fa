"""The Markdown report: summary against the best peer, each scenario's table, the engine
report, the microbenchmarks and the GUI figures."""


def _f(value, fmt="{:.1f}", none="–"):
    return none if value is None else fmt.format(value)


def _cell(result, name):
    return next((c for c in result["cells"] if c["client"] == name), None)


def candidate_rows(result):
    return [c for c in result["cells"] if c["kind"] == "candidate"]


def summary_table(report):
    lines = ["| scenario | MAria2 MB/s | best peer | ratio | MAria2 CPU s | peer CPU s | "
             "MAria2 RSS MiB | peer RSS MiB | conns MAria2 / peer |",
             "|---|---:|---|---:|---:|---:|---:|---:|---:|"]
    behind = []
    for r in report["scenarios"]:
        best = _cell(r, r["best_peer"]) if r["best_peer"] else None
        bm = best["median"] if best else {}
        for c in candidate_rows(r):
            m = c.get("median") or {}
            name = r["name"] + ("" if c["client"] == "maria2c" else f" ({c['client']})")
            if not c["ok"]:
                name += " **FAILED**"
            peer = f"{best['client']} {bm['mbps']:.1f}" if best else "–"
            lines.append(
                f"| {name} | {_f(m.get('mbps'))} | {peer} | {_f(c.get('ratio'), '{:.2f}')} | "
                f"{_f(m.get('cpu'), '{:.2f}')} | {_f(bm.get('cpu'), '{:.2f}')} | "
                f"{_f(m.get('rss_mib'))} | {_f(bm.get('rss_mib'))} | "
                f"{_f(m.get('conns'), '{:.0f}')} / {_f(bm.get('conns'), '{:.0f}')} |")
            if c.get("ratio") is not None and c["ratio"] < 1.0:
                gap = 100 * (1 - c["ratio"])
                spread = max(c.get("spread_pct") or 0, best.get("spread_pct") or 0)
                noise = (f" — within the run-to-run spread ({spread:.0f}%)" if gap < spread
                         else "")
                behind.append(f"- **{name}**: {c['ratio']:.2f} × {best['client']} "
                              f"({gap:.0f}% slower){noise}")
    return lines, behind


def scenario_section(r, plot):
    lines = [f"### {r['name']}", "", r["what"] + (f" (peers measured in `{r['peers_from']}`)"
                                                 if r.get("peers_from") else "") + ".", ""]
    if plot:
        lines += [f"![{r['name']}]({plot})", ""]
    lines += ["| client | runs | MB/s | spread % | wall s | CPU s | peak RSS MiB | conns | "
              "requests | protocol | server CPU s | vs best peer | check |",
              "|---|---:|---:|---:|---:|---:|---:|---:|---:|---|---:|---:|---|"]
    for c in r["cells"]:
        if c.get("skipped"):
            lines.append(f"| {c['client']} | – | | | | | | | | | | | skipped: {c['skipped']} |")
            continue
        m = c.get("median") or {}
        first_failure = next((x["check"] for x in c["runs"] if not x["ok"]), "no run")
        check = "ok" if c["ok"] else "FAILED: " + first_failure
        if c["ok"] and c.get("failed_runs"):
            check += f" ({c['failed_runs']} more run(s) failed: {first_failure})"
        lines.append(
            f"| {c['client']} | {c['n']} | {_f(m.get('mbps'))} | {_f(c.get('spread_pct'), '{:.0f}')} | "
            f"{_f(m.get('wall'), '{:.2f}')} | {_f(m.get('cpu'), '{:.2f}')} | {_f(m.get('rss_mib'))} | "
            f"{_f(m.get('conns'), '{:.0f}')} | {_f(m.get('reqs'), '{:.0f}')} | "
            f"{', '.join(c.get('protocols') or []) or '–'} | {_f(m.get('server_cpu'), '{:.2f}')} | {_f(c.get('ratio'), '{:.2f}')} | {check} |")
    er = r.get("engine_report")
    if er:
        lines += ["", f"`maria2c --engine-report` ({'one of the files' if r['files'] > 1 else 'the file'}):", ""]
        if er.get("rows"):
            lines += ["| engine | conns | MB/s | CPU s | TTFB ms | router's choice |",
                      "|---|---:|---:|---:|---:|---|"]
            for row in er["rows"]:
                if row["ok"]:
                    lines.append(f"| {row['engine']} | {row['conns']} | {row['mbps']:.1f} | "
                                 f"{row['cpu']:.2f} | {row['ttfb_ms']:.1f} | "
                                 f"{'**yes**' if row['chosen'] else ''} |")
                else:
                    lines.append(f"| {row['engine']} | | | | | failed: {row['error']} |")
        else:
            lines.append(f"engine report failed: {er.get('error')}")
    return lines + [""]


def micro_section(micro):
    if not micro:
        return []
    if micro.get("error"):
        return ["## Microbenchmarks", "", f"Not measured: {micro['error']}", ""]
    lines = ["## Microbenchmarks", "",
             "Google Benchmark, median of the repetitions; *normalised* = time ÷ "
             "`BM_Reference_Calibration`'s time in the same run (what the regression check "
             "compares).", "",
             "| benchmark | time | normalised | throughput |", "|---|---:|---:|---:|"]
    for name, b in sorted(micro["benchmarks"].items()):
        rate = ""
        if b.get("bytes_per_second"):
            rate = f"{b['bytes_per_second'] / 2**20:.0f} MiB/s"
        elif b.get("items_per_second"):
            rate = f"{b['items_per_second']:.3g} items/s"
        lines.append(f"| `{name}` | {b['time']:.4g} {b['unit']} | "
                     f"{_f(b.get('normalised'), '{:.3g}')} | {rate} |")
    return lines + [""]


def gui_section(gui):
    if not gui:
        return []
    if gui.get("error"):
        return ["## Desktop app", "", f"Not measured: {gui['error']}", ""]
    idle, run = gui.get("idle_cpu_1000_queued", {}), gui.get("running5_cpu", {})
    rss = gui.get("rss_10000_mib", {})
    cold = gui.get("cold_start_ms", {})
    lines = ["## Desktop app", "", "| figure | value |", "|---|---:|",
             f"| cold start to the first shown window | {_f(cold.get('median'), '{:.0f}')} ms "
             f"(median of {len(cold.get('runs', []))}) |",
             f"| CPU, 1,000 queued, nothing running, {_f(idle.get('seconds'), '{:.0f}')} s | "
             f"{_f(idle.get('cpu_s'), '{:.2f}')} s = {_f(idle.get('percent_core'), '{:.2f}')}% of a core |",
             f"| CPU, 5 running + queued, {_f(run.get('seconds'), '{:.0f}')} s: app / maria2c | "
             f"{_f(run.get('gui_cpu_s'), '{:.2f}')} s / {_f(run.get('maria2c_cpu_s'), '{:.2f}')} s "
             f"= {_f(run.get('ratio'), '{:.2f}')}× |",
             f"| resident memory, 10,000 entries (RSS / peak) | {_f(rss.get('rss'))} / "
             f"{_f(rss.get('hwm'))} MiB |",
             f"| restore 10,000 entries from the database at start | "
             f"{_f(gui.get('restore_10000_ms'), '{:.0f}')} ms |", ""]
    lines += [f"- {n}" for n in gui.get("notes", [])]
    return lines + [""]


def markdown(report, plots):
    meta = report["meta"]
    v = meta["versions"]
    lines = ["# MAria2 benchmark report", "",
             f"{meta['date']}, commit `{meta['commit']}`, {meta['cores']} cores ({meta['cpu']}), "
             f"{meta['memory_gib']} GiB, {meta['os']}, kernel {meta['kernel']}; load average "
             f"{meta['load_before'][0]:.2f} before, {meta['load_after'][0]:.2f} after"
             + (" — **smoke run: tiny sizes, one run, figures mean nothing**" if meta["smoke"] else "")
             + ".", "",
             "Versions: " + "; ".join(f"{k} `{v[k]}`" for k in sorted(v)) + ".", "",
             "Medians of the runs; MB/s = 10^6 bytes of payload per second of wall time; ratio = "
             "MB/s ÷ the best peer's in the same run; conns = TCP connections the server saw. "
             "Every output's SHA-256 was checked.", "",
             "## Against the best peer", ""]
    table, behind = summary_table(report)
    lines += table + [""]
    noise = [c["median"]["other_cpu_cores"] for r in report["scenarios"] for c in r["cells"]
             if c.get("median") and c["median"].get("other_cpu_cores") is not None]
    if noise:
        noise.sort()
        lines += [f"Other processes used a median of {noise[len(noise) // 2]:.2f} cores during the "
                  "runs (noise).", ""]
    lines += ["Where MAria2 is behind:", ""] + (behind or ["- nowhere in this run"]) + [""]
    lines += ["## Scenarios", ""]
    for r in report["scenarios"]:
        lines += scenario_section(r, plots.get(r["name"]))
    lines += micro_section(report.get("micro"))
    lines += gui_section(report.get("gui"))
    if report.get("missing_peers"):
        lines += ["Peers not installed (skipped): " + ", ".join(report["missing_peers"]), ""]
    return "\n".join(lines)
