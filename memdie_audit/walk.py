"""Audit a series commit by commit: the base snapshot is built once, and
each commit along the first-parent line updates it from the files it
changes. The walk records everything reporters show: per-commit findings
and counts, each arch's state at every commit, where findings are at HEAD."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import replace
from pathlib import Path

from .errors import AuditError
from .kernel.archview import free_bits
from .kernel.cache import SnapshotCache
from .kernel.kconfig import kconfig_arch
from .kernel.model import Kind
from .kernel.paths import GENERIC, is_flag_header
from .kernel.snapshot import PendingSnapshot, Snapshot, SnapshotPart, build_snapshot
from .result import (
    COMMON,
    ArchState,
    Audit,
    CommitAudit,
    Finding,
    Location,
    Related,
    Severity,
)
from .rules import (
    Break,
    bisect_breaks,
    breaks,
    dangling_references,
    flag_findings,
    leftovers,
    merge_commit,
    parse_fallbacks,
    reintroduced,
    renumbered_flags,
    series_semantic_findings,
)
from .rules.intent import Intent, check_known, decide
from .rules.removal import occurrence_key
from .sources.commits import (
    Commit,
    close_series,
    names_flag,
    read_changes,
    series_commits,
    touches_flag,
)
from .sources.trees import GitTree

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
    commits, start, base_snapshot = _read_series(top, base, head, symbol, env, pending, cache)
    # Flag-table problems are reported once, by the commit that introduced them.
    base_problems = {f.identity for f in flag_findings(base_snapshot)}
    table_seen = set(base_problems)
    # References the base already could not build are the base's state, not
    # the series' doing: only new (site, arch) breaks count.
    base_found = breaks(base_snapshot, base_snapshot)
    base_breaks = {(b.site, a) for b in base_found for a in b.arches}
    audits: list[CommitAudit] = []
    per_commit_breaks: list[list[Break]] = []
    sites: dict[int, tuple[str, str] | None] = {}  # id(finding) -> its site's occurrence key
    touched = False
    snapshot = base_snapshot
    base_states = arch_states(base_snapshot, base_snapshot, base_found)
    found, states = base_found, base_states
    try:
        for number, commit in enumerate(commits, 1):
            if progress:
                progress(number, len(commits), commit)
            changes = read_changes(top, commit, env)
            after = snapshot.updated(changes)
            audit, found = _audit_commit(commit, sorted(changes), snapshot, after, base_snapshot,
                                         table_seen, (found, states))
            states = audit.arch_states
            touched = touched or bool(audit.removed or audit.added) or any(
                is_flag_header(p) or kconfig_arch(p) for p in changes)
            sites.update((id(f), _site_key(f, after)) for f in audit.findings)
            audits.append(audit)
            per_commit_breaks.append(_new_breaks(found, base_breaks))
            snapshot = after
    finally:
        close_series(commits)
    check_known(symbol, base_snapshot, snapshot)
    decided = decide(symbol, base_snapshot, snapshot, touched, intent)
    for index, f in bisect_breaks(per_commit_breaks, [c.sha for c in commits],
                                  [c.subject for c in commits], symbol):
        sites[id(f)] = occurrence_key(per_commit_breaks[index][0].occurrence)
        audits[index].findings.append(f)
    for audit in audits:
        audit.findings[:] = [_located_at_head(f, sites.get(id(f)), snapshot)
                             for f in audit.findings
                             if decided.removes or f.rule != "reintroduced"]
    findings = [f for audit in audits for f in audit.findings]
    findings.extend(_head_findings(base_snapshot, snapshot, symbol, base_problems,
                                   per_commit_breaks[-1], decided, GitTree(top, head, env=env)))
    # Last touches, the same for the series' list and each commit's: free
    # bits named for an addition, then one finding per site.
    hinted = {id(f): _with_free_bits(f, snapshot) if decided.kind == "add" else f
              for f in findings}
    merged = one_per_site(list(hinted.values()))

    def final(f: Finding) -> Finding | None:
        g = hinted[id(f)]
        return merged.get(id(g), g)

    findings = [g for f in findings if (g := final(f)) is not None]
    for audit in audits:
        audit.findings[:] = [g for f in audit.findings if (g := final(f)) is not None]
    return Audit(symbol, "series", label or str(top), head, snapshot,
                 sorted(findings, key=lambda f: f.sort_key), base_rev=start,
                 base=base_snapshot, commits=audits,
                 base_states=base_states,
                 head_states=arch_states(snapshot, base_snapshot, per_commit_breaks[-1]),
                 intent={symbol: decided.kind}, intent_lines={symbol: decided.summary})


# At one site the most specific rule wins; the others become its related
# entries (DESIGN.md, "Rules").
PRECEDENCE = ("patch-does-not-apply", "reintroduced", "bisect-break", "dead-guard",
              "dangling-reference",
              "leftover-definition", "leftover-mask", "leftover-use", "stale-comment")


def _site(f: Finding) -> tuple | None:
    """Where a finding is in the tree after the series (None: nowhere to
    compare)."""
    if f.rule not in PRECEDENCE or not f.path:
        return None
    at = f.at_head if f.commit else Location(f.path, f.line, f.column)
    return (at.path, at.line, at.column) if at is not None and at.line else None


def one_per_site(findings: list[Finding]) -> dict[int, Finding | None]:
    """One cause, one finding: of the findings at one site, the one of the
    most specific rule carries the others as related entries. Returns what
    changes, by ``id``: the carrier's new value, None for the carried."""
    by_site: dict[tuple, list[Finding]] = {}
    for f in findings:
        site = _site(f)
        if site is not None:
            by_site.setdefault(site, []).append(f)
    changed: dict[int, Finding | None] = {}
    for group in by_site.values():
        if len(group) < 2:
            continue
        group.sort(key=lambda f: PRECEDENCE.index(f.rule))
        first, rest = group[0], group[1:]
        extra = tuple(Related(f.path, f.line, f.arch, f"{f.rule}: {f.message}") for f in rest)
        changed[id(first)] = replace(first, related=first.related + extra)
        changed.update((id(f), None) for f in rest)
    return changed


def _with_free_bits(f: Finding, head: Snapshot) -> Finding:
    """A flag the series adds, missing on some arches: say which bits are
    free on each, so the fix is one line per arch."""
    if f.rule not in ("dangling-reference", "bisect-break") or not f.arches:
        return f
    hints = []
    for arch in f.arches:
        view = head.views.get(arch)
        free = free_bits(view, 1) if view is not None else []
        if free:
            own = next((t.path for t in head.tables_of(arch)), None)
            hints.append((arch, free[0], own))
    if not hints:
        return f
    shown = ", ".join(f"{arch} {bit}" for arch, bit, _ in hints[:6])
    more = f" and {len(hints) - 6} more" if len(hints) > 6 else ""
    return replace(f, message=f"{f.message}; a free bit on each: {shown}{more}",
                   related=f.related + tuple(Related(path, None, arch, f"bit {bit} is free")
                                             for arch, bit, path in hints))


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


def _new_breaks(found: list[Break], base_breaks: set[tuple]) -> list[Break]:
    """The breaks of a tree state, less the arches on which the base already
    broke at the same site."""
    fresh = []
    for b in found:
        arches = tuple(a for a in b.arches if (b.site, a) not in base_breaks)
        if arches:
            fresh.append(replace(b, arches=arches))
    return fresh


def _commits(top: Path, base: str, head: str, env: dict[str, str] | None) -> list[Commit]:
    """The series' commits, or an AuditError for a range that has none."""
    commits = series_commits(top, base, head, env)
    if not commits:
        raise AuditError(f"the range {base[:12]}..{head[:12]} has no commits "
                         "(is it reversed, or already merged?)")
    return commits


def _read_series(top: Path, base: str, head: str, symbol: str, env: dict[str, str] | None,
                 pending: PendingSnapshot | SnapshotPart | None = None,
                 cache: SnapshotCache | None = None
                 ) -> tuple[list[Commit], str, Snapshot]:
    """The commits, the commit the series starts from, and its snapshot. The
    base tree's grep runs while the commits are read."""
    pending = pending or PendingSnapshot(GitTree(top, base, env=env), symbol, cache)
    try:
        commits = _commits(top, base, head, env)
    except BaseException:
        pending.cancel()
        raise
    start = commits[0].parent or base
    if start == base:
        return commits, start, pending.finish()
    # BASE is not the series' parent (e.g. an older upstream): start from the parent.
    pending.cancel()
    return commits, start, build_snapshot(GitTree(top, start, env=env), symbol, cache)


def _audit_commit(commit: Commit, changed: list[str], before: Snapshot, after: Snapshot,
                  base: Snapshot, table_seen: set[tuple],
                  before_state: tuple[list[Break], dict[str, ArchState]]
                  ) -> tuple[CommitAudit, list[Break]]:
    """What one commit (changing the files ``changed``) removed, added and
    broke; ``table_seen`` collects the flag-table problems reported so far,
    ``before_state`` the breaks and arch states of ``before``: still those
    when the commit changed nothing the snapshot holds (``after is before``)."""
    removed, added = kind_changes(before, after, changed)
    audit = CommitAudit(commit.sha, commit.subject, commit.author, commit.date, removed, added,
                        merge=commit.merge)
    if commit.merge:
        audit.findings.append(merge_commit(commit.subject, commit.sha, after.symbol))
    audit.findings.extend(reintroduced(before, after, changed, commit.sha))
    if any(is_flag_header(p) or kconfig_arch(p) for p in changed):
        for f in flag_findings(after):
            if f.identity not in table_seen:
                table_seen.add(f.identity)
                audit.findings.append(replace(f, commit=commit.sha))
    if after is before:
        found, states = before_state
        audit.arch_states = dict(states)
        return audit, found
    found = breaks(after, base)
    audit.arch_states = arch_states(after, base, found)
    return audit, found


def _head_findings(base: Snapshot, head: Snapshot, symbol: str, base_problems: set[tuple],
                   head_breaks: list[Break], intent: Intent, head_source: GitTree
                   ) -> list[Finding]:
    """What the tree after the series has, as far as the series' intent
    makes it the series' business (``head_source``: its files)."""
    found = list(leftovers(head)) if intent.removes else []
    found.extend(dangling_references(head_breaks, symbol))
    if intent.kind == "untouched":
        return found
    found = series_semantic_findings(base, head, head_source, found, intent.removes)
    found.extend(renumbered_flags(base, head, symbol))
    found.extend(parse_fallbacks(head))
    # Table problems the base already had are not the series' doing, but a
    # broken header is still broken: report them, without a commit (notes,
    # which say the base is as the kernel means it, stay with a tree audit).
    found.extend(f for f in flag_findings(head)
                 if f.identity in base_problems and f.severity is not Severity.NOTE)
    return found


def _site_key(f: Finding, snapshot: Snapshot) -> tuple[str, str] | None:
    """The occurrence a finding points at, as a key that survives line moves."""
    return next((occurrence_key(o) for o in snapshot.occurrences.get(f.path or "", ())
                 if o.line == f.line and o.column == f.column), None)


def _located_at_head(f: Finding, site: tuple[str, str] | None, head: Snapshot) -> Finding:
    """A commit's finding with its site located in the tree after the series:
    the same flag in the same header, or the same token and source text
    (None where the site is gone)."""
    if not f.path or not f.line:
        return f
    table = head.tables.get(f.path)
    if table is not None and f.names:
        flag = table.bit(f.names[0]) or table.mask(f.names[0])
        return replace(f, at_head=Location(f.path, flag.line, flag.column) if flag else None)
    match = next((o for o in head.occurrences.get(f.path, ())
                  if site is not None and occurrence_key(o) == site), None)
    return replace(f, at_head=Location(f.path, match.line, match.column) if match else None)


def arch_states(snapshot: Snapshot, base: Snapshot, found: Sequence[Break] | None = None
                ) -> dict[str, ArchState]:
    """The flag's state on every arch (and ``generic``, and common code) at
    one tree state, for the arch × commit matrix (see :class:`ArchState`)."""
    found = breaks(snapshot, base) if found is None else found
    symbol = snapshot.symbol
    counts: Counter[str] = Counter()
    for b in found:
        counts.update(b.arches)
        if b.occurrence.arch is None:
            counts[COMMON] += 1
        elif b.occurrence.arch == GENERIC:
            counts[GENERIC] += 1
    arches = sorted(base.arches | snapshot.arches)
    if any(t.arch == GENERIC for t in (*base.tables.values(), *snapshot.tables.values())):
        arches.append(GENERIC)
    states: dict[str, ArchState] = {}
    for arch in arches:
        now, before = snapshot.visible_names(arch), base.visible_names(arch)
        if symbol in now:
            word = "defined" if symbol in before else "added"
        elif "_" + symbol in now:
            word = "mask"
        elif before:
            word = "removed"
        else:
            word = "absent"
        # counts[arch]: the references that break on it (none: not broken)
        states[arch] = ArchState("broken", counts[arch], word) if counts[arch] \
            else ArchState(word)
    if any(b.occurrence.arch is None for b in found):
        states[COMMON] = ArchState("broken", counts[COMMON] or None)
    elif any(o.arch is None for o in snapshot.code_occurrences()):
        states[COMMON] = ArchState("used")
    else:
        states[COMMON] = ArchState("absent")
    return states


def kind_changes(before: Snapshot, after: Snapshot, changed: Sequence[str]
                 ) -> tuple[Counter[Kind], Counter[Kind]]:
    """How many occurrences of each kind a commit removed and added."""
    removed: Counter[Kind] = Counter()
    added: Counter[Kind] = Counter()
    for path in changed:
        if path not in before.occurrences and path not in after.occurrences:
            continue
        old = Counter((o.kind, occurrence_key(o)) for o in before.occurrences.get(path, ()))
        new = Counter((o.kind, occurrence_key(o)) for o in after.occurrences.get(path, ()))
        for (kind, _), n in (old - new).items():
            removed[kind] += n
        for (kind, _), n in (new - old).items():
            added[kind] += n
    return removed, added
