"""Audit a series commit by commit, for every audited flag in one walk: the
base snapshots come from one grep, and each commit along the first-parent
line is read once and updates every flag's snapshot from the files it
changes. Each flag's side (:mod:`.flagwalk`) records everything reporters
show: per-commit findings and counts, each arch's state at every commit,
where findings are at HEAD."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from pathlib import Path

from .errors import AuditError
from .flagwalk import FlagWalk, TableProblems, arch_states
from .kernel.cache import SnapshotCache
from .kernel.pending import PendingSnapshot, PendingSnapshots, SnapshotPart
from .kernel.snapshot import Snapshot, updated_together
from .result import Audit, CommitAudit
from .rules import merge_commit
from .rules.intent import decide
from .sources.commits import (
    Commit,
    close_series,
    names_flag,
    read_changes,
    series_commits,
    touches_flag,
)
from .sources.trees import GitTree

__all__ = ["Progress", "arch_states", "cannot_touch",
           "untouched_series", "walk_flags", "walk_series"]

Progress = Callable[[int, int, Commit], None]


def walk_series(top: Path, base: str, head: str, symbol: str, *, label: str | None = None,
                env: dict[str, str] | None = None, progress: Progress | None = None,
                intent: str | None = None,
                pending: PendingSnapshot | SnapshotPart | None = None,
                cache: SnapshotCache | None = None, untouched: bool | None = None) -> Audit:
    """Audit the commits of ``base..head`` (full shas) in repository ``top``.
    ``intent`` forces what the series is taken to do to the flag (see
    :mod:`.rules.intent`); without it, base and head decide. ``pending``:
    the base's snapshot, already started (an mbox starts it before applying);
    else it is taken from ``cache`` when it is there. ``untouched``: what
    :func:`cannot_touch` said, where the caller asked it already."""
    if untouched is None:
        untouched = cannot_touch(top, base, head, symbol, env)
    if intent is None and untouched:
        if pending is not None:
            pending.cancel()
        return untouched_series(top, base, head, symbol, env, label)
    group = pending.group if pending is not None else None
    return walk_flags(top, base, head, [symbol], label=label, env=env, progress=progress,
                      intents={symbol: intent}, pending=group, cache=cache)[0]


def walk_flags(top: Path, base: str, head: str, symbols: Sequence[str], *,
               label: str | None = None, env: dict[str, str] | None = None,
               progress: Progress | None = None,
               intents: Mapping[str, str | None] | None = None,
               pending: PendingSnapshots | None = None,
               cache: SnapshotCache | None = None) -> list[Audit]:
    """Audit ``base..head`` for several flags in one walk: the commits and
    the files each changes are read once, each changed file is scanned once
    for every flag, the flag headers of each tree state are read and
    checked once; one audit per flag, in the order of ``symbols``. ``pending``: the base's
    snapshots, already started for (some of) the flags."""
    commits, start, bases = _read_series(top, base, head, symbols, env, pending, cache)
    problems = TableProblems()
    walks = [FlagWalk(s, bases[s], (intents or {}).get(s), problems) for s in symbols]
    snapshots = bases
    try:
        for number, commit in enumerate(commits, 1):
            if progress:
                progress(number, len(commits), commit)
            changes = read_changes(top, commit, env)
            after = updated_together(snapshots, changes)
            changed = sorted(changes)
            for walk in walks:
                walk.step(commit, changed, after[walk.symbol])
            snapshots = after
    finally:
        close_series(commits)
    decided = {w.symbol: w.decide() for w in walks}
    kinds = {name: d.kind for name, d in decided.items()}
    head_source = GitTree(top, head, env=env)  # one reader of the head for every flag
    return [w.finish(commits, start, head, label or str(top), decided[w.symbol], kinds,
                     head_source) for w in walks]


def cannot_touch(top: Path, base: str, head: str, symbol: str,
                 env: dict[str, str] | None = None) -> bool:
    """Can ``base..head`` not change ``symbol`` at all (and is the symbol a
    flag, not a misspelling that no file names)?"""
    return not touches_flag(top, base, head, symbol, env) and names_flag(top, base, symbol, env)


def untouched_series(top: Path, base: str, head: str, symbol: str | None,
                     env: dict[str, str] | None, label: str | None) -> Audit:
    """A series that cannot change the flag (None: that changes no flag at
    all): its commits, no finding, and no inventory (the tree is not read:
    the cost follows the change)."""
    commits = _commits(top, base, head, env)
    name = symbol or ""
    empty = Snapshot(name, {}, {}, frozenset(), frozenset())
    audits = [CommitAudit(c.sha, c.subject, c.author, c.date, merge=c.merge) for c in commits]
    for audit, commit in zip(audits, commits, strict=True):
        if commit.merge:
            audit.findings.append(merge_commit(commit.subject, commit.sha, symbol))
    if symbol:
        decided = decide(symbol, empty, empty, touched=False)
        intent, lines = {symbol: decided.kind}, {symbol: decided.summary}
    else:
        intent, lines = {}, {"": "changes no flag's definitions or references"}
    return Audit(name, "series", label or str(top), head, empty,
                 [f for a in audits for f in a.findings], base_rev=commits[0].parent or base,
                 base=empty, commits=audits, intent=intent, intent_lines=lines,
                 inventory=False)


def _commits(top: Path, base: str, head: str, env: dict[str, str] | None) -> list[Commit]:
    """The series' commits, or an AuditError for a range that has none."""
    commits = series_commits(top, base, head, env)
    if not commits:
        raise AuditError(f"the range {base[:12]}..{head[:12]} has no commits "
                         "(is it reversed, or already merged?)")
    return commits


def _read_series(top: Path, base: str, head: str, symbols: Sequence[str],
                 env: dict[str, str] | None, pending: PendingSnapshots | None = None,
                 cache: SnapshotCache | None = None
                 ) -> tuple[list[Commit], str, dict[str, Snapshot]]:
    """The commits, the commit the series starts from, and each flag's
    snapshot of it, from one grep for all the flags (``pending``, when the
    caller started it, may cover more flags). The base tree's grep runs
    while the commits are read."""
    own = pending is None or any(s not in pending.keys for s in symbols)
    if own:
        pending = PendingSnapshots(GitTree(top, base, env=env), symbols, cache)
    assert pending is not None
    try:
        commits = _commits(top, base, head, env)
    except BaseException:
        pending.cancel()
        raise
    start = commits[0].parent or base
    if start == base:
        done = pending.finish()
        return commits, start, {s: done[s] for s in symbols}
    # BASE is not the series' parent (e.g. an older upstream): start from the parent.
    pending.cancel()
    done = PendingSnapshots(GitTree(top, start, env=env), symbols, cache).finish()
    return commits, start, {s: done[s] for s in symbols}
