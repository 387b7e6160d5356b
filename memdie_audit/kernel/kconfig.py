"""What an arch's Kconfig says about its flag word: whether it takes the
generic TIF bits, and which kernels it builds (32-bit, 64-bit or both)."""

from __future__ import annotations

import re

KCONFIG = re.compile(r"^arch/([^/]+)/Kconfig$")
_SELECTS_GENERIC_BITS = re.compile(rb"(?m)^[ \t]*select[ \t]+HAVE_GENERIC_TIF_BITS\b")
_CONFIG_64BIT = re.compile(rb"(?m)^config[ \t]+64BIT[ \t]*\r?$")
_NEXT_ENTRY = re.compile(rb"(?m)^(?:config|menuconfig|choice|endchoice|menu|endmenu|if|endif|"
                         rb"source|comment)\b")


def kconfig_arch(path: str) -> str | None:
    """``arch/<arch>/Kconfig`` → arch."""
    m = KCONFIG.match(path)
    return m.group(1) if m else None


def selects_generic_bits(data: bytes) -> bool:
    return _SELECTS_GENERIC_BITS.search(data) is not None


def build_widths(data: bytes) -> tuple[int, ...]:
    """The word sizes of the kernels an arch builds, from its ``config 64BIT``:
    none → 32-bit only; ``def_bool y`` (or a prompt-less ``bool`` that
    defaults to y) → 64-bit only; a prompt, a ``def_bool`` of another option
    or a ``bool`` selected elsewhere → both."""
    m = _CONFIG_64BIT.search(data)
    if m is None:
        return (32,)
    rest = data[m.end():]
    end = _NEXT_ENTRY.search(rest)
    body = rest[:end.start() if end else len(rest)]
    lines = [line.strip() for line in body.splitlines() if line.strip()]
    if any(re.fullmatch(rb"def_bool[ \t]+y", line) for line in lines):
        return (64,)
    prompted = any(re.match(rb'(bool|def_bool)[ \t]+"', line) for line in lines)
    defaults_y = any(re.fullmatch(rb"default[ \t]+y", line) for line in lines)
    if not prompted and defaults_y and any(line == b"bool" for line in lines):
        return (64,)
    return (32, 64)
