"""The tree in the shape of Linux v6.19, where thread-info flags are concerned.

x86, riscv, s390 and loongarch select ``HAVE_GENERIC_TIF_BITS``: their low
bits come from ``include/asm-generic/thread_info_tif.h`` (TIF_MEMDIE is bit
3 there), which they include after defining the ``HAVE_TIF_*`` switches of
the optional bits they want, and their own bits start at 16. The other 17
arches keep a full flag header (sparc two), TIF_MEMDIE in each of those 18
arch headers. ``include/linux/thread_info.h`` gives TIF_NEED_RESCHED_LAZY
and TIF_RSEQ fallbacks to arches without them.

Besides TIF_MEMDIE's users (mm/, kernel/cgroup/, a header comment, a doc)
the tree has users of other flags the modern series audit:
TIF_POLLING_NRFLAG in the idle code, guarded by ``#ifdef
TIF_POLLING_NRFLAG``; TIF_SSBD in x86 and arm64 code; TIF_IO_BITMAP in x86
code. The series that add a flag add files the base does not have
(``NEW_FILES``, in ``data/modern/new_files/``), a line to a generated
Makefile or Kconfig (``APPENDED``) and ``select`` lines to arch Kconfigs,
so the base tree and its shas stay as they are. Every text is ours
(``data/modern/``); no kernel source is copied.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, replace
from functools import lru_cache

from .arch_layouts import GENERIC_PATH, SPARC_DISPATCH, ArchFacts, read_table
from .filler import filler_files, kconfig
from .headers import HeaderEdits, render_generic, render_header, render_sparc_dispatch
from .layout import Bit, HeaderSpec, parse_layout
from .template import load, pick

TABLE = read_table("modern/arch_layouts.json")
# The four arches that take the generic bits, as they were before they did
# (the tree in the shape of v6.17): a full header of their own each.
GENERIC_ARCHES = ("x86", "s390", "loongarch", "riscv")
GENERIC_TEMPLATE = "modern/templates/thread_info_tif.h"
_FIXED = ("include/linux/thread_info.h",)

# Each file that mentions an audited flag, and the change of a series that
# turns its ``-|`` lines into its ``+|`` lines (None: no series touches it).
KERNEL_USERS, MM_USERS = "kernel-users", "mm-users"
RISCV_POLLS, RISCV_SSBD_ASM = "riscv-polls", "riscv-ssbd-asm"
FLAG_USERS: dict[str, str | None] = {
    "kernel/cgroup/cpuset.c": KERNEL_USERS,
    "mm/oom_kill.c": MM_USERS,
    "mm/page_alloc.c": MM_USERS,
    "include/linux/oom.h": MM_USERS,
    "Documentation/mm/oom-victims.rst": MM_USERS,
    "include/linux/sched/idle.h": None,
    "kernel/sched/idle.c": None,
    "arch/riscv/kernel/idle.c": RISCV_POLLS,
    "arch/riscv/kernel/entry.S": RISCV_SSBD_ASM,
    "arch/x86/kernel/cpu/bugs.c": None,
    "arch/x86/kernel/ioport.c": None,
    "arch/arm64/kernel/proton-pack.c": None,
}

# Files only a series has: the change that adds each (data/modern/new_files/).
NOTIFY_WORK_USER, NOTIFY_WORK_GUARDED = "notify-work-user", "notify-work-guarded"
NEW_FILES: dict[str, str] = {
    "kernel/notify_work.c": NOTIFY_WORK_USER,
    "include/linux/notify_work.h": NOTIFY_WORK_GUARDED,
    "kernel/notify/Kconfig": NOTIFY_WORK_GUARDED,
    "kernel/notify/Makefile": NOTIFY_WORK_GUARDED,
    "kernel/notify/work.c": NOTIFY_WORK_GUARDED,
}
# The lines each change adds at the end of a generated file of the base.
APPENDED: dict[str, tuple[tuple[str, str], ...]] = {
    NOTIFY_WORK_USER: (("kernel/Makefile", "obj-y += notify_work.o"),),
    NOTIFY_WORK_GUARDED: (("Kconfig", 'source "kernel/notify/Kconfig"'),
                          ("kernel/Makefile", "obj-y += notify/")),
}


@dataclass(frozen=True)
class ModernState:
    """Which changes the modern tree carries; the defaults are its base.

    ``applied`` names the flag-user changes made (``FLAG_USERS``).
    ``definitions`` and ``masks`` are the headers still defining
    ``TIF_MEMDIE`` / ``_TIF_MEMDIE`` (the generic header among them);
    ``renumber`` moves a flag of a header to another bit and ``restyle``
    writes a flag's mask in another idiom: (header, flag, bit or style).
    ``added`` defines a flag the base does not have, with its mask in the
    header's idiom: (header, bit); ``selects`` adds a ``select OPTION``
    to an arch's Kconfig: (arch, option). ``applied`` also names the
    changes that add files (``NEW_FILES``, ``APPENDED``).
    """

    applied: frozenset[str] = frozenset()
    definitions: frozenset[str] = TABLE.defining_headers
    masks: frozenset[str] = TABLE.mask_headers
    renumber: tuple[tuple[str, str, int], ...] = ()
    restyle: tuple[tuple[str, str, str], ...] = ()
    added: tuple[tuple[str, Bit], ...] = ()
    selects: tuple[tuple[str, str], ...] = ()
    # Arches still on their own bits (their pre_generic.json header, no
    # HAVE_GENERIC_TIF_BITS); whether the generic header exists; and the
    # flags a header no longer defines: (header, flag).
    own_bits: frozenset[str] = frozenset()
    generic_header: bool = True
    dropped: tuple[tuple[str, str], ...] = ()

    def edits(self, path: str) -> HeaderEdits:
        own = path.split("/")[1] in self.own_bits if path != GENERIC_PATH else False
        return HeaderEdits(
            memdie=path in self.definitions or own,
            memdie_mask=path in self.masks or own,
            renumber=tuple((f, b) for p, f, b in self.renumber if p == path),
            restyle=tuple((f, s) for p, f, s in self.restyle if p == path),
            add=tuple(b for p, b in self.added if p == path),
        )


BASE = ModernState()


@lru_cache(maxsize=1)
def _static_files() -> tuple[tuple[str, bytes], ...]:
    files = filler_files(TABLE.arches)
    files.update({path: load(f"modern/fixed/{path}") for path in _FIXED})
    files[SPARC_DISPATCH] = render_sparc_dispatch()
    return tuple((p, t.encode()) for p, t in sorted(files.items()))


@lru_cache(maxsize=1)
def _pre_generic() -> dict[str, HeaderSpec]:
    """The own headers of :data:`GENERIC_ARCHES` before the generic bits."""
    layouts = json.loads(load("modern/pre_generic.json"))["arches"]
    notes = json.loads(load("modern/arch_layouts.json"))["notes"]
    return {arch: replace(TABLE.by_name[arch].headers[0],
                          layout=parse_layout(lines, notes))
            for arch, lines in layouts.items()}


@lru_cache(maxsize=128)
def _header(path: str, edits: HeaderEdits, own_bits: bool = False,
            dropped: tuple[str, ...] = ()) -> bytes:
    if path == GENERIC_PATH:
        return render_generic(edits, TABLE.generic_layout, GENERIC_TEMPLATE).encode()
    spec = _pre_generic()[path.split("/")[1]] if own_bits else TABLE.headers[path]
    if dropped:
        spec = replace(spec, layout=tuple(b for b in spec.layout
                                          if not (isinstance(b, Bit) and b.name in dropped)))
    return render_header(spec, edits).encode()


def render_modern(state: ModernState = BASE) -> dict[str, bytes]:
    """Every file of the modern tree in ``state``, path -> bytes."""
    files = dict(_static_files())
    for path in TABLE.headers:
        files[path] = _header(path, state.edits(path), path.split("/")[1] in state.own_bits,
                              tuple(f for p, f in state.dropped if p == path))
    if state.generic_header:
        files[GENERIC_PATH] = _header(GENERIC_PATH, state.edits(GENERIC_PATH))
    for path, change in FLAG_USERS.items():
        files[path] = pick(load(f"modern/flag_users/{path}"), change in state.applied).encode()
    for path, change in NEW_FILES.items():
        if change in state.applied:
            files[path] = load(f"modern/new_files/{path}").encode()
    for change in sorted(state.applied & APPENDED.keys()):
        for path, line in APPENDED[change]:
            files[path] += f"{line}\n".encode()
    for arch in sorted({a for a, _ in state.selects} | state.own_bits):
        spec = TABLE.by_name[arch]
        more = tuple(o for a, o in state.selects if a == arch)
        files[f"arch/{arch}/Kconfig"] = kconfig(
            replace(spec, kconfig_selects=spec.kconfig_selects + more,
                    generic_bits=spec.generic_bits and arch not in state.own_bits)).encode()
    return files


def modern_facts() -> dict[str, ArchFacts]:
    """The arch facts of the modern tree (no entry code tests TIF_MEMDIE)."""
    return TABLE.facts(asm={})
