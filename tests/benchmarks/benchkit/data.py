"""Test data: files generated from a fixed seed into a cache folder, with their SHA-256 sums.

Every byte comes from random.Random(SEED + name): the same name and size give the same bytes on
every machine, so checksums in one report can be compared with another's. Large files repeat a
1 MiB random block with each copy's index stamped into its first 8 bytes (no two MiB alike, and
generating 1 GiB takes seconds, not minutes). A manifest records size and SHA-256 per file; a
file is generated again only when it is missing or its size differs.
"""

import hashlib
import json
import os
import random

from .util import MiB, log

SEED = "maria2-bench-1"


def sha256_file(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        while chunk := f.read(4 * MiB):
            h.update(chunk)
    return h.hexdigest()


def _write(path, size, name):
    rng = random.Random(f"{SEED}:{name}")
    tmp = path + ".tmp"
    h = hashlib.sha256()
    with open(tmp, "wb") as f:
        if size <= 4 * MiB:
            data = rng.randbytes(size)
            f.write(data)
            h.update(data)
        else:
            block = bytearray(rng.randbytes(MiB))
            written, index = 0, 0
            while written < size:
                block[:8] = index.to_bytes(8, "little")
                piece = block[: min(MiB, size - written)]
                f.write(piece)
                h.update(piece)
                written += len(piece)
                index += 1
    os.replace(tmp, path)
    return h.hexdigest()


class DataCache:
    def __init__(self, root):
        self.root = os.path.abspath(root)
        os.makedirs(self.root, exist_ok=True)
        self.manifest_path = os.path.join(self.root, "manifest.json")
        try:
            with open(self.manifest_path) as f:
                self.manifest = json.load(f)
        except (OSError, ValueError):
            self.manifest = {}

    def ensure(self, name, size):
        """The file `name` (relative, may contain '/') of `size` bytes; returns (path, sha256)."""
        path = os.path.join(self.root, name)
        entry = self.manifest.get(name)
        if not (entry and entry["size"] == size and os.path.isfile(path)
                and os.path.getsize(path) == size):
            os.makedirs(os.path.dirname(path), exist_ok=True)
            if size >= 64 * MiB:
                log(f"generating {name} ({size // MiB} MiB)")
            self.manifest[name] = {"size": size, "sha256": _write(path, size, name)}
            self._save()
        return path, self.manifest[name]["sha256"]

    def _save(self):
        tmp = self.manifest_path + ".tmp"
        with open(tmp, "w") as f:
            json.dump(self.manifest, f, indent=1, sort_keys=True)
        os.replace(tmp, self.manifest_path)

    def warm(self, paths):
        """Reads files once so that the first measured run does not pay for the disk."""
        for path in paths:
            with open(path, "rb") as f:
                while f.read(8 * MiB):
                    pass
