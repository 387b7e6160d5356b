"""What a path means in a kernel tree: its arch, whether it is a flag header,
which language its text is in."""

from __future__ import annotations

import re

# arch/<arch>/include/asm/thread_info.h, thread_info_32.h, thread_info_64.h ...
FLAG_HEADER = re.compile(r"^arch/([^/]+)/include/asm/thread_info[^/]*\.h$")
GENERIC_FLAG_HEADER = "include/asm-generic/thread_info_tif.h"
# Common fallbacks (#ifndef TIF_RSEQ / #define TIF_RSEQ TIF_NOTIFY_RESUME)
FALLBACK_HEADER = "include/linux/thread_info.h"
GENERIC = "generic"
# Arch folders another arch builds: arch/x86/um/ is user-mode Linux's x86
# half, compiled by um (with SUBARCH=x86), never by x86 itself.
BUILT_BY = {"arch/x86/um/": "um"}

# Arches that build 64-bit kernels, where an ``unsigned long`` flags word has
# 64 bits. Reading the type alone cannot tell; a 32-bit-only arch gets 32.
# The arch's Kconfig (config 64BIT) says which kernels it builds; these are
# the facts of Linux 4.9 to v6.19 for a tree whose Kconfig is not at hand.
ARCHES_64BIT = frozenset(
    {
        "alpha", "arm64", "ia64", "loongarch", "mips", "parisc", "powerpc", "riscv",
        "s390", "sh", "sparc", "tile", "um", "x86",
    }
)
ARCHES_64BIT_ONLY = frozenset({"alpha", "arm64", "ia64", "loongarch", "s390"})

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
    """``arch/<name>/…`` → name (the arch that builds it: see BUILT_BY);
    ``include/asm-generic/…`` → generic; else None."""
    if path.startswith("arch/"):
        builder = next((arch for prefix, arch in BUILT_BY.items() if path.startswith(prefix)),
                       None)
        if builder:
            return builder
        name = path.split("/", 2)[1]
        return name if "/" in path[5:] else None
    if path.startswith("include/asm-generic/"):
        return GENERIC
    return None


_ASM_OFFSETS = re.compile(r"^arch/[^/]+/kernel/asm-offsets[^/]*\.c$")
_INCLUDES_OFFSETS = re.compile(
    rb"^[ \t]*#[ \t]*include[ \t]*[<\"](?:asm|generated)/asm-offsets\.h[>\"]", re.M)


def is_asm_offsets(path: str) -> bool:
    """An arch's asm-offsets.c, whose ``DEFINE()``s become <asm/asm-offsets.h>."""
    return _ASM_OFFSETS.match(path) is not None


def includes_asm_offsets(data: bytes) -> bool:
    return _INCLUDES_OFFSETS.search(data) is not None


def is_flag_header(path: str) -> bool:
    """A header whose TIF_* bits some arch sees: an arch's own, the generic
    one, or the common fallbacks."""
    return path in (GENERIC_FLAG_HEADER, FALLBACK_HEADER) or FLAG_HEADER.match(path) is not None


def language_of(path: str) -> str:
    """``c`` (parsed with tree-sitter), ``asm``, ``c-like`` (lexed as C) or ``text``."""
    if path.endswith(C_SUFFIXES):
        return "c"
    if path.endswith(ASM_SUFFIXES):
        return "asm"
    if path.endswith(C_LIKE_SUFFIXES):
        return "c-like"
    return "text"


def field_bits(field_type: str | None) -> int | None:
    """Bits of ``thread_info.flags`` fixed by its C type; None where the type
    (``unsigned long``) takes the build's word size."""
    words = (field_type or "").split()
    if words and words[-1] in {"__u32", "u32", "int", "uint32_t"}:
        return 32
    if words and (words[-1] in {"__u64", "u64", "uint64_t"} or words[-2:] == ["long", "long"]):
        return 64
    return None


def flags_width(arch: str | None, path: str, field_type: str | None) -> int:
    """Bits in ``thread_info.flags`` of a header's widest build, from the
    field's C type (the narrowest build of each arch: see archview)."""
    fixed = field_bits(field_type)
    if fixed is not None:
        return fixed
    if path.endswith("_32.h"):
        return 32
    if path.endswith("_64.h") or arch in ARCHES_64BIT:
        return 64
    # The generic header reserves bits 16-31 for arches: it is a 32-bit space.
    return 32 if arch is not None else 64
