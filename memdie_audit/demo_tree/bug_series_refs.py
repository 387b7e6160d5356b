"""Small trees and series for the bugs cross-arch flag series really ship
where references and roles are concerned: a flag left out of one arch's
exit-work mask, code under ``#ifdef TIF_X`` left dead, a flag named through
a macro that pastes it, a mask only asm-offsets defines, and what
``--changed-flags`` must make of them.

Each family has a bug and its clean twin (``<family>-clean``): the same
idiom done right, which must give no finding. The C and assembly are in
``data/bugs/refs/files/`` (flag headers from ``thread_info.h.in``); the
tables below say which file goes where at each commit, in the era where
the idiom exists (4.9-era arches and masks; the pasting macro from 5.11).

    case = build_case(tmp_path / "wm", "work-mask-forgotten")
    case.revrange, case.spec.symbol, case.spec.expected
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from importlib.resources import files
from pathlib import Path

from .gitrepo import _git, git_env

Files = dict[str, str | None]  # path -> text (None: deleted)
Bits = list[tuple[str, int]]
Masks = list[tuple[str, str]]

BASE_BITS: Bits = [("TIF_SYSCALL_TRACE", 0), ("TIF_NOTIFY_RESUME", 1), ("TIF_SIGPENDING", 2),
                   ("TIF_NEED_RESCHED", 3), ("TIF_SINGLESTEP", 4)]
SIGNALS = "_TIF_SIGPENDING | _TIF_NEED_RESCHED | _TIF_NOTIFY_RESUME"


def snippet(name: str) -> str:
    return files(__package__).joinpath("data", "bugs", "refs", "files", name).read_text()


def flag_header(arch: str, bits: Bits, masks: Masks) -> str:
    """An arch's thread_info.h: its bits, a mask per bit, then ``masks``."""
    return (snippet("thread_info.h.in").replace("{arch}", arch)
            .replace("{ARCH}", arch.upper())
            .replace("{bits}", "\n".join(f"#define {n}\t\t{b}" for n, b in bits))
            .replace("{bit_masks}", "\n".join(f"#define _{n}\t\t(1 << {n})" for n, _ in bits))
            .replace("{masks}", "\n".join(f"#define {n}\t\t({e})" for n, e in masks)))


def _header_path(arch: str, suffix: str = "") -> str:
    return f"arch/{arch}/include/asm/thread_info{suffix}.h"


@dataclass(frozen=True)
class CaseSpec:
    name: str
    symbol: str  # "" with --changed-flags alone
    base: Files
    steps: tuple[tuple[str, Files], ...]  # subject, files it changes
    expected: tuple[tuple[str, str | None, int | None], ...]  # rule, path, line
    args: tuple[str, ...] = ()  # extra command-line arguments (--changed-flags)
    intents: dict[str, str] | None = None  # what the audit must decide, per flag
    intent: str | None = None


# -- work-mask: a new flag every arch defines, one arch's exit mask forgets it


def _work_mask(bad: bool) -> CaseSpec:
    base: Files = {}
    added: Files = {}
    for arch in ("alpha", "arm", "mips", "powerpc", "sh"):
        holds = arch != "alpha" or not bad
        bits = BASE_BITS + ([("TIF_POLLING_NRFLAG", 16)] if arch == "mips" else [])
        base[_header_path(arch)] = flag_header(arch, bits, _exit_masks(arch, False))
        added[_header_path(arch)] = flag_header(arch, bits + [("TIF_TASK_WORK", 5)],
                                                _exit_masks(arch, holds))
    entry = snippet("mips-entry-hand-written.S")
    base["arch/mips/kernel/entry.S"] = entry if bad else entry.replace(
        "(_TIF_SIGPENDING | _TIF_NOTIFY_RESUME | _TIF_NEED_RESCHED)", "_TIF_WORK_MASK")
    # sh tests the new flag on its own beside the hand-written signal test
    sh_entry = snippet("sh-entry-common.S")
    base["arch/sh/kernel/entry-common.S"] = sh_entry.replace(
        "\ttst\t#_TIF_TASK_WORK, r0\n\tbf\twork_task\n", "")
    added["arch/sh/kernel/entry-common.S"] = sh_entry
    added["kernel/task_work.c"] = snippet("task_work.c")
    if not bad:
        # sparc's shape: a small notify mask wrapped in the wider work mask
        notify = ("_TIF_DO_NOTIFY_RESUME_MASK", "_TIF_NOTIFY_RESUME | _TIF_SIGPENDING")
        wider = "_TIF_DO_NOTIFY_RESUME_MASK | _TIF_NEED_RESCHED"
        sparc = _header_path("sparc", "_64")
        base[sparc] = flag_header("sparc", BASE_BITS, [("_TIF_USER_WORK_MASK", wider), notify])
        added[sparc] = flag_header("sparc", BASE_BITS + [("TIF_TASK_WORK", 5)], [
            ("_TIF_USER_WORK_MASK", wider + " | _TIF_TASK_WORK"), notify])
        # a mask written as a number does not vote; a TIF_-named mask is no flag
        allwork = "_TIF_SIGPENDING | _TIF_NOTIFY_RESUME | _TIF_SYSCALL_TRACE"
        base[_header_path("ia64")] = flag_header(
            "ia64", BASE_BITS, [("TIF_WORK_MASK", "0x1f"), ("TIF_ALLWORK_MASK", allwork)])
        added[_header_path("ia64")] = flag_header(
            "ia64", BASE_BITS + [("TIF_TASK_WORK", 5)],
            [("TIF_WORK_MASK", "0x3f"), ("TIF_ALLWORK_MASK", allwork + " | _TIF_TASK_WORK")])
    expected = (("work-mask", _header_path("alpha"), 23),
                ("work-mask", "arch/mips/kernel/entry.S", 8)) if bad else ()
    return CaseSpec("work-mask-" + ("forgotten" if bad else "clean"), "TIF_TASK_WORK", base,
                    (("add TIF_TASK_WORK to every arch", added),), expected)


def _work_mask_entry(bad: bool) -> CaseSpec:
    """Generic entry's EXIT_TO_USER_MODE_WORK is the second voter beside arm:
    without it the evidence against mips would be too thin."""
    base: Files = {"arch/Kconfig": "config GENERIC_ENTRY\n\tbool\n",
                   "arch/x86/Kconfig": "config X86\n\tdef_bool y\n\tselect GENERIC_ENTRY\n"}
    added: Files = {"include/linux/irq-entry-common.h": snippet("irq-entry-common.h"),
                    "kernel/task_work.c": snippet("task_work.c")}
    for arch in ("x86", "arm", "mips"):
        masks: Masks = [] if arch == "x86" else [("_TIF_WORK_MASK", SIGNALS)]
        base[_header_path(arch)] = flag_header(arch, BASE_BITS, masks)
        if arch != "x86" and (arch == "arm" or not bad):
            masks = [("_TIF_WORK_MASK", SIGNALS + " | _TIF_TASK_WORK")]
        added[_header_path(arch)] = flag_header(arch, BASE_BITS + [("TIF_TASK_WORK", 5)], masks)
    return CaseSpec("work-mask-entry-" + ("forgotten" if bad else "clean"), "TIF_TASK_WORK",
                    base, (("add TIF_TASK_WORK, handled by generic entry", added),),
                    (("work-mask", _header_path("mips"), 23),) if bad else ())


def _exit_masks(arch: str, holds: bool) -> Masks:
    extra = " | _TIF_TASK_WORK" if holds else ""
    if arch == "sh":
        return [("_TIF_WORK_MASK", "_TIF_SIGPENDING | _TIF_NOTIFY_RESUME | _TIF_NEED_RESCHED"
                 + extra),
                ("_TIF_ALLWORK_MASK", "_TIF_WORK_MASK | _TIF_SYSCALL_TRACE | _TIF_SINGLESTEP")]
    masks = [("_TIF_USER_WORK_MASK" if arch == "powerpc" else "_TIF_WORK_MASK",
              SIGNALS + extra)]
    if arch == "arm":
        masks.append(("_TIF_SYSCALL_WORK", "_TIF_SYSCALL_TRACE | _TIF_SINGLESTEP"))
    return masks


# -- dead-guard: a removal that leaves #ifdef TIF_X blocks nobody compiles


def _dead_guard(bad: bool) -> CaseSpec:
    bits = BASE_BITS + [("TIF_POLLWAIT", 9)]
    base: Files = {_header_path(a): flag_header(a, bits, [("_TIF_WORK_MASK", SIGNALS)])
                   for a in ("x86", "um", "arm")}
    base["arch/x86/um/signal.c"] = snippet("um-signal.c")
    base["mm/pressure.c"] = snippet("mm-pressure.c")
    removed: Files = {_header_path(a): flag_header(a, BASE_BITS, [("_TIF_WORK_MASK", SIGNALS)])
                      for a in ("x86", "um", "arm")}
    if not bad:
        removed["arch/x86/um/signal.c"] = snippet("um-signal-done.c")
        removed["mm/pressure.c"] = snippet("mm-pressure-done.c")
    expected = (("dead-guard", "arch/x86/um/signal.c", 6),
                ("dead-guard", "mm/pressure.c", 6)) if bad else ()
    return CaseSpec("dead-guard-" + ("left" if bad else "clean"), "TIF_POLLWAIT", base,
                    (("remove TIF_POLLWAIT", removed),), expected)


# -- --changed-flags: a use of a flag no header defines; a composite mask changes


def _changed_flags(bad: bool) -> CaseSpec:
    flag = "TIF_GONE" if bad else "TIF_SIGPENDING"
    base: Files = {_header_path(a): flag_header(
        a, BASE_BITS, [("_TIF_WORK_MASK", "_TIF_SIGPENDING | _TIF_NOTIFY_RESUME")])
        for a in ("alpha", "arm", "mips")}
    base["mm/victims.c"] = "/* out-of-memory victims (fixture) */\n"
    step: Files = {_header_path(a): flag_header(a, BASE_BITS, [("_TIF_WORK_MASK", SIGNALS)])
                   for a in ("alpha", "arm", "mips")}
    step["mm/victims.c"] = snippet("victims.c.in").replace("{flag}", flag)
    return CaseSpec("changed-flags-" + ("gone" if bad else "clean"), "", base,
                    (("mm: test a flag", step),),
                    (("bisect-break", "mm/victims.c", 6),) if bad else (),
                    args=("--changed-flags",),
                    intents={"TIF_NEED_RESCHED": "convert-users", flag: "convert-users"})


# -- asm-offsets: c6x's masks exist only as DEFINE()s


def _asm_offsets(bad: bool) -> CaseSpec:
    base: Files = {_header_path("c6x"): snippet("c6x-thread_info.h"),
                   "arch/c6x/kernel/asm-offsets.c": snippet("c6x-asm-offsets.c"),
                   _header_path("arm"): flag_header("arm", BASE_BITS,
                                                    [("_TIF_WORK_MASK", SIGNALS)])}
    signal = snippet("c6x-signal.c.in").replace(
        "{include}", "" if bad else "#include <asm/asm-offsets.h>")
    return CaseSpec("asm-offsets-" + ("uninclude" if bad else "clean"), "TIF_SIGPENDING", base,
                    (("c6x: handle signals in C", {"arch/c6x/kernel/signal.c": signal}),),
                    (("bisect-break", "arch/c6x/kernel/signal.c", 6),) if bad else ())


# -- pasted names: test_syscall_work(X) before the arches define TIF_X (5.11 on)


def _pasted_name(bad: bool) -> CaseSpec:
    base: Files = {"arch/Kconfig": "config GENERIC_ENTRY\n\tbool\n",
                   "include/linux/thread_info.h": snippet("linux-thread_info.h"),
                   "kernel/ptrace_tape.c": snippet("ptrace_tape.c")}
    for arch in ("x86", "arm", "mips"):
        base[_header_path(arch)] = flag_header(arch, BASE_BITS, [("_TIF_WORK_MASK", SIGNALS)])
        base[f"arch/{arch}/Kconfig"] = (f"config {arch.upper()}\n\tdef_bool y\n"
                                        + ("\tselect GENERIC_ENTRY\n" if arch == "x86" else ""))
    headers: Files = {_header_path(a): flag_header(a, BASE_BITS + [("TIF_SYSCALL_TAPE", 8)],
                                                   [("_TIF_WORK_MASK", SIGNALS)])
                      for a in ("arm", "mips")}
    user: Files = {"kernel/tape.c": snippet("tape.c")}
    steps = ((("tape: test the work in C", user), ("arm, mips: add TIF_SYSCALL_TAPE", headers))
             if bad else
             (("arm, mips: add TIF_SYSCALL_TAPE", headers), ("tape: test the work in C", user)))
    return CaseSpec("pasted-name-" + ("early" if bad else "clean"), "TIF_SYSCALL_TAPE", base,
                    steps, (("bisect-break", "kernel/tape.c", 6),) if bad else ())


FAMILIES: tuple[Callable[[bool], CaseSpec], ...] = (
    _work_mask, _work_mask_entry, _dead_guard, _changed_flags, _asm_offsets, _pasted_name)


@dataclass(frozen=True)
class BuiltCase:
    path: Path
    base: str
    head: str
    spec: CaseSpec
    commits: tuple[str, ...] = field(default=())

    @property
    def revrange(self) -> str:
        return f"{self.base}..{self.head}"


def _specs() -> dict[str, CaseSpec]:
    return {s.name: s for family in FAMILIES for s in (family(True), family(False))}


def case_names() -> list[str]:
    return sorted(_specs())


def case_spec(name: str) -> CaseSpec:
    return _specs()[name]


def build_case(root: Path, name: str) -> BuiltCase:
    """A git repository of case ``name``: its base, then one commit per step."""
    spec = case_spec(name)
    root.mkdir(parents=True, exist_ok=True)
    shas = []
    with git_env() as env:
        _git(root, env, "init", "-q", "-b", "master")
        for subject, changes in (("base", spec.base), *spec.steps):
            for path, text in changes.items():
                target = root / path
                if text is None:
                    target.unlink(missing_ok=True)
                    continue
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_text(text)
            _git(root, env, "add", "-A")
            _git(root, env, "commit", "-q", "--allow-empty", "-m", subject)
            shas.append(_git(root, env, "rev-parse", "HEAD").decode().strip())
    return BuiltCase(root, shas[0], shas[-1], spec, tuple(shas[1:]))
