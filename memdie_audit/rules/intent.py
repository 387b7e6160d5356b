"""What a series does to an audited flag, decided from base and head on
each arch's effective flag set: which rules apply follows from it.

| intent | recognised by |
|---|---|
| remove | arches that saw the flag in the base no longer see it |
| add | flag headers define it that did not in the base, none lost it |
| move | a header lost its definition, but every arch still sees the flag |
| renumber | the flag keeps its headers but changes its bit |
| convert-users | definitions unchanged, references changed |
| untouched | the flag's definitions, bits and references are the same at both ends |

A removal is *complete* when it takes the flag from most of the arches that
had it (or ``--intent remove`` says so): then whatever is left is a
leftover. One arch's own removal patch is progress, reported on the intent
line, not a list of leftovers on every other arch.
"""

from __future__ import annotations

import difflib
from collections import Counter
from dataclasses import dataclass

from ..errors import AuditError
from ..kernel.model import Kind
from ..kernel.snapshot import Snapshot

INTENTS = ("remove", "add", "convert-users", "move", "renumber", "untouched")


@dataclass(frozen=True)
class Intent:
    kind: str
    summary: str  # the intent line: "removes TIF_MEMDIE from 32 flag headers"
    complete: bool = False  # a removal whose leftovers are errors

    @property
    def removes(self) -> bool:
        return self.kind == "remove" and self.complete


def seen_by(snapshot: Snapshot, symbol: str) -> set[str]:
    """Arches whose effective flag set has the flag."""
    return {arch for arch, view in snapshot.views.items() if view.bit(symbol) is not None}


def defining_headers(snapshot: Snapshot, symbol: str) -> dict[str, int | None]:
    """Flag header → the flag's bit there; and a common header with its own
    ``#define`` of the flag (an ``#ifndef`` fallback) → None."""
    found: dict[str, int | None] = {
        path: b.value for path, t in snapshot.tables.items() if (b := t.bit(symbol))}
    for o in snapshot.code_occurrences():
        if o.kind is Kind.DEFINITION and o.arch is None and o.token == symbol \
                and o.path not in snapshot.tables:
            found.setdefault(o.path, None)
    return found


def _headers(paths: list[str], snapshot: Snapshot) -> str:
    """"N flag headers", or "N headers" when some are common headers."""
    kind = "flag header" if all(p in snapshot.tables for p in paths) else "header"
    return f"{len(paths)} {kind}{'s' * (len(paths) != 1)}"


def references(snapshot: Snapshot) -> int:
    """Code references to the flag, not counting it inside its own mask."""
    return sum(1 for o in snapshot.code_occurrences()
               if o.kind is Kind.USE and not o.guarded and not snapshot.in_own_mask(o))


def same_flag(base: Snapshot, head: Snapshot, symbol: str) -> bool:
    """Is the flag the same at both ends: the same definitions, the same
    bit and mask on every arch's effective set (an arch switching onto the
    generic bits sees it from elsewhere: not the same), the same code
    references? Then other lines of its headers changed, not the flag."""
    def seen(snapshot: Snapshot) -> dict[str, tuple]:
        return {arch: tuple((f.name, f.value, f.path, f.origin, f.condition) for f in found)
                for arch, view in snapshot.views.items()
                if (found := [f for f in (view.bit(symbol), view.mask("_" + symbol)) if f])}

    def code(snapshot: Snapshot) -> Counter:
        return Counter((o.path, o.kind, o.token, " ".join(o.text.split()), o.guarded)
                       for o in snapshot.code_occurrences())

    return (defining_headers(base, symbol) == defining_headers(head, symbol)
            and seen(base) == seen(head) and code(base) == code(head))


def decide(symbol: str, base: Snapshot, head: Snapshot, touched: bool,
           forced: str | None = None) -> Intent:
    if touched and not forced and same_flag(base, head, symbol):
        touched = False
    before, after = defining_headers(base, symbol), defining_headers(head, symbol)
    lost = sorted(seen_by(base, symbol) - seen_by(head, symbol))
    had = seen_by(base, symbol)
    kind = forced or _recognise(before, after, lost, touched)
    refs = f"references {references(base)} -> {references(head)}"
    if kind == "remove":
        complete = forced == "remove" or 2 * len(lost) >= len(had) or not after
        gone = sorted(set(before) - set(after))
        summary = f"removes {symbol} from {len(gone)} flag header{'s' * (len(gone) != 1)}"
        if forced and len(gone) < len(before):
            summary = (f"removes {symbol} (--intent remove): {len(gone)} of {len(before)} "
                       f"flag headers done")
        elif not complete:
            left = sorted(seen_by(head, symbol))
            summary += (f" ({', '.join(lost) or 'no arch'}): a partial removal, "
                        f"{len(left)} arch{'es' * (len(left) != 1)} still define it")
        return Intent(kind, f"{summary}; {refs}", complete)
    if kind == "add":
        new = sorted(set(after) - set(before))
        return Intent(kind, f"adds {symbol} to {_headers(new, head)}; {refs}")
    if kind == "move":
        return Intent(kind, f"moves {symbol}: defined in {len(before)} -> {len(after)} flag "
                      f"headers, every arch still sees it; {refs}")
    if kind == "renumber":
        moved = sorted(p for p in after if p in before and before[p] != after[p])
        return Intent(kind, f"renumbers {symbol} in {len(moved)} flag header"
                      f"{'s' * (len(moved) != 1)}; {refs}")
    if kind == "convert-users":
        return Intent(kind, f"convert-users — {refs}, definitions kept in {len(after)} "
                      f"header{'s' * (len(after) != 1)}")
    return Intent("untouched", f"does not touch {symbol}")


def _recognise(before: dict[str, int | None], after: dict[str, int | None], lost: list[str],
               touched: bool) -> str:
    if not touched:
        return "untouched"
    if set(before) - set(after):
        return "remove" if lost else "move"
    if set(after) - set(before):
        return "add"
    if any(before[p] != after[p] for p in after):
        return "renumber"
    return "convert-users"


def check_known(symbol: str, *snapshots: Snapshot) -> None:
    """Bad input: a tree with no flag header, or a flag that no tree state
    defines or names (with the names it may have meant)."""
    if not any(s.tables for s in snapshots):
        raise AuditError("not a kernel tree: no arch/*/include/asm/thread_info*.h and no "
                         "include/asm-generic/thread_info_tif.h")
    # A flag that some tree state names (a leftover comment, a use that no
    # header backs) is worth its inventory; one that none names is a typo.
    named = any(t.bit(symbol) or t.mask("_" + symbol) for s in snapshots
                for t in s.tables.values())
    named = named or any(s.occurrences for s in snapshots)
    if not named:
        names = sorted({f.name for s in snapshots for t in s.tables.values() for f in t.bits})
        close = difflib.get_close_matches(symbol, names, n=3, cutoff=0.75)
        hint = f"; did you mean {' or '.join(close)}?" if close else ""
        raise AuditError(f"--symbol {symbol}: no flag header defines it and no file of the "
                         f"tree names it{hint}")
