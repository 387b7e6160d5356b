"""The preprocessor's view of a source file, without tree-sitter.

Kernel sources are bytes and do not always parse as C: assembly goes through
cpp, macro bodies are raw text, and some C defeats any grammar. This module
finds comments, strings and directives lexically so that every token can
still be classified, and reads ``#define``/``#if`` structure for flag tables.
"""

from __future__ import annotations

import bisect
import re
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TypeVar

_BLOCK = rb"/\*.*?(?:\*/|\Z)"
# A backslash at the end of a line (\n or \r\n) continues it, in comments too.
_CONTINUED = rb"(?:[^\\\n]|\\\r?\n|\\.)*"
_LINE = rb"//" + _CONTINUED
_STRING = rb'"(?:[^"\\\n]|\\.)*"?'
_CHAR = rb"'(?:[^'\\\n]|\\.)*'?"
_DIRECTIVE_WORDS = (rb"(?:define|undef|if|ifdef|ifndef|elif|else|endif|include|error|warning"
                    rb"|pragma|line)")
_ASM_DIRECTIVE = rb"(?m:^[ \t]*\#[ \t]*" + _DIRECTIVE_WORDS + rb"\b" + _CONTINUED + rb")"

_C_SCANNER = re.compile(b"|".join([b"(?P<c>" + _BLOCK + b"|" + _LINE + b")",
                                   b"(?P<s>" + _STRING + b"|" + _CHAR + b")"]), re.S)

_LOGICAL_LINE_START = re.compile(rb"(?<!\\)\n|(?<!\\)\r\n")
_DEFINE = re.compile(rb"[ \t]*#[ \t]*define[ \t]+([A-Za-z_]\w*)")
_CONDITION = re.compile(rb"[ \t]*#[ \t]*(ifdef|ifndef|if|elif)\b")


def _asm_scanner(line_comments: tuple[str, ...]) -> re.Pattern[bytes]:
    comments = [_BLOCK, _LINE] + [re.escape(c.encode()) + rb"[^\n]*" for c in line_comments]
    return re.compile(b"|".join([b"(?P<d>" + _ASM_DIRECTIVE + b")",
                                 b"(?P<c>" + b"|".join(comments) + b")",
                                 b"(?P<s>" + _STRING + b")"]), re.S)


@dataclass
class Lexed:
    """Comment and string spans of a buffer, and its line starts."""

    data: bytes
    comments: list[tuple[int, int]]
    strings: list[tuple[int, int]]
    line_starts: list[int]
    blanked: bytes | None = field(default=None, repr=False, compare=False)
    found: list[Directive] | None = field(default=None, repr=False, compare=False)

    def line_of(self, offset: int) -> int:
        """1-based line number of a byte offset (lines end at ``\\n`` as in git grep)."""
        return bisect.bisect_right(self.line_starts, offset)

    def column_of(self, offset: int) -> int:
        return offset - self.line_starts[self.line_of(offset) - 1] + 1

    def line_text(self, line: int) -> bytes:
        start = self.line_starts[line - 1]
        end = self.data.find(b"\n", start)
        return self.data[start: end if end >= 0 else len(self.data)]

    def in_comment(self, offset: int) -> bool:
        return _inside(self.comments, offset)

    def in_string(self, offset: int) -> bool:
        return _inside(self.strings, offset)

    def logical_line_start(self, offset: int) -> int:
        """Start of the logical line (after ``\\`` continuations) holding ``offset``."""
        start = self.data.rfind(b"\n", 0, offset) + 1
        while _continued(self.data, start - 1):
            start = self.data.rfind(b"\n", 0, start - 1) + 1
        return start

    def define_at(self, offset: int) -> tuple[str, int] | None:
        """If ``offset`` is on a ``#define NAME`` logical line: NAME and its offset."""
        start = self.logical_line_start(offset)
        m = _DEFINE.match(self.data, start)
        if not m or self.in_comment(m.start(1)):
            return None
        return m.group(1).decode(), m.start(1)

    def condition_at(self, offset: int) -> bool:
        """True if ``offset`` is on an ``#if``/``#ifdef``/``#elif`` logical line."""
        m = _CONDITION.match(self.data, self.logical_line_start(offset))
        return m is not None


def _continued(data: bytes, newline: int) -> bool:
    """Does the newline at ``newline`` follow a ``\\`` (a continued line)?"""
    if newline < 1:
        return False
    before = newline - 1
    if data[before] == 0x0D and before >= 1:
        before -= 1
    return data[before] == 0x5C


def _inside(spans: list[tuple[int, int]], offset: int) -> bool:
    i = bisect.bisect_right(spans, (offset, 1 << 62)) - 1
    return i >= 0 and spans[i][0] <= offset < spans[i][1]


def _line_starts(data: bytes) -> list[int]:
    starts = [0]
    find = data.find
    i = find(b"\n")
    while i >= 0:
        starts.append(i + 1)
        i = find(b"\n", i + 1)
    return starts


def lex_text(data: bytes) -> Lexed:
    """Prose (docs, Kconfig): lines only, no comments or strings."""
    return Lexed(data, [], [], _line_starts(data))


# A flag header is read twice, for its occurrences and for its flag table;
# so is its thread_info struct parsed. Both readings are kept for headers
# and other small files (this many, up to SMALL bytes each); a big file is
# read once anyway.
SMALL, KEPT = 64 * 1024, 64


def keep_small(function: Callable[[bytes], object]) -> Callable:
    """``function`` of a buffer, remembered for the last :data:`KEPT` small buffers."""
    kept: OrderedDict[bytes, object] = OrderedDict()

    def remembered(data: bytes):  # type: ignore[no-untyped-def]
        if len(data) > SMALL:
            return function(data)
        if data in kept:
            kept.move_to_end(data)
            return kept[data]
        value = kept[data] = function(data)
        if len(kept) > KEPT:
            kept.popitem(last=False)
        return value

    remembered.__doc__ = function.__doc__
    return remembered


@keep_small
def lex_c(data: bytes) -> Lexed:
    """Comments and strings of C (or of a macro body, or C-like text)."""
    comments: list[tuple[int, int]] = []
    strings: list[tuple[int, int]] = []
    for m in _C_SCANNER.finditer(data):
        (comments if m.lastgroup == "c" else strings).append(m.span())
    return Lexed(data, comments, strings, _line_starts(data))


def lex_asm(data: bytes, line_comments: tuple[str, ...]) -> Lexed:
    """Comments and strings of a ``.S`` file: cpp comments everywhere, the
    assembler's line-comment characters outside preprocessor directives."""
    comments: list[tuple[int, int]] = []
    strings: list[tuple[int, int]] = []
    for m in _asm_scanner(line_comments).finditer(data):
        if m.lastgroup == "d":
            inner = lex_c(m.group())
            comments += [(m.start() + s, m.start() + e) for s, e in inner.comments]
            strings += [(m.start() + s, m.start() + e) for s, e in inner.strings]
        else:
            (comments if m.lastgroup == "c" else strings).append(m.span())
    return Lexed(data, comments, strings, _line_starts(data))


@dataclass(frozen=True)
class Directive:
    """One preprocessor directive on its logical line, comments blanked."""

    keyword: str
    rest: str
    line: int
    offset: int


_NOT_NEWLINE = re.compile(rb"[^\r\n]")
_DIRECTIVE = re.compile(rb"(?m)^[ \t]*#[ \t]*([a-z]+)\b(" + _CONTINUED + rb")", re.S)


def blank_comments(lexed: Lexed) -> bytes:
    """The buffer with every comment replaced by spaces (newlines kept), so
    offsets and line numbers stay valid."""
    if lexed.blanked is None:
        out = bytearray(lexed.data)
        for start, end in lexed.comments:
            out[start:end] = _NOT_NEWLINE.sub(b" ", lexed.data[start:end])
        lexed.blanked = bytes(out)
    return lexed.blanked


def directives(lexed: Lexed) -> list[Directive]:
    """Every directive of a C file, in order, with continuations joined;
    found once per buffer (the flag and the config guards both walk them)."""
    if lexed.found is None:
        text = blank_comments(lexed)
        lexed.found = [
            Directive(m.group(1).decode(),
                      re.sub(rb"\\\r?\n", b" ", m.group(2)).decode("utf-8", "replace").strip(),
                      lexed.line_of(m.start()), m.start())
            for m in _DIRECTIVE.finditer(text) if not lexed.in_string(m.start())]
    return lexed.found


_DEFINED = re.compile(r"^(!?)\s*defined\s+(\w+)$")


def defined_term(term: str | None) -> tuple[bool, str] | None:
    """``defined(X)`` → (False, X); ``!defined(X)`` → (True, X); else None.
    One term of a condition, as written in ``#if`` or recorded for a flag."""
    m = _DEFINED.match((term or "").replace("(", " ").replace(")", " ").strip())
    return (bool(m.group(1)), m.group(2)) if m else None


T = TypeVar("T")


def _branch_spans(lexed: Lexed, opening: Callable[[Directive], tuple[T, T]]
                  ) -> list[tuple[int, int, T]]:
    """Spans of ``#if`` branches and what ``opening`` says of them: for each
    ``#if``/``#ifdef``/``#ifndef`` it gives (its if-branch's value, its
    ``#else``'s); an ``#elif`` branch gets nothing. Only truthy values
    make a span."""
    spans: list[tuple[int, int, T]] = []
    stack: list[tuple[T | None, T | None, int]] = []
    for d in directives(lexed):
        end_of_line = lexed.data.find(b"\n", d.offset)
        body = len(lexed.data) if end_of_line < 0 else end_of_line + 1
        if d.keyword in ("if", "ifdef", "ifndef"):
            now, other = opening(d)
            stack.append((now, other, body))
        elif d.keyword in ("elif", "else", "endif") and stack:
            now, other, start = stack.pop()
            if now:
                spans.append((start, d.offset, now))
            if d.keyword == "else":
                stack.append((other, None, body))
            elif d.keyword == "elif":
                stack.append((None, None, body))
    return spans


def guarded_spans(lexed: Lexed, names: frozenset[str]) -> list[tuple[int, int]]:
    """Byte spans compiled only where one of ``names`` is defined: the body
    of ``#ifdef NAME`` or ``#if defined(NAME)`` (also as one term of ``&&``),
    and the ``#else`` of ``#ifndef NAME``. A flag's users inside such a
    block need no definition on the arches that lack it."""
    def opening(d: Directive) -> tuple[bool, bool]:
        word = d.rest.split()[0] if d.rest.split() else ""
        if d.keyword == "ifdef":
            return word in names, False
        if d.keyword == "ifndef":
            return False, word in names
        return any((found := defined_term(term)) and not found[0] and found[1] in names
                   for term in d.rest.split("&&")), False

    return [(start, end) for start, end, _ in _branch_spans(lexed, opening)]


_CONFIG_TERM = re.compile(r"^(?:defined|IS_ENABLED|IS_BUILTIN|IS_REACHABLE)?\s*\(?\s*"
                          r"CONFIG_(\w+)\s*\)?$")


def _config_terms(condition: str) -> frozenset[str]:
    """Options an ``#if`` needs enabled: its ``CONFIG_X``, ``defined(CONFIG_X)``
    or ``IS_ENABLED(CONFIG_X)`` terms joined by ``&&`` (none when the
    condition has an ``||``: then no single option is needed)."""
    if "||" in condition:
        return frozenset()
    return frozenset(m.group(1) for term in condition.split("&&")
                     if (m := _CONFIG_TERM.match(term.strip())))


def config_spans(lexed: Lexed) -> list[tuple[int, int, frozenset[str]]]:
    """Byte spans compiled only with some config options enabled, and those
    options (without the ``CONFIG_`` prefix): the body of ``#ifdef CONFIG_X``
    or of an ``#if`` of ``IS_ENABLED(CONFIG_X) && …``, the ``#else`` of
    ``#ifndef CONFIG_X``."""
    none: frozenset[str] = frozenset()

    def opening(d: Directive) -> tuple[frozenset[str], frozenset[str]]:
        word = d.rest.split()[0] if d.rest.split() else ""
        option = frozenset({word[7:]}) if word.startswith("CONFIG_") else none
        if d.keyword == "ifdef":
            return option, none
        if d.keyword == "ifndef":
            return none, option
        return _config_terms(d.rest), none

    return _branch_spans(lexed, opening)
