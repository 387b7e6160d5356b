"""What a path means in a kernel tree: its arch, whether it is a flag header,
which language its text is in."""

from __future__ import annotations

import re

# arch/<arch>/include/asm/thread_info.h, thread_info_32.h, thread_info_64.h ...
FLAG_HEADER = re.compile(r"^arch/([^/]+)/include/asm/thread_info[^/]*\.h$")
GENERIC_FLAG_HEADER = "include/asm-generic/thread_info_tif.h"
GENERIC = "generic"

# Arches that build 64-bit kernels, where an ``unsigned long`` flags word has
# 64 bits. Reading the type alone cannot tell; a 32-bit-only arch gets 32.
ARCHES_64BIT = frozenset(
    {
        "alpha", "arm64", "ia64", "loongarch", "mips", "parisc", "powerpc", "riscv",
        "s390", "sh", "sparc", "tile", "um", "x86",
    }
)

# Line-comment characters of each arch's assembler (after the C preprocessor
# has run, /* */ and // are comments everywhere). '#' is only a comment where
# the assembler does not use it for immediates.
ASM_LINE_COMMENTS: dict[str, tuple[str, ...]] = {
    "alpha": ("#",), "arc": (";",), "arm": ("@",), "arm64": ("//",),
    "c6x": (";",), "cris": (";",), "h8300": (";",), "hexagon": ("//",),
    "ia64": ("//",), "loongarch": ("#",), "m32r": (";",), "m68k": ("|",),
    "microblaze": ("#",), "mips": ("#",), "mn10300": ("#",), "nios2": ("#",),
    "openrisc": ("#",), "parisc": (";",), "powerpc": ("#",), "riscv": ("#",),
    "s390": ("#",), "score": ("#",), "sh": ("!",), "sparc": ("!",), "tile": ("#",),
    "um": ("#",), "unicore32": ("@",), "x86": ("#",), "xtensa": ("#",),
}

C_SUFFIXES = (".c", ".h")
ASM_SUFFIXES = (".S", ".s")
# Other languages whose comments and strings look like C's.
C_LIKE_SUFFIXES = (".rs", ".dts", ".dtsi", ".lds", ".cc", ".cpp")


def arch_of(path: str) -> str | None:
    """``arch/<name>/…`` → name; ``include/asm-generic/…`` → generic; else None."""
    if path.startswith("arch/"):
        name = path.split("/", 2)[1]
        return name if "/" in path[5:] else None
    if path.startswith("include/asm-generic/"):
        return GENERIC
    return None


def is_flag_header(path: str) -> bool:
    return path == GENERIC_FLAG_HEADER or FLAG_HEADER.match(path) is not None


def language_of(path: str) -> str:
    """``c`` (parsed with tree-sitter), ``asm``, ``c-like`` (lexed as C) or ``text``."""
    if path.endswith(C_SUFFIXES):
        return "c"
    if path.endswith(ASM_SUFFIXES):
        return "asm"
    if path.endswith(C_LIKE_SUFFIXES):
        return "c-like"
    return "text"


def flags_width(arch: str | None, path: str, field_type: str | None) -> int:
    """Bits in ``thread_info.flags`` for a header, from the field's C type."""
    words = (field_type or "").split()
    if words and (words[-1] in {"__u32", "u32", "int", "uint32_t"}):
        return 32
    if words and (words[-1] in {"__u64", "u64", "uint64_t"} or words[-2:] == ["long", "long"]):
        return 64
    if path.endswith("_32.h"):
        return 32
    if path.endswith("_64.h") or arch in ARCHES_64BIT:
        return 64
    # The generic header reserves bits 16-31 for arches: it is a 32-bit space.
    return 32 if arch is not None else 64
