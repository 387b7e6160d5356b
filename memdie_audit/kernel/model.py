"""What reading kernel C produces: occurrences of a flag and flag tables.

All are small immutable values so that snapshots can share them between the
commits of a series and reporters can serialise them without surprises.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

_CONTROL = {c: f"\\x{c:02x}" for c in range(32)} | {9: "\\t", 10: "\\n", 13: "\\r"}


_SOURCE_CONTROL = {c: e for c, e in _CONTROL.items() if c != 9}


def one_line(path: str) -> str:
    """A path as one line of compiler-style output: control characters
    (a newline in a file name) written as escapes."""
    return path.translate(_CONTROL)


def source_line(text: str) -> str:
    """A line of source as printed after its ``path:line:col:``: tabs and
    indentation kept, so the column counts to the token; other control
    characters escaped."""
    return text.rstrip().translate(_SOURCE_CONTROL)


class Kind(str, Enum):
    """What one token of the symbol is, in kernel terms."""

    DEFINITION = "definition"  # #define TIF_X ...
    MASK = "mask"  # #define _TIF_X ...
    USE = "use"  # any code reference: C expression, macro body, assembly
    COMMENT = "comment"
    STRING = "string"
    DOC = "doc"  # Documentation, Kconfig, any other non-code text

    def __str__(self) -> str:
        return self.value


CODE_KINDS = frozenset({Kind.DEFINITION, Kind.MASK, Kind.USE})
TEXT_KINDS = frozenset({Kind.COMMENT, Kind.STRING, Kind.DOC})


@dataclass(frozen=True)
class Occurrence:
    """One token of SYMBOL or _SYMBOL in one file.

    ``line`` and ``column`` are 1-based; the column counts bytes, as
    ``git grep --column`` does. ``guarded`` is true for a reference that only
    tests whether the symbol is defined (``#ifdef TIF_X``), which can never
    break a build. ``fallback`` is true where the C around the token did not
    parse and the kind was decided lexically. ``configs`` are the options the
    ``#ifdef CONFIG_X`` blocks around it need: an arch whose Kconfig cannot
    enable them never compiles it.
    """

    path: str
    line: int
    column: int
    token: str
    kind: Kind
    arch: str | None
    function: str | None
    text: str
    guarded: bool = False
    fallback: bool = False
    # config options (no CONFIG_ prefix) the #if blocks around it need enabled
    configs: frozenset[str] = frozenset()
    # a call of a macro that pastes the flag's name (``test_syscall_work(X)``):
    # the macro, and the options whose being enabled selects its other branch
    via: str | None = None
    unless: frozenset[str] = frozenset()

    def __str__(self) -> str:
        return f"{one_line(self.path)}:{self.line}:{self.column}: {self.kind}: {self.text.strip()}"

    @property
    def is_reference(self) -> bool:
        """A use that needs a definition to compile."""
        return self.kind is Kind.USE and not self.guarded


@dataclass(frozen=True)
class FlagDef:
    """One ``TIF_*`` bit or ``_TIF_*`` mask in a flag header.

    ``value`` is the evaluated number, or None when the expression could not
    be computed; ``expr`` keeps the text as written. ``condition`` is the
    preprocessor condition around the definition, as written (None at top
    level); ``context`` identifies the exact #if branch chain so that flags in
    exclusive branches are not compared with each other.
    """

    name: str
    expr: str
    value: int | None
    line: int
    condition: str | None
    context: tuple[tuple[int, int], ...] = ()
    alias_of: str | None = None
    column: int | None = None

    @property
    def is_mask(self) -> bool:
        return self.name.startswith("_") or self.name.endswith("_MASK")


@dataclass(frozen=True)
class FlagTable:
    """Every bit and mask of one flag header (``arch/*/include/asm/thread_info*.h``)."""

    path: str
    arch: str | None
    width: int
    bits: tuple[FlagDef, ...]
    masks: tuple[FlagDef, ...]
    # HAVE_TIF_* switches the header defines: which optional bits of the
    # generic header the arch opts into
    switches: frozenset[str] = frozenset()
    # bits of thread_info.flags where its C type fixes them (u32, int, u64);
    # None for unsigned long, whose width is the build's word size
    field_bits: int | None = None

    def bit(self, name: str) -> FlagDef | None:
        return next((f for f in self.bits if f.name == name), None)

    def mask(self, name: str) -> FlagDef | None:
        return next((f for f in self.masks if f.name == name), None)
