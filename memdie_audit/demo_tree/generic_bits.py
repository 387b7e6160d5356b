"""The series that moves four arches onto the generic TIF bits, on the tree
as it was before (the shape of v6.17), and what a correct audit reports.

The base has no ``include/asm-generic/thread_info_tif.h``; x86, s390,
loongarch and riscv each number every flag in a header of their own
(``data/modern/pre_generic.json``). The series has the shape of the real
conversion: the generic header first, then one arch per commit, each
dropping its copies of the common flags, taking them from the generic
header and renumbering its own flags from 16 (the layouts of
``data/modern/arch_layouts.json``). s390 then drops four syscall-work
flags nothing uses. loongarch's conversion leaves TIF_FIXADE on bit 10,
where its HAVE_TIF_RESTORE_SIGMASK makes the generic header put
TIF_RESTORE_SIGMASK: a duplicate bit from commit 5 until commit 7 moves
it back to 19. Audited with ``--changed-flags``.
"""

from __future__ import annotations

from dataclasses import replace

from .arch_layouts import GENERIC_PATH
from .modern import GENERIC_ARCHES, ModernState
from .series_specs import Expect, SeriesSpec, Step

NAME = "generic-bits"
LOONGARCH = "arch/loongarch/include/asm/thread_info.h"
S390 = "arch/s390/include/asm/thread_info.h"
# The flags s390 stops defining, which no code tests: syscall work that
# generic entry tracks elsewhere, and the 31-bit compat task.
S390_DROPPED = ("SYSCALL_AUDIT", "SECCOMP", "SYSCALL_TRACEPOINT", "31BIT")

BASE = ModernState(own_bits=frozenset(GENERIC_ARCHES), generic_header=False)


def _on_generic(state: ModernState, arch: str, **more: object) -> ModernState:
    return replace(state, own_bits=state.own_bits - {arch}, **more)


def _plan() -> tuple[Step, ...]:
    generic = replace(BASE, generic_header=True)
    x86 = _on_generic(generic, "x86")
    s390 = _on_generic(x86, "s390")
    s390_clean = replace(s390, dropped=tuple((S390, f) for f in S390_DROPPED))
    loongarch = _on_generic(s390_clean, "loongarch", renumber=((LOONGARCH, "FIXADE", 10),))
    riscv = _on_generic(loongarch, "riscv")
    fixed = replace(riscv, renumber=())
    return (
        Step("asm-generic: provide the generic TIF bits",
             "Every arch defines the same dozen common flags at numbers of its own.\n"
             "Give them one home: bits 0-15 in a generic header, which an arch\n"
             "takes by selecting HAVE_GENERIC_TIF_BITS; bits 16-31 stay the arch's.", generic),
        Step("x86: use the generic TIF bits",
             "Take the common flags from the generic header and renumber the\n"
             "x86 flags from 16.", x86),
        Step("s390: use the generic TIF bits",
             "Take the common flags from the generic header and renumber the\n"
             "s390 flags from 16.", s390),
        Step("s390: drop unused TIF flags",
             "Generic entry keeps syscall work elsewhere and 31-bit compat tasks are\n"
             "gone; nothing tests these bits any more.", s390_clean),
        Step("loongarch: use the generic TIF bits",
             "Take the common flags from the generic header and renumber the\n"
             "loongarch flags from 16.", loongarch),
        Step("riscv: use the generic TIF bits",
             "Take the common flags from the generic header and renumber the\n"
             "riscv flags from 16.", riscv),
        Step("loongarch: move TIF_FIXADE off the generic bits",
             "The conversion left TIF_FIXADE on bit 10, which the generic header gives\n"
             "TIF_RESTORE_SIGMASK: clearing one after a signal cleared the other.\n"
             "Put it back on 19, in the arch's range.", fixed),
    )


PLANS = {NAME: _plan()}

SPECS = (
    SeriesSpec(NAME,
               "v6.17 tree: x86, s390, loongarch and riscv move onto the generic TIF bits "
               "(7 commits); loongarch leaves TIF_FIXADE on the generic bit 10 until the "
               "last commit; s390 drops 4 unused flags",
               (Expect("duplicate-bit", LOONGARCH, "loongarch", 5, last_bad=6),),
               changed=True, absent=(Expect("leftover-definition", None, None, None),
                                   Expect("leftover-use", None, None, None),
                                   Expect("dangling-reference", None, None, None),
                                   Expect("bisect-break", None, None, None),
                                   Expect("duplicate-bit", GENERIC_PATH, None, None))),
)
