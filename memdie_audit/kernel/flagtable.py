"""Read a flag header into a :class:`FlagTable`: every ``TIF_*`` bit and
``_TIF_*`` mask with its value, line and preprocessor condition."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field

from . import lexer, treesitter
from .flagexpr import Unevaluable, evaluate
from .model import FlagDef, FlagTable
from .paths import GENERIC_FLAG_HEADER, arch_of, field_bits, flags_width

FLAG_NAME = re.compile(r"^_?TIF_\w+$")
_SWITCH = re.compile(r"^HAVE_TIF_\w+$")
_DEFINE = re.compile(r"([A-Za-z_]\w*)(\([^)]*\))?\s*(.*)$", re.S)
_IDENT = re.compile(r"^[A-Za-z_]\w*$")
_FIELD_FLAGS = re.compile(rb"^(.*?)\bflags\b", re.S)
# A bit number this large is a mask spelled without the underscore.
_MAX_BIT = 256


@dataclass
class _Frame:
    """One open #if block: which branch we are in and the conditions so far."""

    block: int
    branch: int = 0
    taken: list[str] = field(default_factory=list)  # conditions of earlier branches
    current: str | None = None
    guard: bool = False

    def condition(self) -> str | None:
        parts = [f"!({c})" for c in self.taken]
        if self.current is not None:
            parts.append(self.current)
        return " && ".join(parts) if parts else None


@dataclass
class _RawDefine:
    name: str
    expr: str
    line: int
    condition: str | None
    context: tuple[tuple[int, int], ...]
    column: int


def compatible(a: tuple[tuple[int, int], ...], b: tuple[tuple[int, int], ...]) -> bool:
    """Can two preprocessor contexts be active in the same build?"""
    branches = dict(a)
    return all(branches.get(block, branch) == branch for block, branch in b)


def read_flag_table(path: str, data: bytes,
                    outer: Mapping[str, int | None] | None = None) -> FlagTable:
    """The flag table of one header. ``outer`` resolves names the header takes
    from elsewhere (the generic bits an arch header includes)."""
    lexed = lexer.lex_c(data)
    defines = _defines(lexed)
    by_name: dict[str, list[_RawDefine]] = {}
    for d in defines:
        by_name.setdefault(d.name, []).append(d)

    values: dict[tuple[str, int], int | None] = {}

    def value_of(d: _RawDefine, seen: frozenset[str]) -> int | None:
        key = (d.name, d.line)
        if key not in values:
            def resolve(name: str) -> int | None:
                if name in seen:
                    return None
                candidates = [c for c in by_name.get(name, ()) if compatible(c.context, d.context)]
                if candidates:
                    same = [c for c in candidates if c.context == d.context]
                    return value_of((same or candidates)[-1], seen | {name})
                return (outer or {}).get(name)
            try:
                values[key] = evaluate(d.expr, resolve)
            except (Unevaluable, RecursionError):  # a chain of names too long to follow
                values[key] = None
        return values[key]

    bits: list[FlagDef] = []
    masks: list[FlagDef] = []
    for d in defines:
        if not FLAG_NAME.match(d.name):
            continue
        value = value_of(d, frozenset({d.name}))
        alias = d.expr if _IDENT.match(d.expr) and FLAG_NAME.match(d.expr) else None
        flag = FlagDef(d.name, d.expr, value, d.line, d.condition, d.context, alias, d.column)
        is_mask = flag.is_mask or (value is not None and not 0 <= value < _MAX_BIT)
        (masks if is_mask else bits).append(flag)
    arch = arch_of(path)
    field_type = _flags_field_type(lexer.blank_comments(lexed))
    width = flags_width(arch, path, field_type)
    switches = frozenset(d.name for d in defines if _SWITCH.match(d.name))
    return FlagTable(path, arch, width, tuple(bits), tuple(masks), switches,
                     field_bits(field_type))


def generic_values(table: FlagTable) -> dict[str, int | None]:
    """Names the generic header gives to the arch headers that include it."""
    return {f.name: f.value for f in (*table.bits, *table.masks)}


def includes_generic_bits(data: bytes) -> bool:
    return GENERIC_FLAG_HEADER.removeprefix("include/").encode() in data


def _defines(lexed: lexer.Lexed) -> list[_RawDefine]:
    """Every object-like #define with its condition, include guard removed."""
    found = list(lexer.directives(lexed))
    guard = _include_guard(found)
    stack: list[_Frame] = []
    blocks = 0
    result: list[_RawDefine] = []
    for d in found:
        keyword, rest = d.keyword, d.rest
        if keyword in ("if", "ifdef", "ifndef"):
            blocks += 1
            condition = {"if": rest, "ifdef": f"defined({rest})",
                         "ifndef": f"!defined({rest})"}[keyword]
            stack.append(_Frame(blocks, current=condition, guard=guard is not None and blocks == 1))
        elif keyword in ("elif", "else") and stack:
            frame = stack[-1]
            frame.taken.append(frame.current or "1")
            frame.branch += 1
            frame.current = rest if keyword == "elif" else None
            frame.guard = False
        elif keyword == "endif" and stack:
            stack.pop()
        elif keyword == "define":
            m = _DEFINE.match(rest)
            if m and m.group(2) is None and m.group(1) != guard:
                active = [f for f in stack if not f.guard]
                conditions = [c for f in active if (c := f.condition())]
                name_at = lexed.data.find(m.group(1).encode(), d.offset)
                result.append(_RawDefine(
                    m.group(1), m.group(3).strip(), d.line,
                    " && ".join(conditions) if conditions else None,
                    tuple((f.block, f.branch) for f in active), lexed.column_of(name_at)))
    return result


def _include_guard(found: list[lexer.Directive]) -> str | None:
    """``X`` when a header opens with ``#ifndef X`` / ``#define X``."""
    if len(found) >= 2 and found[0].keyword == "ifndef" and found[1].keyword == "define":
        name = found[0].rest.split()[:1]
        if name and found[1].rest.split()[:1] == name:
            return name[0]
    return None


def _flags_field_type(data: bytes) -> str | None:
    """The C type of ``struct thread_info``'s ``flags`` field, if the header has one."""
    if b"thread_info" not in data:
        return None
    found = treesitter.captures("thread_info", treesitter.parse_c(data).root_node)
    for field_node in found.get("field", ()):
        m = _FIELD_FLAGS.match(field_node.text or b"")
        if m and m.group(1).strip():
            return m.group(1).decode("utf-8", "replace").strip()
    return None
