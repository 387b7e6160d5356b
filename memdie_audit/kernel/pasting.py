"""References the preprocessor builds: macros that paste a flag's name.

``include/linux/thread_info.h`` (from 5.11) has, on the ``#else`` of
``#ifdef CONFIG_GENERIC_ENTRY``::

    #define test_syscall_work(fl) \\
            test_ti_thread_flag(current_thread_info(), TIF_##fl)

so ``test_syscall_work(SECCOMP)`` names ``TIF_SECCOMP`` on every arch that
does not select GENERIC_ENTRY, with no ``TIF_`` token in the call. The
macros are learned from the flag headers' text (read anyway); each call of
one becomes a ``use`` occurrence of the pasted flag that names the macro
(``via``) and the options that select the other branch (``unless``).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from . import lexer
from .model import Kind, Occurrence

_PASTING = re.compile(rb"^[ \t]*#[ \t]*define[ \t]+(\w+)\(([^)]*)\)((?:[^\n]*\\\n)*[^\n]*)",
                      re.M)
_IF = re.compile(r"^\s*(!?)\s*(?:defined\s*\(?\s*)?CONFIG_(\w+)\s*\)?\s*$")


@dataclass(frozen=True)
class Pasting:
    """A macro whose argument ``index`` becomes ``TIF_<argument>``; compiled
    only where none of ``unless`` (config options, no prefix) is enabled."""

    name: str
    index: int
    path: str
    line: int
    unless: frozenset[str] = frozenset()


def pasting_macros(texts: Mapping[str, bytes]) -> tuple[Pasting, ...]:
    """The pasting macros defined in ``texts`` (path → bytes)."""
    found = []
    for path, data in sorted(texts.items()):
        if b"TIF_##" not in data:
            continue
        lexed = lexer.lex_c(data)
        negated = _negated_spans(lexed)
        for m in _PASTING.finditer(data):
            params = [p.strip() for p in m.group(2).decode(errors="replace").split(",")]
            body = m.group(3).decode(errors="replace")
            pasted = re.search(r"\bTIF_\s*##\s*(\w+)", body)
            if not pasted or pasted.group(1) not in params:
                continue
            unless = frozenset().union(*(o for s, e, o in negated if s <= m.start() < e))
            found.append(Pasting(m.group(1).decode(), params.index(pasted.group(1)), path,
                                 lexed.line_of(m.start()), unless))
    return tuple(found)


def _negated_spans(lexed: lexer.Lexed) -> list[tuple[int, int, frozenset[str]]]:
    """Spans compiled only where a config option is NOT enabled: the
    ``#else`` of ``#ifdef CONFIG_X``, the body of ``#ifndef CONFIG_X`` or
    ``#if !defined(CONFIG_X)``."""
    none: frozenset[str] = frozenset()

    def opening(d: lexer.Directive) -> tuple[frozenset[str], frozenset[str]]:
        word = d.rest.split()[0] if d.rest.split() else ""
        option = frozenset({word[7:]}) if word.startswith("CONFIG_") else none
        if d.keyword == "ifdef":
            return none, option
        if d.keyword == "ifndef":
            return option, none
        m = _IF.match(d.rest)
        if not m:
            return none, none
        option = frozenset({m.group(2)})
        return (option, none) if m.group(1) else (none, option)

    return lexer._branch_spans(lexed, opening)


def call_pattern(macros: Iterable[Pasting]) -> re.Pattern[bytes] | None:
    """Calls of the macros, the macro's name in group 1, its arguments in 2."""
    names = sorted({m.name for m in macros})
    if not names:
        return None
    return re.compile(rb"(?<![A-Za-z0-9_])(" + b"|".join(re.escape(n.encode()) for n in names)
                      + rb")\s*\(([^()]*)\)")


def pasted_names(line: bytes, macros: tuple[Pasting, ...]) -> set[str]:
    """The flags the calls of pasting macros on ``line`` name."""
    pattern = call_pattern(macros)
    if pattern is None:
        return set()
    by_name = {m.name: m for m in macros}
    names = set()
    for call in pattern.finditer(line):
        args = [a.strip() for a in call.group(2).decode(errors="replace").split(",")]
        macro = by_name[call.group(1).decode()]
        if macro.index < len(args) and re.fullmatch(r"\w+", args[macro.index]):
            names.add("TIF_" + args[macro.index])
    return names


def pasted_occurrences(path: str, data: bytes, symbol: str, macros: tuple[Pasting, ...],
                       arch: str | None) -> tuple[Occurrence, ...]:
    """The calls in one C file of a macro that pastes ``symbol``, as uses.
    A call under ``#ifdef TIF_X``, or under an ``#if`` with ``defined(TIF_X)``
    as one of its ``||`` terms, is guarded: it compiles only where the flag
    exists (the other terms select the macro's other branch)."""
    suffix = symbol.removeprefix("TIF_")
    pattern = call_pattern(m for m in macros if m.path != path)
    if pattern is None or suffix.encode() not in data:
        return ()
    lexed = lexer.lex_c(data)
    code = lexer.blank_comments(lexed)
    by_name = {m.name: m for m in macros}
    guarded = _guarded_spans(lexed, symbol)
    configs = lexer.config_spans(lexed)
    found = []
    for call in pattern.finditer(code):
        if lexed.in_string(call.start()) or lexed.define_at(call.start()):
            continue  # a macro's body is judged where it is expanded
        macro = by_name[call.group(1).decode()]
        args = [a.strip() for a in call.group(2).decode(errors="replace").split(",")]
        if macro.index >= len(args) or args[macro.index] != suffix:
            continue
        offset = call.start()
        line = lexed.line_of(offset)
        column = offset - lexed.line_starts[line - 1] + 1
        found.append(Occurrence(
            path=path, line=line, column=column, token=symbol, kind=Kind.USE, arch=arch,
            function=None, text=lexed.line_text(line).decode(errors="replace").rstrip()[:400],
            guarded=any(s <= offset < e for s, e in guarded),
            configs=frozenset().union(*(c for s, e, c in configs if s <= offset < e)),
            via=macro.name, unless=macro.unless))
    return tuple(found)


def _guarded_spans(lexed: lexer.Lexed, symbol: str) -> list[tuple[int, int]]:
    names = frozenset({symbol, "_" + symbol})
    spans = lexer.guarded_spans(lexed, names)

    def opening(d: lexer.Directive) -> tuple[bool, bool]:
        if d.keyword != "if" or "||" not in d.rest:
            return False, False
        return any((found := lexer.defined_term(term)) and not found[0] and found[1] in names
                   for term in d.rest.split("||")), False

    return spans + [(s, e) for s, e, _ in lexer._branch_spans(lexed, opening)]
