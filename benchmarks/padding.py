"""Kernel-sized filler for benchmarks: many files, none mentioning the flag.

``bench.py`` passes ``padding_files(...)`` to ``build_repo(extra_files=...)``
so the demo tree grows to the size of a kernel checkout; nothing in the
installed package needs it.

Speed matters more than variety here (50,000 files and 500 MB must take
seconds), so a pool of generated C functions and text paragraphs is built
once and each file is a unique header line plus pool entries picked by a
seeded ``random.Random``. The same arguments always give the same bytes.
"""

from __future__ import annotations

import os
import random
from collections.abc import Iterator
from pathlib import Path

from memdie_audit.demo_tree.filler import random_function, random_name

FILES_PER_DIR = 100
_TOPS = ("drivers", "sound", "net", "fs", "tools", "lib", "crypto", "security")
_SUBS = ("gen", "extra", "legacy", "vendor", "misc")
_WORDS = ("page", "cache", "queue", "lock", "device", "buffer", "reclaim", "driver", "packet",
          "frame", "inode", "table", "request", "timer", "event", "policy", "register")


def _pools(seed: int) -> tuple[list[bytes], list[bytes]]:
    rng = random.Random(f"memdie-padding-{seed}")
    code = [random_function(rng, f"{random_name(rng)}_{i}").encode() + b"\n" for i in range(512)]
    text = []
    for _ in range(64):
        words = [rng.choice(_WORDS) for _ in range(rng.randrange(40, 90))]
        lines = [" ".join(words[i:i + 11]) for i in range(0, len(words), 11)]
        text.append(("\n".join(lines).capitalize() + ".\n\n").encode())
    return code, text


def padding_files(files: int, megabytes: int, seed: int = 0) -> Iterator[tuple[str, bytes]]:
    """Yield ``files`` (path, bytes) pairs totalling about ``megabytes`` MiB."""
    code, text = _pools(seed)
    rng = random.Random(seed)
    mean = max(256, megabytes * 1024 * 1024 // max(files, 1))
    code_avg = sum(map(len, code)) // len(code)
    text_avg = sum(map(len, text)) // len(text)
    for i in range(files):
        d, n = divmod(i, FILES_PER_DIR)
        top = _TOPS[d % len(_TOPS)]
        sub = _SUBS[(d // len(_TOPS)) % len(_SUBS)]
        size = int(mean * (0.5 + rng.random()))
        if n % 20 == 19:
            path = f"Documentation/{sub}/d{d:04d}/note{n:02d}.txt"
            body = rng.choices(text, k=max(1, size // text_avg))
            head = f"Notes {i} (memdie-audit padding)\n\n".encode()
        else:
            ext = "h" if n % 7 == 6 else "c"
            path = f"{top}/{sub}/d{d:04d}/{_WORDS[n % len(_WORDS)]}{n:02d}.{ext}"
            body = rng.choices(code, k=max(1, size // code_avg))
            head = f"// SPDX-License-Identifier: GPL-2.0\n/* {path}: padding {i} */\n\n".encode()
        yield path, head + b"".join(body)


def pad_tree(root: Path, files: int, megabytes: int, seed: int = 0) -> None:
    """Write benchmark filler into ``root`` (files only; nothing is staged)."""
    made: set[str] = set()
    for path, data in padding_files(files, megabytes, seed):
        full = os.path.join(root, path)
        parent = os.path.dirname(full)
        if parent not in made:
            os.makedirs(parent, exist_ok=True)
            made.add(parent)
        with open(full, "wb") as f:
            f.write(data)
