"""Where a new flag goes on each arch: which header, which bit, and why.

The arches on the generic TIF bits get it once, in the generic header, on a
bit below 16 that none of them uses; every other arch gets it in its own
flag header(s) on a bit its effective set leaves free in every
preprocessor context (a bit under ``#ifdef CONFIG_X`` is taken) and that
fits the narrowest kernel it builds and the header's mask idiom.
"""

from __future__ import annotations

from dataclasses import dataclass

from .archview import FIRST_ARCH_BIT, ArchView, table_widths
from .flagedit import int_mask_idiom, main_bits
from .model import FlagTable
from .paths import GENERIC_FLAG_HEADER


@dataclass(frozen=True)
class Placement:
    """One header that gets the flag: at ``bit``, for ``arches``; ``reason``
    says why when it is not the bit asked for."""

    path: str
    arches: tuple[str, ...]
    bit: int
    reason: str


@dataclass(frozen=True)
class AdditionPlan:
    placements: tuple[Placement, ...]
    already: tuple[str, ...]  # arches that define the flag already
    unplaced: tuple[str, ...]  # "arch: why" where no bit or header could be found


def plan_addition(symbol: str, views: dict[str, ArchView], tables: dict[str, FlagTable],
                  build_widths: dict[str, tuple[int, ...]], wanted: int | None
                  ) -> AdditionPlan:
    """Where ``symbol`` goes on every arch that lacks it."""
    already = tuple(a for a, v in views.items() if v.bit(symbol) is not None)
    lacking = [v for a, v in views.items() if v.bit(symbol) is None]
    placements: list[Placement] = []
    unplaced: list[str] = []
    shared = tables.get(GENERIC_FLAG_HEADER)
    generic = [v for v in lacking if v.generic and shared is not None]
    if generic:
        taken = _owners(shared, *generic)
        limit = min([FIRST_ARCH_BIT, *(min(v.widths) for v in generic)])
        if int_mask_idiom(shared):
            limit = min(limit, 31)
        why = f"bits {FIRST_ARCH_BIT} and up are the arches' own on the generic header"
        chosen = _choose(taken, limit, wanted, why)
        arches = tuple(v.arch for v in generic)
        if chosen is None:
            unplaced.extend(f"{a}: no free generic bit below {limit}" for a in arches)
        else:
            placements.append(Placement(GENERIC_FLAG_HEADER, arches, *chosen))
    for view in lacking:
        if view in generic:
            continue
        own = [t for _, t in sorted(tables.items()) if t.arch == view.arch and main_bits(t)]
        if not own:
            unplaced.append(f"{view.arch}: no flag header with bits to add it to")
            continue
        for table in own:
            narrowest = min(table_widths(table, build_widths.get(view.arch)))
            limit = min(narrowest, 31) if int_mask_idiom(table) else narrowest
            why = (f"{table.path.rsplit('/', 1)[-1]} writes (1 << TIF_X) with an int"
                   if limit < narrowest else f"thread_info.flags has {narrowest} bits there")
            start = FIRST_ARCH_BIT if view.generic else 0
            chosen = _choose(_owners(table, view), limit, wanted, why, start)
            if chosen is None:
                unplaced.append(f"{view.arch}: no free bit in {table.path}")
            else:
                placements.append(Placement(table.path, (view.arch,), *chosen))
    return AdditionPlan(tuple(placements), already, tuple(unplaced))


def _owners(table: FlagTable, *views: ArchView) -> dict[int, str]:
    """Bit → a flag that holds it, in any context, in the header or in what
    any of the arches sees."""
    owners: dict[int, str] = {}
    for flag in table.bits:
        if flag.value is not None:
            owners.setdefault(flag.value, flag.name)
    for view in views:
        for f in view.bits:
            if f.value is not None:
                owners.setdefault(f.value, f"{f.name} on {view.arch}")
    return owners


def _choose(owners: dict[int, str], limit: int, wanted: int | None, why_limit: str,
            start: int = 0) -> tuple[int, str] | None:
    free = [b for b in range(start, limit) if b not in owners]
    if not free:
        return None
    if wanted is None:
        return free[0], "the lowest free bit"
    if wanted in free:
        return wanted, "as asked"
    if wanted in owners:
        because = f"bit {wanted} is {owners[wanted]}"
    elif wanted < start:
        because = f"bits below {start} are the generic header's"
    else:
        because = f"bit {wanted} is out of range ({why_limit})"
    return free[0], f"{because}; {free[0]} is the lowest free bit"
