"""The arch tables, read from ``data/arch_layouts*.json``, and the facts
about them that tests compare against.

An ``ArchTable`` is one era's flag headers: Linux 4.9 (``arch_layouts.json``,
the module-level names below) or a v6.19-shaped tree
(``modern/arch_layouts.json``). The mask idioms are shared
(``mask_styles.json``).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from .flag_users import ASM_FILES
from .layout import SYMBOL, ArchSpec, Bit, HeaderSpec, Raw, memdie_bits, parse_layout
from .template import load

GENERIC_PATH = "include/asm-generic/thread_info_tif.h"
SPARC_DISPATCH = "arch/sparc/include/asm/thread_info.h"

_STYLES: dict[str, Any] = json.loads(load("mask_styles.json"))["styles"]
# style -> the mask of one flag, with ``{}`` for the flag's name
MASK_STYLES: dict[str, str] = {k: v["mask"] for k, v in _STYLES.items()}
# What each idiom needs included before it can be used.
STYLE_INCLUDES: dict[str, str] = {k: v["include"] for k, v in _STYLES.items() if "include" in v}

# The word sizes of the kernels an arch builds, by its Kconfig ``64BIT``:
# none (32-bit only), ``def_bool y``, a prompt, or a bool other options select.
BUILDS: dict[str, tuple[int, ...]] = {"": (32,), "only": (64,), "optional": (32, 64),
                                      "selected": (32, 64)}


@dataclass(frozen=True)
class ArchTable:
    """Every arch's flag headers in one era, and the generic header's bits."""

    arches: tuple[ArchSpec, ...]
    generic_layout: tuple[Bit | Raw, ...]

    @cached_property
    def by_name(self) -> dict[str, ArchSpec]:
        return {a.name: a for a in self.arches}

    @cached_property
    def headers(self) -> dict[str, HeaderSpec]:
        return {h.path: h for a in self.arches for h in a.headers}

    @cached_property
    def generic_memdie_bit(self) -> int:
        return next(b.bit for b in self.generic_layout
                    if isinstance(b, Bit) and b.name == SYMBOL)

    @cached_property
    def flag_headers(self) -> tuple[str, ...]:
        """Every flag header of the tree: the arches' own, and the generic
        one in an era that has it (Linux 4.9 has none)."""
        return (*self.headers, *self._generic)

    @cached_property
    def _generic(self) -> list[str]:
        return [GENERIC_PATH] if self.generic_layout else []

    @cached_property
    def defining_headers(self) -> frozenset[str]:
        """Headers that define the flag in the base tree (the generic one too)."""
        return frozenset([p for p, h in self.headers.items() if memdie_bits(h)] + self._generic)

    @cached_property
    def mask_headers(self) -> frozenset[str]:
        """Headers that also define its mask in the base tree."""
        return frozenset(
            [p for p, h in self.headers.items()
             if any(b.mask for b in memdie_bits(h)) and h.style != "none"] + self._generic)

    def free_bit(self, path: str) -> int:
        """The lowest bit no flag of header ``path`` takes in any preprocessor
        context (``#if`` arms and optional generic bits count as taken),
        within its range: 0-15 in the generic header, 16 and up in the own
        header of an arch that takes the generic bits, and never past the
        width of the flags word in the narrowest kernel the arch builds."""
        if path == GENERIC_PATH:
            layout, first, limit = self.generic_layout, 0, 16
        else:
            spec = self.headers[path]
            arch = self.by_name[path.split("/")[1]]
            layout, first = spec.layout, 16 if arch.generic_bits else 0
            limit = min(spec.width, *BUILDS[arch.bits64])
        taken = {b.bit for b in layout if isinstance(b, Bit)}
        return next(bit for bit in range(first, limit) if bit not in taken)

    def facts(self, asm: Mapping[str, tuple[str, bool]] = ASM_FILES) -> dict[str, ArchFacts]:
        """What the tree built from this table holds for each arch; ``asm``
        maps entry-code paths to (arch, tests the flag in the base tree)."""
        out = {}
        for arch in self.arches:
            own = [h.path for h in arch.headers]
            memdie = {h.path: b.bit for h in arch.headers for b in memdie_bits(h)}
            has_mask = any(b.mask and h.style != "none"
                           for h in arch.headers for b in memdie_bits(h))
            if arch.generic_bits:
                memdie[GENERIC_PATH] = self.generic_memdie_bit
                has_mask = True
            out[arch.name] = ArchFacts(
                name=arch.name,
                headers=tuple(own + ([GENERIC_PATH] if arch.generic_bits else [])),
                memdie_bit=memdie,
                has_mask=has_mask,
                generic_bits=arch.generic_bits,
                flags_width=min(h.width for h in arch.headers),
                widths={h.path: h.width for h in arch.headers},
                field_types={h.path: _field_type(h) for h in arch.headers},
                mask_idiom=", ".join(dict.fromkeys(_idiom(h.style) for h in arch.headers)),
                asm=tuple(p for p, (a, uses) in asm.items() if a == arch.name and uses),
                builds=BUILDS[arch.bits64],
                tif_switches=tuple(_switches(arch)),
            )
        return out


def read_table(name: str) -> ArchTable:
    """The arch table in ``data/<name>``."""
    table: dict[str, Any] = json.loads(load(name))
    notes: dict[str, str] = table["notes"]

    def header(arch: str, spec: dict[str, Any]) -> HeaderSpec:
        return HeaderSpec(
            path=f"arch/{arch}/include/asm/thread_info{spec.get('suffix', '')}.h",
            field=spec.get("field", table["field"]),
            width=spec["width"],
            style=spec["style"],
            layout=parse_layout(spec["layout"], notes),
            composites=tuple(spec.get("composites", ())),
            hex_bits=spec.get("hex_bits", False),
            spaces=spec.get("spaces", False),
        )

    arches = tuple(
        ArchSpec(a["name"], tuple(header(a["name"], h) for h in a["headers"]),
                 bits64=a.get("bits64", ""), generic_bits=a.get("generic_bits", False),
                 kconfig_selects=tuple(a.get("kconfig_selects", ())),
                 bits64_option=a.get("bits64_option", ""))
        for a in table["arches"]
    )
    return ArchTable(arches, parse_layout(table["generic_layout"], notes))


# The Linux 4.9 table: the demo tree's default era.
TABLE = read_table("arch_layouts.json")
ARCHES: tuple[ArchSpec, ...] = TABLE.arches
ARCH_BY_NAME = TABLE.by_name
HEADERS: dict[str, HeaderSpec] = TABLE.headers
# Flag headers of the 4.9 tree: the arches' own (4.9 had no generic bits).
FLAG_HEADERS = TABLE.flag_headers
# Headers that define the flag, and those that also define its mask, in the
# base tree: the series removes exactly these lines.
DEFINING_HEADERS = TABLE.defining_headers
MASK_HEADERS = TABLE.mask_headers


def _idiom(style: str) -> str:
    return MASK_STYLES[style].format("TIF_X") if style != "none" else "no single-bit masks"


def _switches(arch: ArchSpec) -> list[str]:
    """The ``HAVE_TIF_*`` switches an arch header defines before it includes
    the generic bits: the optional generic bits the arch takes."""
    return [item.text.split()[1] for h in arch.headers for item in h.layout
            if isinstance(item, Raw) and item.text.startswith("#define HAVE_TIF_")]


@dataclass
class ArchFacts:
    """What the fixture put into the tree for one arch.

    ``headers`` are the flag headers the arch sees (its own, plus the generic
    header for ``generic_bits`` arches); ``memdie_bit`` maps each header that
    defines TIF_MEMDIE to its bit. ``flags_width`` is the smallest width over
    the arch's own headers: 32 for a 32-bit field type or an arch that builds
    32-bit kernels only, 64 for an ``unsigned long`` on an arch whose Kconfig
    offers 64BIT (``widths`` has it per header). ``builds`` are the word
    sizes of the kernels the arch's Kconfig can build (``(32, 64)``: a bit
    must fit 32 bits to work everywhere); ``tif_switches`` the
    ``HAVE_TIF_*`` switches its header defines for the generic bits.
    """

    name: str
    headers: tuple[str, ...]
    memdie_bit: dict[str, int]
    has_mask: bool
    generic_bits: bool
    flags_width: int
    widths: dict[str, int] = field(default_factory=dict)
    field_types: dict[str, str] = field(default_factory=dict)
    mask_idiom: str = ""
    asm: tuple[str, ...] = ()  # entry code that tests the flag in the base tree
    builds: tuple[int, ...] = (32,)
    tif_switches: tuple[str, ...] = ()


def _field_type(spec: HeaderSpec) -> str:
    decl = spec.field.splitlines()[-1].split("flags", 1)[0]
    return " ".join(decl.split())


def arch_facts() -> dict[str, ArchFacts]:
    """The facts of the 4.9 tree."""
    return TABLE.facts()
