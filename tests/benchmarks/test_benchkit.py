"""Unit tests of the benchmark's own logic (python3 -m unittest, run by ctest as bench_selftest):
the regression check, the engine-report parser, the ranking, the delay proxy's round trip, and
the GUI figures' count of downloaded bytes."""

import asyncio
import json
import os
import socket
import subprocess
import sys
import tempfile
import time
import unittest
from unittest import mock

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

from benchkit import compare  # noqa: E402
from benchkit.gui_figures import download_bytes  # noqa: E402
from benchkit.runner import parse_engine_report, rank  # noqa: E402


def cell(client, kind, mbps, ok=True):
    return {"client": client, "kind": kind, "ok": ok, "median": {"mbps": mbps}}


def fake_report(ratio, micro_norm):
    return {"meta": {"date": "d", "commit": "c"},
            "scenarios": [{"name": "big", "cells": [
                {"client": "maria2c", "kind": "candidate", "ok": True, "ratio": ratio}]}],
            "micro": {"benchmarks": {"BM_X": {"normalised": micro_norm}}}}


class CompareTest(unittest.TestCase):
    def setUp(self):
        self.baseline = compare.make_baseline([fake_report(1.0, 2.0)])

    def test_within_tolerance_passes(self):
        ok, lines = compare.compare([fake_report(0.9, 2.4)], self.baseline)
        self.assertTrue(ok, lines)

    def test_worse_ratio_fails(self):
        ok, lines = compare.compare([fake_report(0.8, 2.0)], self.baseline)
        self.assertFalse(ok)
        self.assertTrue(any("WORSE" in l and "big/maria2c" in l for l in lines), lines)

    def test_slower_microbenchmark_fails(self):
        ok, lines = compare.compare([fake_report(1.0, 2.6)], self.baseline)
        self.assertFalse(ok)
        self.assertTrue(any("WORSE" in l and "BM_X" in l for l in lines), lines)

    def test_median_of_repeated_runs_is_compared(self):
        # One bad run among three does not fail; two do.
        ok, _ = compare.compare([fake_report(0.5, 2.0), fake_report(1.0, 2.0),
                                 fake_report(1.1, 2.0)], self.baseline)
        self.assertTrue(ok)
        ok, _ = compare.compare([fake_report(0.5, 2.0), fake_report(0.6, 2.0),
                                 fake_report(1.1, 2.0)], self.baseline)
        self.assertFalse(ok)

    def test_failed_download_counts_as_zero(self):
        rep = fake_report(1.0, 2.0)
        rep["scenarios"][0]["cells"][0]["ok"] = False
        ok, _ = compare.compare([rep], self.baseline)
        self.assertFalse(ok)

    def test_a_noisy_figure_is_allowed_its_own_spread(self):
        base = compare.make_baseline([fake_report(1.0, 2.0), fake_report(0.6, 4.0)])
        self.assertAlmostEqual(base["spread"]["big/maria2c"], 0.4)
        ok, lines = compare.compare([fake_report(0.55, 4.4)], base)  # within 40 % and 50 %
        self.assertTrue(ok, lines)
        ok, _ = compare.compare([fake_report(0.4, 3.0)], base)  # 0.4 < 0.8 * (1 - 0.4)
        self.assertFalse(ok)

    def test_explicit_tolerance_overrides_baseline(self):
        ok, _ = compare.compare([fake_report(0.8, 2.0)], self.baseline, ratio_tol=0.25)
        self.assertTrue(ok)

    def test_checked_in_baseline_is_well_formed(self):
        path = os.path.join(HERE, "baseline.json")
        with open(path) as f:
            base = json.load(f)
        self.assertIn("ratios", base)
        self.assertIn("micro", base)
        self.assertGreater(len(base["ratios"]), 0)
        self.assertIn("BM_Reference_Calibration", base["micro"])


class RankTest(unittest.TestCase):
    def test_best_verified_peer_sets_the_bar(self):
        r = {"cells": [cell("curl", "peer", 100), cell("wget2", "peer", 300, ok=False),
                       cell("aria2c", "peer", 200), cell("ref-cp", "ref", 900),
                       cell("maria2c", "candidate", 250)]}
        rank(r)
        self.assertEqual(r["best_peer"], "aria2c")
        self.assertAlmostEqual(r["cells"][4]["ratio"], 1.25)


class EngineReportTest(unittest.TestCase):
    def test_parses_rows_failures_and_the_choice(self):
        text = ("engine       conns      MB/s   CPU s   TTFB ms  chosen\n"
                "multiplex       16      17.1    1.01       1.2\n"
                "segmented       16      64.1    0.84       1.8  yes\n"
                "ftp          failed: no engine for http  (chosen)\n")
        rows = parse_engine_report(text)
        self.assertEqual([r["engine"] for r in rows], ["multiplex", "segmented", "ftp"])
        self.assertTrue(rows[1]["chosen"])
        self.assertEqual(rows[1]["conns"], 16)
        self.assertAlmostEqual(rows[1]["mbps"], 64.1)
        self.assertFalse(rows[2]["ok"])
        self.assertTrue(rows[2]["chosen"])


class DelayProxyTest(unittest.TestCase):
    def test_adds_the_round_trip_and_keeps_the_bytes(self):
        async def echo(reader, writer):
            while data := await reader.read(65536):
                writer.write(data)
                await writer.drain()
            writer.close()

        async def scenario():
            server = await asyncio.start_server(echo, "127.0.0.1", 0)
            port = server.sockets[0].getsockname()[1]
            proxy = await asyncio.create_subprocess_exec(
                sys.executable, os.path.join(HERE, "benchkit", "delay_proxy.py"), "--rtt-ms",
                "80", "--forward", f"echo=127.0.0.1:{port}", stdout=subprocess.PIPE)
            try:
                ports = json.loads(await asyncio.wait_for(proxy.stdout.readline(), 15))
                reader, writer = await asyncio.open_connection("127.0.0.1", ports["echo"])
                payload = os.urandom(300_000)
                began = time.monotonic()
                writer.write(payload)
                await writer.drain()
                got = await asyncio.wait_for(reader.readexactly(len(payload)), 15)
                elapsed = time.monotonic() - began
                writer.close()
                return got == payload, elapsed
            finally:
                proxy.terminate()
                await proxy.wait()
                server.close()

        same, elapsed = asyncio.run(scenario())
        self.assertTrue(same)
        # Through the proxy twice (there and back): at least one full round trip of 80 ms.
        self.assertGreaterEqual(elapsed, 0.08)



class DownloadBytesTest(unittest.TestCase):
    def test_counts_downloads_not_control_files_or_their_temporary_copies(self):
        with tempfile.TemporaryDirectory() as d:
            for name, size in (("a.bin", 10), ("b.bin.part", 4), ("b.bin.part.maria2", 5),
                               ("b.bin.part.maria2.tq3zom", 7),
                               (".maria2-0123456789abcdef.tmp", 9)):
                with open(os.path.join(d, name), "wb") as f:
                    f.write(b"x" * size)
            self.assertEqual(download_bytes(d), 14)

    def test_a_file_gone_between_listing_and_stat_is_skipped(self):
        class Gone:
            name = "c.bin.part"

            def is_file(self):
                return True

            def stat(self):
                raise FileNotFoundError(self.name)

        with tempfile.TemporaryDirectory() as d:
            with open(os.path.join(d, "a.bin"), "wb") as f:
                f.write(b"x" * 3)
            real = list(os.scandir(d))
            with mock.patch("benchkit.gui_figures.os.scandir", return_value=real + [Gone()]):
                self.assertEqual(download_bytes(d), 3)

if __name__ == "__main__":
    unittest.main()
