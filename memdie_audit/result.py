"""What one run of memdie-audit found, whatever produced it: the records
every reporter renders (findings, per-commit results, the audit).

Reporters read these and nothing else: a finding carries its data (the
arches it concerns, its related sites, its bisect window, the patch it came
from, where it is at HEAD) as fields, never as prose to be parsed back.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace
from enum import Enum
from urllib.parse import quote

from .kernel.model import Kind, one_line
from .kernel.snapshot import Snapshot

COMMON = "common code"  # the row of code outside arch/ and include/asm-generic


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
class Location:
    """A place in a file; ``column`` counts bytes, as ``git grep --column``."""

    path: str
    line: int | None = None
    column: int | None = None


@dataclass(frozen=True)
class Related:
    """Another site a finding is about: the other flag of a duplicate bit,
    one reference of a bisect window."""

    path: str | None
    line: int | None
    arch: str | None
    message: str


@dataclass(frozen=True)
class BisectWindow:
    """Consecutive commits (1-based numbers in the series) at which the
    build breaks; ``repaired_by`` is the number of the first commit that
    builds again (None: not repaired by the end)."""

    first: int
    last: int
    first_sha: str
    last_sha: str
    repaired_by: int | None = None
    repaired_sha: str | None = None

    @property
    def numbers(self) -> range:
        return range(self.first, self.last + 1)


@dataclass(frozen=True)
class Finding:
    """One verdict of a rule, located as precisely as the rule knows.

    ``names`` are the flags the finding is about (the two flags of a
    duplicate bit); with rule, symbol and path they are its identity across
    commits, where line numbers move. ``at_head`` locates a finding made at
    some commit of a series in the tree after the series (None where that
    site no longer exists).
    """

    rule: str
    severity: Severity
    message: str
    path: str | None = None
    line: int | None = None
    column: int | None = None
    arch: str | None = None
    commit: str | None = None
    symbol: str | None = None
    names: tuple[str, ...] = ()
    arches: tuple[str, ...] = field(default=(), compare=False)
    related: tuple[Related, ...] = field(default=(), compare=False)
    window: BisectWindow | None = field(default=None, compare=False)
    patch: str | None = field(default=None, compare=False)  # "2/4" for a mailed series
    message_id: str | None = field(default=None, compare=False)
    at_head: Location | None = field(default=None, compare=False)

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

    @property
    def identity(self) -> tuple:
        """What makes two findings one, wherever their lines moved."""
        return (self.rule, self.symbol, self.path, self.names or (self.line, self.column),
                self.arch)


@dataclass(frozen=True)
class ArchState:
    """The audited flag on one arch (or ``generic``, or common code) at one
    tree state, as the arch × commit matrix shows it.

    ``state`` is ``defined``, ``mask`` (only the mask is left), ``removed``
    (defined in the base, gone now), ``absent``, ``broken`` (a reference
    built for it sees no definition) or, for common code, ``used``.
    ``broken`` counts the references that break; ``beneath`` is the
    definition state under ``broken``.
    """

    state: str
    broken: int | None = None
    beneath: str | None = None


@dataclass(frozen=True)
class MailIdentity:
    """Where a commit built from an emailed patch came from."""

    message_id: str | None  # None: the mail had none (git format-patch --stdout)
    patch: str  # "2/4"
    version: int
    subject: str
    author: str
    date: str

    @property
    def link(self) -> str | None:
        if not self.message_id:
            return None
        # The Message-Id comes from the mail: quoted, it stays one path segment.
        return "https://lore.kernel.org/r/" + quote(self.message_id.strip("<>"),
                                                    safe="@!$&'()*+,;=:.-_~")


@dataclass(frozen=True)
class MailSeries:
    """What an audited mbox held and what was made of it: the version
    audited, how the base was chosen, and what was left aside."""

    source: str  # the mbox's path, or "stdin"
    base_how: str  # "base-commit: in the mbox", "--base v4.9", "guessed from ..."
    version: int
    versions: tuple[int, ...]
    cover: str | None  # the cover letter's Message-Id
    prerequisites: tuple[str, ...] = ()  # prerequisite-patch-id lines
    skipped: tuple[str, ...] = ()  # replies, older versions: one line each
    missing: tuple[str, ...] = ()  # "3/4": patches the mbox lacks
    hunks: int = 0
    applied: int = 0  # hunks applied, of ``hunks``
    merged: tuple[str, ...] = ()  # "4/4 arch/x86/...": files applied by --3way


@dataclass
class CommitAudit:
    """One commit of a series: what it changed and what it broke.

    ``temporary`` marks a commit built from mail: its sha exists only while
    the audit runs.
    """

    sha: str
    subject: str
    author: str = ""
    date: str = ""
    removed: Counter[Kind] = field(default_factory=Counter)
    added: Counter[Kind] = field(default_factory=Counter)
    findings: list[Finding] = field(default_factory=list)
    merge: bool = False
    arch_states: dict[str, ArchState] = field(default_factory=dict)
    mail: MailIdentity | None = None
    temporary: bool = False


@dataclass
class Audit:
    """The result of auditing a tree (``mode`` "tree") or a series ("series").

    ``head`` is the tree after the series (or the tree itself); ``base`` the
    tree before it. ``findings`` holds every finding, including those listed
    per commit. ``base_states`` and ``head_states`` are the matrix columns of
    base and head (``head_states`` alone for a tree). ``intent`` says, per
    audited flag, what the series does to it.
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
    base_states: dict[str, ArchState] = field(default_factory=dict)
    head_states: dict[str, ArchState] = field(default_factory=dict)
    intent: dict[str, str] = field(default_factory=dict)
    # per audited flag, the intent line: "removes TIF_MEMDIE from 32 flag headers; ..."
    intent_lines: dict[str, str] = field(default_factory=dict)
    # False when the tree was not read (a series that cannot touch the flag):
    # head and base are empty, and reports say "not computed"
    inventory: bool = True
    # (commit or None, path, line) -> numbered source lines around a finding,
    # read from the file as it is at that commit (None: the head)
    source_context: dict[tuple[str | None, str, int], list[tuple[int, str]]] = field(
        default_factory=dict)
    # With several audited flags: one whole audit per flag, for what is shown
    # per flag (inventory, arch table, matrix, bit maps). ``findings`` and
    # each commit's findings are the union, without repeats.
    parts: tuple[Audit, ...] = ()
    mail: MailSeries | None = None  # for an emailed series

    @property
    def symbols(self) -> tuple[str, ...]:
        if self.parts:
            return tuple(p.symbol for p in self.parts)
        return (self.symbol,) if self.symbol else ()  # none: a series that changes no flag

    @property
    def per_symbol(self) -> tuple[Audit, ...]:
        """One audit per audited flag (the audit itself for one flag)."""
        return self.parts or (self,)

    @staticmethod
    def combine(parts: Sequence[Audit]) -> Audit:
        """The audits of several flags over the same tree or series as one.
        A finding that does not depend on the flag (a duplicate bit, a merge)
        is reported once."""
        if len(parts) == 1:
            return parts[0]
        first = parts[0]
        commits = []
        for number, commit in enumerate(first.commits):
            each = [p.commits[number] for p in parts]
            commits.append(replace(
                commit, findings=_union(f for c in each for f in c.findings),
                removed=sum((c.removed for c in each), Counter()),
                added=sum((c.added for c in each), Counter())))
        context: dict[tuple[str | None, str, int], list[tuple[int, str]]] = {}
        for p in parts:
            context.update(p.source_context)
        return replace(first, findings=_union(f for p in parts for f in p.findings),
                       commits=commits, source_context=context,
                       intent={k: v for p in parts for k, v in p.intent.items()},
                       intent_lines={k: v for p in parts for k, v in p.intent_lines.items()},
                       inventory=all(p.inventory for p in parts), parts=tuple(parts))

    def source_lines(self, f: Finding) -> list[tuple[int, str]] | None:
        """The lines around a finding, as read by the pipeline."""
        if not f.path or not f.line:
            return None
        return self.source_context.get((f.commit, f.path, f.line))

    def keep(self, wanted: Callable[[Finding], bool]) -> Audit:
        """The audit with only the findings ``wanted`` accepts (--types,
        --ignore), in the series' list and in each commit's."""
        commits = [replace(c, findings=[f for f in c.findings if wanted(f)])
                   for c in self.commits]
        return replace(self, findings=[f for f in self.findings if wanted(f)], commits=commits,
                       parts=tuple(p.keep(wanted) for p in self.parts))

    def count(self, severity: Severity) -> int:
        return sum(1 for f in self.findings if f.severity is severity)

    def fails(self, fail_on: Severity) -> bool:
        return any(f.severity.rank >= fail_on.rank for f in self.findings)


def _union(findings: Iterable[Finding]) -> list[Finding]:
    """Findings of several flags' audits, sorted, each one once: a finding
    about the tree rather than the flag (a duplicate bit) is in every part."""
    seen: dict[tuple, Finding] = {}
    for f in findings:
        key = (f.rule, f.path, f.line, f.column, f.commit, f.message)
        kept = seen.setdefault(key, f)
        # one site seen by several flags' walks: what each carries, once
        extra = tuple(r for r in f.related if r not in kept.related)
        if extra:
            seen[key] = replace(kept, related=kept.related + extra)
    return sorted(seen.values(), key=lambda f: f.sort_key)
