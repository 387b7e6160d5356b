"""Code the preprocessor keeps only where the flag exists: ``#ifdef TIF_X``
blocks. When no arch that builds the file sees the flag, the block is
dead — worth a cleanup, never a build break."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from ..kernel.model import Kind, Occurrence
from ..kernel.paths import GENERIC
from ..kernel.snapshot import Snapshot
from ..result import Finding, Related
from .registry import HEAD, W, describe_arches, finding, rule


@dataclass(frozen=True)
class DeadBlock:
    """Guarded uses of one file, with no code use of the flag between them."""

    path: str
    uses: tuple[Occurrence, ...]
    builders: tuple[str, ...]  # the arches that build the file


def builders_of(snapshot: Snapshot, o: Occurrence) -> list[str]:
    """The arches that compile the file of ``o``."""
    if o.arch == GENERIC:
        return sorted(snapshot.generic_arches)
    if o.arch is not None:
        return [o.arch]
    return [a for a in sorted(snapshot.arches) if snapshot.can_build(a, o)]


def dead_blocks(snapshot: Snapshot) -> list[DeadBlock]:
    """Every run of guarded uses that no arch building its file can compile."""
    blocks = []
    for path in sorted(snapshot.occurrences):
        run: list[Occurrence] = []
        for o in (*snapshot.occurrences[path], None):
            if o is not None and o.kind is Kind.USE and o.guarded:
                run.append(o)
                continue
            if run and (o is None or o.kind in (Kind.USE, Kind.DEFINITION, Kind.MASK)):
                builders = builders_of(snapshot, run[0])
                if not any(snapshot.symbol in snapshot.visible_names(a) for a in builders):
                    blocks.append(DeadBlock(path, tuple(run), tuple(builders)))
                run = []
    return blocks


@rule("dead-guard", W, HEAD, "after the series, code under #ifdef TIF_X that no arch "
      "building the file can compile: dead, not broken")
def dead_guards(blocks: list[DeadBlock], symbol: str) -> Iterator[Finding]:
    """Code under ``#ifdef TIF_X`` / ``#if defined(TIF_X)`` (or the
    ``#else`` of ``#ifndef TIF_X``) is compiled only where the flag exists.
    After a series that takes the flag from every arch building the file
    (or for a flag the arch building the file never had), the block is
    dead: it breaks no build, so it is neither a leftover use nor a
    dangling reference, but it is code nobody compiles and should go.
    Example: ``#ifdef TIF_MEMDIE`` around a test in
    ``arch/x86/um/signal.c`` after the flag left every header:
    ``warning: lines 12-14 under #ifdef TIF_MEMDIE are dead: no arch that
    builds this file (um) defines it [dead-guard]``."""
    for block in blocks:
        first, last = block.uses[0], block.uses[-1]
        lines = f"line {first.line}" if first.line == last.line \
            else f"lines {first.line}-{last.line}"
        who = describe_arches(list(block.builders)) if block.builders else "none"
        yield finding(
            "dead-guard",
            f"{lines} under a test of {symbol} are dead: no arch that builds this file "
            f"({who}) defines it",
            symbol=symbol, at=first, arches=block.builders,
            related=[Related(o.path, o.line, o.arch, f"guarded use: {' '.join(o.text.split())}")
                     for o in block.uses[1:]])
