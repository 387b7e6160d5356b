"""Read a flag header into a :class:`FlagTable`: every ``TIF_*`` bit and
``_TIF_*`` mask with its value, line and preprocessor condition."""

from __future__ import annotations

import itertools
import re
from collections.abc import Mapping
from dataclasses import dataclass, field, replace

from . import c_parser, lexer
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
# Config-dependent mask values are listed per combination of branches, up to this many.
_MAX_VARIANTS = 16


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


def _product_size(choices: list[list[_RawDefine]]) -> int:
    size = 1
    for c in choices:
        size *= len(c)
    return size


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
    # names a define's value depends on that have several exclusive
    # definitions (#ifdef CONFIG_SMP / #else): its value depends on config
    depends: dict[tuple[str, int], frozenset[str]] = {}

    def value_of(d: _RawDefine, seen: frozenset[str]) -> int | None:
        key = (d.name, d.line)
        if key not in values:
            found: set[str] = set()

            def resolve(name: str) -> int | None:
                if name in seen:
                    return None
                candidates = [c for c in by_name.get(name, ()) if compatible(c.context, d.context)]
                if candidates:
                    same = [c for c in candidates if c.context == d.context]
                    chosen = (same or candidates)[-1]
                    if not same and len(candidates) > 1:
                        found.add(name)
                    value = value_of(chosen, seen | {name})
                    found.update(depends.get((chosen.name, chosen.line), ()))
                    return value
                return (outer or {}).get(name)
            try:
                values[key] = evaluate(d.expr, resolve)
            except (Unevaluable, RecursionError):  # a chain of names too long to follow
                values[key] = None
            depends[key] = frozenset(found)
        return values[key]

    def forced_value(d: _RawDefine, forced: Mapping[str, _RawDefine], seen: frozenset[str]
                     ) -> int | None:
        """The value of ``d`` with each name of ``forced`` taken from one branch."""
        def resolve(name: str) -> int | None:
            if name in seen:
                return None
            if name in forced:
                return forced_value(forced[name], forced, seen | {name})
            candidates = [c for c in by_name.get(name, ()) if compatible(c.context, d.context)]
            if candidates:
                same = [c for c in candidates if c.context == d.context]
                return forced_value((same or candidates)[-1], forced, seen | {name})
            return (outer or {}).get(name)
        try:
            return evaluate(d.expr, resolve)
        except (Unevaluable, RecursionError):
            return None

    def variants(d: _RawDefine) -> list[tuple[int | None, str | None]]:
        """(value, condition) of a define whose value depends on config: one
        per combination of the branches it depends on, where values differ."""
        names = sorted(depends.get((d.name, d.line), ()))
        choices = [by_name[n] for n in names]
        if not names or _product_size(choices) > _MAX_VARIANTS:
            return []
        found: dict[int | None, list[str]] = {}
        for combo in itertools.product(*choices):
            contexts = [c.context for c in combo]
            if not all(compatible(a, b) for i, a in enumerate(contexts) for b in contexts[:i]):
                continue
            value = forced_value(d, dict(zip(names, combo, strict=True)), frozenset({d.name}))
            terms = [t for t in (d.condition, *(c.condition for c in combo)) if t]
            found.setdefault(value, []).append(" && ".join(dict.fromkeys(terms)) or "")
        if len(found) < 2:
            return []
        return [(value, " || ".join(f"({c})" if len(conds) > 1 else c for c in conds) or None)
                for value, conds in found.items()]

    bits: list[FlagDef] = []
    masks: list[FlagDef] = []
    for d in defines:
        if not FLAG_NAME.match(d.name):
            continue
        value = value_of(d, frozenset({d.name}))
        alias = d.expr if _IDENT.match(d.expr) and FLAG_NAME.match(d.expr) else None
        flag = FlagDef(d.name, d.expr, value, d.line, d.condition, d.context, alias, d.column)
        role = definition_role(d.name, d.expr, value)
        if role == "constant":
            continue
        if role == "mask":
            split = variants(d)
            masks.extend([replace(flag, value=v, condition=c) for v, c in split] or [flag])
        else:
            bits.append(flag)
    arch = arch_of(path)
    field_type = _flags_field_type(lexer.blank_comments(lexed))
    width = flags_width(arch, path, field_type)
    switches = frozenset(d.name for d in defines if _SWITCH.match(d.name))
    return FlagTable(path, arch, width, tuple(bits), tuple(masks), switches,
                     field_bits(field_type))


_DECIMAL = re.compile(r"^\(?\s*\d+[uUlL]*\s*\)?$")
_MASK_OPERATORS = re.compile(r"\||<<|&|~|\^|\b_TIF_|\bBIT|\b_?BITULL?\b")
_HEX = re.compile(r"^\(?\s*0[xX][0-9a-fA-F]+[uUlL]*\s*\)?$")


def definition_role(name: str, expr: str, value: int | None) -> str:
    """What a ``TIF_*``/``_TIF_*`` define is, judged by its definition, not
    its spelling: ``bit`` (a number, or another flag's name), ``mask`` (an
    OR, a shift, a name with ``_MASK``, a value no bit number has) or
    ``constant`` (arithmetic on bit numbers, such as parisc's
    ``TIF_SINGLESTEP_PA_BIT`` = ``31-TIF_SINGLESTEP``: neither)."""
    if name.startswith("_") or "_MASK" in name or _MASK_OPERATORS.search(expr):
        return "mask"
    if value is not None and not 0 <= value < _MAX_BIT:
        return "mask"
    if _DECIMAL.match(expr) or _HEX.match(expr) or value is None \
            or (_IDENT.match(expr) and FLAG_NAME.match(expr)):
        return "bit"
    return "constant"


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
    parser = c_parser()
    found = parser.captures("thread_info", parser.parse_c(data).root_node)
    for field_node in found.get("field", ()):
        m = _FIELD_FLAGS.match(field_node.text or b"")
        if m and m.group(1).strip():
            return m.group(1).decode("utf-8", "replace").strip()
    return None
