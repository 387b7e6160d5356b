"""Rules about a removal series: what is left at its head, what broke on
the way, what came back, and which other flags moved."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator, Sequence

from ..kernel.model import Kind, Occurrence
from ..kernel.snapshot import Snapshot
from ..result import Finding
from .registry import Break, breaks, describe_arches, finding

_LEFTOVER = {Kind.DEFINITION: "leftover-definition", Kind.MASK: "leftover-mask",
             Kind.USE: "leftover-use"}


def leftovers(head: Snapshot) -> Iterator[Finding]:
    """leftover-definition / leftover-mask / leftover-use: after the series
    the tree still defines or references the flag. ``#define TIF_MEMDIE 18``
    surviving in arch/sparc: the arch was forgotten.

    stale-comment: comments, strings and docs that still name it."""
    for o in head.all_occurrences():
        if o.kind in _LEFTOVER:
            what = {Kind.DEFINITION: f"{o.token} is still defined",
                    Kind.MASK: f"{o.token} is still defined",
                    Kind.USE: f"{o.token} is still used"}[o.kind]
            where = f" for {o.arch}" if o.arch else ""
            yield finding(_LEFTOVER[o.kind], f"{what}{where} after its removal", at=o)
        else:
            yield finding("stale-comment", f"{o.kind} still mentions {o.token}", at=o)


def renumbered_flags(base: Snapshot, head: Snapshot, symbol: str) -> Iterator[Finding]:
    """renumbered-flag: another flag changed its bit between base and head.
    Deleting TIF_MEMDIE should free bit 18, not shift TIF_FREEZE down into it."""
    for path, after in sorted(head.tables.items()):
        before = base.tables.get(path)
        if before is None:
            continue
        for flag in after.bits:
            if flag.name == symbol:
                continue
            old = before.bit(flag.name)
            if old is not None and old.value is not None and flag.value is not None \
                    and old.value != flag.value:
                yield finding("renumbered-flag",
                              f"{flag.name} moved from bit {old.value} to bit {flag.value}",
                              path=path, line=flag.line, column=flag.column, arch=after.arch)


COMMON = "common code"


def arch_states(snapshot: Snapshot, base: Snapshot, found: Sequence[Break] | None = None
                ) -> dict[str, str]:
    """The flag's state on every arch (and ``generic``, and common code) at one
    tree state, for the arch × commit matrix: ``broken`` (a reference sees no
    definition there), ``defined``, ``mask`` (only the mask is left),
    ``removed`` (defined in base, gone now) or ``absent``; common code is
    ``broken``, ``used`` (references that all resolve) or ``absent``."""
    found = breaks(snapshot, base) if found is None else found
    broken = {a for b in found for a in b.arches}
    symbol = snapshot.symbol
    states: dict[str, str] = {}
    arches = sorted(base.arches | snapshot.arches)
    if any(t.arch == "generic" for t in (*base.tables.values(), *snapshot.tables.values())):
        arches.append("generic")
    for arch in arches:
        now, before = snapshot.visible_names(arch), base.visible_names(arch)
        if arch in broken:
            states[arch] = "broken"
        elif symbol in now:
            states[arch] = "defined"
        elif "_" + symbol in now:
            states[arch] = "mask"
        elif before:
            states[arch] = "removed"
        else:
            states[arch] = "absent"
    common_broken = any(b.occurrence.arch is None for b in found)
    common_used = any(o.arch is None for o in snapshot.code_occurrences())
    states[COMMON] = "broken" if common_broken else ("used" if common_used else "absent")
    return states


def bisect_breaks(per_commit: Sequence[list[Break]], shas: Sequence[str],
                  subjects: Sequence[str]) -> Iterator[tuple[int, Finding]]:
    """bisect-break: the windows of consecutive commits at which some
    reference has no visible definition on some arch — what a build robot
    bisecting the series would hit. Yields (index of first bad commit, finding)."""
    index = 0
    while index < len(per_commit):
        if not per_commit[index]:
            index += 1
            continue
        first = index
        while index < len(per_commit) and per_commit[index]:
            index += 1
        last = index - 1
        window = [b for commit in per_commit[first:last + 1] for b in commit]
        arches = sorted({a for b in window for a in b.arches})
        sites = list(dict.fromkeys(b.site for b in window))
        at = window[0].occurrence
        repaired = (f"repaired by {shas[index][:12]} (\"{subjects[index]}\")"
                    if index < len(shas) else "not repaired by the end of the series")
        span = (f"at {shas[first][:12]}" if first == last
                else f"from {shas[first][:12]} to {shas[last][:12]}")
        message = (f"build breaks {span} on {describe_arches(arches)}: {len(sites)} "
                   f"reference{'s' * (len(sites) != 1)} without a definition, first "
                   f"{at.token} here; {repaired}")
        yield first, finding("bisect-break", message, at=at, arch=None,
                             commit=shas[first], related=[f"{p}: {t}" for p, t, _ in sites])


def reintroduced(before: Snapshot, after: Snapshot, changed: Sequence[str], commit: str
                 ) -> Iterator[Finding]:
    """reintroduced: a commit adds a reference to the flag the series removes
    (its added lines name it, and the file has more references than before).
    ``+ if (test_thread_flag(TIF_MEMDIE))`` in a commit after the users were
    converted."""
    for path in changed:
        old = [o for o in before.occurrences.get(path, ()) if o.kind is Kind.USE]
        new = [o for o in after.occurrences.get(path, ()) if o.kind is Kind.USE]
        if len(new) <= len(old):
            continue
        remaining = Counter(_key(o) for o in old)
        for o in new:
            if remaining[_key(o)] > 0:
                remaining[_key(o)] -= 1
            else:
                yield finding("reintroduced", f"this commit adds a reference to {o.token}",
                              at=o, commit=commit)


def _key(o: Occurrence) -> tuple[str, str]:
    return o.token, " ".join(o.text.split())


def kind_changes(before: Snapshot, after: Snapshot, changed: Sequence[str]
                 ) -> tuple[Counter[Kind], Counter[Kind]]:
    """How many occurrences of each kind a commit removed and added."""
    removed: Counter[Kind] = Counter()
    added: Counter[Kind] = Counter()
    for path in changed:
        old = Counter((o.kind, _key(o)) for o in before.occurrences.get(path, ()))
        new = Counter((o.kind, _key(o)) for o in after.occurrences.get(path, ()))
        for (kind, _), n in (old - new).items():
            removed[kind] += n
        for (kind, _), n in (new - old).items():
            added[kind] += n
    return removed, added
