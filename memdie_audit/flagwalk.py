"""One flag's side of a series walk: what each commit removed, added and
broke for the flag, the state of each arch at every commit, and at the
end the flag's audit, its findings located at HEAD, one per site. The
walk itself (:mod:`.walk`) drives every audited flag's FlagWalk over the
commits at once."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import replace

from .kernel.archview import free_bits
from .kernel.exitwork import TreeFiles
from .kernel.kconfig import kconfig_arch
from .kernel.model import Kind
from .kernel.paths import GENERIC, is_flag_header
from .kernel.snapshot import Snapshot
from .result import (
    COMMON,
    ArchState,
    Audit,
    BisectWindow,
    CommitAudit,
    Finding,
    Location,
    Related,
    Severity,
)
from .rules import (
    Break,
    OperandHistory,
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
from .rules.operands import absorbed_by_immediates
from .rules.removal import occurrence_key
from .sources.commits import Commit


class TableProblems:
    """flag_findings of a tree state, worked out once for all the flags
    walked together (their snapshots share the state's flag tables)."""

    def __init__(self) -> None:
        self.seen: dict[int, tuple[object, list[Finding]]] = {}

    def __call__(self, snapshot: Snapshot) -> list[Finding]:
        hit = self.seen.get(id(snapshot.tables))
        if hit is None or hit[0] is not snapshot.tables:
            hit = self.seen[id(snapshot.tables)] = (snapshot.tables, flag_findings(snapshot))
        return hit[1]


class FlagWalk:
    """One flag's side of a walk: what each commit removed, added and broke
    for it, and at the end its audit."""

    def __init__(self, symbol: str, base: Snapshot, intent: str | None,
                 problems: TableProblems) -> None:
        self.symbol, self.base, self.intent, self.problems = symbol, base, intent, problems
        # Flag-table problems are reported once, by the commit that introduced them.
        self.base_problems = {f.identity for f in problems(base)}
        self.table_seen = set(self.base_problems)
        # References the base already could not build are the base's state, not
        # the series' doing: only new (site, arch) breaks count.
        base_found = breaks(base, base)
        self.base_breaks = {(b.site, a) for b in base_found for a in b.arches}
        self.audits: list[CommitAudit] = []
        self.per_commit_breaks: list[list[Break]] = []
        self.sites: dict[int, tuple[str, str] | None] = {}  # id(finding) -> its site's key
        self.touched = False
        self.snapshot = base
        self.base_states = arch_states(base, base, base_found)
        self.found, self.states = base_found, self.base_states
        # the identities of the flag-table problems after each commit
        self.table_present: list[set[tuple]] = []
        # bit/mask confusions and immediates, each told by the commit that
        # introduces it and named repaired by a later one
        self.operands = OperandHistory(base)

    def step(self, commit: Commit, changed: list[str], after: Snapshot) -> None:
        audit, self.found = _audit_commit(commit, changed, self.snapshot, after, self.base,
                                          self.table_seen, (self.found, self.states),
                                          self.problems)
        audit.findings.extend(self.operands.step(self.snapshot, after, commit.sha,
                                                 commit.subject))
        self.states = audit.arch_states
        self.touched = self.touched or bool(audit.removed or audit.added) or any(
            is_flag_header(p) or kconfig_arch(p) for p in changed)
        self.sites.update((id(f), _site_key(f, after)) for f in audit.findings)
        self.audits.append(audit)
        self.per_commit_breaks.append(_new_breaks(self.found, self.base_breaks))
        self.table_present.append({f.identity for f in self.problems(after)})
        self.snapshot = after

    def decide(self) -> Intent:
        """What the series does to the flag (after the last :meth:`step`)."""
        check_known(self.symbol, self.base, self.snapshot)
        return decide(self.symbol, self.base, self.snapshot, self.touched, self.intent)

    def finish(self, commits: list[Commit], start: str, head: str, label: str,
               decided: Intent, intents: Mapping[str, str],
               head_source: TreeFiles | None = None) -> Audit:
        """The flag's audit; ``intents``: what the series does to every flag
        walked with it (a flag moved on purpose is no side effect);
        ``head_source``: the files of the tree after the series."""
        symbol, snapshot, audits, sites = self.symbol, self.snapshot, self.audits, self.sites
        per_commit_breaks = self.per_commit_breaks
        base_snapshot = self.base
        for index, audit in enumerate(audits):
            audit.findings[:] = [_repair_window(f, index, self.table_present, commits)
                                 for f in audit.findings]
        for index, f in bisect_breaks(per_commit_breaks, [c.sha for c in commits],
                                      [c.subject for c in commits], symbol):
            sites[id(f)] = occurrence_key(per_commit_breaks[index][0].occurrence)
            audits[index].findings.append(f)
        for audit in audits:
            audit.findings[:] = [self.operands.at_head(f)
                                 or _located_at_head(f, sites.get(id(f)), snapshot)
                                 for f in audit.findings
                                 if decided.removes or f.rule != "reintroduced"]
        findings = [f for audit in audits for f in audit.findings]
        findings.extend(_head_findings(base_snapshot, snapshot, symbol, self.base_problems,
                                       per_commit_breaks[-1], decided, self.problems, intents,
                                       head_source))
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
        return Audit(symbol, "series", label, head, snapshot,
                     sorted(findings, key=lambda f: f.sort_key), base_rev=start,
                     base=base_snapshot, commits=audits,
                     base_states=self.base_states,
                     head_states=arch_states(snapshot, base_snapshot, per_commit_breaks[-1]),
                     intent={symbol: decided.kind}, intent_lines={symbol: decided.summary})


def _repair_window(f: Finding, index: int, present: list[set[tuple]],
                   commits: list[Commit]) -> Finding:
    """A flag-table problem that commit ``index`` (0-based) causes and a
    later commit of the series repairs, with its window and the repair
    named: the commits in between are still broken."""
    if f.commit != commits[index].sha or f.window is not None \
            or f.identity not in present[index]:
        return f
    last = index
    while last + 1 < len(present) and f.identity in present[last + 1]:
        last += 1
    if last + 1 == len(present):
        return f  # not repaired: the head has it
    total, fix = len(commits), commits[last + 1]
    return replace(f, message=f"{f.message}; from commit {index + 1}/{total} "
                              f"({commits[index].sha[:12]}, \"{commits[index].subject}\") "
                              f"until {last + 2}/{total} ({fix.sha[:12]}) repairs it",
                   window=BisectWindow(index + 1, last + 1, commits[index].sha,
                                       commits[last].sha, last + 2, fix.sha))


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
    changed.update(absorbed_by_immediates(findings))
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


def _new_breaks(found: list[Break], base_breaks: set[tuple]) -> list[Break]:
    """The breaks of a tree state, less the arches on which the base already
    broke at the same site."""
    fresh = []
    for b in found:
        arches = tuple(a for a in b.arches if (b.site, a) not in base_breaks)
        if arches:
            fresh.append(replace(b, arches=arches))
    return fresh


def _audit_commit(commit: Commit, changed: list[str], before: Snapshot, after: Snapshot,
                  base: Snapshot, table_seen: set[tuple],
                  before_state: tuple[list[Break], dict[str, ArchState]],
                  problems: Callable[[Snapshot], list[Finding]] = flag_findings
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
        for f in problems(after):
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
                   head_breaks: list[Break], intent: Intent,
                   problems: Callable[[Snapshot], list[Finding]] = flag_findings,
                   intents: Mapping[str, str] | None = None,
                   head_source: TreeFiles | None = None) -> list[Finding]:
    """What the tree after the series has, as far as the series' intent
    makes it the series' business (``head_source``: its files, for the
    rules that read more of the tree than the flag's own occurrences)."""
    found = list(leftovers(head)) if intent.removes else []
    found.extend(dangling_references(head_breaks, symbol))
    if intent.kind == "untouched":
        return found
    if head_source is not None:
        found = series_semantic_findings(base, head, head_source, found, intent.removes)
    found.extend(renumbered_flags(base, head, symbol, intents))
    found.extend(parse_fallbacks(head))
    # Table problems the base already had are not the series' doing, but a
    # broken header is still broken: report them, without a commit (notes,
    # which say the base is as the kernel means it, stay with a tree audit).
    found.extend(f for f in problems(head)
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
