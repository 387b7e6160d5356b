"""Series on the modern tree that add a flag, and what a correct audit of
each reports.

The flag is TIF_NOTIFY_WORK, a name no kernel has: work that other CPUs
queue for a task, run by the task on its way back to user mode. The series
have the shape of the 2020 TIF_NOTIFY_SIGNAL work: one commit defines the
bit and its mask in every flag header (the generic header for the four
arches on the generic bits, each own header in its own mask idiom), the
next uses it in common code. Each definition takes the lowest bit free in
its header, computed from the arch table (``ArchTable.free_bit``), never
from what the analyzer thinks.

``modern-add-guarded`` has the shape of livepatch's TIF_PATCH_PENDING
instead: the user is built only where a Kconfig option can be enabled, and
only the arches that select ``HAVE_NOTIFY_WORK`` define the flag.
"""

from __future__ import annotations

from dataclasses import replace

from .arch_layouts import GENERIC_PATH
from .layout import Bit
from .modern import BASE, NOTIFY_WORK_GUARDED, NOTIFY_WORK_USER, TABLE, ModernState
from .series_specs import Expect, SeriesSpec, Step

FLAG = "NOTIFY_WORK"
SYMBOL = f"TIF_{FLAG}"
NOTE = "run the work other CPUs queued for this task"
USER_PATH = "kernel/notify_work.c"
GUARDED_USERS = ("include/linux/notify_work.h", "kernel/notify/work.c")
# The 18 flag headers of the 17 arches that keep their own bits.
OWN_HEADERS = tuple(p for p, h in TABLE.headers.items()
                    if not TABLE.by_name[p.split("/")[1]].generic_bits)
ARM64 = "arch/arm64/include/asm/thread_info.h"
M68K = "arch/m68k/include/asm/thread_info.h"
POWERPC = "arch/powerpc/include/asm/thread_info.h"
# The arm64 patch copies the generic header's bit, which arm64 gives to
# TIF_SYSCALL_EMU.
COPIED_BIT = TABLE.free_bit(GENERIC_PATH)
# Where the guarded user can be built: the arches that select the option.
GUARDED_ARCHES = ("arm64", "powerpc", "s390", "x86")
HAVE_OPTION = "HAVE_NOTIFY_WORK"

# Rules an addition must leave silent: those of a removal (DESIGN.md,
# "Series intent"), and build breaks where every arch has the flag in time.
NOT_A_REMOVAL = tuple(Expect(rule, None, None, None) for rule in (
    "leftover-definition", "leftover-mask", "leftover-use", "reintroduced", "stale-comment"))
NO_BREAK = tuple(Expect(rule, None, None, None) for rule in (
    "dangling-reference", "bisect-break"))
NO_CLASH = (Expect("duplicate-bit", None, None, None), Expect("bit-range", None, None, None),
            Expect("mask-mismatch", None, None, None), Expect("renumbered-flag", None, None, None))
ADDS = ((SYMBOL, "add"),)


def definitions(headers: tuple[str, ...],
                bits: dict[str, int] | None = None) -> tuple[tuple[str, Bit], ...]:
    """TIF_NOTIFY_WORK in each of ``headers``, on its lowest free bit unless
    ``bits`` says otherwise."""
    bits = bits or {}
    return tuple((p, Bit(FLAG, bits.get(p, TABLE.free_bit(p)), NOTE)) for p in headers)


EVERYWHERE = (GENERIC_PATH, *OWN_HEADERS)

_DEFINE = ("arch: add TIF_NOTIFY_WORK",
           "A task that other CPUs queue work for needs a flag the return-to-user\n"
           "path tests.  Define TIF_NOTIFY_WORK and _TIF_NOTIFY_WORK in the generic\n"
           "bits and in every arch header that keeps its own, each on the lowest\n"
           "bit that header leaves free.")
_USE = ("kernel: run queued notifier work on the way to user mode",
        "notify_work_run() tests and clears TIF_NOTIFY_WORK and runs what was\n"
        "queued for the task.  Every arch defines the flag since the previous\n"
        "patch.")


def with_user(state: ModernState, change: str = NOTIFY_WORK_USER) -> ModernState:
    return replace(state, applied=state.applied | {change})


def addition(start: ModernState = BASE, headers: tuple[str, ...] = EVERYWHERE,
             bits: dict[str, int] | None = None) -> tuple[Step, ...]:
    """Define the flag in ``headers`` (on top of ``start``), then use it."""
    defined = replace(start, added=start.added + definitions(headers, bits))
    return Step(*_DEFINE, defined), Step(*_USE, with_user(defined))


def _guarded() -> tuple[Step, ...]:
    feature = with_user(BASE, NOTIFY_WORK_GUARDED)
    enabled = replace(feature, added=definitions((GENERIC_PATH, ARM64, POWERPC)),
                      selects=tuple((a, HAVE_OPTION) for a in GUARDED_ARCHES))
    return (
        Step("notify: deferred notifier work, where an arch supports it",
             "Queue work for a task from another CPU and let the task run it on its\n"
             "way to user mode.  It needs TIF_NOTIFY_WORK, which no arch defines\n"
             "yet: CONFIG_NOTIFY_WORK depends on HAVE_NOTIFY_WORK, which no arch\n"
             "selects yet, so nothing builds it.", feature),
        Step("x86, s390, arm64, powerpc: support deferred notifier work",
             "Define TIF_NOTIFY_WORK (x86 and s390 through the generic bits, which\n"
             "riscv and loongarch see too but do not use) and select\n"
             "HAVE_NOTIFY_WORK.  The other arches can enable CONFIG_NOTIFY_WORK\n"
             "once they do the same.", enabled),
    )


def _plans() -> dict[str, tuple[Step, ...]]:
    clean = addition()
    user_first = with_user(BASE)
    return {
        "modern-add-clean": clean,
        "modern-add-missing-arch": addition(headers=tuple(p for p in EVERYWHERE if p != M68K)),
        "modern-add-user-first": (
            Step(_USE[0], "notify_work_run() tests and clears TIF_NOTIFY_WORK and runs what was\n"
                          "queued for the task.  The arch patch that defines the flag comes\n"
                          "next.", user_first),
            Step(*_DEFINE, replace(user_first, added=clean[0].state.added))),
        "modern-add-colliding-bit": addition(bits={ARM64: COPIED_BIT}),
        "modern-add-guarded": _guarded(),
    }


PLANS = _plans()

SPECS = (
    SeriesSpec("modern-add-clean",
               "v6.19 tree: TIF_NOTIFY_WORK defined in the generic bits and the 18 arch "
               "headers on free bits, then used in kernel/",
               (), symbol=SYMBOL, absent=NOT_A_REMOVAL + NO_BREAK + NO_CLASH, no_errors=True,
               intent=ADDS),
    # The user breaks m68k from commit 2 to the end: one cause, one finding,
    # and of the rules at that site bisect-break is the most specific
    # (DESIGN.md, "Rules"); the dangling reference is related to it.
    SeriesSpec("modern-add-missing-arch",
               "v6.19 tree: the addition forgets m68k; kernel/notify_work.c does not build "
               "there",
               (Expect("bisect-break", USER_PATH, None, 2, last_bad=2, arches=("m68k",)),),
               symbol=SYMBOL,
               absent=NOT_A_REMOVAL + NO_CLASH + (Expect("dangling-reference", None, None,
                                                         None),),
               intent=ADDS),
    SeriesSpec("modern-add-user-first",
               "v6.19 tree: kernel/ uses TIF_NOTIFY_WORK one commit before any arch "
               "defines it",
               (Expect("bisect-break", USER_PATH, None, 1, last_bad=1,
                       arches=tuple(sorted(TABLE.by_name))),),
               symbol=SYMBOL,
               absent=NOT_A_REMOVAL + NO_CLASH + (Expect("dangling-reference", None, None,
                                                         None),),
               intent=ADDS),
    SeriesSpec("modern-add-colliding-bit",
               f"v6.19 tree: arm64 copies the generic bit {COPIED_BIT} for TIF_NOTIFY_WORK, "
               f"its TIF_SYSCALL_EMU",
               (Expect("duplicate-bit", ARM64, "arm64", 1),), symbol=SYMBOL,
               absent=NOT_A_REMOVAL + NO_BREAK, intent=ADDS),
    SeriesSpec("modern-add-guarded",
               "v6.19 tree: kernel/notify/ is built only under CONFIG_NOTIFY_WORK, which "
               "x86, s390, arm64 and powerpc select and define the flag for",
               (), symbol=SYMBOL, absent=NOT_A_REMOVAL + NO_BREAK + NO_CLASH, no_errors=True,
               intent=ADDS),
)
