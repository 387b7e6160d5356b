"""The exit-work rule: a flag an arch defines but its return-to-user path
never looks at, judged against what the other arches (and the arch's own
declared mask) say the flag needs. The roles are learned from the tree
(see :mod:`..kernel.exitwork`)."""

from __future__ import annotations

from collections.abc import Iterator

from ..kernel import lexer
from ..kernel.exitwork import (
    SIGNAL_MASKS,
    ExitMask,
    TreeFiles,
    exit_masks,
    generic_exit_work_holds,
    hand_written_tests,
    names_in,
)
from ..kernel.model import Kind
from ..kernel.paths import ASM_LINE_COMMENTS, arch_of, is_flag_header, language_of
from ..kernel.snapshot import Snapshot
from ..result import Finding, Related
from .registry import TREE, W, describe_arches, finding, rule

GENERIC_ENTRY = "generic entry"


@rule("work-mask", W, TREE, "an arch leaves a flag out of the mask its exit path tests, "
      "while the evidence says it belongs there")
def work_mask(snapshot: Snapshot, source: TreeFiles | None = None) -> Iterator[Finding]:
    """An arch defines the flag, but the mask its return-to-user path
    tests (the one holding both ``_TIF_SIGPENDING`` and
    ``_TIF_NOTIFY_RESUME``; the smallest where several do) leaves it out,
    while at least two arches, and two thirds of the arches that define it
    and have such a mask, hold it there (generic entry's
    ``EXIT_TO_USER_MODE_WORK`` is one voter). The work the flag asks for
    is then never done on that arch: signals or notifications set on the
    way out of a system call wait forever. Also within one arch: a
    hand-written exit test (``andi r8, r8, (_TIF_SIGPENDING |
    _TIF_NOTIFY_RESUME)``) that lacks a flag the arch's own declared mask
    holds, where nothing else in that file tests the flag.

    Example: a series adds ``TIF_NOTIFY_SIGNAL`` to every arch and to
    ``_TIF_WORK_MASK`` on arm, arm64, mips and powerpc, but not to alpha's:
    ``arch/alpha/include/asm/thread_info.h: warning: _TIF_WORK_MASK of
    alpha leaves out TIF_NOTIFY_SIGNAL, which arm, arm64, mips, powerpc
    hold in theirs``. An arch that tests the flag on its own elsewhere
    (sparc tests ``_TIF_NEED_RESCHED`` apart from its notify mask) is not
    told; where the evidence is thin the rule says nothing. ``source``: the
    files of the tree state (by default those the snapshot was read from)."""
    if source is None and snapshot.build is not None:
        source = snapshot.build.source
    symbol = snapshot.symbol
    mask_name = "_" + symbol
    if not symbol or mask_name in SIGNAL_MASKS:
        return
    masks = exit_masks(snapshot.views, snapshot.tables)
    holders: list[str] = []
    others: list[str] = []  # arches whose exit-work mask lacks the flag
    leavers: list[ExitMask] = []  # ... and that nothing else of theirs covers
    for arch, found in sorted(masks.items()):
        if _enters_generically(snapshot, arch):
            continue  # its exit path is generic entry's, not its own masks
        judged = [(m, bit) for m in found if (bit := _bit_for(snapshot, m)) is not None]
        if any(m.holds(bit, mask_name) for m, bit in judged):
            holders.append(arch)
        elif judged:
            others.append(arch)
            if not any(m.holds(bit, mask_name, smallest=False) for m, bit in judged) \
                    and not _tested_apart(snapshot, arch):
                leavers.extend(m for m, _ in judged)
    voters = holders + ([GENERIC_ENTRY] if _generic_entry_holds(snapshot, source) else [])
    if len(voters) >= 2 and 3 * len(voters) >= 2 * (len(voters) + len(others)):
        for m in leavers:
            yield finding(
                "work-mask",
                f"{m.mask.name} of {m.arch} leaves out {symbol}, which "
                f"{describe_arches(voters)} hold{'s' * (len(voters) == 1)} in "
                f"{'its' if len(voters) == 1 else 'their'} exit-work mask: the work it "
                f"asks for is never done on the way to user space",
                symbol=symbol, path=m.table.path, line=m.mask.flag.line,
                column=m.mask.flag.column, arch=m.arch, names=(m.mask.name, symbol),
                arches=voters)
    yield from _hand_written(snapshot, masks, source)


def _enters_generically(snapshot: Snapshot, arch: str) -> bool:
    """Does the arch return to user space through generic entry (its
    Kconfig selects GENERIC_ENTRY, as x86, s390, loongarch and riscv do in
    v6.19)? Then ``EXIT_TO_USER_MODE_WORK`` is its exit-work mask, and a
    ``_TIF_WORK_MASK`` of its own header neither votes nor is judged."""
    return snapshot.build is not None and snapshot.build.selected_by_arch(arch, "GENERIC_ENTRY")


def _bit_for(snapshot: Snapshot, m: ExitMask) -> int | None:
    """The flag's bit as the header of ``m`` sees it: its own, or one the
    arch takes from elsewhere (the generic header); not a sibling header's
    (sparc's 64-bit flags are not the 32-bit build's)."""
    view = snapshot.views[m.arch]
    flag = view.bit(snapshot.symbol)
    if flag is None or flag.value is None:
        return None
    own = m.table.bit(snapshot.symbol)
    if own is not None:
        return own.value
    siblings = {t.path for t in snapshot.tables_of(m.arch)}
    return flag.value if flag.path not in siblings else None


def _tested_apart(snapshot: Snapshot, arch: str) -> bool:
    """Does the arch's code name the flag outside its flag headers, on a line
    without the signal masks (a test of its own, as sparc's
    ``_TIF_NEED_RESCHED``)? Then its exit path may well cover it."""
    return any(o.arch == arch and o.kind is Kind.USE and not is_flag_header(o.path)
               and not any(s in o.text for s in SIGNAL_MASKS)
               for o in snapshot.all_occurrences())


def _generic_entry_holds(snapshot: Snapshot, source: TreeFiles | None) -> bool:
    """Does generic entry's ``EXIT_TO_USER_MODE_WORK`` hold the flag?"""
    mask_name = "_" + snapshot.symbol
    paths = sorted({o.path for o in snapshot.code_occurrences()
                    if o.arch is None and o.token == mask_name
                    and o.path.startswith("include/linux/") and "entry" in o.path})
    if not paths or source is None:
        return False
    texts = source.read(paths)
    return any(generic_exit_work_holds(data, mask_name) for data in texts.values())


def _hand_written(snapshot: Snapshot, masks: dict[str, list[ExitMask]],
                  source: TreeFiles | None) -> Iterator[Finding]:
    """Hand-written exit tests of an arch that lack the flag its declared
    exit-work mask holds, where nothing else in the file tests it."""
    symbol, mask_name = snapshot.symbol, "_" + snapshot.symbol
    arches = []
    for arch, found in sorted(masks.items()):
        holding = [m for m in found if (bit := _bit_for(snapshot, m)) is not None
                   and m.holds(bit, mask_name)]
        if holding:
            arches.append((arch, holding))
    if not arches or source is None:
        return
    folders = [f"arch/{arch}/" for arch, _ in arches]
    texts = {p: d for p, d in source.files_naming(SIGNAL_MASKS[1], folders).items()
             if not is_flag_header(p) and language_of(p) in ("c", "asm")}
    by_arch = dict(arches)
    for path, data in sorted(texts.items()):
        arch = arch_of(path)
        holding = by_arch.get(arch or "")
        if not holding:
            continue
        # Every mask of the arch that holds the flag counts as naming it.
        covering = {mask_name, symbol} | {
            m.name for m in snapshot.views[arch].masks
            if m.value is not None and (bit := _bit_for(snapshot, holding[0])) is not None
            and m.value >> bit & 1}
        code = lexer.blank_comments(
            lexer.lex_asm(data, ASM_LINE_COMMENTS.get(arch or "", ()))
            if language_of(path) == "asm" else lexer.lex_c(data))
        if covering & names_in(code.decode(errors="replace")):
            continue  # the file tests the flag somewhere: judge the union, stay silent
        declared = holding[0]
        for test in hand_written_tests(path, code):
            yield finding(
                "work-mask",
                f"this exit test of {arch} leaves out {symbol}, which its "
                f"{declared.mask.name} holds: the work it asks for is not done here",
                symbol=symbol, path=path, line=test.line, column=test.column, arch=arch,
                names=(symbol,), arches=(arch,),
                related=(Related(declared.table.path, declared.mask.flag.line, arch,
                                 f"{declared.mask.name} holds {symbol}"),))
