"""Rules on what each arch sees: its own bits together with the generic
ones it takes, and the widths of the kernels it builds."""

from __future__ import annotations

import re
from collections.abc import Iterator

from ..kernel.archview import FIRST_ARCH_BIT, ArchView, table_widths
from ..kernel.model import FlagTable
from ..kernel.snapshot import Snapshot
from ..result import Finding, Related, Severity
from .registry import TREE, E, finding, rule


def _shifts_int(mask_expr: str, bit: str) -> bool:
    """``1 << TIF_X`` with a plain int 1: the shift is done in int."""
    return re.search(rf"(?<![\w.])1\s*<<\s*\(?\s*{re.escape(bit)}\b", mask_expr) is not None


def arch_findings(snapshot: Snapshot) -> Iterator[Finding]:
    """Findings on every arch's effective flag set."""
    for table in snapshot.tables.values():
        yield from bits_out_of_range(table, snapshot.build_widths.get(table.arch or ""))
    for view in snapshot.views.values():
        yield from generic_clashes(view)
        yield from reserved_bits(view)


def generic_clashes(view: ArchView) -> Iterator[Finding]:
    """duplicate-bit between an arch's own bit and a generic bit it takes:
    x86 moving TIF_SSBD to bit 4 lands on the generic TIF_NEED_RESCHED."""
    shared = {f.value: f for f in view.bits if f.origin == "generic" and f.value is not None
              and f.flag.alias_of is None}
    for own in view.bits:
        other = shared.get(own.value) if own.origin == "own" else None
        if other is None or own.flag.alias_of is not None or other.name == own.name:
            continue
        yield finding("duplicate-bit",
                      f"{own.name} and the generic {other.name} share bit {own.value} on "
                      f"{view.arch}", symbol=own.name, path=own.path, line=own.flag.line,
                      column=own.flag.column, arch=view.arch, names=(own.name, other.name),
                      related=[Related(other.path, other.flag.line, "generic",
                                       f"{other.name} is generic bit {other.value}")])


def reserved_bits(view: ArchView) -> Iterator[Finding]:
    """An arch on the generic bits numbering its own below 16: the generic
    header keeps those for itself, and its next bit will clash."""
    if not view.generic:
        return
    taken = {f.value for f in view.bits if f.origin == "generic"}
    for own in view.bits:
        if own.origin == "own" and own.value is not None and own.flag.alias_of is None \
                and 0 <= own.value < FIRST_ARCH_BIT and own.value not in taken:
            yield finding("bit-range",
                          f"{own.name} is bit {own.value}, but the generic header keeps bits "
                          f"0-{FIRST_ARCH_BIT - 1} for itself: number arch bits from "
                          f"{FIRST_ARCH_BIT}", symbol=own.name, path=own.path,
                          line=own.flag.line, column=own.flag.column, arch=view.arch,
                          names=(own.name,), severity=Severity.WARNING)


@rule("bit-range", E, TREE, "a flag bit beyond the width of thread_info.flags")
def bits_out_of_range(table: FlagTable, build: tuple[int, ...] | None = None
                      ) -> Iterator[Finding]:
    """The bit does not fit the ``flags`` word of ``struct thread_info`` in
    the narrowest kernel the arch builds (32 bits for ``u32``, and for
    ``unsigned long`` on an arch that builds 32-bit kernels: x86, mips,
    powerpc, parisc, sparc, riscv; ``build`` gives those widths from the
    arch's Kconfig), or its mask shifts a plain ``int`` past bit 31.
    ``#define TIF_IO_BITMAP 40`` on x86 breaks i386. A bit 31 with an int
    mask (mips) is legal kernel practice: a note."""
    if table.arch is None:
        return
    widths = table_widths(table, build)
    narrowest = min(widths)
    masks = {m.name: m for m in table.masks}
    for bit in table.bits:
        if bit.value is None or bit.alias_of is not None:
            continue
        mask = masks.get("_" + bit.name)
        int_mask = mask is not None and _shifts_int(mask.expr, bit.name)
        where = dict(symbol=bit.name, path=table.path, line=bit.line, column=bit.column,
                     arch=table.arch, names=(bit.name,))
        if not 0 <= bit.value < narrowest:
            kernels = f"{table.arch}'s {narrowest}-bit kernels" if len(widths) > 1 \
                else table.arch
            yield finding("bit-range", f"{bit.name} is bit {bit.value}, but thread_info.flags "
                          f"has {narrowest} bits on {kernels}", **where)
        elif int_mask and bit.value >= 32:
            yield finding("bit-range", f"{mask.name} is (1 << {bit.name}) with bit {bit.value}: "
                          "the shift overflows an int; write BIT() or 1UL", **where)
        elif int_mask and bit.value == 31:
            yield finding("bit-range", f"{mask.name} is (1 << {bit.name}) with bit 31: a "
                          "negative int, as the kernel writes it on purpose",
                          severity=Severity.NOTE, **where)
