"""The ``asm-bugs`` era: series that ship the operand bugs of issue 19
(``bit-mask-confusion``, ``asm-immediate``), each with a clean twin.

The base is a small tree in the idioms of 4.9-5.x entry code (riscv's as
it looked from 4.15 on), one flag header and one entry file per arch:
alpha, arc, arm, arm64, m68k, mips, parisc, powerpc, riscv, s390, sh,
sparc, x86 and xtensa. ``asm-notify-signal-flawed`` adds TIF_NOTIFY_SIGNAL
arch by arch as the 5.11 series did, and gets it wrong once per arch: an
immediate that no longer encodes (alpha ``and``, arm ``tst``, mips and riscv
``andi``, s390 ``TSTMSK``, sparc ``andcc``, parisc ``ldi``), a truncated sh
``tst``, an m68k ``btst`` on memory past bit 7, the mask given to a
bit-test instruction (arm64 ``tbnz``, arc ``bbit1``, xtensa ``bbsi.l``,
x86 ``btl``) or to ``set_tsk_thread_flag``/``test_thread_flag``, the bit
number ORed into a mask in C; its last commit repairs two of them.
``asm-notify-signal-clean`` does the same correctly, in the forms that
look suspicious (``tbnz x1, #TIF_X``, ``movs r1, r1, lsl #16`` instead of an
unencodable ``tst``, ``sethi``/``or``, ``li`` then ``and``, ``(TIF_X%8)``,
``31-TIF_X``, masks and constants with a ``TIF_`` prefix).
``asm-arm-renumber`` moves TIF_SECCOMP out of the byte ``tst`` can test.

The text lives in ``data/bugs/asm/``: ``base/`` (every file but the flag
headers), ``headers.json`` (each arch's bits and masks, rendered through
``thread_info.h.in``) and ``plans.json`` (each commit's subject, body, the
headers it rewrites and the edits it makes to other files).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from importlib import resources
from importlib.abc import Traversable
from string import Template

from .series_specs import Expect, SeriesSpec, Step

_DATA = ("data", "bugs", "asm")
ERA_NAME = "asm-bugs"


@dataclass(frozen=True)
class AsmBugState:
    """A tree state: the base with the steps ``applied`` (series, n) on top."""

    applied: tuple[tuple[str, int], ...] = ()


BASE = AsmBugState()


def _root() -> Traversable:
    found = resources.files(__package__)
    for part in _DATA:
        found = found.joinpath(part)
    return found


def _files(folder: Traversable, prefix: str = "") -> dict[str, bytes]:
    found: dict[str, bytes] = {}
    for entry in folder.iterdir():
        path = f"{prefix}{entry.name}"
        if entry.is_dir():
            found.update(_files(entry, path + "/"))
        else:
            found[path] = entry.read_bytes()
    return found


@cache
def _base_files() -> dict[str, bytes]:
    return _files(_root().joinpath("base"))


@cache
def _data(name: str) -> dict:
    return json.loads(_root().joinpath(name).read_text(encoding="utf-8"))


def _header(arch: str, spec: dict) -> bytes:
    """One arch's flag header: the common bits and its own, a mask per bit,
    then its composite masks ([name, expression] or [name, literal, comment])."""
    bits = [*_data("headers.json")["common_bits"], *spec["bits"]]
    lines = [f"#define {name}\t\t{bit}\t/* {comment} */" for name, bit, comment in bits]
    lines += [""] + [f"#define _{name}\t\t(1 << {name})" for name, _, _ in bits]
    masks = [f"#define {m[0]}\t({m[1]})" if len(m) == 2 else f"#define {m[0]}\t{m[1]}\t/* {m[2]} */"
             for m in spec["masks"]]
    template = Template(_root().joinpath("thread_info.h.in").read_text(encoding="utf-8"))
    return template.substitute(arch=arch, ARCH=arch.upper(), bits="\n".join(lines),
                               masks="\n".join(masks) + "\n").encode()


def render(state: AsmBugState) -> dict[str, bytes]:
    """Every file of the tree in ``state``."""
    files = dict(_base_files())
    headers = dict(_data("headers.json")["arches"])
    plans = _data("plans.json")
    for series, number in state.applied:
        step = plans[series][number - 1]
        headers.update(step["headers"])
        for edit in step["edits"]:
            text = files[edit["path"]].decode()
            if edit["old"] not in text:
                raise ValueError(f"{series} {number}: {edit['path']} lacks {edit['old']!r}")
            files[edit["path"]] = text.replace(edit["old"], edit["new"], 1).encode()
    for arch, spec in headers.items():
        files[f"arch/{arch}/include/asm/thread_info.h"] = _header(arch, spec)
    return files


def _plans() -> dict[str, tuple[Step, ...]]:
    plans = {}
    for name, steps in _data("plans.json").items():
        applied: tuple[tuple[str, int], ...] = ()
        made = []
        for number, step in enumerate(steps, 1):
            applied += ((name, number),)
            made.append(Step(step["subject"], step["body"], AsmBugState(applied)))
        plans[name] = tuple(made)
    return plans


PLANS = _plans()

_ASM = "asm-immediate"
_CONFUSION = "bit-mask-confusion"


def _e(rule: str, path: str, arch: str | None, commit: int) -> Expect:
    return Expect(rule, path, arch, commit)


def _hdr(arch: str) -> str:
    return f"arch/{arch}/include/asm/thread_info.h"


# Every operand finding of the flawed series, exactly (tests hold the audit
# to these, and to the repairs of REPAIRED by its last commit).
FLAWED = (
    _e(_ASM, "arch/alpha/kernel/entry.S", "alpha", 1),
    _e(_ASM, "arch/arm/kernel/entry-common.S", "arm", 2),
    _e(_ASM, "arch/arm64/kernel/entry.S", "arm64", 3),  # 0x4e: not one run of ones
    _e(_CONFUSION, "arch/arm64/kernel/entry.S", "arm64", 3),
    _e(_ASM, "arch/mips/kernel/entry.S", "mips", 4),
    _e(_CONFUSION, _hdr("powerpc"), "powerpc", 5),
    _e(_CONFUSION, "arch/powerpc/kernel/signal.c", "powerpc", 5),
    _e(_ASM, "arch/riscv/kernel/entry.S", "riscv", 6),
    _e(_ASM, "arch/s390/kernel/entry.S", "s390", 7),
    _e(_ASM, "arch/sh/kernel/entry-common.S", "sh", 8),
    _e(_ASM, "arch/sparc/kernel/rtrap_64.S", "sparc", 9),
    _e(_CONFUSION, "arch/arc/kernel/entry.S", "arc", 10),
    _e(_CONFUSION, "arch/xtensa/kernel/entry.S", "xtensa", 10),
    _e(_ASM, "arch/m68k/kernel/entry.S", "m68k", 11),
    _e(_ASM, "arch/parisc/kernel/entry.S", "parisc", 11),
    _e(_CONFUSION, "arch/x86/entry/entry_32.S", "x86", 12),
    _e(_CONFUSION, "kernel/entry/common.c", None, 12),
    _e(_CONFUSION, "kernel/task_work.c", None, 12),
)
REPAIRED = ((_CONFUSION, "arch/arm64/kernel/entry.S"), (_CONFUSION, "kernel/task_work.c"))

SERIES: dict[str, SeriesSpec] = {
    "asm-notify-signal-flawed": SeriesSpec(
        "asm-notify-signal-flawed",
        "TIF_NOTIFY_SIGNAL added arch by arch, wrong once per arch",
        FLAWED, symbol="TIF_NOTIFY_SIGNAL"),
    "asm-notify-signal-clean": SeriesSpec(
        "asm-notify-signal-clean", "the same, in correct forms that look suspicious",
        (), symbol="TIF_NOTIFY_SIGNAL", no_errors=True),
    "asm-arm-renumber": SeriesSpec(
        "asm-arm-renumber", "TIF_SECCOMP moved out of the byte tst can test",
        (_e(_ASM, "arch/arm/kernel/entry-common.S", "arm", 1),), symbol="TIF_SECCOMP"),
    "asm-arm-renumber-clean": SeriesSpec(
        "asm-arm-renumber-clean", "TIF_SECCOMP moved within the byte",
        (), symbol="TIF_SECCOMP", no_errors=True),
}
