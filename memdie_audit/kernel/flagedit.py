"""Mechanical edits of one flag header, byte for byte: take a flag out (its
bit, its mask, and its term in composite masks such as ``_TIF_WORK_MASK``)
or put one in, next to its numeric neighbour and in the header's own idiom.

Only the bytes of the lines concerned change: the file's tabs, spaces,
comments and line endings stay as they are, so that a removal after an
addition gives back the original file.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from .lexer import Lexed, lex_c
from .model import FlagDef, FlagTable

_DEFINE = re.compile(rb"[ \t]*#[ \t]*define[ \t]+([A-Za-z_]\w*)")
_FIRST_LINE = re.compile(rb"([ \t]*#[ \t]*define[ \t]+)([A-Za-z_]\w*)([ \t]+)([^ \t\r\n]+)")
_BLANK = re.compile(rb"^[ \t]*\r?\n$")


@dataclass
class Removal:
    """The header after a removal, and what went, for the patch's body."""

    data: bytes
    removed: list[str] = field(default_factory=list)  # "TIF_X (bit 5)", "_TIF_X from _TIF_Y"
    unhandled: list[str] = field(default_factory=list)  # terms left for a person to take out


def logical_lines(lexed: Lexed) -> list[tuple[int, int]]:
    """(start, end) of every logical line, its newline included: a line
    continues after a ``\\`` and while a comment is open."""
    data, spans, start = lexed.data, [], 0
    position = 0
    while position < len(data):
        newline = data.find(b"\n", position)
        if newline < 0:
            spans.append((start, len(data)))
            break
        continued = data[:newline].rstrip(b"\r").endswith(b"\\") or lexed.in_comment(newline)
        position = newline + 1
        if not continued:
            spans.append((start, position))
            start = position
    return spans


def _defines(lexed: Lexed) -> list[tuple[str, int, int]]:
    found = []
    for start, end in logical_lines(lexed):
        m = _DEFINE.match(lexed.data, start)
        if m and m.start(1) < end and not lexed.in_comment(m.start(1)):
            found.append((m.group(1).decode(), start, end))
    return found


def _term(symbol: str) -> re.Pattern[bytes]:
    """The flag's mask as a composite mask writes it."""
    s = re.escape(symbol.encode())
    return re.compile(rb"(?<![\w])_" + s + rb"\b"
                      rb"|\(\s*1[UuLl]*\s*<<\s*" + s + rb"\s*\)"
                      rb"|(?<![\w])(?:BIT|BIT_ULL|_BITUL|_BITULL)\(\s*" + s + rb"\s*\)"
                      rb"|\(\s*_AC\(\s*1\s*,\s*UL\s*\)\s*<<\s*" + s + rb"\s*\)")


def remove_flag(data: bytes, symbol: str) -> Removal:
    """The header without ``symbol`` and ``_symbol``."""
    result = Removal(data)
    lexed = lex_c(data)
    values = _bit_values(lexed, symbol)
    own = [(s, e) for name, s, e in _defines(lexed) if name in (symbol, "_" + symbol)]
    for name, _s, _e in _defines(lexed):
        if name == symbol:
            result.removed.append(f"{name} (bit {values})" if values else name)
        elif name == "_" + symbol:
            result.removed.append(name)
    data = _delete(data, own)
    data = _drop_empty_fallback(data, symbol)
    # Composite masks: take the flag's term out of each OR, one at a time.
    while True:
        lexed = lex_c(data)
        edit = _next_term(lexed, symbol, result.unhandled)
        if edit is None:
            break
        name, start, end, replacement = edit
        data = data[:start] + replacement + data[end:]
        result.removed.append(f"_{symbol} from {name}")
    result.data = data
    return result


def _bit_values(lexed: Lexed, symbol: str) -> str:
    out = []
    for name, start, end in _defines(lexed):
        if name == symbol:
            m = _FIRST_LINE.match(lexed.data, start)
            if m and m.end() <= end:
                out.append(m.group(4).decode("utf-8", "replace"))
    return ", ".join(out)


def _delete(data: bytes, spans: list[tuple[int, int]]) -> bytes:
    """Delete whole logical lines; where a deleted run was a paragraph of its
    own (a blank line before and after it), one of the blank lines goes too."""
    if not spans:
        return data
    runs: list[list[int]] = []
    for start, end in sorted(spans):
        if runs and runs[-1][1] == start:
            runs[-1][1] = end
        else:
            runs.append([start, end])
    for run in runs:
        before_start = data.rfind(b"\n", 0, max(run[0] - 1, 0)) + 1 if run[0] else -1
        after_end = data.find(b"\n", run[1])
        before = data[before_start:run[0]] if before_start >= 0 else b""
        after = data[run[1]:after_end + 1] if after_end >= 0 else b""
        if _BLANK.match(before) and _BLANK.match(after):
            run[1] = after_end + 1
    out, last = [], 0
    for start, end in runs:
        out.append(data[last:start])
        last = end
    out.append(data[last:])
    return b"".join(out)


def _drop_empty_fallback(data: bytes, symbol: str) -> bytes:
    """``#ifndef TIF_X`` / ``#endif`` with nothing left between them."""
    s = re.escape(symbol.encode())
    empty = rb"(?m)^[ \t]*#[ \t]*ifndef[ \t]+" + s + rb"[ \t]*\r?\n[ \t]*#[ \t]*endif[^\n]*\n"
    return re.sub(empty, b"", data)


_SPACE = re.compile(rb"(?:[ \t]|\\\r?\n)*")


def _next_term(lexed: Lexed, symbol: str, unhandled: list[str]
               ) -> tuple[str, int, int, bytes] | None:
    """The next term of the flag inside another define that can be taken out
    of its OR: (the define's name, span to replace, replacement)."""
    data = lexed.data
    pattern = _term(symbol)
    for name, start, end in _defines(lexed):
        if name in (symbol, "_" + symbol) or f"{name}" in {u.split(" ")[0] for u in unhandled}:
            continue
        for m in pattern.finditer(data, start, end):
            if lexed.in_comment(m.start()) or m.start() < _DEFINE.match(data, start).end():
                continue
            span = _or_span(data, m.start(), m.end(), start)
            if span is None:
                unhandled.append(f"{name} (line {lexed.line_of(start)})")
                break
            return name, span[0], span[1], span[2]
    return None


def _or_span(data: bytes, a: int, b: int, line_start: int) -> tuple[int, int, bytes] | None:
    """What to cut so that ``a..b`` leaves an OR of masks: the term and the
    ``|`` after it, or the ``|`` before it when it comes last; the line's
    layout (continuations, alignment) kept where it can be."""
    after = _SPACE.match(data, b).end()
    if data[after:after + 1] == b"|" and data[after + 1:after + 2] != b"|":
        follow = _SPACE.match(data, after + 1).end()
        rest_of_line = data[after + 1:data.find(b"\n", after) + 1]
        own_line_start = data.rfind(b"\n", 0, a) + 1
        before_on_line = data[own_line_start:a]
        if re.fullmatch(rb"[ \t]*\\\r?\n", rest_of_line):
            if not before_on_line.strip():
                return own_line_start, after + 1 + len(rest_of_line), b""  # a line of its own
            if before_on_line.rstrip().endswith(b"|"):
                lead = len(before_on_line) - len(before_on_line.rstrip(b" \t"))
                return a - lead, after + 1, b""
        return a, follow, b""
    # Last term: cut from the operator before it, across continuations.
    j = a
    while j > line_start:
        if data[j - 1:j] in (b" ", b"\t"):
            j -= 1
        elif j - 2 >= line_start and data[j - 2:j] == b"\\\n":
            j -= 2
        elif j - 3 >= line_start and data[j - 3:j] == b"\\\r\n":
            j -= 3
        else:
            break
    if data[j - 1:j] == b"|" and data[j - 2:j - 1] != b"|":
        k = j - 1
        while k > line_start and data[k - 1:k] in (b" ", b"\t"):
            k -= 1
        return k, b, b""
    if data[j - 1:j] == b"(" and data[after:after + 1] == b")":
        return a, b, b"0"  # (_TIF_X) alone: an empty mask
    return None


# --- addition ----------------------------------------------------------------------


def main_bits(table: FlagTable) -> list[FlagDef]:
    """The header's main list of bits: those of its most common preprocessor
    context, aliases left out."""
    groups: dict[tuple, list[FlagDef]] = {}
    for flag in table.bits:
        if flag.alias_of is None and flag.value is not None:
            groups.setdefault(flag.context, []).append(flag)
    if not groups:
        return []
    return max(groups.values(), key=len)


def int_mask_idiom(table: FlagTable) -> bool:
    """Does the header write masks as ``(1 << TIF_X)`` with an int 1 (so its
    bits stop at 30)?"""
    template = _mask_template(table)
    return template is not None and re.search(rb"(?<![\w.])1\s*<<", template) is not None


def _mask_template(table: FlagTable) -> bytes | None:
    """A mask expression of the header with its bit's name as ``@``."""
    for bit in main_bits(table) or list(table.bits):
        mask = table.mask("_" + bit.name)
        if mask is not None and "\n" not in mask.expr and re.search(
                rf"\b{re.escape(bit.name)}\b", mask.expr):
            return re.sub(rf"\b{re.escape(bit.name)}\b", "@", mask.expr).encode()
    return None


def add_flag(data: bytes, table: FlagTable, symbol: str, bit: int) -> bytes:
    """The header with ``symbol`` at ``bit`` and its mask, each placed after
    its numeric neighbour and aligned as the neighbour is."""
    lexed = lex_c(data)
    by_line = {lexed.line_of(start): (name, start, end) for name, start, end in _defines(lexed)}
    bits = sorted(main_bits(table), key=lambda f: f.value or 0)
    if not bits:
        raise ValueError(f"{table.path} has no flag bits to place {symbol} next to")
    lower = [f for f in bits if (f.value or 0) < bit]
    neighbour = lower[-1] if lower else bits[0]
    _, n_start, n_end = by_line[neighbour.line]
    new_bit = _like(data[n_start:n_end], symbol, str(bit) if not _is_hex(data, n_start)
                    else f"{bit:#x}")
    template = _mask_template(table)
    mask_expr = (template or b"(1 << @)").replace(b"@", symbol.encode())
    mask_def = table.mask("_" + neighbour.name)
    mask_span = by_line.get(mask_def.line) if mask_def is not None else None
    if mask_span is not None:
        new_mask = _like(data[mask_span[1]:mask_span[2]], "_" + symbol, mask_expr.decode())
    else:
        new_mask = _like(data[n_start:n_end], "_" + symbol, mask_expr.decode())
    if mask_span is not None and mask_span[1] == n_end:
        # bit and mask as a pair, often a paragraph of their own
        if lower:
            after = mask_span[2]
            blank_after = data[after:data.find(b"\n", after) + 1]
            if _BLANK.match(blank_after):
                end = after + len(blank_after)
                return data[:end] + new_bit + new_mask + blank_after + data[end:]
            return data[:after] + new_bit + new_mask + data[after:]
        before = data[n_start - 1:n_start] == b"\n" and _BLANK.match(
            data[data.rfind(b"\n", 0, n_start - 1) + 1:n_start])
        gap = data[data.rfind(b"\n", 0, n_start - 1) + 1:n_start] if before else b""
        return data[:n_start] + new_bit + new_mask + gap + data[n_start:]
    insert_bit = n_end if lower else n_start
    if mask_span is None:
        return data[:insert_bit] + new_bit + new_mask + data[insert_bit:]
    insert_mask = mask_span[2] if lower else mask_span[1]
    if insert_mask < insert_bit:
        return (data[:insert_mask] + new_mask + data[insert_mask:insert_bit] + new_bit
                + data[insert_bit:])
    return (data[:insert_bit] + new_bit + data[insert_bit:insert_mask] + new_mask
            + data[insert_mask:])


def _is_hex(data: bytes, start: int) -> bool:
    m = _FIRST_LINE.match(data, start)
    return bool(m and m.group(4).lower().startswith(b"0x"))


def _like(line: bytes, name: str, value: str) -> bytes:
    """``#define NAME VALUE`` laid out as ``line`` is: its prefix, tabs or
    spaces to the same column, its line ending; no comment."""
    m = _FIRST_LINE.match(line)
    ending = b"\r\n" if line.split(b"\n", 1)[0].endswith(b"\r") else b"\n"
    if m is None:
        return f"#define {name}\t{value}".encode() + ending
    prefix, old, gap = m.group(1), m.group(2), m.group(3)
    column = _width(prefix + old + gap)
    head = prefix + name.encode()
    if b"\t" in gap:
        pad = b"\t"
        while _width(head + pad) < column:
            pad += b"\t"
    else:
        pad = b" " * max(1, column - _width(head))
    return head + pad + value.encode() + ending


def _width(text: bytes) -> int:
    column = 0
    for ch in text:
        column = (column // 8 + 1) * 8 if ch == 9 else column + 1
    return column
