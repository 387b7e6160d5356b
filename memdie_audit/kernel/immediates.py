"""What an assembly line does with a flag: which instruction, which operand,
whether that operand is a mask or a bit number, and whether the
instruction can encode the value it gets on that ISA.

The instruction table is data (``data/asm_immediates.json``, one entry per
instruction with where its rule comes from); this module reads lines and
knows the immediate classes.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import cache
from importlib import resources

from .paths import ASM_LINE_COMMENTS

_LABEL = re.compile(r"^\s*(?:[A-Za-z_.$][\w.$]*|\d+)\s*:")
_MNEMONIC = re.compile(r"\s*([A-Za-z_.][\w.]*)((?:,[^\s,]*)*)\s*")


@dataclass(frozen=True)
class Instruction:
    """One instruction's immediate operand, as the table describes it."""

    mnemonic: str
    takes: str  # "mask" or "bit"
    operand: int
    klass: str
    source: str


@dataclass(frozen=True)
class AsmLine:
    """An assembly line read as ``mnemonic[,completers] op, op, ...``."""

    mnemonic: str
    completers: str  # parisc ``,<,n``
    operands: tuple[tuple[int, str], ...]  # (column of its first character, text)

    def operand_at(self, column: int) -> int | None:
        """The index of the operand holding 1-based ``column``."""
        for index, (start, text) in enumerate(self.operands):
            if start <= column < start + len(text):
                return index
        return None


@cache
def _table() -> dict[str, dict[str, Instruction]]:
    raw = json.loads(resources.files(__package__).joinpath("data/asm_immediates.json")
                     .read_text(encoding="utf-8"))
    return {arch: {m: Instruction(m, e["takes"], e["operand"], e["class"], e["source"])
                   for m, e in entries.items()}
            for arch, entries in raw.items() if not arch.startswith("_")}


def instruction(arch: str | None, mnemonic: str) -> Instruction | None:
    entries = _table().get(arch or "", {})
    return entries.get(mnemonic) or entries.get(mnemonic.lower()) \
        if mnemonic in entries or mnemonic.lower() in entries else None


def strip_comment(text: str, arch: str | None) -> str:
    """The line without its comments, columns kept (comments become spaces)."""
    out = re.sub(r"/\*.*?(\*/|$)", lambda m: " " * len(m.group()), text)
    cut = len(out)
    for mark in ("//", *ASM_LINE_COMMENTS.get(arch or "", ())):
        at = out.find(mark)
        if at >= 0:
            cut = min(cut, at)
    return out[:cut]


def read_line(text: str, arch: str | None) -> AsmLine | None:
    """The instruction of one assembly line, or None (a directive, a label
    alone, a preprocessor line)."""
    code = strip_comment(text, arch)
    start = 0
    while m := _LABEL.match(code, start):
        start = m.end()
    m = _MNEMONIC.match(code, start)
    if not m or code.lstrip().startswith("#"):
        return None
    operands: list[tuple[int, str]] = []
    depth, begin = 0, m.end()
    for i in range(m.end(), len(code) + 1):
        ch = code[i] if i < len(code) else ","
        if ch in "([":
            depth += 1
        elif ch in ")]":
            depth -= 1
        elif ch == "," and depth <= 0:
            piece = code[begin:i]
            lead = len(piece) - len(piece.lstrip())
            operands.append((begin + lead + 1, piece.strip()))
            begin = i + 1
    if operands == [(m.end() + 1, "")]:
        operands = []
    return AsmLine(m.group(1), m.group(2), tuple(operands))


def immediate_text(operand: str) -> str:
    """An operand without its immediate marker (``#`` arm, ``$`` x86)."""
    return operand.lstrip("#$").strip()


# -- immediate classes ------------------------------------------------------------------

def _rotl32(v: int, n: int) -> int:
    return ((v << n) | (v >> (32 - n))) & 0xFFFFFFFF if n else v


def arm_modified(value: int) -> bool:
    """ARM state: an 8-bit value rotated right by an even amount."""
    v = value & 0xFFFFFFFF
    return any(_rotl32(v, r) <= 0xFF for r in range(0, 32, 2))


def thumb2_modified(value: int) -> bool:
    """Thumb-2: 0x000000XY, 0x00XY00XY, 0xXY00XY00, 0xXYXYXYXY, or an
    8-bit value with its top bit set shifted left by 1-24 (no wrap-around,
    unlike ARM state)."""
    v = value & 0xFFFFFFFF
    b = v & 0xFF
    if v <= 0xFF or v == b * 0x00010001 or v == b * 0x01010101:
        return True
    if v == ((v >> 8) & 0xFF) * 0x01000100:
        return True
    shift = v.bit_length() - 8
    return (v >> shift) << shift == v


def arm64_logical(value: int, width: int) -> bool:
    """A bitmask immediate: an element of 2..width bits, a rotated run of
    ones, repeated; neither 0 nor all ones."""
    full = (1 << width) - 1
    v = value & full
    if v in (0, full):
        return False
    size = width
    while size > 2:  # the smallest repeating element
        half = size // 2
        if (v & ((1 << half) - 1)) != (v >> half) & ((1 << half) - 1):
            break
        size = half
    element = v & ((1 << size) - 1)
    mask = (1 << size) - 1
    for r in range(size):
        rotated = ((element >> r) | (element << (size - r))) & mask
        if rotated & (rotated + 1) == 0:  # of the form 0..01..1
            return True
    return False


def _fits(value: int, bits: int, signed: bool) -> bool:
    return -(1 << (bits - 1)) <= value < (1 << (bits - 1)) if signed \
        else 0 <= value < (1 << bits)


_RANGES = {"u8": (8, False), "s8": (8, True), "u12": (12, False), "s12": (12, True),
           "s13": (13, True), "s14": (14, True), "u16": (16, False), "s16": (16, True),
           "s32": (32, True), "any32": (32, False), "any64": (64, False)}


def encodes(klass: str, value: int, *, width: int = 64) -> tuple[bool, str]:
    """Can an immediate of ``klass`` hold ``value``? With a few words on the
    class for a message."""
    if klass in _RANGES:
        bits, signed = _RANGES[klass]
        what = f"a {bits}-bit {'signed' if signed else 'unsigned'} immediate"
        if klass.startswith("any"):
            return 0 <= value < (1 << bits) or -(1 << (bits - 1)) <= value < 0, what
        return _fits(value, bits, signed), what
    if klass == "arm-modified":
        ok = arm_modified(value), thumb2_modified(value)
        return all(ok), _arm_words(ok)
    if klass == "arm-modified-or-inverted":
        inverted = ~value & 0xFFFFFFFF
        ok = (arm_modified(value) or arm_modified(inverted),
              thumb2_modified(value) or thumb2_modified(inverted))
        return all(ok), _arm_words(ok)
    if klass == "arm64-logical":
        return arm64_logical(value, width), "a logical (bitmask) immediate"
    if klass == "arm64-mov":
        v = value & ((1 << width) - 1)
        wide = any(v & ~(0xFFFF << s) == 0 for s in range(0, width, 16))
        inverted = ~value & ((1 << width) - 1)
        wide = wide or any(inverted & ~(0xFFFF << s) == 0 for s in range(0, width, 16))
        return wide or arm64_logical(value, width), "a MOVZ/MOVN or bitmask immediate"
    if klass == "one-byte":
        ok = value > 0 and any(value & ~(0xFF << s) == 0 for s in range(0, 64, 8))
        return ok, "a non-zero mask within one byte"
    raise ValueError(f"unknown immediate class {klass}")


def _arm_words(ok: tuple[bool, bool]) -> str:
    if not ok[0] and not ok[1]:
        return "a modified immediate in ARM or Thumb-2 state"
    return "a modified immediate in " + ("Thumb-2 state" if ok[0] else "ARM state")


def bit_range(klass: str, line: AsmLine, operand: str) -> tuple[int, str] | None:
    """How many bits a bit-test instruction numbers, and how: None where
    the operands do not say."""
    if klass == "bit32":
        return 32, "a 32-bit register"
    if klass == "bit64":
        return 64, "a 64-bit operand"
    if klass == "bit-by-register":
        register = line.operands[0][1].lower() if line.operands else ""
        if register.startswith("x"):
            return 64, "an X register"
        if register.startswith("w"):
            return 32, "a W register"
        return None
    if klass == "bit-by-m68k-operand":
        target = line.operands[1][1] if len(line.operands) > 1 else ""
        if re.fullmatch(r"%?[dD][0-7]", target):
            return 32, "a data register"
        return 8, "a byte in memory"
    if klass == "bit-parisc":
        return (64, "a 64-bit register (counted from the top)") if "*" in line.completers \
            else (32, "a 32-bit word (counted from the top)")
    raise ValueError(f"unknown bit class {klass}")
