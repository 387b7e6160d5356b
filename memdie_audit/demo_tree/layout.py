"""Records and the line language in which the arch table is written.

Bit numbers, flag names, the mask idiom and the type of the flags field are
facts about Linux 4.9 (and, for riscv/loongarch, about trees that share bits
through ``include/asm-generic/thread_info_tif.h``). The wording of every
comment is ours. The layouts are written in a tiny line language so the table
stays readable:

    NAME BIT note      a bit with a same-line comment (``=``: standard wording)
    -NAME BIT ...      the same, but the header defines no ``_TIF_NAME`` mask
    | text             continues the previous comment on the next line
    #...               a preprocessor line, copied as is
    > text             any other line, copied as is
"""

from __future__ import annotations

from dataclasses import dataclass

# Standard wording, used where a layout line says ``=``.
NOTES = {
    "SIGPENDING": "a signal waits for delivery",
    "NEED_RESCHED": "call schedule() before leaving the kernel",
    "NOTIFY_RESUME": "run resume work on the way to user mode",
    "SYSCALL_TRACE": "ptrace asked for syscall stops",
    "SYSCALL_AUDIT": "syscalls are audited",
    "SYSCALL_TRACEPOINT": "raw syscall tracepoints are on",
    "SECCOMP": "a seccomp filter is attached",
    "SINGLESTEP": "single-step on return to user mode",
    "RESTORE_SIGMASK": "put the saved sigmask back after the handler",
    "POLLING_NRFLAG": "idle polls NEED_RESCHED, no IPI needed",
    "MEMDIE": "OOM victim: may use the memory reserves",
    "NOHZ": "task runs in full dynticks mode",
    "UPROBE": "a uprobe fired, fix up on return",
    "32BIT": "task runs a 32-bit binary",
    "USEDFPU": "the FPU was used in this time slice",
}

# The flags member most arches declare.
UL = "unsigned long\t\tflags;\t\t/* low-level flags, see TIF_* */"


@dataclass(frozen=True)
class Bit:
    """One ``#define TIF_NAME BIT`` line of a layout."""

    name: str  # without the TIF_ prefix
    bit: int
    note: str = ""
    more: str = ""  # second comment line: a comment that spans lines
    mask: bool = True


@dataclass(frozen=True)
class Raw:
    """A layout line copied verbatim (preprocessor or comment)."""

    text: str


@dataclass(frozen=True)
class HeaderSpec:
    path: str
    field: str  # the flags member of struct thread_info, as declared
    width: int  # bits the flags word holds
    style: str  # key of headers.MASK_STYLES; "none" when no single masks exist
    layout: tuple[Bit | Raw, ...]
    composites: str = ""  # composite masks, written out by hand
    hex_bits: bool = False
    spaces: bool = False  # align with spaces instead of tabs


@dataclass(frozen=True)
class ArchSpec:
    name: str
    headers: tuple[HeaderSpec, ...]
    bits64: str = ""  # "" 32-bit only, "only" 64-bit only, "optional" both
    generic_bits: bool = False
    kconfig_selects: tuple[str, ...] = ()


def parse_layout(text: str) -> tuple[Bit | Raw, ...]:
    items: list[Bit | Raw] = []
    for line in text.strip("\n").splitlines():
        line = line.strip()
        if not line:
            continue
        if line.startswith("#"):
            items.append(Raw(line))
        elif line.startswith(">"):
            items.append(Raw(line[2:]))
        elif line.startswith("|"):
            last = items[-1]
            assert isinstance(last, Bit), line
            items[-1] = Bit(last.name, last.bit, last.note, line[2:], last.mask)
        else:
            name, bit, *words = line.split(None, 2)
            note = words[0] if words else ""
            mask = not name.startswith("-")
            name = name.lstrip("-")
            items.append(Bit(name, int(bit, 0), NOTES[name] if note == "=" else note, "", mask))
    return tuple(items)


def header(arch: str, field: str, width: int, style: str, layout: str, composites: str = "",
           *, suffix: str = "", hex_bits: bool = False, spaces: bool = False) -> HeaderSpec:
    path = f"arch/{arch}/include/asm/thread_info{suffix}.h"
    return HeaderSpec(path, field, width, style, parse_layout(layout), composites.strip("\n"),
                      hex_bits, spaces)
