"""The rules, each a function registered with its id, severity, stage and
documentation (see :mod:`.registry`). Importing this package registers
them all, in the order of the modules below — the order of SARIF's
``ruleIndex`` and of the README's table: what a removal leaves, what
breaks the build, what is wrong in a header, the shape of the series."""

# isort: skip_file
from __future__ import annotations

from . import removal, references, tables, series  # noqa: F401  (registration order)

from ..kernel.snapshot import Snapshot
from ..result import Finding
from .references import Break, bisect_breaks, breaks, dangling_references, parse_fallbacks
from .registry import RULES, Rule, describe_arches, markdown_table
from .removal import leftovers, reintroduced, renumbered_flags
from .series import merge_commit
from .tables import table_findings

__all__ = [
    "RULES", "Break", "Rule", "bisect_breaks", "breaks", "dangling_references",
    "describe_arches", "leftovers", "markdown_table", "merge_commit", "parse_fallbacks",
    "reintroduced", "renumbered_flags", "table_findings", "tree_findings",
]


def tree_findings(snapshot: Snapshot) -> list[Finding]:
    """Every finding that applies to a single tree."""
    found: list[Finding] = []
    for table in snapshot.tables.values():
        found.extend(table_findings(table))
    found.extend(dangling_references(breaks(snapshot), snapshot.symbol))
    found.extend(parse_fallbacks(snapshot))
    return sorted(found, key=lambda f: f.sort_key)
