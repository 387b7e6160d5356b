"""One state of the fixture tree, and its rendering to bytes.

A series is a list of ``TreeState`` values; a commit is whatever differs
between the rendering of one state and the next. Only the files the flag
touches depend on the state, so the filler is rendered once and cached.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache

from .arch_layouts import (
    ARCHES,
    DEFINING_HEADERS,
    FLAG_HEADERS,
    HEADERS,
    MASK_HEADERS,
    SPARC_DISPATCH,
)
from .filler import filler_files
from .flag_users import (
    MENTIONING,
    asm_files,
    kernel_files,
    mm_files,
    mm_side_files,
    untouched_files,
)
from .headers import HeaderEdits, render_header, render_sparc_dispatch

# Byte-level quirks a scanner has to survive.
ENCODINGS = {"kernel/freezer.c": "latin-1"}
CRLF = frozenset({"kernel/cpuset.c"})


@dataclass(frozen=True)
class TreeState:
    """Which parts of the tree still carry the flag.

    The defaults describe the base tree. ``definitions`` and ``masks`` are the
    headers still defining ``TIF_MEMDIE`` / ``_TIF_MEMDIE``; ``asm_users`` the
    arches whose entry code still tests or mentions it. ``renumber`` moves a
    flag of one header to another bit; ``shifts`` makes a mask shift the
    wrong flag (header path, mask's flag, flag shifted instead).
    """

    kernel_users: bool = True
    mm_users: bool = True
    asm_users: frozenset[str] = MENTIONING
    definitions: frozenset[str] = DEFINING_HEADERS
    masks: frozenset[str] = MASK_HEADERS
    reintroduced: bool = False
    renumber: tuple[tuple[str, str, int], ...] = ()
    shifts: tuple[tuple[str, str, str], ...] = ()
    extra: dict[str, str] = field(default_factory=dict, compare=False, hash=False)

    def edits(self, path: str) -> HeaderEdits:
        return HeaderEdits(
            memdie=path in self.definitions,
            memdie_mask=path in self.masks,
            renumber=tuple((f, b) for p, f, b in self.renumber if p == path),
            shifts=tuple((f, t) for p, f, t in self.shifts if p == path),
        )


BASE = TreeState()


@lru_cache(maxsize=1)
def _static_files() -> tuple[tuple[str, bytes], ...]:
    files = filler_files(ARCHES)
    files.update(untouched_files())
    files[SPARC_DISPATCH] = render_sparc_dispatch()
    return tuple((p, encode(p, t)) for p, t in sorted(files.items()))


@lru_cache(maxsize=256)
def _header(path: str, edits: HeaderEdits) -> bytes:
    text = render_header(HEADERS[path], edits)
    return encode(path, text)


def encode(path: str, text: str) -> bytes:
    if path in CRLF:
        text = text.replace("\n", "\r\n")
    return text.encode(ENCODINGS.get(path, "utf-8"))


def render_tree(state: TreeState = BASE) -> dict[str, bytes]:
    """Every file of the tree in ``state``, path -> bytes."""
    files = dict(_static_files())
    for path in FLAG_HEADERS:
        files[path] = _header(path, state.edits(path))
    text = {}
    text.update(kernel_files(converted=not state.kernel_users))
    text.update(mm_files(converted=not state.mm_users, reintroduced=state.reintroduced))
    text.update(mm_side_files(converted=not state.mm_users))
    text.update(asm_files(keep=state.asm_users))
    text.update(state.extra)
    for path, body in text.items():
        files[path] = encode(path, body)
    return files
