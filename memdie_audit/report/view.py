"""The two grids of the HTML report, as plain values for the template: the
arch × commit matrix and the per-header bit maps.

Nothing here formats HTML or analyses anything: the matrix is drawn from
the arch states the series walk recorded (:class:`~memdie_audit.result.ArchState`
for the base, every commit and the head), the bit maps from the flag tables
and the findings. Everything that came from the tree or the mbox stays a
plain string and is escaped by the template.

Matrix cell states, one per row and column:

``defined``
    the arch's own headers define SYMBOL;
``mask``
    only ``_SYMBOL`` is left: the bit is gone, its mask survives;
``removed``
    the base defined one of them, this tree state defines neither;
``absent``
    neither is defined and the base defined none (e.g. arches that take
    their bits from asm-generic);
``broken``
    a reference built for the arch sees no definition: the build breaks;
``used``
    (common-code row only) references that all resolve.

The row keys are the arch names, ``generic`` (include/asm-generic) and
``common code``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace

from ..kernel.archview import ArchFlag
from ..kernel.model import FlagDef, FlagTable
from ..kernel.paths import GENERIC
from ..kernel.snapshot import Snapshot
from ..result import COMMON, ArchState, Audit, Finding

STATE_WORDS = ("defined", "added", "mask", "removed", "absent", "broken", "used")


# --- arch × commit matrix ----------------------------------------------------------


@dataclass(frozen=True)
class Cell:
    """One matrix cell: ``state`` is a word of the vocabulary above."""

    state: str
    broken: int | None = None  # references without a definition, where counted
    beneath: str | None = None  # the definition state under "broken", where known
    leftover: bool = False  # the flag survives at the end of the series
    # Flag-table findings of this arch at this commit (a duplicate bit …):
    # (rule id, message), so that a clash is seen where it happens.
    problems: tuple[tuple[str, str], ...] = ()

    @property
    def label(self) -> str:
        if self.state == "broken":
            return f"BROKEN {self.broken}" if self.broken else "BROKEN"
        return self.state if self.state in STATE_WORDS else (self.state or "?")

    @property
    def css(self) -> str:
        word = self.state if self.state in STATE_WORDS else "unknown"
        return f"st-{word}" + (" leftover" if self.leftover else "")

    @property
    def title(self) -> str:
        words = {"defined": "the flag is defined", "mask": "only its mask is defined",
                 "added": "defined here, not in the base",
                 "removed": "defined in the base, removed here",
                 "absent": "never defined here", "used": "references, all resolved",
                 "broken": "references see no definition: the build breaks"}
        text = words.get(self.state, f"state {self.state!r}")
        if self.broken:
            text += f" ({self.broken} reference{'s' * (self.broken != 1)})"
        if self.beneath and self.beneath != "broken":
            text += f"; definition: {self.beneath}"
        return "; ".join([text, *(message for _, message in self.problems)])


@dataclass(frozen=True)
class Column:
    key: str  # "base", "tree" or the commit's 1-based number
    label: str
    sha: str | None
    subject: str = ""
    anchor: str | None = None


@dataclass(frozen=True)
class Row:
    key: str
    label: str
    cells: tuple[Cell, ...]
    note: str = ""  # e.g. "generic bits"

    @property
    def at_end(self) -> Cell:
        return self.cells[-1]


@dataclass(frozen=True)
class Matrix:
    columns: tuple[Column, ...]
    rows: tuple[Row, ...]
    summary: tuple[tuple[str, int, tuple[str, ...]], ...]  # state, count, rows — at the end


def _cells(states: Mapping[str, ArchState]) -> dict[str, Cell]:
    return {key: Cell(st.state, st.broken, st.beneath) for key, st in states.items()}


# Rules about an arch's flag bits: a finding of one marks its matrix cell.
TABLE_RULES = ("duplicate-bit", "mask-mismatch", "bit-range")


def _with_problems(cells: dict[str, Cell], findings: Iterable[Finding]) -> dict[str, Cell]:
    found: dict[str, list[tuple[str, str]]] = {}
    for f in findings:
        if f.rule in TABLE_RULES and f.arch:
            found.setdefault(f.arch, []).append((f.rule, f.message))
    return {key: replace(cell, problems=tuple(found.get(key, ()))) if key in found else cell
            for key, cell in cells.items()}


def build_matrix(audit: Audit) -> Matrix:
    head = audit.head
    end = _cells(audit.head_states)
    if audit.mode != "series":
        columns = [Column("tree", "tree", audit.rev)]
        per_column = [_with_problems(end, audit.findings)]
    else:
        columns = [Column("base", "base", audit.base_rev)]
        per_column = [_cells(audit.base_states)]
        for number, commit in enumerate(audit.commits, 1):
            # A commit built from mail has no lasting sha: its column is its patch.
            columns.append(Column(str(number), str(number),
                                  None if commit.mail else commit.sha, commit.subject,
                                  f"commit-{number}"))
            last = number == len(audit.commits)
            findings = [*commit.findings, *(f for f in audit.findings if f.commit is None)] \
                if last else commit.findings
            per_column.append(_with_problems(end if last else _cells(commit.arch_states),
                                             findings))
    keys = sorted({k for column in per_column for k in column} - {GENERIC, COMMON})
    if any(GENERIC in column for column in per_column):
        keys.append(GENERIC)
    keys.append(COMMON)
    # "left" at the end marks a leftover: only a removal leaves things over.
    removal = audit.mode == "series" and audit.intent.get(audit.symbol) == "remove"
    rows = []
    for key in keys:
        cells = [column.get(key, Cell("?")) for column in per_column]
        last = cells[-1]
        if removal and (last.state in ("defined", "mask") or last.beneath in ("defined", "mask")):
            cells[-1] = replace(last, leftover=True)
        note = "generic bits" if key in head.generic_arches else ""
        rows.append(Row(key, key, tuple(cells), note))
    summary: dict[str, list[str]] = {}
    for row in rows:
        summary.setdefault(row.at_end.state, []).append(row.label)
    order = {w: i for i, w in enumerate(("broken", "added", "defined", "mask", "used", "removed",
                                         "absent"))}
    return Matrix(tuple(columns), tuple(rows), tuple(
        (state, len(names), tuple(names))
        for state, names in sorted(summary.items(), key=lambda s: order.get(s[0], 9))))


# --- bit maps -------------------------------------------------------------------------


@dataclass(frozen=True)
class BitName:
    name: str
    condition: str | None
    symbol: bool = False  # the flag being removed
    moved_from: int | None = None  # renumbered: its bit in the base
    moved_to: int | None = None
    origin: str = "own"  # or "generic" / "fallback": a bit the arch takes from elsewhere


@dataclass(frozen=True)
class BitCell:
    bit: int
    names: tuple[BitName, ...]
    marks: frozenset[str]  # freed, duplicate, exclusive, moved, symbol, out-of-range
    was: tuple[str, ...] = ()  # a freed bit: who held it before

    @property
    def css(self) -> str:
        return " ".join(["bit"] + sorted(self.marks) + ([] if self.names else ["empty"]))


@dataclass(frozen=True)
class BitRow:
    label: str  # "before", "after" or "tree"
    cells: tuple[BitCell, ...]
    beyond: tuple[BitCell, ...]  # bits at or past the width (bit-range)
    unresolved: tuple[FlagDef, ...]  # bits whose value could not be computed


@dataclass(frozen=True)
class BitMap:
    path: str
    arch: str | None
    width: int
    rows: tuple[BitRow, ...]
    notes: tuple[str, ...]
    attention: bool  # something beyond the flag's own bit changed: shown open
    visible: int  # cells drawn per row: the bits up to the last one in use, by 16s
    symbol_bit: int | None = None  # the flag's bit before the series (or in the tree)
    suffix: str = ""  # told apart from another audited flag's map of the same header

    @property
    def anchor(self) -> str:
        return "bits-" + re.sub(r"[^A-Za-z0-9_-]", "-", self.path) + self.suffix


def _bit_row(label: str, table: FlagTable, symbol: str, other: FlagTable | None,
             after: bool, clashes: set[frozenset[str]],
             taken: tuple[ArchFlag, ...] = ()) -> BitRow:
    """One row of a header's bit map; ``taken`` are the bits its arch takes
    from the generic header (and the fallbacks), drawn apart from its own."""
    by_bit: dict[int, list[FlagDef]] = {}
    for flag in table.bits:
        if flag.value is not None and flag.alias_of is None:
            by_bit.setdefault(flag.value, []).append(flag)
    origins = {f.name: f.origin for f in taken}
    for f in taken:
        if f.value is not None and f.flag.alias_of is None and f.origin == "generic":
            by_bit.setdefault(f.value, []).append(f.flag)
    other_bits = {f.name: f.value for f in other.bits} if other else {}
    other_names: dict[int, list[str]] = {}
    for f in other.bits if other else ():
        if f.value is not None and f.alias_of is None:
            other_names.setdefault(f.value, []).append(f.name)
    other_used = set(other_names)

    def cell(bit: int) -> BitCell:
        flags = by_bit.get(bit, [])
        marks: set[str] = set()
        names = []
        for flag in flags:
            old = other_bits.get(flag.name)
            moved = other is not None and old is not None and old != flag.value
            origin = origins.get(flag.name, "own") if flag not in table.bits else "own"
            names.append(BitName(flag.name, flag.condition, flag.name == symbol,
                                 old if moved and after else None,
                                 old if moved and not after else None, origin))
            if origin != "own":
                marks.add("generic")
            if moved:
                marks.add("moved")
            if flag.name == symbol:
                marks.add("symbol")
        if len(flags) > 1:
            clash = any(frozenset((a.name, b.name)) in clashes
                        for i, a in enumerate(flags) for b in flags[:i])
            marks.add("duplicate" if clash else "exclusive")
        was: tuple[str, ...] = ()
        own = [f for f in flags if f in table.bits]
        if other is not None and bool(own) != (bit in other_used):
            if not own and after:  # empty after, used before: freed by the series
                marks.add("freed")
                was = tuple(other_names.get(bit, ()))
            elif own and not after:  # used before, empty after: the series frees it
                marks.add("freed")
        if bit >= table.width:
            marks.add("out-of-range")
        return BitCell(bit, tuple(names), frozenset(marks), was)

    beyond = tuple(cell(b) for b in sorted(by_bit) if b >= table.width or b < 0)
    return BitRow(label, tuple(cell(b) for b in range(table.width)), beyond,
                  tuple(f for f in table.bits if f.value is None))


def _taken(snapshot: Snapshot | None, table: FlagTable) -> tuple[ArchFlag, ...]:
    """Bits an arch's own header does not define but the arch sees."""
    view = snapshot.views.get(table.arch or "") if snapshot is not None else None
    if view is None or not view.generic:
        return ()
    return tuple(f for f in view.bits if f.origin != "own")


def build_bitmaps(audit: Audit) -> list[BitMap]:
    head, base = audit.head, audit.base
    symbol = audit.symbol
    paths = sorted(set(head.tables) | set(base.tables if base else ()))
    # Flags sharing a bit are a duplicate where the duplicate-bit rule said
    # so; elsewhere they sit in exclusive preprocessor branches.
    clashes: dict[str, set[frozenset[str]]] = {}
    for f in audit.findings:
        if f.rule == "duplicate-bit" and f.path:
            clashes.setdefault(f.path, set()).add(frozenset(f.names))
    maps = []
    for path in paths:
        after = head.tables.get(path)
        before = base.tables.get(path) if base else None
        rows, notes = [], []
        if before is not None:
            rows.append(_bit_row("before", before, symbol, after, after=False,
                                 clashes=clashes.get(path, set()), taken=_taken(base, before)))
        if after is not None:
            rows.append(_bit_row("after" if base else "tree", after, symbol, before,
                                 after=True, clashes=clashes.get(path, set()),
                                 taken=_taken(head, after)))
        elif base is not None:
            notes.append("header deleted by the series")
        table = after or before
        assert table is not None
        marks = {m for row in rows for c in (*row.cells, *row.beyond) for m in c.marks}
        if before is not None and after is not None:
            if before.bit(symbol) and after.bit(symbol):
                notes.append(f"{symbol} is still defined after the series")
            if after.mask("_" + symbol):
                notes.append(f"_{symbol} is still defined after the series")
            moved = sorted(n.name for c in rows[-1].cells for n in c.names if n.moved_from
                           is not None)
            if moved:
                notes.append("renumbered: " + ", ".join(moved))
        if "duplicate" in marks:
            notes.append("two flags share a bit")
        if "out-of-range" in marks or any(row.beyond for row in rows):
            notes.append(f"a bit beyond the {table.width}-bit flags word")
        attention = bool(marks & {"duplicate", "moved", "out-of-range"} or notes)
        used = [c.bit for row in rows for c in row.cells if c.names or c.marks]
        visible = min(table.width, max(16, -(-(max(used, default=0) + 1) // 16) * 16))
        own = (before or table).bit(symbol)
        maps.append(BitMap(path, table.arch, table.width, tuple(rows), tuple(notes),
                           attention, visible, own.value if own else None))
    return maps
