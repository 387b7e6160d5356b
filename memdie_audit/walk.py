"""Audit a series commit by commit: the base snapshot is built once, and
each commit along the first-parent line updates it from the files it changes."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

from .errors import AuditError
from .kernel.snapshot import PendingSnapshot, Snapshot, build_snapshot
from .result import Audit, CommitAudit, Finding
from .rules import removal
from .rules.registry import (
    Break,
    breaks,
    dangling_references,
    finding,
    parse_fallbacks,
    table_findings,
)
from .sources.commits import Commit, read_changes, series_commits
from .sources.trees import GitTree

Progress = Callable[[int, int, Commit], None]


def walk_series(top: Path, base: str, head: str, symbol: str, *, label: str | None = None,
                env: dict[str, str] | None = None, progress: Progress | None = None) -> Audit:
    """Audit the commits of ``base..head`` (full shas) in repository ``top``."""
    commits, start, base_snapshot = _read_series(top, base, head, symbol, env)
    # Flag-table problems are reported once, by the commit that introduced them.
    base_problems = {_table_key(f) for t in base_snapshot.tables.values()
                     for f in table_findings(t)}
    table_seen = set(base_problems)
    audits: list[CommitAudit] = []
    per_commit_breaks: list[list[Break]] = []
    snapshot = base_snapshot
    for number, commit in enumerate(commits, 1):
        if progress:
            progress(number, len(commits), commit)
        changes = read_changes(top, commit, env)
        after = snapshot.updated(changes)
        audit, found = _audit_commit(commit, sorted(changes), snapshot, after, base_snapshot,
                                     table_seen)
        audits.append(audit)
        per_commit_breaks.append(found)
        snapshot = after
    for index, f in removal.bisect_breaks(per_commit_breaks, [c.sha for c in commits],
                                          [c.subject for c in commits]):
        audits[index].findings.append(f)
    findings = [f for audit in audits for f in audit.findings]
    findings.extend(_head_findings(base_snapshot, snapshot, symbol, base_problems,
                                   per_commit_breaks[-1]))
    return Audit(symbol, "series", label or str(top), head, snapshot,
                 sorted(findings, key=lambda f: f.sort_key), base_rev=start,
                 base=base_snapshot, commits=audits)


def _read_series(top: Path, base: str, head: str, symbol: str, env: dict[str, str] | None
                 ) -> tuple[list[Commit], str, Snapshot]:
    """The commits, the commit the series starts from, and its snapshot. The
    base tree's grep runs while the commits are read."""
    pending = PendingSnapshot(GitTree(top, base, env=env), symbol)
    try:
        commits = series_commits(top, base, head, env)
    except BaseException:
        pending.cancel()
        raise
    if not commits:
        pending.cancel()
        raise AuditError(f"the range {base[:12]}..{head[:12]} has no commits "
                         "(is it reversed, or already merged?)")
    start = commits[0].parent or base
    if start == base:
        return commits, start, pending.finish()
    # BASE is not the series' parent (e.g. an older upstream): start from the parent.
    pending.cancel()
    return commits, start, build_snapshot(GitTree(top, start, env=env), symbol)


def _audit_commit(commit: Commit, changed: list[str], before: Snapshot, after: Snapshot,
                  base: Snapshot, table_seen: set[tuple]
                  ) -> tuple[CommitAudit, list[Break]]:
    """What one commit (changing the files ``changed``) removed, added and
    broke; ``table_seen`` collects the flag-table problems reported so far."""
    removed, added = removal.kind_changes(before, after, changed)
    audit = CommitAudit(commit.sha, commit.subject, commit.author, commit.date, removed, added,
                        merge=commit.merge)
    if commit.merge:
        audit.findings.append(finding(
            "merge-commit", f"merge commit \"{commit.subject}\": followed on its first parent",
            commit=commit.sha))
    audit.findings.extend(removal.reintroduced(before, after, changed, commit.sha))
    for path in changed:
        for f in table_findings(after.tables[path]) if path in after.tables else ():
            if _table_key(f) not in table_seen:
                table_seen.add(_table_key(f))
                audit.findings.append(replace(f, commit=commit.sha))
    found = breaks(after, base)
    audit.arch_states = removal.arch_states(after, base, found)
    return audit, found


def _head_findings(base: Snapshot, head: Snapshot, symbol: str, base_problems: set[tuple],
                   head_breaks: list[Break]) -> list[Finding]:
    found = list(removal.leftovers(head))
    found.extend(dangling_references(head_breaks))
    found.extend(removal.renumbered_flags(base, head, symbol))
    found.extend(parse_fallbacks(head))
    # Table problems the base already had are not the series' doing, but a
    # broken header is still broken: report them, without a commit.
    for table in head.tables.values():
        found.extend(f for f in table_findings(table) if _table_key(f) in base_problems)
    return found


def _table_key(f: Finding) -> tuple:
    return f.rule, f.path, f.message
