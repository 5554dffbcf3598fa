#!/usr/bin/python3
"""The desktop app's figures for the benchmark report, measured from outside the process.

    gui_figures.py --maria2 PATH --maria2c PATH --store-tool PATH --json OUT
                   [--smoke] [--window-seconds 30]

1. cold start: exec -> main window first exposed and painted on Xvfb, fresh empty profile
   (median of 5 starts; 1 with --smoke);
2. CPU over the window with 1,000 queued downloads that may not start (a closed time window);
3. CPU over the window with 5 downloads running (and the rest queued), and maria2c downloading
   the same 5 files from the same server over the same window;
4. VmRSS / VmHWM with 10,000 entries in the list;
5. time to restore 10,000 entries from the database at start.

--smoke: 3 s windows, 100 entries instead of 1,000 / 10,000, one start (for ctest).

Everything runs in temporary folders: a private Xvfb (-displayfd), a private nginx on free
loopback ports, a fresh HOME / XDG_* profile per start. Every process started here runs in its
own process group and is stopped (TERM, then KILL after a bounded wait) on return, error,
Ctrl-C or SIGTERM. The app reports its start-up milestones through MARIA2_STARTUP_TRACE (see
src/gui/StartupTrace.h); the databases are made by maria2_bench_store (tests/benchmarks/gui/)
through the app's own DownloadStore. Python 3 standard library only.

This file is the command line; the work is in benchkit/gui_figures.py (the figures) and
benchkit/app.py (the app, Xvfb, /proc). run.py imports measure() and markdown() from here.
"""

import argparse
import json
import signal
import sys

from benchkit.gui_figures import markdown, measure, missing_figures

__all__ = ["measure", "markdown"]


def print_to_stderr(*parts):
    print("[gui-figures]", *parts, file=sys.stderr, flush=True)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--maria2", required=True, help="the desktop app")
    parser.add_argument("--maria2c", required=True, help="the terminal front end")
    parser.add_argument("--store-tool", required=True, help="maria2_bench_store")
    parser.add_argument("--json", required=True, help="write the figures here")
    parser.add_argument("--smoke", action="store_true",
                        help="3 s windows, 100 entries, one start")
    parser.add_argument("--window-seconds", type=float, default=30.0)
    parser.add_argument("--keep-temp", action="store_true",
                        help="keep the working folder (logs, traces, configs) afterwards")
    args = parser.parse_args()

    # SIGTERM (ctest's timeout, a CI runner) unwinds like Ctrl-C: every process gets stopped.
    def on_term(signum, frame):
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, on_term)
    try:
        result = measure(args.maria2, args.maria2c, args.store_tool, smoke=args.smoke,
                         window_seconds=args.window_seconds, log=print_to_stderr,
                         keep_temp=args.keep_temp)
    except KeyboardInterrupt:
        print_to_stderr("interrupted; every process started was stopped")
        return 130
    with open(args.json, "w") as f:
        json.dump(result, f, indent=2)
    print(markdown(result))
    status = 0
    missing = missing_figures(result)
    if missing:
        print_to_stderr("missing figures: " + ", ".join(missing))
        status = 1
    if result["problems"]:
        print_to_stderr("problems: " + "; ".join(result["problems"]))
        status = 1
    return status


if __name__ == "__main__":
    sys.exit(main())
