"""Rules about a removal series: what is left at its head, what came back
on the way, and which other flags moved."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import replace

from ..kernel.model import Kind, Occurrence
from ..kernel.paths import GENERIC
from ..kernel.snapshot import Snapshot
from ..result import Finding, Related, Severity
from .registry import COMMIT, HEAD, E, W, describe_arches, finding, rule


def leftovers(head: Snapshot) -> Iterator[Finding]:
    """Every leftover-* and stale-comment finding of the tree after the
    series, one per cause: a definition left in a header carries its mask
    and the flag's use inside that mask as related sites, not as findings
    of their own."""
    consumed: set[Occurrence] = set()
    for o in _left(head, {Kind.DEFINITION}):
        yield _grouped("leftover-definition", o, head, consumed)
    for o in _left(head, {Kind.MASK}):
        if o not in consumed:
            yield _grouped("leftover-mask", o, head, consumed)
    for o in _left(head, {Kind.USE}):
        if o not in consumed:
            yield _leftover("leftover-use", o, "used", head)
    yield from stale_comments(head)


def _left(head: Snapshot, kinds: frozenset[Kind] | set[Kind]) -> list[Occurrence]:
    return [o for o in head.all_occurrences() if o.kind in kinds]


def _grouped(rule_id: str, o: Occurrence, head: Snapshot, consumed: set[Occurrence]
             ) -> Finding:
    """A leftover definition (or mask) with what belongs to it in the same
    header: its mask, and the flag inside the mask's own definition."""
    in_file = head.occurrences.get(o.path, ())
    masks = [m for m in in_file if m.kind is Kind.MASK] if o.kind is Kind.DEFINITION else [o]
    mask_lines = {m.line for m in masks}
    inside = [u for u in in_file if u.kind is Kind.USE and u.line in mask_lines]
    related = [m for m in masks if m is not o] + inside
    consumed.update([o, *related])
    finding_ = _leftover(rule_id, o, "defined", head)
    return replace(finding_, related=tuple(
        Related(r.path, r.line, r.arch, f"{r.kind}: {' '.join(r.text.split())}")
        for r in related))


def _leftover(rule_id: str, o: Occurrence, what: str, head: Snapshot) -> Finding:
    symbol = o.token.lstrip("_")
    if o.arch == GENERIC:
        takers = [a for a in sorted(head.generic_arches)
                  if a in head.views and head.views[a].bit(symbol) is not None]
        where = " in the generic header"
        tail = (f": {describe_arches(takers)} still get{'s' * (len(takers) == 1)} it"
                if takers else "")
        return finding(rule_id, f"{o.token} is still {what}{where} after its removal{tail}",
                       symbol=symbol, at=o, arches=takers)
    where = f" for {o.arch}" if o.arch else ""
    return finding(rule_id, f"{o.token} is still {what}{where} after its removal",
                   symbol=symbol, at=o)


@rule("leftover-definition", E, HEAD, "an arch still defines the flag after the series")
def leftover_definitions(head: Snapshot) -> Iterator[Finding]:
    """The series removes the flag, but a header still has ``#define TIF_X
    n``: ``#define TIF_MEMDIE 18`` surviving in arch/sparc means the arch
    was forgotten. Delete it, and free the bit. Its mask in the same header
    is part of this finding."""
    return (f for f in leftovers(head) if f.rule == "leftover-definition")


@rule("leftover-mask", E, HEAD, "the flag's mask is still defined after the series")
def leftover_masks(head: Snapshot) -> Iterator[Finding]:
    """``#define _TIF_X (1 << TIF_X)`` survives while the bit is gone.
    Delete the mask too."""
    return (f for f in leftovers(head) if f.rule == "leftover-mask")


@rule("leftover-use", E, HEAD, "code still references the flag after the series")
def leftover_uses(head: Snapshot) -> Iterator[Finding]:
    """A C expression, macro body or assembly line still names the flag.
    Convert it (for TIF_MEMDIE: to tsk_is_oom_victim()) or delete it."""
    return (f for f in leftovers(head) if f.rule == "leftover-use")


# Files that configure tools run on the tree (this one's hook, CI): they
# name the flag to audit it (``args: [--symbol, TIF_MEMDIE]``), not to
# describe the kernel.
TOOL_CONFIGS = (".pre-commit-config.yaml", ".gitlab-ci.yml")
TOOL_CONFIG_FOLDERS = (".github/workflows/",)


def is_tool_config(path: str) -> bool:
    return path in TOOL_CONFIGS or path.startswith(TOOL_CONFIG_FOLDERS)


@rule("stale-comment", W, HEAD, "comments or docs still mention the flag after the series")
def stale_comments(head: Snapshot) -> Iterator[Finding]:
    """Comments, strings and documentation that name a removed flag mislead
    readers. Reword them."""
    for o in _left(head, {Kind.COMMENT, Kind.STRING, Kind.DOC}):
        if is_tool_config(o.path):
            continue  # names the flag to audit it
        yield finding("stale-comment", f"{o.kind} still mentions {o.token}",
                      symbol=o.token.lstrip("_"), at=o)


@rule("reintroduced", E, COMMIT, "a commit of the series adds a new reference")
def reintroduced(before: Snapshot, after: Snapshot, changed: Sequence[str], commit: str
                 ) -> Iterator[Finding]:
    """A commit adds a reference to the flag the series removes (its added
    lines name it, and the file has more references than before):
    ``+ if (test_thread_flag(TIF_MEMDIE))`` in a commit after the users were
    converted. Drop the addition or use the replacement."""
    for path in changed:
        old = [o for o in before.occurrences.get(path, ()) if o.kind is Kind.USE]
        new = [o for o in after.occurrences.get(path, ()) if o.kind is Kind.USE]
        if len(new) <= len(old):
            continue
        remaining = Counter(occurrence_key(o) for o in old)
        for o in new:
            if remaining[occurrence_key(o)] > 0:
                remaining[occurrence_key(o)] -= 1
            else:
                yield finding("reintroduced", f"this commit adds a reference to {o.token}",
                              symbol=after.symbol, at=o, commit=commit)


def occurrence_key(o: Occurrence) -> tuple[str, str]:
    """An occurrence by its token and its line's text: the same site after
    lines above it moved."""
    return o.token, " ".join(o.text.split())


@rule("renumbered-flag", W, HEAD, "another flag changed its bit during the series")
def renumbered_flags(base: Snapshot, head: Snapshot, symbol: str,
                     intents: Mapping[str, str] | None = None) -> Iterator[Finding]:
    """Removing a flag should free its bit, not move other flags:
    renumbering touches assembly and user-visible ABI and hides real changes
    in review. Deleting TIF_MEMDIE should free bit 18, not shift TIF_FREEZE
    down into it: each such move is a warning.

    Renumbering that is the series' purpose is told once per arch, as a
    note listing the moves: an arch that starts taking the generic bits
    renumbers its own flags from 16, and a flag the series moves or
    renumbers (``intents``) moves on purpose. Example: x86 selects
    HAVE_GENERIC_TIF_BITS and its TIF_SSBD goes from bit 6 to bit 17."""
    intents = intents or {}
    switched = head.generic_arches - base.generic_arches
    for path, after in sorted(head.tables.items()):
        before = base.tables.get(path)
        if before is None:
            continue
        moves = []
        for flag in after.bits:
            old = before.bit(flag.name)
            if old is not None and old.value is not None and flag.value is not None \
                    and old.value != flag.value:
                moves.append((flag, old.value))
        # A flag audited alone says its own move on its intent line; flags
        # walked together share one note per arch.
        alone = len(intents) <= 1
        intended = [m for m in moves if after.arch in switched
                    or (intents.get(m[0].name) in ("move", "renumber")
                        and not (alone and m[0].name == symbol))]
        for flag, old in moves:
            if (flag, old) not in intended and flag.name != symbol:
                yield finding("renumbered-flag",
                              f"{flag.name} moved from bit {old} to bit {flag.value}",
                              symbol=flag.name, path=path, line=flag.line, column=flag.column,
                              arch=after.arch, names=(flag.name,))
        if intended:
            yield _intended_renumbering(path, after.arch, intended, after.arch in switched)


def _intended_renumbering(path: str, arch: str | None, moves: list, switched: bool) -> Finding:
    """One note for the renumbering an arch's header does on purpose."""
    why = "as it moves onto the generic TIF bits" if switched else "as the series intends"
    shown = ", ".join(f"{f.name} {old}->{f.value}" for f, old in moves[:4])
    more = f" and {len(moves) - 4} more" if len(moves) > 4 else ""
    first = moves[0][0]
    return finding("renumbered-flag",
                   f"{arch} renumbers {len(moves)} flag{'s' * (len(moves) != 1)} {why}: "
                   f"{shown}{more}",
                   symbol=None, path=path, line=first.line, column=first.column, arch=arch,
                   names=tuple(f.name for f, _ in moves), severity=Severity.NOTE,
                   related=[Related(path, f.line, arch, f"{f.name}: bit {old} -> {f.value}")
                            for f, old in moves])
