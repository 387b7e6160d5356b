"""The rules, each a function registered with its id, severity, stage and
documentation (see :mod:`.registry`). Importing this package registers
them all, in the order of the modules below — the order of SARIF's
``ruleIndex`` and of docs/rules.md: what a removal leaves, what
breaks the build, what is wrong in a header, the shape of the series,
how a flag is used as an operand, exit-work masks, dead guards."""

# isort: skip_file
from __future__ import annotations

from . import removal, references, tables, arches, series, operands, workmask, guards  # noqa: F401  (registration order)

from dataclasses import replace

from ..kernel.model import FlagTable
from ..kernel.exitwork import TreeFiles
from ..kernel.snapshot import Snapshot
from ..result import Finding, Related
from .references import Break, bisect_breaks, breaks, dangling_references, parse_fallbacks
from .registry import RULES, Rule, describe_arches, markdown_table
from .removal import leftovers, reintroduced, renumbered_flags
from .series import merge_commit, patch_does_not_apply
from .tables import table_findings
from .arches import arch_findings, bits_out_of_range
from .operands import OperandHistory, operand_findings
from .workmask import work_mask
from .guards import dead_blocks, dead_guards

__all__ = [
    "RULES", "Break", "OperandHistory", "Rule", "arch_findings", "bisect_breaks", "breaks",
    "dangling_references", "describe_arches", "flag_findings", "header_findings", "leftovers",
    "markdown_table", "merge_commit", "operand_findings", "parse_fallbacks",
    "patch_does_not_apply", "reintroduced", "renumbered_flags", "semantic_findings",
    "series_semantic_findings", "table_findings", "tree_findings",
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


def semantic_findings(snapshot: Snapshot, source: TreeFiles | None = None) -> list[Finding]:
    """What a tree state gets wrong about what its flags are for, beyond
    names and numbers: an arch's exit path that misses the flag. ``source``:
    the tree state's files, where they are not those the snapshot was
    first read from (the head of a series)."""
    return list(work_mask(snapshot, source))


def series_semantic_findings(base: Snapshot, head: Snapshot, head_source: TreeFiles,
                             found: list[Finding], removes: bool) -> list[Finding]:
    """``found`` (the head's findings) with what the semantic rules say of
    the tree after a series: the work-mask findings the base did not have,
    and dead ``#ifdef TIF_X`` blocks, each replacing the leftover-use and
    dangling-reference findings of its uses (one cause, one finding)."""
    before = {f.identity for f in semantic_findings(base)}
    added = [f for f in semantic_findings(head, head_source) if f.identity not in before]
    blocks = [b for b in dead_blocks(head)
              if removes or any(head.symbol in base.visible_names(a) for a in b.builders)]
    sites = {(o.path, o.line, o.column): i for i, b in enumerate(blocks) for o in b.uses}
    carried: dict[int, list[Finding]] = {}
    kept = []
    for f in found:
        at = sites.get((f.path, f.line, f.column))
        if at is not None and f.rule in ("leftover-use", "dangling-reference"):
            carried.setdefault(at, []).append(f)
        else:
            kept.append(f)
    for i, g in enumerate(dead_guards(blocks, head.symbol)):
        extra = tuple(Related(f.path, f.line, f.arch, f"{f.rule}: {f.message}")
                      for f in carried.get(i, ()))
        kept.append(replace(g, related=g.related + extra) if extra else g)
    return kept + added


def tree_findings(snapshot: Snapshot) -> list[Finding]:
    """Every finding that applies to a single tree."""
    found = flag_findings(snapshot)
    found.extend(semantic_findings(snapshot))
    found.extend(dangling_references(breaks(snapshot), snapshot.symbol))
    found.extend(parse_fallbacks(snapshot))
    found.extend(operand_findings(snapshot))
    return sorted(found, key=lambda f: f.sort_key)
