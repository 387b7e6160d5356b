"""Where arch assembly uses a flag mask by another name: ``tst r1,
#_TIF_SYSCALL_WORK`` holds TIF_SYSCALL_TRACE without naming it, so a grep
for the flag does not find the line. Renumbering or adding a flag changes
such a composite's value, and that is when its immediate stops encoding.

Read on demand, once per tree state and shared by every flag audited on
it: one grep for ``TIF_`` in the arches' assembly (0.25 s on v6.19), then
the lines in memory; a series' commits overlay the files they change.
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
        self._uses: dict[str, list[AsmUse]] | None = None

    def updated(self, changes: Mapping[str, bytes | None]) -> AsmSites:
        """The sites after a commit: the same object where it changes no
        assembly that holds, or held, a flag name (then a series' snapshot
        needs no new state for it)."""
        root = self._base or self
        known = root._uses  # None until read: then any change may matter
        relevant = {p: d for p, d in changes.items() if _is_arch_asm(p) and (
            known is None or p in self.overlay or p in known or (d is not None and b"TIF_" in d))}
        if not relevant:
            return self
        return AsmSites(self.source, {**self.overlay, **relevant}, self._base or self)

    def _read(self) -> dict[str, list[AsmUse]]:
        """Path -> the mask tokens of its lines."""
        if self._uses is None:
            if self._base is not None:
                found = {p: u for p, u in self._base._read().items() if p not in self.overlay}
            else:
                found = {p: _scan(p, d) for p, d in self.source.asm_files("TIF_").items()}
            found.update({p: _scan(p, d) for p, d in self.overlay.items() if d is not None})
            self._uses = {p: u for p, u in found.items() if u}
        return self._uses

    def uses(self, arch: str, names: frozenset[str]) -> list[AsmUse]:
        """The uses of any of ``names`` in ``arch``'s assembly, in order."""
        return [u for path, found in sorted(self._read().items()) if arch_of(path) == arch
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
