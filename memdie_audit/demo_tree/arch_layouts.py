"""The arch table, read from ``data/arch_layouts.json``, and the facts about
it that tests compare against."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from .flag_users import ASM_FILES
from .layout import SYMBOL, ArchSpec, Bit, HeaderSpec, memdie_bits, parse_layout
from .template import load

GENERIC_PATH = "include/asm-generic/thread_info_tif.h"
SPARC_DISPATCH = "arch/sparc/include/asm/thread_info.h"

_TABLE: dict[str, Any] = json.loads(load("arch_layouts.json"))
_NOTES: dict[str, str] = _TABLE["notes"]

# style -> the mask of one flag, with ``{}`` for the flag's name
MASK_STYLES: dict[str, str] = {k: v["mask"] for k, v in _TABLE["mask_styles"].items()}
# What each idiom needs included before it can be used.
STYLE_INCLUDES: dict[str, str] = {k: v["include"] for k, v in _TABLE["mask_styles"].items()
                                  if "include" in v}
# Bits 0-15 of the generic header (facts of newer trees; our wording).
GENERIC_LAYOUT = parse_layout(_TABLE["generic_layout"], _NOTES)


def _header(arch: str, spec: dict[str, Any]) -> HeaderSpec:
    return HeaderSpec(
        path=f"arch/{arch}/include/asm/thread_info{spec.get('suffix', '')}.h",
        field=spec.get("field", _TABLE["field"]),
        width=spec["width"],
        style=spec["style"],
        layout=parse_layout(spec["layout"], _NOTES),
        composites=tuple(spec.get("composites", ())),
        hex_bits=spec.get("hex_bits", False),
        spaces=spec.get("spaces", False),
    )


ARCHES: tuple[ArchSpec, ...] = tuple(
    ArchSpec(a["name"], tuple(_header(a["name"], h) for h in a["headers"]),
             bits64=a.get("bits64", ""), generic_bits=a.get("generic_bits", False),
             kconfig_selects=tuple(a.get("kconfig_selects", ())))
    for a in _TABLE["arches"]
)
ARCH_BY_NAME = {a.name: a for a in ARCHES}
HEADERS: dict[str, HeaderSpec] = {h.path: h for a in ARCHES for h in a.headers}
GENERIC_MEMDIE_BIT = next(b.bit for b in GENERIC_LAYOUT if isinstance(b, Bit) and b.name == SYMBOL)

# Headers that define the flag, and those that also define its mask, in the
# base tree: the series removes exactly these lines.
DEFINING_HEADERS = frozenset(
    [p for p, h in HEADERS.items() if memdie_bits(h)] + [GENERIC_PATH]
)
MASK_HEADERS = frozenset(
    [p for p, h in HEADERS.items() if any(b.mask for b in memdie_bits(h)) and h.style != "none"]
    + [GENERIC_PATH]
)


def _idiom(style: str) -> str:
    return MASK_STYLES[style].format("TIF_X") if style != "none" else "no single-bit masks"


@dataclass
class ArchFacts:
    """What the fixture put into the tree for one arch.

    ``headers`` are the flag headers the arch sees (its own, plus the generic
    header for ``generic_bits`` arches); ``memdie_bit`` maps each header that
    defines TIF_MEMDIE to its bit. ``flags_width`` is the smallest width over
    the arch's own headers: 32 for a 32-bit field type or an arch that builds
    32-bit kernels only, 64 for an ``unsigned long`` on an arch whose Kconfig
    offers 64BIT (``widths`` has it per header).
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


def _field_type(spec: HeaderSpec) -> str:
    decl = spec.field.splitlines()[-1].split("flags", 1)[0]
    return " ".join(decl.split())


def arch_facts() -> dict[str, ArchFacts]:
    facts = {}
    for arch in ARCHES:
        own = [h.path for h in arch.headers]
        memdie = {h.path: b.bit for h in arch.headers for b in memdie_bits(h)}
        has_mask = any(b.mask and h.style != "none" for h in arch.headers for b in memdie_bits(h))
        if arch.generic_bits:
            memdie[GENERIC_PATH] = GENERIC_MEMDIE_BIT
            has_mask = True
        facts[arch.name] = ArchFacts(
            name=arch.name,
            headers=tuple(own + ([GENERIC_PATH] if arch.generic_bits else [])),
            memdie_bit=memdie,
            has_mask=has_mask,
            generic_bits=arch.generic_bits,
            flags_width=min(h.width for h in arch.headers),
            widths={h.path: h.width for h in arch.headers},
            field_types={h.path: _field_type(h) for h in arch.headers},
            mask_idiom=", ".join(dict.fromkeys(_idiom(h.style) for h in arch.headers)),
            asm=tuple(p for p, (a, uses) in ASM_FILES.items() if a == arch.name and uses),
        )
    return facts
