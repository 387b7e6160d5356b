"""What one run of memdie-audit found, whatever produced it: the records
every reporter renders (findings, per-commit results, the audit)."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from enum import Enum

from .kernel.model import Kind, one_line
from .kernel.snapshot import Snapshot


class Severity(str, Enum):
    ERROR = "error"
    WARNING = "warning"
    NOTE = "note"

    def __str__(self) -> str:
        return self.value

    @property
    def rank(self) -> int:
        return {"error": 2, "warning": 1, "note": 0}[self.value]



@dataclass(frozen=True)
class Finding:
    """One verdict of a rule, located as precisely as the rule knows."""

    rule: str
    severity: Severity
    message: str
    path: str | None = None
    line: int | None = None
    column: int | None = None
    arch: str | None = None
    commit: str | None = None
    related: tuple[str, ...] = field(default=(), compare=False)

    def __str__(self) -> str:
        where = ""
        if self.path:
            where = one_line(self.path)
            if self.line:
                where += f":{self.line}"
                if self.column:
                    where += f":{self.column}"
            where += ": "
        return f"{where}{self.severity}: {self.message} [{self.rule}]"

    @property
    def sort_key(self) -> tuple:
        return (-self.severity.rank, self.path or "", self.line or 0, self.column or 0, self.rule)



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
