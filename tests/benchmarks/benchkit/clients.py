"""Who is measured, and with which command line.

A client maps a `Job` (what to download and how) to an argv, or raises Skip with the reason it
does not fit. Kinds: "peer" (the tools a user would otherwise use; the best of them is the bar),
"candidate" (maria2c) and "ref" (physical references: never a peer). Every client verifies TLS
against the run's CA, as a user's would; none reads a config file (empty private HOME).
"""

import dataclasses
import os
import shutil

from .util import MiB


class Skip(Exception):
    """This client cannot do this scenario; the message says why."""


@dataclasses.dataclass
class Job:
    urls: list            # one URL per file
    names: list           # output file names, in URL order
    size: int             # bytes of the (first) file
    dir: str = ""         # output folder (set per run)
    conns: int = None     # connections per file; None: the client's own choice
    jobs: int = 1         # files at once
    https: bool = False
    ca: str = ""          # the CA that signed the server's certificate
    src: str = ""         # the source file (references only)
    list_file: str = ""   # one URL per line (multi-file jobs)
    curl_config: str = ""  # url/output pairs for curl -K

    @property
    def single(self):
        return len(self.urls) == 1

    @property
    def out(self):
        return os.path.join(self.dir, self.names[0])

    def write_lists(self, folder):
        self.list_file = os.path.join(folder, "urls.txt")
        self.curl_config = os.path.join(folder, "curl.cfg")
        with open(self.list_file, "w") as f:
            f.write("".join(u + "\n" for u in self.urls))
        with open(self.curl_config, "w") as f:
            f.write("".join(f'url = "{u}"\noutput = "{n}"\n' for u, n in zip(self.urls, self.names)))


def curl(j):
    base = ["curl", "-q", "-sS", "--fail", "--cacert", j.ca]
    if j.single:
        return base + ["-o", j.out, j.urls[0]]
    return base + ["--parallel", "--parallel-max", str(j.jobs), "--output-dir", j.dir,
                   "-K", j.curl_config]


def wget2_base(j):
    return ["wget2", "--no-config", "-q", "--no-hsts", "--no-hpkp", "--no-ocsp", "--no-xattr",
            f"--ca-certificate={j.ca}"]


def wget2(j):
    if j.single:
        return wget2_base(j) + ["-O", j.out, j.urls[0]]
    return wget2_base(j) + ["--max-threads", str(j.jobs), "-i", j.list_file, "-P", j.dir]


def wget2_chunk(j):
    if not j.single:
        raise Skip("chunking splits one large file; lists are the wget2 row")
    if j.conns is None or j.size < 2 * MiB:
        raise Skip("needs a connection count and a file of 2 MiB or more")
    chunk = max(MiB, -(-j.size // j.conns // MiB) * MiB)
    return wget2_base(j) + [f"--chunk-size={chunk // MiB}M", "--max-threads", str(j.conns),
                            "-O", j.out, j.urls[0]]


def aria2c(j):
    base = ["aria2c", "--no-conf", "--file-allocation=none", "--allow-overwrite=true",
            "--auto-file-renaming=false", "--console-log-level=warn", "--summary-interval=0",
            "--download-result=hide", f"--ca-certificate={j.ca}", "-d", j.dir]
    split = []
    if j.conns is not None:
        x = str(min(j.conns, 16))  # aria2c refuses -x above 16
        split = ["-x", x, "-s", x, "-k", "1M"]
    if j.single:
        return base + split + ["-o", j.names[0], j.urls[0]]
    return base + split + ["-j", str(j.jobs), "-i", j.list_file]


def axel(j):
    if not j.single:
        raise Skip("axel fetches one file per run (more URLs are mirrors of it)")
    if j.https:
        raise Skip("axel cannot verify against a CA file")
    return ["axel", "-q", "-n", str(j.conns or 4), "-o", j.out, j.urls[0]]


def maria2c_argv(binary, j, auto=False):
    argv = [binary, "-q", "--max-overall-download-limit=0", "-d", j.dir]
    if j.https:
        argv.append(f"--ca-certificate={j.ca}")
    if j.conns is not None and not auto:
        argv += ["-x", str(j.conns), "-s", str(j.conns), "-k", "1M"]
    if j.single:
        return argv + ["-o", j.names[0], j.urls[0]]
    return argv + ["-j", str(j.jobs), "-i", j.list_file]


def ref_cp(j):
    if not (j.single and j.src):
        raise Skip("only for one local source")
    return ["cp", j.src, j.out]


def ref_curl_null(j):
    if not j.single:
        raise Skip("one URL only")
    return ["curl", "-q", "-sS", "--fail", "--cacert", j.ca, "-o", "/dev/null", j.urls[0]]


PEERS = {"curl": curl, "wget2": wget2, "wget2-chunk": wget2_chunk, "aria2c": aria2c, "axel": axel}
REFS = {"ref-cp": ref_cp, "ref-curl-null": ref_curl_null}
NO_OUTPUT = {"ref-curl-null"}
BINARY = {"wget2-chunk": "wget2", "ref-cp": "cp", "ref-curl-null": "curl"}


def client_table(maria2c):
    """{name: (kind, builder)} for the peers installed here, maria2c and the references."""
    table, missing = {}, []
    for name, build in PEERS.items():
        if shutil.which(BINARY.get(name, name)):
            table[name] = ("peer", build)
        else:
            missing.append(name)
    if maria2c:
        table["maria2c"] = ("candidate", lambda j: maria2c_argv(maria2c, j))
        table["maria2c-auto"] = ("candidate", lambda j: maria2c_argv(maria2c, j, auto=True))
    for name, build in REFS.items():
        table[name] = ("ref", build)
    return table, missing


def binary_of(name, maria2c):
    return maria2c if name.startswith("maria2c") else shutil.which(BINARY.get(name, name))
