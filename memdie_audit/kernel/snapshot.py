"""A Snapshot: the occurrences and flag tables of one tree state.

Built once from a source (a grep for the symbol plus a read of the flag
headers and the few files that mention it), then updated per commit of a
series from just the files that commit changes.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass, field, fields, replace
from functools import cached_property

from .archview import ArchView, arch_view
from .asmsites import AsmSites
from .cache import Record
from .flagtable import generic_values, includes_generic_bits, read_flag_table
from .kbuild import BuildFacts
from .kconfig import build_widths as build_widths_of
from .kconfig import kconfig_arch, selects_generic_bits
from .model import CODE_KINDS, FlagTable, Kind, Occurrence
from .occurrences import scan_flags
from .pasting import Pasting, call_pattern, pasted_occurrences, pasting_macros
from .paths import (
    FLAG_HEADER,
    GENERIC,
    GENERIC_FLAG_HEADER,
    arch_of,
    includes_asm_offsets,
    is_asm_offsets,
    is_flag_header,
    language_of,
)


@dataclass(frozen=True)
class Snapshot:
    """Everything the rules need to know about one tree state."""

    symbol: str
    occurrences: Mapping[str, tuple[Occurrence, ...]]  # path -> its occurrences
    tables: Mapping[str, FlagTable]  # flag header path -> table
    arches: frozenset[str]  # every arch with a flag header or generic bits
    generic_arches: frozenset[str]  # arches whose Kconfig selects HAVE_GENERIC_TIF_BITS
    header_text: Mapping[str, bytes] = field(default_factory=dict, compare=False)
    # arch -> word sizes of the kernels it builds, from its Kconfig's 64BIT
    build_widths: Mapping[str, tuple[int, ...]] = field(default_factory=dict)
    # Makefiles and Kconfigs, read on demand: which arches build what
    build: BuildFacts | None = field(default=None, compare=False, repr=False)
    # every arch's assembly uses of flag masks, read on demand (asm-immediate)
    asm: AsmSites | None = field(default=None, compare=False, repr=False)

    def record(self) -> Record:
        """What the snapshot cache keeps: every field but the build facts and
        the assembly sites, which are read from the tree on demand."""
        return {f.name: getattr(self, f.name) for f in fields(self)
                if f.name not in ("build", "asm")}

    @classmethod
    def from_record(cls, record: Record, build: BuildFacts | None) -> Snapshot:
        return cls(**record, build=build)

    # files with occurrences that include <asm/asm-offsets.h>: they see the
    # masks an arch defines only in its asm-offsets.c
    offsets_users: frozenset[str] = frozenset()

    @cached_property
    def pasting(self) -> tuple[Pasting, ...]:
        """The macros of the flag headers that paste a flag's name."""
        return pasting_macros(self.header_text)

    def sees_offsets(self, o: Occurrence, arch: str) -> bool:
        """Can the file of ``o`` see ``arch``'s masks that only its
        asm-offsets.c defines (``DEFINE(_TIF_X, …)``)? Only by including
        <asm/asm-offsets.h>. Judged in the arch's own C files: assembly is
        taken to include it (entry code does, or nothing there builds), and
        common code that names such a mask sits under guards of other flags
        (``defined(TIF_POLLING_NRFLAG)``) that the arch does not pass."""
        return o.path in self.offsets_users or language_of(o.path) != "c" \
            or o.arch != arch or o.token not in self._offsets_only.get(arch, frozenset())

    @cached_property
    def _offsets_only(self) -> dict[str, frozenset[str]]:
        """Arch → the names it defines only in its asm-offsets.c."""
        where: dict[str, dict[str, set[bool]]] = {}
        for occ in self.occurrences.values():
            for o in occ:
                if o.kind in (Kind.DEFINITION, Kind.MASK) and o.arch:
                    where.setdefault(o.arch, {}).setdefault(o.token, set()).add(
                        is_asm_offsets(o.path))
        return {arch: frozenset(t for t, kinds in tokens.items() if kinds == {True})
                for arch, tokens in where.items()}

    def can_build(self, arch: str, o: Occurrence) -> bool:
        """Can ``arch`` compile the code around this occurrence at all? Not
        when it needs a config option (Makefile or ``#ifdef``) that the
        arch's Kconfig cannot enable (see :mod:`.kbuild`)."""
        if self.build is None:
            return True
        needed = o.configs | self.build.file_configs(o.path)
        return all(self.build.can_enable(arch, option) for option in sorted(needed))

    def all_occurrences(self) -> list[Occurrence]:
        return [o for path in sorted(self.occurrences) for o in self.occurrences[path]]

    def tables_of(self, arch: str) -> list[FlagTable]:
        return [t for path, t in sorted(self.tables.items()) if t.arch == arch]

    @cached_property
    def _defined_by(self) -> dict[str | None, frozenset[str]]:
        """Tokens of SYMBOL/_SYMBOL defined, by the arch of the defining file."""
        found: dict[str | None, set[str]] = {}
        for occ in self.occurrences.values():
            for o in occ:
                if o.kind in (Kind.DEFINITION, Kind.MASK):
                    found.setdefault(o.arch, set()).add(o.token)
        return {arch: frozenset(tokens) for arch, tokens in found.items()}

    @cached_property
    def views(self) -> dict[str, ArchView]:
        """Every arch's effective flag set (see :mod:`.archview`)."""
        return {arch: arch_view(arch, self.tables, arch in self.generic_arches,
                                self.build_widths.get(arch))
                for arch in sorted(self.arches)}

    @cached_property
    def _visible(self) -> dict[str, frozenset[str]]:
        return {}  # filled per arch by visible_names: asked per reference and arch

    def visible_names(self, arch: str) -> frozenset[str]:
        names = self._visible.get(arch)
        if names is None:
            names = self._visible[arch] = self._names_seen_by(arch)
        return names

    def _names_seen_by(self, arch: str) -> frozenset[str]:
        """Names of SYMBOL and _SYMBOL that code built for ``arch`` can see:
        its own arch's definitions, common headers', and the generic header's
        where the arch selects HAVE_GENERIC_TIF_BITS — an optional generic bit
        only where the arch defines its HAVE_TIF_* switch."""
        defined = self._defined_by
        names = defined.get(arch, frozenset()) | defined.get(None, frozenset())
        if arch in self.generic_arches:
            view = self.views.get(arch)
            shared = self.tables.get(GENERIC_FLAG_HEADER)
            hidden = {f.name for f in (*shared.bits, *shared.masks)} - view.names() \
                if shared is not None and view is not None else set()
            names |= defined.get(GENERIC, frozenset()) - hidden
        # ``#define _TIF_X (1 << TIF_X)`` without TIF_X: the mask is there,
        # but no code can expand it.
        mask = "_" + self.symbol
        if mask in names and self.symbol not in names:
            needs = self._mask_needs_bit
            seen = arch if arch in needs else (
                GENERIC if arch in self.generic_arches and GENERIC in needs else None)
            if needs.get(seen, False):
                names = names - {mask}
        return names

    @cached_property
    def _own_mask_lines(self) -> frozenset[tuple[str, int]]:
        """Where ``_SYMBOL`` is defined: the lines of the flag's own masks."""
        return frozenset((o.path, o.line) for occ in self.occurrences.values() for o in occ
                         if o.kind is Kind.MASK)

    @cached_property
    def _mask_needs_bit(self) -> dict[str | None, bool]:
        """Arch of a definition of ``_SYMBOL`` → does it use SYMBOL (so that
        without the bit nothing can expand it)?"""
        needs: dict[str | None, bool] = {}
        for o in self.all_occurrences():
            if o.kind is Kind.MASK:
                needs.setdefault(o.arch, False)
            elif self.in_own_mask(o):
                needs[o.arch] = True
        return needs

    def in_own_mask(self, o: Occurrence) -> bool:
        """Is this use the flag inside its own mask's definition? That use is
        compiled only where the mask is expanded, so it breaks no build by
        itself: an unused leftover mask is a leftover, not a build break."""
        return o.kind is Kind.USE and (o.path, o.line) in self._own_mask_lines

    def code_occurrences(self) -> list[Occurrence]:
        return [o for o in self.all_occurrences() if o.kind in CODE_KINDS]

    def updated(self, changes: Mapping[str, bytes | None]) -> Snapshot:
        """The snapshot after files changed (None: deleted). Only those files
        are re-read; everything else is shared with this snapshot, which is
        itself the answer (with what it has worked out) when no change can
        matter: no occurrence, flag header, Kconfig or Makefile."""
        return updated_together({self.symbol: self}, changes)[self.symbol]

    def with_facts(self, changes: Mapping[str, bytes | None], build: BuildFacts | None
                   ) -> dict[str, object]:
        """What the flag headers and arch Kconfigs of ``changes`` make of
        this tree state's facts (the fields every flag's snapshot shares)."""
        headers = dict(self.header_text)
        for path, data in changes.items():
            if is_flag_header(path):
                if data is None:
                    headers.pop(path, None)
                else:
                    headers[path] = data
        generic_arches = set(self.generic_arches)
        build_widths = dict(self.build_widths)
        for path, data in changes.items():
            arch = kconfig_arch(path)
            if arch:
                generic_arches.discard(arch)
                build_widths.pop(arch, None)
                if data is not None:
                    build_widths[arch] = build_widths_of(data)
                    if selects_generic_bits(data):
                        generic_arches.add(arch)
        changed_headers = {p for p in changes if is_flag_header(p)}
        if GENERIC_FLAG_HEADER in changed_headers:
            tables = read_tables(headers)  # every arch header may resolve through it
        else:
            kept = {p: t for p, t in self.tables.items() if p in headers}  # deleted ones go
            tables = read_tables({p: headers[p] for p in changed_headers if p in headers},
                                  headers.get(GENERIC_FLAG_HEADER), kept)
        return {"tables": tables, "header_text": headers,
                "generic_arches": frozenset(generic_arches), "build_widths": build_widths,
                "arches": arches_of(tables, generic_arches), "build": build}


def updated_together(snapshots: Mapping[str, Snapshot], changes: Mapping[str, bytes | None]
                     ) -> dict[str, Snapshot]:
    """The snapshots of several flags in one tree state (sharing its flag
    headers and Kconfigs), after files changed: each changed file is read
    once for all the flags, the flag headers and what each arch sees are
    worked out once. A flag's snapshot stays the same object when no change
    can matter to it."""
    first = next(iter(snapshots.values()))
    macros = pasting_macros({p: d for p, d in {**first.header_text, **changes}.items()
                             if d is not None and is_flag_header(p)})
    scanned: dict[str, dict[str, tuple[Occurrence, ...]]] = {
        p: scan_with_pasting(p, d, snapshots.keys(), macros) if d is not None else {}
        for p, d in changes.items()}
    build = first.build.updated(changes) if first.build else None
    asm = first.asm.updated(changes) if first.asm else None
    facts = None
    if build is not first.build or any(is_flag_header(p) or kconfig_arch(p) for p in changes):
        facts = first.with_facts(changes, build)
    views = None
    result = {}
    for symbol, snapshot in snapshots.items():
        touched = [p for p in changes if symbol in scanned[p] or p in snapshot.occurrences]
        if facts is None and not touched and asm is snapshot.asm:
            result[symbol] = snapshot
            continue
        occurrences = dict(snapshot.occurrences)
        users = set(snapshot.offsets_users) - set(touched)
        for path in touched:
            occurrences.pop(path, None)
            if symbol in scanned[path]:
                occurrences[path] = scanned[path][symbol]
                if includes_asm_offsets(changes[path] or b""):
                    users.add(path)
        if facts is None:
            result[symbol] = share_views(replace(snapshot, occurrences=occurrences, asm=asm,
                                                 offsets_users=frozenset(users)), snapshot)
            continue
        after = replace(snapshot, occurrences=occurrences, asm=asm,  # type: ignore[arg-type]
                        offsets_users=frozenset(users), **facts)
        if views is None:
            views = after
        result[symbol] = share_views(after, views)
    return result


def share_views(snapshot: Snapshot, same_facts: Snapshot) -> Snapshot:
    """``snapshot`` with the arch views of another snapshot of the same flag
    headers and Kconfigs (another flag's, or its own before a change that
    left them alone): what each arch sees is worked out once per tree state."""
    if snapshot is not same_facts:
        snapshot.__dict__["views"] = same_facts.views  # cached_property's own slot
    return snapshot


def scan_with_pasting(path: str, data: bytes, symbols: Collection[str],
                macros: tuple[Pasting, ...] = ()) -> dict[str, tuple[Occurrence, ...]]:
    """scan_flags, with the calls of ``macros`` that paste one of the
    symbols (see :mod:`.pasting`) as uses of that flag."""
    found = scan_flags(path, data, symbols)
    pattern = call_pattern(macros) if macros and language_of(path) == "c" else None
    if pattern is None or not pattern.search(data):
        return found
    arch = arch_of(path)
    for symbol in symbols:
        pasted = pasted_occurrences(path, data, symbol, macros, arch)
        if pasted:
            found[symbol] = tuple(sorted((*found.get(symbol, ()), *pasted),
                                         key=lambda o: (o.line, o.column)))
    return found


def read_tables(headers: Mapping[str, bytes], generic: bytes | None = None,
                 unchanged: Mapping[str, FlagTable] | None = None) -> dict[str, FlagTable]:
    """Flag tables of ``headers``; with ``unchanged`` (the tables before some
    headers changed), only ``headers`` are read and the rest are kept."""
    if unchanged is None:
        generic = headers.get(GENERIC_FLAG_HEADER)
        tables = {}
    else:
        tables = {p: t for p, t in unchanged.items() if p not in headers}
    outer = None
    if generic is not None:
        if unchanged is None or GENERIC_FLAG_HEADER not in tables:
            tables[GENERIC_FLAG_HEADER] = read_flag_table(GENERIC_FLAG_HEADER, generic)
        outer = generic_values(tables[GENERIC_FLAG_HEADER])
    for path, data in sorted(headers.items()):
        if path != GENERIC_FLAG_HEADER:
            tables[path] = read_flag_table(
                path, data, outer if outer and includes_generic_bits(data) else None)
    return tables


def arches_of(tables: Mapping[str, FlagTable], generic_arches: Iterable[str]) -> frozenset[str]:
    return frozenset({m.group(1) for p in tables if (m := FLAG_HEADER.match(p))}
                     | set(generic_arches))
