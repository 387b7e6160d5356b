"""Find and classify every token of a flag in one file.

The tokens themselves are found with the same word rule as ``git grep -w``
(a word character is ``[A-Za-z0-9_]``), so every hit git reports becomes an
occurrence; only the *kind* depends on parsing. C is parsed with tree-sitter;
where the C around a token does not parse, and in assembly and other
C-like text, the kind comes from the lexical view in :mod:`cpp`.
"""

from __future__ import annotations

import os
import re
import threading
from collections.abc import Collection
from typing import TYPE_CHECKING

from ..sources.tokens import token_pattern
from . import c_parser, lexer
from .model import Kind, Occurrence
from .paths import ASM_LINE_COMMENTS, arch_of, language_of

if TYPE_CHECKING:
    from . import treesitter

MAX_TEXT = 400  # characters of a source line kept in an occurrence
MAX_DEPTH = 256  # syntax-tree depth beyond which a token is read lexically
_GUARD_BEFORE = re.compile(rb"defined\s*\(?\s*$")


def scan_file(path: str, data: bytes, symbol: str) -> tuple[Occurrence, ...]:
    """Every occurrence of ``symbol`` and ``_symbol`` in one file, in order."""
    if symbol.encode() not in data:
        return ()  # a substring search: ~100x faster than the word regex
    hits = [(m.start(), m.group().decode()) for m in token_pattern(symbol).finditer(data)]
    if not hits:
        return ()
    arch = arch_of(path)
    language = language_of(path)
    lexed = _lex(data, language, arch)
    if language == "text":
        kinds = [(Kind.DOC, None, False, False) for _ in hits]
    elif language == "c":
        kinds = _classify_c(data, lexed, hits, symbol)
    else:
        kinds = [(kind, None, guarded, False) for kind, guarded in
                 (_classify_lexically(lexed, offset, token, symbol) for offset, token in hits)]
    configs: list[frozenset[str]] = [frozenset()] * len(hits)
    if language != "text":
        needs = lexer.config_spans(lexed)
        configs = [frozenset().union(*(c for start, end, c in needs if start <= offset < end))
                   for offset, _ in hits]
        spans = lexer.guarded_spans(lexed, frozenset({symbol, "_" + symbol}))
        kinds = [(kind, function, guarded or (kind is Kind.USE and _inside(spans, offset)),
                  fallback)
                 for (offset, _), (kind, function, guarded, fallback) in zip(hits, kinds,
                                                                             strict=True)]
    occurrences = []
    for (offset, token), (kind, function, guarded, fallback), needed in zip(
            hits, kinds, configs, strict=True):
        line = lexed.line_of(offset)
        column = offset - lexed.line_starts[line - 1] + 1
        occurrences.append(Occurrence(
            path=path, line=line, column=column, token=token, kind=kind, arch=arch,
            function=function, text=_line_text(lexed, line, column),
            guarded=guarded, fallback=fallback, configs=needed))
    return tuple(occurrences)


def scan_flags(path: str, data: bytes, symbols: Collection[str]
               ) -> dict[str, tuple[Occurrence, ...]]:
    """:func:`scan_file` for each of several flags, the file lexed and
    parsed once for all of them; only the flags it names are in the answer."""
    found = {}
    for symbol in flags_named(data, symbols):
        occurrences = scan_file(path, data, symbol)
        if occurrences:
            found[symbol] = occurrences
    return found


def flags_named(data: bytes, symbols: Collection[str]) -> list[str]:
    """The flags of ``symbols`` whose text is in ``data`` (a superset of
    those it has as tokens). With a common prefix (``TIF_``) one pass over
    the buffer collects its words, instead of a search per flag."""
    prefix = os.path.commonprefix(list(symbols)) if len(symbols) > 1 else ""
    if len(prefix) < 4:
        return [s for s in symbols if s.encode() in data]
    if prefix.encode() not in data:
        return []
    words = set(re.findall(re.escape(prefix.encode()) + rb"[A-Za-z0-9_]*", data))
    return [s for s in symbols if s.encode() in words]


# The last buffer lexed and parsed (per thread): the flags of one file,
# scanned one after another, share its reading (a big file is not kept by
# the lexer's own memory of small buffers).
_reading = threading.local()


def _last_reading() -> dict[str, object]:
    if not hasattr(_reading, "last"):
        _reading.last = {}
    return _reading.last


def _lex(data: bytes, language: str, arch: str | None) -> lexer.Lexed:
    _last = _last_reading()
    if _last.get("data") is not data or _last.get("reading") != (language, arch):
        _last.clear()
        _last.update(data=data, reading=(language, arch))
    lexed = _last.get("lexed")
    if lexed is None:
        if language == "asm":
            lexed = lexer.lex_asm(data, ASM_LINE_COMMENTS.get(arch or "", ()))
        elif language == "text":
            lexed = lexer.lex_text(data)
        else:
            lexed = lexer.lex_c(data)
        _last["lexed"] = lexed
    assert isinstance(lexed, lexer.Lexed)
    return lexed


def _syntax_root(lexed: lexer.Lexed) -> treesitter.Node:
    """The syntax tree of a lexed buffer, with the comments blanked."""
    _last = _last_reading()
    if _last.get("lexed") is lexed and "root" in _last:
        return _last["root"]  # type: ignore[return-value]
    root = c_parser().parse_c(lexer.blank_comments(lexed)).root_node
    if _last.get("lexed") is lexed:
        _last["root"] = root
    return root


def _inside(spans: list[tuple[int, int]], offset: int) -> bool:
    return any(start <= offset < end for start, end in spans)


def _line_text(lexed: lexer.Lexed, line: int, column: int) -> str:
    raw = lexed.line_text(line).rstrip(b"\r")
    if len(raw) > MAX_TEXT:
        start = max(0, column - 1 - MAX_TEXT // 2)
        raw = raw[start: start + MAX_TEXT]
    return raw.decode("utf-8", "replace").replace("\x00", "\ufffd")


def _classify_lexically(lexed: lexer.Lexed, offset: int, token: str, symbol: str
                        ) -> tuple[Kind, bool]:
    """Kind of a token from comments, strings and directives alone; and
    whether it is a reference that only tests definedness."""
    if lexed.in_comment(offset):
        return Kind.COMMENT, False
    if lexed.in_string(offset):
        return Kind.STRING, False
    define = lexed.define_at(offset)
    if define and define[1] == offset:
        return (Kind.DEFINITION if token == symbol else Kind.MASK), False
    if lexed.condition_at(offset):
        before = lexed.data[lexed.logical_line_start(offset): offset]
        ifdef = re.match(rb"[ \t]*#[ \t]*ifn?def\b", before) is not None
        return Kind.USE, ifdef or _GUARD_BEFORE.search(before) is not None
    return Kind.USE, False


def _classify_c(data: bytes, lexed: lexer.Lexed, hits: list[tuple[int, str]], symbol: str
                ) -> list[tuple[Kind, str | None, bool, bool]]:
    # tree-sitter reads comments worse than C does (a "/*" inside a "//"
    # comment opens a block for it; a comment inside a macro body is an
    # ERROR): it parses the text with the comments blanked, and the lexer,
    # which follows C's rules, says what is a comment or a string.
    ts = c_parser()
    root = _syntax_root(lexed)
    result = []
    for offset, token in hits:
        end = offset + len(token)
        leaf = root.descendant_for_byte_range(offset, end)
        if leaf is not None and _deeper_than(leaf, MAX_DEPTH):
            # No kernel code nests this deep; a query here would cost the
            # square of the depth. Read the token lexically.
            kind, guarded = _classify_lexically(lexed, offset, token, symbol)
            result.append((kind, None, guarded, kind not in (Kind.COMMENT, Kind.STRING)))
            continue
        found = ts.captures("occurrences", root, offset, end)
        function = _enclosing_function(found.get("function", ()), offset)

        def covers(name: str, exact: bool = False, found=found, offset=offset, end=end) -> bool:
            return _covers(found.get(name, ()), offset, end, exact)

        is_leaf = leaf is not None and leaf.start_byte == offset and leaf.end_byte == end
        if lexed.in_comment(offset):
            kind, guarded, fallback = Kind.COMMENT, False, False
        elif lexed.in_string(offset):
            kind, guarded, fallback = Kind.STRING, False, False
        elif is_leaf and not _in_broken_statement(leaf):
            fallback = False
            if covers("define.name", exact=True):
                kind, guarded = (Kind.DEFINITION if token == symbol else Kind.MASK), False
            else:
                kind, guarded = Kind.USE, covers("guard.name", exact=True)
        elif covers("macro.body"):
            # tree-sitter keeps macro bodies as raw text; read them lexically.
            (kind, guarded), fallback = _classify_lexically(lexed, offset, token, symbol), False
        else:
            (kind, guarded), fallback = _classify_lexically(lexed, offset, token, symbol), True
        result.append((kind, function, guarded, fallback))
    return result


def _deeper_than(node: treesitter.Node, limit: int) -> bool:
    for _ in range(limit):
        node = node.parent
        if node is None:
            return False
    return True


def _in_broken_statement(node: treesitter.Node) -> bool:
    """Did tree-sitter fail to parse the statement (or declaration) holding
    this node? Only the innermost one counts: a kernel file often has an
    ERROR somewhere far up around perfectly parsed functions."""
    parent = node.parent
    while parent is not None:
        if parent.type == "ERROR":
            return True
        if parent.type.endswith(_STRUCTURAL):
            return False
        parent = parent.parent
    return False


_STRUCTURAL = ("_statement", "declaration", "_definition", "translation_unit", "preproc_def",
               "preproc_call", "_declarator")


def _covers(nodes: list[treesitter.Node], start: int, end: int, exact: bool) -> bool:
    """Does one of the nodes hold the bytes start:end (be exactly them)?"""
    return any((n.start_byte == start and n.end_byte == end) if exact
               else n.start_byte <= start and end <= n.end_byte for n in nodes)


def _enclosing_function(nodes: list[treesitter.Node], offset: int) -> str | None:
    inner = [n for n in nodes if n.start_byte <= offset < n.end_byte]
    if not inner:
        return None
    node = max(inner, key=lambda n: n.start_byte).child_by_field_name("declarator")
    while node is not None and node.type != "identifier":
        node = node.child_by_field_name("declarator")
    return c_parser().text_of(node) if node is not None else None
