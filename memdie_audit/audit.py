"""What one run of memdie-audit found, whatever produced it: the result that
every reporter renders."""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field

from .errors import AuditError
from .model import Finding, Kind, Severity
from .rules import tree_findings
from .snapshot import Snapshot, build_snapshot
from .source import Source

_IDENTIFIER = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


@dataclass
class CommitAudit:
    """One commit of a series: what it changed and what it broke."""

    sha: str
    subject: str
    author: str = ""
    date: str = ""
    removed: Counter[Kind] = field(default_factory=Counter)
    added: Counter[Kind] = field(default_factory=Counter)
    findings: list[Finding] = field(default_factory=list)
    merge: bool = False
    # arch (or "generic", or "common code") -> the flag's state after this
    # commit: broken, defined, mask, removed, absent (see removal.arch_states)
    arch_states: dict[str, str] = field(default_factory=dict)


@dataclass
class Audit:
    """The result of auditing a tree (``mode`` "tree") or a series ("series").

    ``head`` is the tree after the series (or the tree itself); ``base`` the
    tree before it. ``findings`` holds every finding, including those listed
    per commit.
    """

    symbol: str
    mode: str
    tree: str
    rev: str | None
    head: Snapshot
    findings: list[Finding]
    base_rev: str | None = None
    base: Snapshot | None = None
    commits: list[CommitAudit] = field(default_factory=list)
    # (path, line) -> numbered source lines around a finding (see context.py)
    source_context: dict[tuple[str, int], list[tuple[int, str]]] = field(default_factory=dict)

    def source_lines(self, path: str, line: int) -> list[tuple[int, str]] | None:
        return self.source_context.get((path, line))

    def count(self, severity: Severity) -> int:
        return sum(1 for f in self.findings if f.severity is severity)

    def fails(self, fail_on: Severity) -> bool:
        return any(f.severity.rank >= fail_on.rank for f in self.findings)


def check_symbol(symbol: str) -> str:
    if not _IDENTIFIER.match(symbol):
        raise AuditError(f"--symbol {symbol!r} is not a C identifier")
    if symbol.startswith("_"):
        raise AuditError(f"--symbol {symbol!r}: give the bit's name ({symbol.lstrip('_')}); "
                         "its mask is found with it")
    return symbol


def audit_tree(source: Source, symbol: str) -> Audit:
    """Inventory of one tree state with the checks that apply to any tree."""
    snapshot = build_snapshot(source, check_symbol(symbol))
    return Audit(symbol, "tree", source.label, source.rev, snapshot, tree_findings(snapshot))
