"""The TIF atlas of one tree state: every flag × every arch (own, generic
or fallback bit, per config context), each arch's free bits, and every
conflict the tree-wide rules see. For whoever adds a flag to every arch."""

from __future__ import annotations

from dataclasses import dataclass

from ..kernel.archview import FIRST_ARCH_BIT, ArchView
from ..kernel.snapshot import Snapshot
from ..result import Finding
from ..rules import flag_findings


@dataclass(frozen=True)
class Cell:
    """One bit of one flag on one arch."""

    bit: int | None
    origin: str  # own, generic, fallback
    condition: str | None
    path: str

    @property
    def shown(self) -> str | None:
        return config_condition(self)

    @property
    def label(self) -> str:
        return "?" if self.bit is None else str(self.bit)


@dataclass(frozen=True)
class Atlas:
    tree: str
    rev: str | None
    snapshot: Snapshot
    flags: tuple[str, ...]  # every bit name, by its lowest value
    arches: tuple[str, ...]
    cells: dict[tuple[str, str], tuple[Cell, ...]]  # (flag, arch) -> its bits
    free: dict[str, list[int]]  # arch -> bits free in every context, narrowest word
    conflicts: tuple[Finding, ...]

    def view(self, arch: str) -> ArchView:
        return self.snapshot.views[arch]


def all_free_bits(view: ArchView) -> list[int]:
    """Every bit no flag of the arch holds in any context, within its
    narrowest word; from 16 on an arch on the generic bits."""
    taken = {f.value for f in view.bits if f.value is not None}
    start = FIRST_ARCH_BIT if view.generic else 0
    return [b for b in range(start, min(view.widths)) if b not in taken]


def build_atlas(snapshot: Snapshot, tree: str, rev: str | None) -> Atlas:
    cells: dict[tuple[str, str], list[Cell]] = {}
    lowest: dict[str, int] = {}
    for arch, view in snapshot.views.items():
        for f in view.bits:
            cells.setdefault((f.name, arch), []).append(Cell(f.value, f.origin, f.condition,
                                                             f.path))
            if f.value is not None:
                lowest[f.name] = min(lowest.get(f.name, f.value), f.value)
    names = sorted({name for name, _ in cells}, key=lambda n: (lowest.get(n, 1 << 20), n))
    conflicts = sorted(flag_findings(snapshot), key=lambda f: f.sort_key)
    return Atlas(tree, rev, snapshot, tuple(names), tuple(sorted(snapshot.views)),
                 {k: tuple(v) for k, v in cells.items()},
                 {a: all_free_bits(v) for a, v in snapshot.views.items()}, tuple(conflicts))


def config_condition(cell: Cell) -> str | None:
    """The condition worth showing: one that a config option or a HAVE_TIF_*
    switch decides (not a fallback's own ``#ifndef``, not ``__KERNEL__``)."""
    if cell.origin == "fallback" or not cell.condition:
        return None
    return cell.condition if "CONFIG_" in cell.condition or "HAVE_" in cell.condition else None


def ranges(bits: list[int]) -> str:
    """``[5, 9, 10, 11, 28]`` → ``5, 9-11, 28``."""
    parts: list[str] = []
    for b in bits:
        if parts and parts[-1].split("-")[-1] == str(b - 1):
            parts[-1] = f"{parts[-1].split('-')[0]}-{b}"
        else:
            parts.append(str(b))
    return ", ".join(parts) or "none"
