"""Where arch assembly uses a flag mask by another name: ``tst r1,
#_TIF_SYSCALL_WORK`` holds TIF_SYSCALL_TRACE without naming it, so a grep
for the flag does not find the line. Renumbering or adding a flag changes
such a composite's value, and that is when its immediate stops encoding.

Read on demand, once per tree state and shared by every flag audited on
it: one grep for the masks of every flag header in the arches' assembly,
then the lines in memory; a series' commits overlay the files they change.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

from ..sources.trees import Source
from .paths import ASM_SUFFIXES, arch_of

_MASK_TOKEN = re.compile(rb"\b(_TIF_\w+|TIF_\w+_MASK)\b")


@dataclass(frozen=True)
class AsmUse:
    """One token of a mask on one line of an arch's assembly."""

    path: str
    line: int
    column: int  # 1-based, in bytes
    token: str
    text: str


def _is_arch_asm(path: str) -> bool:
    return path.startswith("arch/") and path.endswith(ASM_SUFFIXES)


class AsmSites:
    """The mask tokens of every arch's assembly files in one tree state;
    ``overlay`` holds the files a series changed (None: deleted)."""

    def __init__(self, source: Source, overlay: Mapping[str, bytes | None] | None = None,
                 base: AsmSites | None = None) -> None:
        self.source = source
        self.overlay = dict(overlay or {})
        self._base = base  # the tree state this one overlays: its read is shared
        self._uses: dict[frozenset[str], dict[str, list[AsmUse]]] = {}

    def updated(self, changes: Mapping[str, bytes | None]) -> AsmSites:
        relevant = {p: d for p, d in changes.items() if _is_arch_asm(p)}
        if not relevant:
            return self
        return AsmSites(self.source, {**self.overlay, **relevant}, self._base or self)

    def _read(self, masks: frozenset[str]) -> dict[str, list[AsmUse]]:
        """Path -> the mask tokens of its lines, for the files that name any
        of ``masks`` (``_TIF_X`` found as the grep finds flag ``TIF_X``)."""
        if masks not in self._uses:
            if self._base is not None:
                found = {p: u for p, u in self._base._read(masks).items()
                         if p not in self.overlay}
            else:
                pending = self.source.start_grep(tuple(sorted(m.lstrip("_") for m in masks)))
                paths = [p for p in self.source.candidates(pending) if _is_arch_asm(p)]
                found = {p: _scan(p, d) for p, d in self.source.read(paths).items()}
            found.update({p: _scan(p, d) for p, d in self.overlay.items() if d is not None})
            self._uses[masks] = {p: u for p, u in found.items() if u}
        return self._uses[masks]

    def uses(self, arch: str, names: frozenset[str], masks: frozenset[str]) -> list[AsmUse]:
        """The uses of any of ``names`` in ``arch``'s assembly, in order;
        ``masks``: every mask of the tree state (one read serves them all)."""
        return [u for path, found in sorted(self._read(masks).items()) if arch_of(path) == arch
                for u in found if u.token in names]


def _scan(path: str, data: bytes) -> list[AsmUse]:
    uses = []
    for number, raw in enumerate(data.splitlines(), 1):
        if b"TIF_" not in raw or len(raw) > 400:
            continue
        text = raw.decode("utf-8", "replace")
        for m in _MASK_TOKEN.finditer(raw):
            uses.append(AsmUse(path, number, m.start() + 1, m.group(1).decode(), text))
    return uses
