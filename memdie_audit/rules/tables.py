"""Flag-table rules: what is wrong inside one flag header, in any tree."""

from __future__ import annotations

from collections.abc import Iterator

from ..kernel.flagtable import compatible
from ..kernel.model import FlagDef, FlagTable
from ..result import Finding, Related
from .registry import TREE, E, finding, rule


def table_findings(table: FlagTable) -> Iterator[Finding]:
    """duplicate-bit and mask-mismatch inside one flag header."""
    yield from duplicate_bits(table)
    yield from mask_mismatches(table)

@rule("duplicate-bit", E, TREE, "two flags of one header share a bit")
def duplicate_bits(table: FlagTable) -> Iterator[Finding]:
    """Two TIF_* flags of one header have the same bit number in
    preprocessor contexts that can be active together: setting one sets the
    other. ``#define TIF_A 3`` and ``#define TIF_B 3`` at top level: a
    thread marked A is also marked B. Flags in exclusive branches
    (``#ifdef X`` / ``#else``) and aliases (``#define TIF_32BIT
    TIF_32BIT_REGS``) are not duplicates."""
    bits = [f for f in table.bits if f.value is not None and f.alias_of is None]
    for i, later in enumerate(bits):
        for earlier in bits[:i]:
            if earlier.value == later.value and earlier.name != later.name and compatible(
                    earlier.context, later.context):
                yield finding("duplicate-bit",
                              f"{later.name} and {earlier.name} (line {earlier.line}) share "
                              f"bit {later.value}", symbol=later.name, path=table.path,
                              line=later.line, column=later.column, arch=table.arch,
                              names=(later.name, earlier.name),
                              related=[Related(table.path, earlier.line, table.arch,
                                               f"{earlier.name} is bit {earlier.value}")])
                break

@rule("mask-mismatch", E, TREE, "a mask is not 1 << its bit")
def mask_mismatches(table: FlagTable) -> Iterator[Finding]:
    """``_TIF_X`` must equal ``1 << TIF_X``; any other value tests or sets
    the wrong bit. ``#define _TIF_MEMDIE (1 << TIF_SIGPENDING)`` tests the
    wrong bit."""
    for mask in table.masks:
        if mask.value is None or not mask.name.startswith("_"):
            continue
        candidates = _bits_for(table, mask)
        bit = candidates[-1] if candidates else None
        # A mask listed per config branch matches the bit of its own branch.
        if any(b.value is not None and mask.value == 1 << b.value for b in candidates):
            continue
        if bit is not None and bit.value is not None:
            yield finding("mask-mismatch",
                          f"{mask.name} is {mask.value:#x}, but {bit.name} is bit {bit.value} "
                          f"({1 << bit.value:#x})", symbol=bit.name, path=table.path,
                          line=mask.line, column=mask.column, arch=table.arch,
                          names=(mask.name,),
                          related=[Related(table.path, bit.line, table.arch,
                                           f"{bit.name} is bit {bit.value}")])

def _bits_for(table: FlagTable, mask: FlagDef) -> list[FlagDef]:
    return [b for b in table.bits
            if b.name == mask.name[1:] and compatible(b.context, mask.context)]
