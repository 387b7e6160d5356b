"""Records of the arch table, and the line language its layouts are written in.

The tables themselves are ``data/arch_layouts.json`` (Linux 4.9) and
``data/modern/arch_layouts.json`` (v6.19). Bit numbers, flag names, the
mask idiom and the type of the flags field are facts about those releases
(and, for riscv/loongarch in the 4.9 table, about trees that share bits
through ``include/asm-generic/thread_info_tif.h``); the wording of every
comment is ours. Each arch has ``name``, ``headers`` and optionally
``bits64`` ("" 32-bit only; "only": ``def_bool y``; "optional": a prompt;
"selected": a plain bool that ``bits64_option`` selects), ``generic_bits``
and ``kconfig_selects``. Each
header has ``width``, ``style`` (a key of ``mask_styles.json``, or "none" when it
defines no single-bit masks), ``layout``, and optionally ``suffix`` (of its
file name), ``field`` (the flags member, when not the usual ``field``),
``composites`` (masks written out by hand), ``hex_bits`` and ``spaces``
(align with spaces instead of tabs).

A layout is a list of lines, so the table stays readable:

    NAME BIT note      a bit with a same-line comment (``=``: the standard
                       wording of ``notes``)
    -NAME BIT ...      the same, but the header defines no ``_TIF_NAME`` mask
    | text             continues the previous comment on the next line
    #...               a preprocessor line, copied as is
    > text             any other line, copied as is
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

SYMBOL = "MEMDIE"  # the flag the series removes, without TIF_


@dataclass(frozen=True)
class Bit:
    """One ``#define TIF_NAME BIT`` line of a layout."""

    name: str  # without the TIF_ prefix
    bit: int
    note: str = ""
    more: str = ""  # second comment line: a comment that spans lines
    mask: bool = True


@dataclass(frozen=True)
class Raw:
    """A layout line copied verbatim (preprocessor or comment)."""

    text: str


@dataclass(frozen=True)
class HeaderSpec:
    path: str
    field: str  # the flags member of struct thread_info, as declared
    width: int  # bits the flags word holds
    style: str  # key of the mask styles; "none" when no single masks exist
    layout: tuple[Bit | Raw, ...]
    composites: tuple[str, ...] = ()  # composite masks, written out by hand
    hex_bits: bool = False
    spaces: bool = False  # align with spaces instead of tabs


@dataclass(frozen=True)
class ArchSpec:
    name: str
    headers: tuple[HeaderSpec, ...]
    bits64: str = ""  # "" 32-bit only, "only" 64-bit only, "optional"/"selected" both
    generic_bits: bool = False
    kconfig_selects: tuple[str, ...] = ()
    bits64_option: str = ""  # with "selected": the option that selects 64BIT


def parse_layout(lines: Iterable[str], notes: Mapping[str, str]) -> tuple[Bit | Raw, ...]:
    items: list[Bit | Raw] = []
    for line in lines:
        line = line.strip()
        if not line:
            continue
        if line.startswith("#"):
            items.append(Raw(line))
        elif line.startswith(">"):
            items.append(Raw(line[2:]))
        elif line.startswith("|"):
            last = items[-1]
            assert isinstance(last, Bit), line
            items[-1] = Bit(last.name, last.bit, last.note, line[2:], last.mask)
        else:
            name, bit, *words = line.split(None, 2)
            note = words[0] if words else ""
            mask = not name.startswith("-")
            name = name.lstrip("-")
            items.append(Bit(name, int(bit, 0), notes[name] if note == "=" else note, "", mask))
    return tuple(items)


def memdie_bits(spec: HeaderSpec) -> list[Bit]:
    return [b for b in spec.layout if isinstance(b, Bit) and b.name == SYMBOL]
