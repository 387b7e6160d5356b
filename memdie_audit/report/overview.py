"""A series that changes many flags, read as one change: its intent
grouped, and the bit layout of each arch it changes, base against head,
with the collisions its commits cause and repair. The text and HTML
reports render these; everything here is read from the Audit."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from ..kernel.model import Kind
from ..kernel.paths import GENERIC
from ..kernel.snapshot import Snapshot
from ..result import Audit, Finding

# From this many audited flags a series is shown as one change: per-flag
# detail (intent lines, arch tables, inventories) only on request.
TREEWIDE = 5
# The intents, in the order the grouped line names them.
_ORDER = ("remove", "add", "move", "renumber", "convert-users", "untouched")


def is_treewide(audit: Audit) -> bool:
    return audit.mode == "series" and len(audit.symbols) >= TREEWIDE


@dataclass(frozen=True)
class LayoutRow:
    """One bit of an arch's effective flag set whose flags changed: the
    flags on it at base and at head (``g:`` from the generic header)."""

    bit: int
    before: tuple[str, ...]
    after: tuple[str, ...]
    collision: bool  # some commit of the series put two flags on it


@dataclass(frozen=True)
class ArchLayout:
    arch: str
    switched: bool  # starts taking the generic bits in the series
    rows: tuple[LayoutRow, ...]
    collisions: tuple[Finding, ...]  # duplicate-bit findings on this arch


def _layout(snapshot: Snapshot, arch: str) -> dict[int, tuple[str, ...]]:
    view = snapshot.views.get(arch)
    bits: dict[int, list[str]] = defaultdict(list)
    for flag in view.bits if view is not None else ():
        if flag.value is not None and flag.origin != "fallback":
            short = flag.name.removeprefix("TIF_")
            bits[flag.value].append(("g:" if flag.origin == "generic" else "") + short)
    return {bit: tuple(sorted(set(names))) for bit, names in bits.items()}


def changed_layouts(audit: Audit) -> list[ArchLayout]:
    """Every arch whose flag bits differ between base and head."""
    base, head = audit.base, audit.head
    if base is None:
        return []
    collisions: dict[str, list[Finding]] = defaultdict(list)
    for f in audit.findings:
        if f.rule == "duplicate-bit" and f.arch:
            collisions[f.arch].append(f)
    out = []
    for arch in sorted(base.arches | head.arches):
        before, after = _layout(base, arch), _layout(head, arch)
        if before == after and not collisions.get(arch):
            continue
        hit = {_bit_of(f, head) for f in collisions.get(arch, ())}
        rows = tuple(LayoutRow(bit, before.get(bit, ()), after.get(bit, ()), bit in hit)
                     for bit in sorted(set(before) | set(after) | (hit - {None}))
                     if before.get(bit) != after.get(bit) or bit in hit)
        out.append(ArchLayout(arch, arch in head.generic_arches - base.generic_arches, rows,
                              tuple(collisions.get(arch, ()))))
    return out


def _bit_of(f: Finding, snapshot: Snapshot) -> int | None:
    """The bit of a duplicate-bit finding: that of the flag the other one
    landed on (named last; a generic bit does not move), as the arch sees
    it after the series."""
    view = snapshot.views.get(f.arch or "")
    for name in reversed(f.names):
        seen = view.bit(name) if view is not None else None
        if seen is not None and seen.value is not None:
            return seen.value
    return None


def intent_groups(audit: Audit) -> list[str]:
    """The series' intent in a few lines: the arches it moves onto the
    generic bits and what that does, then the flags per intent."""
    base, head = audit.base, audit.head
    lines = []
    if base is not None:
        switched = sorted(head.generic_arches - base.generic_arches)
        generic_now = _generic_names(head) - _generic_names(base)
        renumbered = sum(len(f.names) for f in audit.findings
                         if f.rule == "renumbered-flag" and f.symbol is None)
        parts = []
        if switched:
            parts.append(f"{', '.join(switched)} move{'s' * (len(switched) == 1)} onto the "
                         f"generic TIF bits")
        if generic_now:
            parts.append(f"{len(generic_now)} common flag{'s' * (len(generic_now) != 1)} now "
                         "come from the generic header")
        if renumbered:
            parts.append(f"{renumbered} arch flag{'s' * (renumbered != 1)} renumbered")
        parts.extend(_drops(audit))
        if parts:
            lines.append(parts[0] + (": " + "; ".join(parts[1:]) if parts[1:] else ""))
    groups: dict[str, list[str]] = defaultdict(list)
    for symbol, kind in audit.intent.items():
        groups[kind].append(symbol)
    shown = []
    for kind in sorted(groups, key=lambda k: _ORDER.index(k) if k in _ORDER else 9):
        names = sorted(groups[kind])
        listed = f" ({', '.join(names)})" if len(names) <= 4 else ""
        shown.append(f"{kind} {len(names)}{listed}")
    lines.append(f"flags by intent: {', '.join(shown)}")
    return lines


def _generic_names(snapshot: Snapshot) -> set[str]:
    return {b.name for t in snapshot.tables_of(GENERIC) for b in t.bits}


def _drops(audit: Audit) -> list[str]:
    """"s390 drops 4 flags (no users left)": per arch, the flags it saw in
    the base and sees no more, among the audited flags."""
    base, head = audit.base, audit.head
    assert base is not None
    parts = {p.symbol: p for p in audit.per_symbol}
    out = []
    for arch in sorted(base.arches):
        old, new = base.views.get(arch), head.views.get(arch)
        if old is None:
            continue
        gone = sorted(n for n in old.names() - (new.names() if new else frozenset())
                      if n in parts and not n.startswith("_"))
        if not gone:
            continue
        used = [n for n in gone if any(
            o.kind is Kind.USE and o.arch in (None, arch) and not parts[n].head.in_own_mask(o)
            for o in parts[n].head.code_occurrences())]
        users = "no users left" if not used else f"{len(used)} still used: {', '.join(used)}"
        out.append(f"{arch} drops {len(gone)} flag{'s' * (len(gone) != 1)} ({users})")
    return out
