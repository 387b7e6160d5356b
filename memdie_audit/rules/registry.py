"""The rules, each a pure function from snapshots to findings.

Every rule has a stable id (used by text, JSON and SARIF output) and a
docstring saying what it finds, why it matters, and an example.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from ..kernel.flagtable import compatible
from ..kernel.model import FlagDef, FlagTable, Occurrence
from ..kernel.paths import GENERIC
from ..kernel.snapshot import Snapshot
from ..result import Finding, Severity

E, W, N = Severity.ERROR, Severity.WARNING, Severity.NOTE


@dataclass(frozen=True)
class Rule:
    id: str
    severity: Severity
    summary: str
    help: str


RULES: dict[str, Rule] = {r.id: r for r in (
    Rule("leftover-definition", E, "an arch still defines the flag after the series",
         "The series removes the flag, but an arch header still has `#define TIF_X n`. "
         "Delete it, and free the bit."),
    Rule("leftover-mask", E, "the flag's mask is still defined after the series",
         "`#define _TIF_X (1 << TIF_X)` survives while the bit is gone. Delete the mask too."),
    Rule("leftover-use", E, "code still references the flag after the series",
         "A C expression, macro body or assembly line still names the flag. Convert it "
         "(for TIF_MEMDIE: to tsk_is_oom_victim()) or delete it."),
    Rule("dangling-reference", E, "a reference with no definition visible for its arch",
         "Arch code sees its own arch's headers; common code must see a definition on "
         "every arch. A reference that sees none breaks the build there."),
    Rule("bisect-break", E, "a commit inside the series breaks the build on some arch",
         "At some commit a reference has no visible definition on some arch, so bisection "
         "through the series fails to build. Reorder: convert the users before deleting "
         "the definitions."),
    Rule("reintroduced", E, "a commit of the series adds a new reference",
         "A commit adds a reference to the flag the series removes. Drop the addition or "
         "use the replacement."),
    Rule("duplicate-bit", E, "two flags of one header share a bit",
         "Two TIF_* flags of one header have the same bit number in preprocessor contexts "
         "that can be active together: setting one sets the other."),
    Rule("mask-mismatch", E, "a mask is not 1 << its bit",
         "`_TIF_X` must equal `1 << TIF_X`; any other value tests or sets the wrong bit."),
    Rule("bit-range", E, "a flag bit beyond the width of thread_info.flags",
         "The bit does not fit the `flags` field of `struct thread_info` (32 bits for u32 "
         "and 32-bit arches, 64 for 64-bit ones)."),
    Rule("renumbered-flag", W, "another flag changed its bit during the series",
         "Removing a flag should free its bit, not move other flags: renumbering touches "
         "assembly and user-visible ABI and hides real changes in review."),
    Rule("stale-comment", W, "comments or docs still mention the flag after the series",
         "Comments, strings and documentation that name a removed flag mislead readers. "
         "Reword them."),
    Rule("merge-commit", N, "a merge commit inside the series",
         "The series is followed along its first parents; a merge's changes are read "
         "against its first parent. Series sent by mail have no merges: rebase it."),
    Rule("parse-fallback", N, "an occurrence classified lexically",
         "The C around this occurrence did not parse, so its kind was decided from "
         "comments, strings and directives alone. Check it by eye."),
)}


def finding(rule: str, message: str, *, at: Occurrence | None = None,
            path: str | None = None, line: int | None = None, column: int | None = None,
            arch: str | None = None, commit: str | None = None, related: Iterable[str] = ()
            ) -> Finding:
    if at is not None:
        path, line, column = at.path, at.line, at.column
        arch = at.arch if arch is None else arch
    return Finding(rule, RULES[rule].severity, message, path, line, column, arch, commit,
                   tuple(related))


# --- flag-table rules: any single tree ------------------------------------------------


def table_findings(table: FlagTable) -> Iterator[Finding]:
    """duplicate-bit, mask-mismatch and bit-range for one flag header."""
    yield from duplicate_bits(table)
    yield from mask_mismatches(table)
    yield from bits_out_of_range(table)


def duplicate_bits(table: FlagTable) -> Iterator[Finding]:
    """duplicate-bit: two flags of one header share a bit in the same
    preprocessor context. ``#define TIF_A 3`` and ``#define TIF_B 3`` at top
    level: a thread marked A is also marked B. Flags in exclusive branches
    (``#ifdef X`` / ``#else``) and aliases (``#define TIF_32BIT TIF_32BIT_REGS``)
    are not duplicates."""
    bits = [f for f in table.bits if f.value is not None and f.alias_of is None]
    for i, later in enumerate(bits):
        for earlier in bits[:i]:
            if earlier.value == later.value and earlier.name != later.name and compatible(
                    earlier.context, later.context):
                yield finding("duplicate-bit",
                              f"{later.name} and {earlier.name} (line {earlier.line}) share "
                              f"bit {later.value}", path=table.path, line=later.line,
                              column=later.column, arch=table.arch)
                break


def mask_mismatches(table: FlagTable) -> Iterator[Finding]:
    """mask-mismatch: ``_TIF_X`` is not ``1 << TIF_X``.
    ``#define _TIF_MEMDIE (1 << TIF_SIGPENDING)`` tests the wrong bit."""
    for mask in table.masks:
        if mask.value is None or not mask.name.startswith("_"):
            continue
        bit = _bit_for(table, mask)
        if bit is not None and bit.value is not None and mask.value != 1 << bit.value:
            yield finding("mask-mismatch",
                          f"{mask.name} is {mask.value:#x}, but {bit.name} is bit {bit.value} "
                          f"({1 << bit.value:#x})", path=table.path, line=mask.line,
                          column=mask.column, arch=table.arch)


def _bit_for(table: FlagTable, mask: FlagDef) -> FlagDef | None:
    candidates = [b for b in table.bits
                  if b.name == mask.name[1:] and compatible(b.context, mask.context)]
    return candidates[-1] if candidates else None


def bits_out_of_range(table: FlagTable) -> Iterator[Finding]:
    """bit-range: a bit beyond the width of ``thread_info.flags``.
    ``#define TIF_X 32`` where ``flags`` is ``__u32``: the bit does not exist."""
    for bit in table.bits:
        if bit.value is not None and not 0 <= bit.value < table.width:
            yield finding("bit-range",
                          f"{bit.name} is bit {bit.value}, but thread_info.flags has "
                          f"{table.width} bits", path=table.path, line=bit.line,
                          column=bit.column, arch=table.arch)


# --- reference rules ----------------------------------------------------------------


def missing_arches(snapshot: Snapshot, occurrence: Occurrence,
                   reference: Snapshot | None = None) -> list[str]:
    """Arches on which a reference sees no definition of its token.

    Arch code must see its own arch's definition. Common code must see one on
    every arch that defines the token in ``reference`` (the base of a series;
    the tree itself otherwise): a flag some arches never define is optional
    and its users are guarded by config options a static check cannot
    evaluate. A token defined nowhere in ``reference`` is missing everywhere.
    """
    token = occurrence.token
    if occurrence.arch is not None and occurrence.arch != GENERIC:
        arches = [occurrence.arch]
    else:
        reference = reference or snapshot
        candidates = sorted((occurrence.arch == GENERIC and snapshot.generic_arches)
                            or snapshot.arches)
        arches = [a for a in candidates if token in reference.visible_names(a)] or candidates
    return [a for a in arches if token not in snapshot.visible_names(a)]


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
        if o.is_reference:
            missing = missing_arches(snapshot, o, reference)
            if missing:
                found.append(Break((o.path, o.token, o.text.strip()), o, tuple(missing)))
    return found


def dangling_references(found: Iterable[Break]) -> Iterator[Finding]:
    """dangling-reference: a reference with no definition visible for its
    arch. ``test_thread_flag(TIF_X)`` in mm/ after the series deleted TIF_X
    from arch/m68k: the m68k build fails."""
    for b in found:
        yield finding("dangling-reference",
                      f"{b.occurrence.token} is not defined for {describe_arches(list(b.arches))}",
                      at=b.occurrence, related=b.arches)


def parse_fallbacks(snapshot: Snapshot) -> Iterator[Finding]:
    """parse-fallback: an occurrence whose kind was decided lexically because
    tree-sitter could not parse the C around it."""
    for o in snapshot.all_occurrences():
        if o.fallback:
            yield finding("parse-fallback",
                          f"{o.token} classified as {o.kind} lexically: the C around it "
                          f"does not parse", at=o)


def describe_arches(arches: list[str], limit: int = 6) -> str:
    if len(arches) <= limit:
        return ", ".join(arches)
    return ", ".join(arches[:limit]) + f" and {len(arches) - limit} more arches"


def tree_findings(snapshot: Snapshot) -> list[Finding]:
    """Every finding that applies to a single tree."""
    found: list[Finding] = []
    for table in snapshot.tables.values():
        found.extend(table_findings(table))
    found.extend(dangling_references(breaks(snapshot)))
    found.extend(parse_fallbacks(snapshot))
    return sorted(found, key=lambda f: f.sort_key)
