"""The rules, each a function registered with its id, severity, stage and
documentation (see :mod:`.registry`). Importing this package registers
them all, in the order of the modules below — the order of SARIF's
``ruleIndex`` and of docs/rules.md: what a removal leaves, what
breaks the build, what is wrong in a header, the shape of the series,
how a flag is used as an operand."""

# isort: skip_file
from __future__ import annotations

from . import removal, references, tables, arches, series, operands  # noqa: F401  (registration order)

from ..kernel.model import FlagTable
from ..kernel.snapshot import Snapshot
from ..result import Finding
from .references import Break, bisect_breaks, breaks, dangling_references, parse_fallbacks
from .registry import RULES, Rule, describe_arches, markdown_table
from .removal import leftovers, reintroduced, renumbered_flags
from .series import merge_commit, patch_does_not_apply
from .tables import table_findings
from .arches import arch_findings, bits_out_of_range
from .operands import OperandHistory, operand_findings

__all__ = [
    "RULES", "Break", "OperandHistory", "Rule", "arch_findings", "bisect_breaks", "breaks",
    "dangling_references", "describe_arches", "flag_findings", "header_findings", "leftovers",
    "markdown_table", "merge_commit", "operand_findings", "parse_fallbacks",
    "patch_does_not_apply", "reintroduced", "renumbered_flags", "table_findings", "tree_findings",
]


def header_findings(table: FlagTable, build: tuple[int, ...] | None = None
                    ) -> list[Finding]:
    """What is wrong inside one flag header on its own (``build``: the word
    sizes of the arch's kernels, where its Kconfig is known)."""
    return [*table_findings(table), *bits_out_of_range(table, build)]


def flag_findings(snapshot: Snapshot) -> list[Finding]:
    """What is wrong with the flag bits of a tree state: inside each header,
    and in what each arch sees."""
    found = [f for table in snapshot.tables.values() for f in table_findings(table)]
    found.extend(arch_findings(snapshot))
    return found


def tree_findings(snapshot: Snapshot) -> list[Finding]:
    """Every finding that applies to a single tree."""
    found = flag_findings(snapshot)
    found.extend(dangling_references(breaks(snapshot), snapshot.symbol))
    found.extend(parse_fallbacks(snapshot))
    found.extend(operand_findings(snapshot))
    return sorted(found, key=lambda f: f.sort_key)
