"""What the mechanical arch patch changes, header by header, and the words
that explain it: a removal (every definition, mask and composite-mask term
of the flag) or an addition (the flag on a free bit of every arch)."""

from __future__ import annotations

import textwrap
from collections.abc import Mapping
from dataclasses import dataclass

from ..errors import AuditError
from ..kernel.bitplan import plan_addition
from ..kernel.flagedit import add_flag, remove_flag
from ..kernel.model import Kind, Occurrence
from ..kernel.paths import GENERIC, GENERIC_FLAG_HEADER, arch_of
from ..kernel.snapshot import Snapshot
from ..sources.tokens import token_pattern


@dataclass(frozen=True)
class HeaderChange:
    path: str
    data: bytes
    what: str  # "TIF_X (bit 5), _TIF_X" or "TIF_X at bit 9 (as asked)"


@dataclass(frozen=True)
class Change:
    """The whole mechanical change: per header, and the words for the body."""

    subject: str
    intro: str
    headers: tuple[HeaderChange, ...]
    notes: tuple[str, ...] = ()  # said after the list (references left, arches skipped)


def removal(snapshot: Snapshot, symbol: str) -> tuple[Change, list[Occurrence]]:
    """The flag out of every flag header, and the references that remain."""
    pattern = token_pattern(symbol)
    headers, unhandled = [], []
    for path, data in sorted(snapshot.header_text.items()):
        if not pattern.search(data):
            continue
        edited = remove_flag(data, symbol)
        unhandled.extend(f"{path}: {u}" for u in edited.unhandled)
        if edited.data != data:
            headers.append(HeaderChange(path, edited.data, ", ".join(edited.removed)))
    if not headers:
        raise AuditError(f"no flag header defines {symbol}: nothing to remove")
    if unhandled:
        raise AuditError(f"cannot take _{symbol} out of {'; '.join(unhandled)}: "
                         "not an OR of masks; edit it by hand first")
    after = snapshot.updated({h.path: h.data for h in headers})
    left = [o for o in after.code_occurrences() if o.kind is not Kind.USE or not o.guarded]
    intro = (f"Nothing references {symbol} any more: remove its definition, and its\n"
             f"mask where there is one, from every flag header ({len(headers)} of them).\n"
             "No other flag changes its bit.")
    return Change(f"get rid of {symbol}", intro, tuple(headers)), left


def addition(snapshot: Snapshot, symbol: str, bit: int | None) -> Change:
    """The flag, with its mask, on every arch that lacks it."""
    plan = plan_addition(symbol, snapshot.views, dict(snapshot.tables),
                         dict(snapshot.build_widths), bit)
    if not plan.placements:
        if plan.unplaced:
            raise AuditError(f"cannot add {symbol}: {'; '.join(plan.unplaced)}")
        raise AuditError(f"{symbol} is defined on every arch already")
    if plan.unplaced:
        raise AuditError(f"cannot add {symbol} everywhere: {'; '.join(plan.unplaced)}")
    headers = []
    for placement in plan.placements:
        table = snapshot.tables[placement.path]
        try:
            data = add_flag(snapshot.header_text[placement.path], table, symbol, placement.bit)
        except ValueError as err:
            raise AuditError(f"cannot add {symbol}: {err}") from None
        whom = ", ".join(placement.arches)
        headers.append(HeaderChange(placement.path, data,
                                    f"bit {placement.bit} for {whom} ({placement.reason})"))
    asked = f"\nBit {bit} was asked for: it is used wherever it is free." if bit is not None \
        else ""
    intro = (f"Add {symbol} to every arch, on a bit that each arch's flags word\n"
             "leaves free in every configuration and that fits its narrowest kernel:\n"
             "the generic header for the arches on the generic TIF bits, the arch's\n"
             "own header for the rest, each mask written as that header writes its own."
             f"{asked}")
    notes = (f"Already defined on: {', '.join(plan.already)}.",) if plan.already else ()
    return Change(f"add {symbol}", intro, tuple(headers), notes)


def group_of(path: str) -> str:
    """The tree a header's patch goes through: its arch, asm-generic, or the core."""
    arch = arch_of(path)
    if arch == GENERIC or path == GENERIC_FLAG_HEADER:
        return "asm-generic"
    return arch or "thread_info"


def split(change: Change) -> list[Change]:
    """One change per arch (and one for the generic and common headers)."""
    groups: dict[str, list[HeaderChange]] = {}
    for header in change.headers:
        groups.setdefault(group_of(header.path), []).append(header)
    return [Change(change.subject, change.intro, tuple(headers), change.notes)
            for _, headers in sorted(groups.items())]


def subject_prefix(change: Change, whole: bool) -> str:
    return "arch" if whole else group_of(change.headers[0].path)


def body(change: Change, forced: list[Occurrence] | None = None) -> str:
    width = max(len(h.path) for h in change.headers)
    lines = [change.intro, ""]
    for h in change.headers:
        entry = f"  {h.path + ':':<{width + 1}} {h.what}"
        lines += textwrap.wrap(entry, 72, subsequent_indent=" " * 6) if len(entry) > 72 \
            else [entry]
    if change.notes:
        lines += ["", *change.notes]
    if forced:
        lines += ["", f"Written with --force: code still references the flag in {len(forced)} "
                  "place(s),", "and the build breaks there until they are converted:", ""]
        lines += [f"  {o.path}:{o.line}: {o.text.strip()}" for o in forced[:40]]
        if len(forced) > 40:
            lines.append(f"  ... and {len(forced) - 40} more")
    return "\n".join(lines) + "\n"


def files_of(change: Change) -> Mapping[str, bytes]:
    return {h.path: h.data for h in change.headers}
