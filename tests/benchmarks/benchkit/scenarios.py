"""The scenarios: what is downloaded, from which server, by whom, at which size.

Sizes have a full value (the report in docs/benchmarks.md) and a smoke value (CI: seconds, so
the benchmark cannot rot). `peers_from` reuses the peers measured in another scenario of the
same run (same server, same file) instead of measuring them twice.
"""

import dataclasses

from .util import KiB, MiB, GiB

ALL_PEERS = ["curl", "wget2", "wget2-chunk", "aria2c", "axel"]
LIST_PEERS = ["curl", "wget2", "aria2c"]


@dataclasses.dataclass
class Scenario:
    name: str
    what: str
    server: str            # nginx kind (plain, capped, https, hosts), "fault" or "proxy-*"
    files: int             # how many files
    size: int              # bytes per file
    smoke_files: int
    smoke_size: int
    clients: list
    conns: int = None      # per file; None: each client's own choice
    jobs: int = 1
    peers_from: str = None
    rtt_ms: float = 0
    refs: bool = False
    repeats: int = 0       # at least this many measured runs (noisy scenarios)

    def scaled(self, smoke, scale_files=1.0):
        files = self.smoke_files if smoke else max(1, int(self.files * scale_files))
        return files, self.smoke_size if smoke else self.size


SCENARIOS = [
    Scenario("big", "one 1 GiB file, plain HTTP/1.1, no cap: bytes from socket to disk",
             "plain", 1, 1 * GiB, 1, 16 * MiB, ALL_PEERS + ["maria2c"], conns=16, refs=True,
             repeats=5),  # ~1 s runs bound by memory copies: a run-to-run spread of 30-80 %
    Scenario("capped", "one 256 MiB file; the server caps each connection at 4 MiB/s",
             "capped", 1, 256 * MiB, 1, 8 * MiB, ALL_PEERS + ["maria2c"], conns=16),
    Scenario("capped-auto", "as capped, maria2c choosing its own connections (no -s/-x)",
             "capped", 1, 256 * MiB, 1, 8 * MiB, ["aria2c", "axel", "maria2c-auto"], conns=16,
             peers_from="capped"),
    Scenario("many", "400 files of 64 KiB from a list, 16 at a time, HTTP/1.1",
             "plain", 400, 64 * KiB, 40, 64 * KiB, LIST_PEERS + ["maria2c"], jobs=16),
    Scenario("one-small", "one 64 KiB file: start-up, one request, done (a new user's first "
             "try; the wall time is nearly all start-up)", "plain", 1, 64 * KiB, 1, 64 * KiB,
             LIST_PEERS + ["maria2c"], repeats=20),
    Scenario("h2many", "the same 400 files over HTTPS + HTTP/2",
             "https", 400, 64 * KiB, 40, 64 * KiB, LIST_PEERS + ["maria2c"], jobs=16),
    Scenario("rtt-many", "200 files of 64 KiB, 16 at a time, HTTP/1.1 over a 50 ms round trip",
             "proxy-plain", 200, 64 * KiB, 20, 64 * KiB, LIST_PEERS + ["maria2c"], jobs=16,
             rtt_ms=50),
    Scenario("rtt-h2many", "the same over HTTPS + HTTP/2 and a 50 ms round trip",
             "proxy-https", 200, 64 * KiB, 20, 64 * KiB, LIST_PEERS + ["maria2c"], jobs=16,
             rtt_ms=50),
    Scenario("rtt-capped", "one 256 MiB file over a 50 ms round trip; the server caps each "
             "connection at 4 MiB/s", "proxy-capped", 1, 256 * MiB, 1, 8 * MiB,
             ["aria2c", "axel", "maria2c", "maria2c-auto"], conns=16, rtt_ms=50),
    Scenario("slow-ranges", "one 64 MiB file; each connection gets 8 MiB/s, but 1 MiB/s inside "
             "one eighth of the file (a mirror whose uncached part crawls)",
             "fault", 1, 64 * MiB, 1, 8 * MiB, ALL_PEERS + ["maria2c"], conns=16),
    Scenario("slow-ranges-auto", "as slow-ranges, maria2c choosing its own connections (no "
             "-s/-x)", "fault", 1, 64 * MiB, 1, 8 * MiB, ["aria2c", "axel", "maria2c-auto"],
             conns=16, peers_from="slow-ranges"),
    Scenario("fast-ranges-auto", "as slow-ranges-auto, but that eighth at 8 MiB/s too: the time "
             "the fast ranges alone need (slow-ranges-auto's yardstick)", "fault-fast", 1, 64 * MiB,
             1, 8 * MiB, ["maria2c-auto"], conns=16),
    Scenario("multi-host", "4 files of 32 MiB from 4 hosts at once, each capping its "
             "connections at 4 MiB/s", "hosts", 4, 32 * MiB, 4, 4 * MiB,
             LIST_PEERS + ["maria2c"], conns=16, jobs=4),
]

BY_NAME = {s.name: s for s in SCENARIOS}


def slow_region_query(size, fast_only=False):
    """The slow eighth of the file, and the rates (per response) of slow-ranges; fast_only: the
    same eighth at the fast rate (what the fast ranges alone would need)."""
    slow = 8 * MiB if fast_only else 1 * MiB
    return f"start={size * 3 // 8}&end={size // 2}&rate={slow}&fast={8 * MiB}"
