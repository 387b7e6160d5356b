"""Reference rules: code that names the flag where no definition is
visible — in one tree state, and across the commits of a series."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass

from ..kernel.model import Occurrence
from ..kernel.paths import GENERIC
from ..kernel.snapshot import Snapshot
from ..result import BisectWindow, Finding, Related
from .registry import COMMIT, TREE, E, N, describe_arches, finding, rule


def missing_arches(snapshot: Snapshot, occurrence: Occurrence,
                   reference: Snapshot | None = None) -> list[str]:
    """Arches on which a reference sees no definition of its token.

    Arch code must see its own arch's definition. Common code must see one on
    every arch that defines the token in ``reference`` (the base of a series;
    the tree itself otherwise): a flag some arches never define is optional
    and its users are guarded by config options a static check cannot
    evaluate. A token defined nowhere in ``reference`` (a flag being added)
    is needed on every arch that can build the code around it: not where
    that code needs a config option the arch's Kconfig cannot enable. A
    mask an arch defines only in its asm-offsets.c is seen only by a file
    that includes <asm/asm-offsets.h>. A call of a macro that pastes the
    flag's name counts on the arches that compile the macro's branch.
    """
    token = occurrence.token
    if occurrence.arch is not None and occurrence.arch != GENERIC:
        arches = [occurrence.arch]
    else:
        reference = reference or snapshot
        candidates = sorted((occurrence.arch == GENERIC and snapshot.generic_arches)
                            or snapshot.arches)
        arches = [a for a in candidates if token in reference.visible_names(a)]
        if not arches:  # a flag no arch had: needed wherever the code can be built
            arches = [a for a in candidates if snapshot.can_build(a, occurrence)]
    if occurrence.unless and snapshot.build is not None:
        # a pasting macro's branch: compiled where none of its options can be on
        arches = [a for a in arches if not any(snapshot.build.can_enable(a, option)
                                               for option in sorted(occurrence.unless))]
    return [a for a in arches if token not in snapshot.visible_names(a)
            or not snapshot.sees_offsets(occurrence, a)]


@dataclass(frozen=True)
class Break:
    """A reference that sees no definition on some arches in one tree state."""

    site: tuple[str, str, str]  # path, token, source text: stable across line shifts
    occurrence: Occurrence
    arches: tuple[str, ...]


def breaks(snapshot: Snapshot, reference: Snapshot | None = None) -> list[Break]:
    """Every reference of a tree state with no visible definition (see
    :func:`missing_arches` for ``reference``)."""
    found = []
    for o in snapshot.code_occurrences():
        if o.is_reference and not snapshot.in_own_mask(o):
            missing = missing_arches(snapshot, o, reference)
            if missing:
                found.append(Break((o.path, o.token, o.text.strip()), o, tuple(missing)))
    return found


@rule("dangling-reference", E, TREE, "a reference with no definition visible for its arch")
def dangling_references(found: Iterable[Break], symbol: str) -> Iterator[Finding]:
    """Arch code sees its own arch's headers; common code must see a
    definition on every arch that defines the flag in the base. A reference
    that sees none breaks the build there. ``test_thread_flag(TIF_X)`` in
    mm/ after the series deleted TIF_X from arch/m68k: the m68k build
    fails."""
    for b in found:
        yield finding("dangling-reference",
                      f"{b.occurrence.token} is not defined for {describe_arches(list(b.arches))}",
                      symbol=symbol, at=b.occurrence, arches=b.arches)


@rule("bisect-break", E, COMMIT, "a commit inside the series breaks the build on some arch")
def bisect_breaks(per_commit: Sequence[list[Break]], shas: Sequence[str],
                  subjects: Sequence[str], symbol: str) -> Iterator[tuple[int, Finding]]:
    """At some commit a reference has no visible definition on some arch, so
    bisection through the series fails to build there. One finding per
    window of consecutive commits a build robot bisecting the series would
    hit, naming the first bad commit, the last, the commit that repairs it,
    the arches and the sites: a patch deletes TIF_MEMDIE from arc's header
    while ``arch/arc/kernel/entry.S`` still tests it until a later patch.
    Reorder: convert the users before deleting the definitions."""
    # Yields (index of the first bad commit, finding).
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
        first_at = {}
        for b in window:
            first_at.setdefault(b.site, b.occurrence)
        at = window[0].occurrence
        repaired = (f"repaired by {shas[index][:12]} (\"{subjects[index]}\")"
                    if index < len(shas) else "not repaired by the end of the series")
        span = (f"at {shas[first][:12]}" if first == last
                else f"from {shas[first][:12]} to {shas[last][:12]}")
        message = (f"build breaks {span} on {describe_arches(arches)}: {len(sites)} "
                   f"reference{'s' * (len(sites) != 1)} without a definition, first "
                   f"{at.token} here; {repaired}")
        fixed = index < len(shas)
        yield first, finding(
            "bisect-break", message, symbol=symbol, at=at, arch=None, commit=shas[first],
            arches=arches,
            related=[Related(p, first_at[(p, t, s)].line, first_at[(p, t, s)].arch,
                             f"{t} without a definition: {s}") for p, t, s in sites],
            window=BisectWindow(first + 1, last + 1, shas[first], shas[last],
                                index + 1 if fixed else None, shas[index] if fixed else None))


@rule("parse-fallback", N, TREE, "an occurrence classified lexically")
def parse_fallbacks(snapshot: Snapshot) -> Iterator[Finding]:
    """The C around this occurrence did not parse, so its kind was decided
    from comments, strings and directives alone. Check it by eye."""
    for o in snapshot.all_occurrences():
        if o.fallback:
            yield finding("parse-fallback",
                          f"{o.token} classified as {o.kind} lexically: the C around it "
                          f"does not parse", symbol=snapshot.symbol, at=o)
