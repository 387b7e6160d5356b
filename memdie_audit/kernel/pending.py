"""Snapshots being built: one grep of a tree state for every audited flag
runs in the background while the flag headers and Kconfigs are read, and
each flag's :class:`~.snapshot.Snapshot` is made from what both found (or
taken from the cache)."""

from __future__ import annotations

import subprocess
from collections.abc import Sequence
from dataclasses import dataclass, replace

from ..sources.trees import Source
from .asmsites import AsmSites
from .cache import SnapshotCache
from .kbuild import BuildFacts
from .kconfig import build_widths as build_widths_of
from .kconfig import kconfig_arch, selects_generic_bits
from .paths import includes_asm_offsets, is_flag_header
from .snapshot import Snapshot, arches_of, read_tables, scan_with_pasting, share_views


class PendingSnapshots:
    """The snapshots of several flags in one tree state, from one grep for
    all of them (a flag's files are those of the union that name it): a
    series audited for fifteen flags greps the base once, not fifteen
    times. Cached ones are taken from ``cache``; the others are stored."""

    def __init__(self, source: Source, symbols: Sequence[str],
                 cache: SnapshotCache | None = None) -> None:
        self.source, self.cache = source, cache
        self.keys = cache.keys(source, symbols) if cache is not None \
            else dict.fromkeys(symbols)
        self.done: dict[str, Snapshot] = {}
        for s, key in self.keys.items():
            hit = cache.load(key) if cache is not None and key else None
            if hit is not None:
                try:
                    self.done[s] = Snapshot.from_record(hit, BuildFacts(source))
                except TypeError:  # a record of other fields: a miss, stored anew
                    pass
        self.missing = tuple(s for s in symbols if s not in self.done)
        self.grep = source.start_grep(self.missing) if self.missing else None
        self.asm = AsmSites(source)  # one read of the assembly for all the flags
        self.done = {s: replace(snapshot, asm=self.asm) for s, snapshot in self.done.items()}

    def finish(self) -> dict[str, Snapshot]:
        if self.missing:
            # While git greps: all that the flag headers and Kconfigs tell,
            # their occurrences included (kept where the grep lists the file).
            early, facts = _flag_facts(self.source)
            macros = facts.pasting
            scanned = {p: scan_with_pasting(p, data, self.missing, macros)
                       for p, data in early.items()}
            users = {p for p, data in early.items() if includes_asm_offsets(data)}
            candidates = []
            for batch in self.source.candidate_batches(self.grep):
                candidates.extend(batch)
                late = self.source.read(p for p in batch if p not in early)
                scanned.update((p, scan_with_pasting(p, data, self.missing, macros))
                               for p, data in late.items())
                users.update(p for p, data in late.items() if includes_asm_offsets(data))
            for s in self.missing:
                occurrences = {p: found for p in candidates
                               if (found := scanned.get(p, {}).get(s))}
                self.done[s] = share_views(replace(facts, symbol=s, occurrences=occurrences,
                                                   asm=self.asm,
                                                   offsets_users=frozenset(
                                                       users & occurrences.keys())),
                                           facts)
                key = self.keys[s]
                if self.cache is not None and key:
                    self.cache.store(key, self.done[s].record())
            self.missing = ()
        return self.done

    def cancel(self) -> None:
        """Stop the grep: its answer is not needed after all."""
        if isinstance(self.grep, subprocess.Popen) and self.grep.poll() is None:
            self.grep.kill()
            self.grep.communicate()

    def part(self, symbol: str) -> SnapshotPart:
        return SnapshotPart(self, symbol)


class PendingSnapshot:
    """One flag's snapshot whose grep runs in the background: the caller may
    do other work (read a series' commits) before :meth:`finish` waits for
    it. With a ``cache``, a commit's snapshot found there is taken (no grep
    runs) and one built is stored."""

    def __init__(self, source: Source, symbol: str, cache: SnapshotCache | None = None) -> None:
        self.symbol = symbol
        self.group = PendingSnapshots(source, (symbol,), cache)

    def finish(self) -> Snapshot:
        return self.group.finish()[self.symbol]

    def cancel(self) -> None:
        self.group.cancel()


@dataclass(frozen=True)
class SnapshotPart:
    """One flag's snapshot of a :class:`PendingSnapshots`, handed to the walk
    of that flag as its pending base (its cancel leaves the shared grep to
    the group's owner)."""

    group: PendingSnapshots
    symbol: str

    def finish(self) -> Snapshot:
        return self.group.finish()[self.symbol]

    def cancel(self) -> None:
        pass


def build_snapshot(source: Source, symbol: str, cache: SnapshotCache | None = None
                   ) -> Snapshot:
    """Read one tree state: grep for the symbol (in the background while the
    flag headers and Kconfigs are listed and read), then scan the hits; or
    take it from ``cache``."""
    return PendingSnapshot(source, symbol, cache).finish()


def _flag_facts(source: Source) -> tuple[dict[str, bytes], Snapshot]:
    """The flag headers and arch Kconfigs of a tree state, read: their
    bytes, and a snapshot of what every arch sees with no flag's occurrences."""
    listing = source.listing()
    headers = [p for p in listing if is_flag_header(p)]
    kconfigs = [p for p in listing if kconfig_arch(p)]
    contents = source.read([*headers, *kconfigs])
    generic_arches = {kconfig_arch(p) for p in kconfigs
                      if selects_generic_bits(contents.get(p, b""))}
    build_widths = {kconfig_arch(p): build_widths_of(contents[p]) for p in kconfigs
                    if p in contents}
    header_text = {p: contents[p] for p in headers if p in contents}
    tables = read_tables(header_text)
    return contents, Snapshot("", {}, tables, arches_of(tables, generic_arches),
                              frozenset(generic_arches), header_text, build_widths,
                              BuildFacts(source), AsmSites(source))


def flag_snapshot(source: Source) -> Snapshot:
    """The flag headers and arch Kconfigs of a tree state, without any flag's
    occurrences (no grep): what every arch sees, for the atlas."""
    return _flag_facts(source)[1]
