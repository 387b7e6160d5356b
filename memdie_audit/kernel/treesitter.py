"""The one place that speaks py-tree-sitter: a C parser and named queries.

Queries live in ``queries/<name>.scm`` inside the package and are compiled
once per process. Keeping the binding calls here means a py-tree-sitter API
change touches one file.
"""

from __future__ import annotations

from functools import cache
from importlib import resources

import tree_sitter
import tree_sitter_c

from .lexer import keep_small

Node = tree_sitter.Node
Tree = tree_sitter.Tree


@cache
def c_language() -> tree_sitter.Language:
    return tree_sitter.Language(tree_sitter_c.language())


@cache
def _parser() -> tree_sitter.Parser:
    return tree_sitter.Parser(c_language())


@keep_small
def parse_c(source: bytes) -> Tree:
    return _parser().parse(source)


@cache
def query(name: str) -> tree_sitter.Query:
    """The compiled query ``queries/<name>.scm``."""
    text = resources.files("memdie_audit").joinpath("queries", f"{name}.scm").read_text()
    return tree_sitter.Query(c_language(), text)


def captures(name: str, node: Node, start: int | None = None, end: int | None = None
             ) -> dict[str, list[Node]]:
    """Captures of query ``name`` under ``node``, optionally only those whose
    nodes intersect the bytes ``start:end``."""
    cursor = tree_sitter.QueryCursor(query(name))
    if start is not None and end is not None:
        cursor.set_byte_range(start, end)
    return cursor.captures(node)


def text_of(node: Node) -> str:
    return (node.text or b"").decode("utf-8", "replace")
