"""A synthetic, kernel-like git repository for ``memdie-audit demo``, the
tests and the benchmarks.

The base tree has the shape of Linux 4.9 where TIF_MEMDIE is concerned: a flag
header per arch of 4.9 (sparc split in two; no generic bits, which came later),
users in mm/ and kernel/, entry code, comments, docs, and enough filler that
the flag's files are a small fraction of the tree. Every file is generated
from our own tables and templates; no kernel source is copied.

``era="modern"`` builds the tree in the shape of v6.19 instead (``modern``,
``modern_series``): x86, riscv, s390 and loongarch on
``include/asm-generic/thread_info_tif.h`` with ``HAVE_TIF_*`` switches, the
other arches on their own headers, and series that remove TIF_MEMDIE,
move and use other flags, or add TIF_NOTIFY_WORK (``modern_additions``).
``eras`` says which base and series each era has.

The text is in ``data/``: ``arch_layouts.json`` (every arch's flag bits),
``flag_users/`` (the files that mention the flag, as mini patches),
``templates/`` (skeletons filled per file) and ``fixed/`` (copied as is).
The modules say which file goes where and what each series step changes:
``arch_layouts`` and ``headers`` for the flag headers, ``flag_users``,
``filler``, ``state`` (one tree state as bytes), ``series_specs`` (the
variants and their expected findings) and ``gitrepo`` (git fast-import);
``inbox`` writes public-inbox archives of mailed series for the review
robot.

    repo = build_repo(tmp_path / "linux")
    repo.revrange("flawed")            # "<base>..<head>" for --series
    SERIES["flawed"].expected          # what a correct audit must report

    modern = build_repo(tmp_path / "linux-6.19", era="modern")
    spec = ERAS["modern"].series["modern-ssbd-clash"]
    spec.symbol, spec.expected         # audit with --symbol TIF_SSBD: duplicate-bit
"""

from __future__ import annotations

from pathlib import Path

from . import inbox
from .arch_layouts import ArchFacts
from .eras import DEFAULT_ERA, ERAS, Era, era_named
from .flag_users import HOSTILE_PATH, STALE_PATH, hostile_line
from .gitrepo import FixtureError, FixtureRepo, build_repo, format_patch
from .series_specs import SERIES, Expect, SeriesSpec
from .state import TreeState, render_tree

__all__ = [
    "DEFAULT_ERA", "ERAS", "SERIES", "ArchFacts", "Era", "Expect", "FixtureError", "FixtureRepo",
    "SeriesSpec", "TreeState", "HOSTILE_PATH", "STALE_PATH", "build_repo", "era_named",
    "format_patch", "hostile_line", "inbox", "render_tree", "write_tree",
]


def write_tree(root: Path, era: str = DEFAULT_ERA) -> dict[str, ArchFacts]:
    """Write the base tree of ``era`` under ``root`` (no git); return the arch facts."""
    root = Path(root)
    shape = era_named(era)
    for path, data in shape.render(shape.base).items():
        target = root / path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
    return shape.facts()
