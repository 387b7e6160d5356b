"""The series on the modern (v6.19-shaped) tree, and what a correct audit
of each reports.

``modern-clean`` and ``modern-forgot-generic`` remove TIF_MEMDIE: the users
first, then its definition in the 18 arch headers and the two lines of the
generic header (bit 3 is freed; nothing is renumbered). The others change
one flag each, in the ways the generic bits make possible to get wrong; each
is audited with ``--symbol`` of the flag it changes (``SeriesSpec.symbol``).
The ``modern-add-*`` series add TIF_NOTIFY_WORK (``modern_additions``);
``modern-remove-and-add`` removes TIF_MEMDIE and adds TIF_NOTIFY_WORK, and
is audited for both (``SeriesSpec.symbols``).
"""

from __future__ import annotations

from dataclasses import replace

from . import modern_additions as additions
from .arch_layouts import GENERIC_PATH
from .modern import BASE, KERNEL_USERS, MM_USERS, RISCV_POLLS, RISCV_SSBD_ASM, ModernState
from .series_specs import Expect, SeriesSpec, Step

X86 = "arch/x86/include/asm/thread_info.h"
RISCV_IDLE = "arch/riscv/kernel/idle.c"
RISCV_ENTRY = "arch/riscv/kernel/entry.S"
GUARDED_POLLERS = ("include/linux/sched/idle.h", "kernel/sched/idle.c")
# A series that moves a flag or adds a user removes nothing: the rules that
# belong to a removal (DESIGN.md, "Series intent") must stay silent.
NOT_A_REMOVAL = additions.NOT_A_REMOVAL

_K = ("mm, oom: let OOM victims allocate anywhere without TIF_MEMDIE",
      "cpuset_current_node_allowed() lets a task with TIF_MEMDIE allocate on\n"
      "any node.  The flag is only on the thread the OOM killer hit; ask\n"
      "tsk_is_oom_victim(), which every thread of the victim answers.")
_M = ("mm, oom: mark OOM victims through signal->oom_mm only",
      "The OOM killer marks a victim twice, TIF_MEMDIE on the thread and\n"
      "oom_mm on the process.  Keep the process mark: test it where the\n"
      "thread flag was tested, and stop setting and clearing the flag.")
_D = ("arch, asm-generic: remove TIF_MEMDIE",
      "Nothing tests the flag any more.  Remove it from every arch header and\n"
      "from the generic bits, where bit 3 becomes free; no flag moves.")


def _removal(last: ModernState) -> tuple[Step, ...]:
    kernel = replace(BASE, applied=frozenset({KERNEL_USERS}))
    users = replace(kernel, applied=frozenset({KERNEL_USERS, MM_USERS}))
    return (Step(*_K, kernel), Step(*_M, users),
            Step(*_D, replace(last, applied=users.applied)))


def _plans() -> dict[str, tuple[Step, ...]]:
    gone = replace(BASE, definitions=frozenset(), masks=frozenset())
    keeps_generic = replace(BASE, definitions=frozenset({GENERIC_PATH}),
                            masks=frozenset({GENERIC_PATH}))
    removal = _removal(gone)
    return {
        "modern-clean": removal,
        "modern-forgot-generic": _removal(keeps_generic),
        "modern-polling-riscv": (Step(
            "riscv: poll for a while before waiting for an interrupt",
            "Set TIF_POLLING_NRFLAG while spinning so that a waker can skip the IPI.",
            replace(BASE, applied=frozenset({RISCV_POLLS}))),),
        "modern-ssbd-clash": (Step(
            "x86: keep TIF_SSBD with the work bits",
            "Move TIF_SSBD down so that the exit path tests it with the work bits.",
            replace(BASE, renumber=((X86, "SSBD", 4),))),),
        "modern-io-bitmap-40": (Step(
            "x86: move TIF_IO_BITMAP out of the arch range",
            "Bits 16-31 are getting crowded; put TIF_IO_BITMAP at 40.",
            replace(BASE, renumber=((X86, "IO_BITMAP", 40),),
                    restyle=((X86, "IO_BITMAP", "spaced"),))),),
        "modern-ifdef-asm": (Step(
            "riscv: entry: update the speculation controls where TIF_SSBD exists",
            "Share the x86 exit-path check, assembled only where an arch has the bit.",
            replace(BASE, applied=frozenset({RISCV_SSBD_ASM}))),),
        **additions.PLANS,
        "modern-remove-and-add": removal + additions.addition(removal[-1].state),
    }


PLANS = _plans()

_SPECS = (
    SeriesSpec("modern-clean",
               "v6.19 tree: users converted, then 18 arch headers and the generic bit 3 go",
               (), symbol="TIF_MEMDIE", no_errors=True),
    SeriesSpec("modern-forgot-generic",
               "v6.19 tree: the removal keeps TIF_MEMDIE/_TIF_MEMDIE in the generic header",
               (Expect("leftover-definition", GENERIC_PATH, "generic", None),),
               symbol="TIF_MEMDIE",
               # One cause, one finding: the mask left beside the bit is part of it.
               absent=(Expect("leftover-mask", None, None, None),
                       Expect("leftover-use", None, None, None))),
    SeriesSpec("modern-polling-riscv",
               "v6.19 tree: riscv code polls with TIF_POLLING_NRFLAG, "
               "but riscv lacks HAVE_TIF_POLLING_NRFLAG",
               (Expect("dangling-reference", RISCV_IDLE, "riscv", 1),),
               symbol="TIF_POLLING_NRFLAG",
               absent=NOT_A_REMOVAL + tuple(Expect("dangling-reference", p, None, None)
                                            for p in GUARDED_POLLERS)),
    SeriesSpec("modern-ssbd-clash",
               "v6.19 tree: x86 moves TIF_SSBD onto bit 4, the generic TIF_NEED_RESCHED",
               (Expect("duplicate-bit", X86, "x86", 1),), symbol="TIF_SSBD",
               absent=NOT_A_REMOVAL),
    SeriesSpec("modern-io-bitmap-40",
               "v6.19 tree: x86 moves TIF_IO_BITMAP to bit 40 with an int mask (1 << 40)",
               (Expect("bit-range", X86, "x86", 1),), symbol="TIF_IO_BITMAP",
               absent=NOT_A_REMOVAL),
    SeriesSpec("modern-ifdef-asm",
               "v6.19 tree: riscv entry code tests _TIF_SSBD inside #ifdef TIF_SSBD",
               (), symbol="TIF_SSBD",
               absent=(Expect("dangling-reference", RISCV_ENTRY, None, None), *NOT_A_REMOVAL),
               no_errors=True),
    *additions.SPECS,
    SeriesSpec("modern-remove-and-add",
               "v6.19 tree: the clean TIF_MEMDIE removal, then the clean TIF_NOTIFY_WORK "
               "addition; audited for both flags",
               (), symbols=("TIF_MEMDIE", additions.SYMBOL),
               absent=additions.NO_BREAK + additions.NO_CLASH, no_errors=True,
               intent=(("TIF_MEMDIE", "remove"), (additions.SYMBOL, "add"))),
)

MODERN_SERIES: dict[str, SeriesSpec] = {
    s.name: replace(s, subjects=tuple(step.subject for step in PLANS[s.name])) for s in _SPECS
}
