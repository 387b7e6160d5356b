"""The files outside the flag headers that mention the flag.

Each is a data file under ``data/flag_users/``, at the path it gets in the
tree, written as a mini patch (see ``template``). The code follows the shape
of the 4.9 users (which function tests the flag, through which accessor) in
our own words; it is meant to parse, not to build.

Quirks a scanner has to survive: ``kernel/freezer.c`` carries a Latin-1 byte
and ``kernel/cpuset.c`` CRLF line ends (see ``state.ENCODINGS`` /
``state.CRLF``); ``kernel/power/process.c`` hides a use where a C parser
without a preprocessor gives up; the comment in ``fs/ext4/mballoc.c`` is the
one mention that every series leaves behind.

Entry code: three arches test the ``_TIF_MEMDIE`` mask, arm shifts by the bit
number ``#TIF_MEMDIE``, and x86 mentions the flag in a ``#`` comment after
code. The others are there so that each arch's own line-comment character
shows up (``@`` arm, ``;`` arc/parisc, ``!`` sparc/sh, ``#`` x86)
without the flag.
"""

from __future__ import annotations

from .template import load, pick

# The one line whose token tree-sitter-c cannot place: see hostile_line().
HOSTILE_PATH = "kernel/power/process.c"
STALE_PATH = "fs/ext4/mballoc.c"

# Converted by the kernel/ step of the series.
KERNEL_USERS = ("kernel/exit.c", "kernel/freezer.c", "kernel/cpuset.c", HOSTILE_PATH)
# Converted by the mm/ step, with the header comment and documentation that go with it.
MM_USERS = ("mm/oom_kill.c", "mm/page_alloc.c", "mm/memcontrol.c")
MM_SIDE = ("include/linux/oom.h", "Documentation/vm/oom-victims.txt")
# Gains a use (its ``+|`` lines) in the series that reintroduces the flag.
REINTRODUCED = "mm/vmscan.c"

# path -> (arch, tests the flag in the base tree)
ASM_FILES: dict[str, tuple[str, bool]] = {
    "arch/arm/kernel/entry-common.S": ("arm", True),
    "arch/arc/kernel/entry.S": ("arc", True),
    "arch/avr32/kernel/entry-avr32b.S": ("avr32", True),
    "arch/x86/entry/entry_64.S": ("x86", False),
    "arch/sparc/kernel/rtrap_64.S": ("sparc", False),
    "arch/parisc/kernel/entry.S": ("parisc", False),
}


def _text(path: str, converted: bool) -> str:
    return pick(load(f"flag_users/{path}"), converted)


# Arches whose entry code still mentions the flag before the series.
MENTIONING = frozenset(a for p, (a, _) in ASM_FILES.items() if "-|" in load(f"flag_users/{p}"))


def kernel_files(converted: bool) -> dict[str, str]:
    return {path: _text(path, converted) for path in KERNEL_USERS}


def mm_files(converted: bool, reintroduced: bool) -> dict[str, str]:
    """mm/ users of the flag; ``reintroduced`` adds a fresh one to vmscan.c."""
    files = {path: _text(path, converted) for path in MM_USERS}
    files[REINTRODUCED] = _text(REINTRODUCED, reintroduced)
    return files


def mm_side_files(converted: bool) -> dict[str, str]:
    """Header comment and documentation that go with the mm/ conversion."""
    return {path: _text(path, converted) for path in MM_SIDE}


def untouched_files() -> dict[str, str]:
    return {STALE_PATH: _text(STALE_PATH, False)}


def asm_files(keep: frozenset[str]) -> dict[str, str]:
    """Every entry file; the flag is still tested in the arches of ``keep``."""
    return {p: _text(p, converted=arch not in keep) for p, (arch, _) in ASM_FILES.items()}


def hostile_line() -> int:
    """1-based line of the TIF_MEMDIE use that sits in a tree-sitter ERROR."""
    text = _text(HOSTILE_PATH, False)
    return next(i for i, ln in enumerate(text.splitlines(), 1) if "TIF_MEMDIE" in ln)
