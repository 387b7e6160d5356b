"""What each arch really sees: its effective flag set.

An arch's bits are those of its own flag header(s), plus — when its Kconfig
selects HAVE_GENERIC_TIF_BITS — the generic header's, of which the optional
ones (``#ifdef HAVE_TIF_POLLING_NRFLAG`` …) count only where the arch's
header defines the switch, plus the common fallbacks of
``include/linux/thread_info.h`` (``#ifndef TIF_RSEQ`` / ``#define TIF_RSEQ
TIF_NOTIFY_RESUME``) for the names it still lacks. Computed once per tree
state and used by every rule: visibility, duplicates, widths, reserved bits.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from .lexer import defined_term
from .model import FlagDef, FlagTable
from .paths import ARCHES_64BIT, ARCHES_64BIT_ONLY, FALLBACK_HEADER, GENERIC_FLAG_HEADER

# The generic header keeps bits 0-15 for itself; arches number theirs from 16.
FIRST_ARCH_BIT = 16


@dataclass(frozen=True)
class ArchFlag:
    """One bit or mask as an arch sees it; ``origin`` is ``own``,
    ``generic`` or ``fallback``."""

    name: str
    value: int | None
    path: str
    origin: str
    flag: FlagDef

    @property
    def condition(self) -> str | None:
        return self.flag.condition


@dataclass(frozen=True)
class ArchView:
    """The effective flag set of one arch. ``widths`` are the sizes of
    ``thread_info.flags`` in the kernels the arch builds, narrowest first."""

    arch: str
    generic: bool  # its Kconfig selects HAVE_GENERIC_TIF_BITS
    switches: frozenset[str]  # HAVE_TIF_* its headers define
    widths: tuple[int, ...]
    bits: tuple[ArchFlag, ...]
    masks: tuple[ArchFlag, ...]

    def names(self) -> frozenset[str]:
        return frozenset(f.name for f in (*self.bits, *self.masks))

    def bit(self, name: str) -> ArchFlag | None:
        return next((f for f in self.bits if f.name == name), None)

    def mask(self, name: str) -> ArchFlag | None:
        return next((f for f in self.masks if f.name == name), None)


def switch_holds(condition: str | None, switches: frozenset[str]) -> bool:
    """Can code under ``condition`` be compiled for an arch with these
    HAVE_TIF_* switches? Only the switches are decided; any other part of a
    condition (a CONFIG_ option) may hold."""
    if not condition:
        return True
    for term in condition.split("&&"):
        found = defined_term(term)
        if found and found[1].startswith("HAVE_TIF_") and (found[1] in switches) == found[0]:
            return False
    return True


def table_widths(table: FlagTable, build: tuple[int, ...] | None) -> tuple[int, ...]:
    """Widths of one header's flags word: fixed by its C type, by a split
    header's suffix, else one per kernel the arch builds (``build``, from
    its Kconfig; without one, the header's own guess)."""
    if table.field_bits is not None:
        return (table.field_bits,)
    if table.path.endswith("_32.h"):
        return (32,)
    if table.path.endswith("_64.h"):
        return (64,)
    if build:
        return build
    if table.arch in ARCHES_64BIT_ONLY:
        return (64,)
    return (32, 64) if table.arch in ARCHES_64BIT else (table.width,)


def arch_view(arch: str, tables: Mapping[str, FlagTable], generic: bool,
              build: tuple[int, ...] | None) -> ArchView:
    own = [t for path, t in sorted(tables.items()) if t.arch == arch]
    switches = frozenset(s for t in own for s in t.switches)
    bits: list[ArchFlag] = []
    masks: list[ArchFlag] = []

    def add(table: FlagTable, origin: str) -> None:
        for flag in table.bits:
            if switch_holds(flag.condition, switches):
                bits.append(ArchFlag(flag.name, flag.value, table.path, origin, flag))
        for flag in table.masks:
            if switch_holds(flag.condition, switches):
                masks.append(ArchFlag(flag.name, flag.value, table.path, origin, flag))

    shared = tables.get(GENERIC_FLAG_HEADER)
    if generic and shared is not None:
        add(shared, "generic")
    for table in own:
        add(table, "own")
    fallback = tables.get(FALLBACK_HEADER)
    if fallback is not None:
        _add_fallbacks(fallback, bits, masks)
    widths = sorted({w for t in own for w in table_widths(t, build)}
                    or set(build or (32,)))
    return ArchView(arch, generic, switches, tuple(widths), tuple(bits), tuple(masks))


def _add_fallbacks(table: FlagTable, bits: list[ArchFlag], masks: list[ArchFlag]) -> None:
    """``#ifndef TIF_X`` / ``#define TIF_X TIF_Y``: TIF_X, with TIF_Y's value,
    for an arch that lacks it."""
    lacking = {f.name for f in bits}
    for source, found in ((table.bits, bits), (table.masks, masks)):
        have = {f.name: f for f in found}
        for flag in source:
            guard = defined_term(flag.condition)
            if guard is None or not guard[0] or guard[1] in lacking or flag.name in have:
                continue  # not an #ifndef fallback, or the arch has the flag
            target = have.get(flag.alias_of or "")
            value = target.value if target is not None else flag.value
            have[flag.name] = ArchFlag(flag.name, value, table.path, "fallback", flag)
            found.append(have[flag.name])


def free_bits(view: ArchView, limit: int = 4) -> list[int]:
    """The lowest bits no flag of the arch uses, within its narrowest word,
    from 16 on an arch that takes the generic bits (which keep 0-15)."""
    taken = {f.value for f in view.bits if f.value is not None}
    start = FIRST_ARCH_BIT if view.generic else 0
    return [b for b in range(start, min(view.widths)) if b not in taken][:limit]
