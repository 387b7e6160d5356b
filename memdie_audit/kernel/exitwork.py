"""Which flags each arch's return-to-user path handles: its exit-work mask,
learned from the tree rather than from a list of names.

An arch's exit-work mask is the mask of its flag header that holds both
``_TIF_SIGPENDING`` and ``_TIF_NOTIFY_RESUME`` (the two things every exit
path must act on); where several do (``_TIF_WORK_MASK`` and
``_TIF_ALLWORK_MASK``), the smallest. A mask written as a number names no
flag and is no evidence. Generic entry's ``EXIT_TO_USER_MODE_WORK`` plays
the same part for the arches that use it.

Besides the declared masks, arch code tests hand-written expressions
(``andi r8, r8, (_TIF_SIGPENDING | _TIF_NOTIFY_RESUME)``, ``if (flags &
(…))``): :func:`hand_written_tests` finds them in one file.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Protocol

from .archview import ArchFlag, ArchView
from .model import FlagTable

SIGNAL_MASKS = ("_TIF_SIGPENDING", "_TIF_NOTIFY_RESUME")
GENERIC_EXIT_WORK = "EXIT_TO_USER_MODE_WORK"
_NAME = re.compile(r"(?<![A-Za-z0-9_])_?TIF_\w+")
_DEFINE_OF = re.compile(rb"^[ \t]*#[ \t]*define[ \t]+(\w+)")


class TreeFiles(Protocol):
    """What the exit-work rule reads of a tree state (a sources.Source)."""

    def read(self, paths: Iterable[str]) -> dict[str, bytes]: ...
    def files_naming(self, word: str, folders: Sequence[str]) -> dict[str, bytes]: ...


def names_in(expr: str) -> set[str]:
    return set(_NAME.findall(expr))


def is_exit_expression(names: set[str]) -> bool:
    return all(n in names for n in SIGNAL_MASKS)


@dataclass(frozen=True)
class ExitMask:
    """The exit-work masks of one flag header, as its arch sees them:
    ``mask`` the smallest, ``wider`` the others (sparc's
    ``_TIF_USER_WORK_MASK`` wraps its ``_TIF_DO_NOTIFY_RESUME_MASK``)."""

    arch: str
    table: FlagTable
    mask: ArchFlag
    wider: tuple[ArchFlag, ...]
    names: dict[str, frozenset[str]]  # mask -> the flag masks it names, through other masks

    def holds(self, bit: int, mask_name: str, smallest: bool = True) -> bool:
        return any(_holds(m, bit, mask_name, self.names)
                   for m in ((self.mask,) if smallest else (self.mask, *self.wider)))


def _holds(m: ArchFlag, bit: int, mask_name: str, names: dict[str, frozenset[str]]) -> bool:
    if m.value is not None:
        return bool(m.value >> bit & 1)
    return mask_name in names.get(m.name, frozenset())


def _expanded(view: ArchView) -> dict[str, frozenset[str]]:
    """Mask → every name it holds, following the masks it is built of
    (``~_TIF_X`` takes nothing away here: such a mask is judged by value)."""
    direct = {m.name: names_in(m.flag.expr) for m in view.masks}
    done: dict[str, frozenset[str]] = {}

    def expand(name: str, seen: frozenset[str]) -> frozenset[str]:
        if name in done:
            return done[name]
        found = set(direct.get(name, ()))
        for inner in direct.get(name, ()):
            if inner in direct and inner not in seen and inner != name:
                found |= expand(inner, seen | {name})
        done[name] = frozenset(found)
        return done[name]

    for name in direct:
        expand(name, frozenset())
    return done


def exit_mask(view: ArchView, table: FlagTable) -> ExitMask | None:
    """The exit-work masks of ``table`` (those holding both signal masks,
    directly or through other masks), with values as ``view``'s arch
    computes them; None where there is none."""
    names = _expanded(view)
    candidates = [m for m in view.masks if m.path == table.path
                  and is_exit_expression(set(names.get(m.name, ())))]
    if not candidates:
        return None
    known = [m for m in candidates if m.value is not None]
    if not known:
        return None  # no value: which one is smallest is guesswork
    smallest = min(known, key=lambda m: (bin(m.value or 0).count("1"), m.flag.line))
    return ExitMask(view.arch, table, smallest,
                    tuple(m for m in candidates if m is not smallest), names)


def exit_masks(views: Mapping[str, ArchView], tables: Mapping[str, FlagTable]
               ) -> dict[str, list[ExitMask]]:
    """Arch → the exit-work masks of its flag headers (sparc has two)."""
    found: dict[str, list[ExitMask]] = {}
    for table in tables.values():
        view = views.get(table.arch or "")
        if view is not None and (mask := exit_mask(view, table)) is not None:
            found.setdefault(view.arch, []).append(mask)
    return found


def generic_exit_work_holds(data: bytes, mask_name: str) -> bool:
    """Does ``#define EXIT_TO_USER_MODE_WORK`` in this header name
    ``mask_name`` (``_TIF_UPROBE``)?"""
    for start in (m.start() for m in re.finditer(rb"#[ \t]*define[ \t]+"
                                                 + GENERIC_EXIT_WORK.encode() + rb"\b", data)):
        end = start
        while True:  # the logical line, across backslash continuations
            newline = data.find(b"\n", end)
            if newline < 0:
                newline = len(data)
            if data[end:newline].rstrip().endswith(b"\\") and newline < len(data):
                end = newline + 1
                continue
            break
        body = data[start:newline].decode(errors="replace")
        if mask_name in names_in(body):
            return True
    return False


@dataclass(frozen=True)
class HandWritten:
    """An expression of arch code that tests the signal masks together."""

    path: str
    line: int
    column: int
    names: frozenset[str]
    text: str


def hand_written_tests(path: str, code: bytes) -> list[HandWritten]:
    """The exit-work expressions of one file (comments blanked, lines
    joined across ``\\``), leaving out ``#define`` lines: a macro is a
    declared mask, judged where it is used."""
    found = []
    for number, raw in enumerate(code.split(b"\n"), 1):
        text = raw.decode(errors="replace")
        names = names_in(text)
        if not is_exit_expression(names) or _DEFINE_OF.match(raw):
            continue
        column = text.index(SIGNAL_MASKS[0]) + 1
        found.append(HandWritten(path, number, column, frozenset(names), text.strip()))
    return found
