"""The removal series variants and the findings each one must produce.

Every variant is a list of ``Step`` values on top of the base tree. The clean
series has the shape of the real "mm, oom: get rid of TIF_MEMDIE" series:
kernel/ users, mm/ users, entry code, then the definitions in every arch.
The other variants break it in one way each; ``flawed`` breaks it in all.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from typing import Any

from .flag_users import STALE_PATH
from .state import BASE

PER_COMMIT_RULES = frozenset({"bisect-break", "reintroduced"})


@dataclass(frozen=True)
class Expect:
    """A finding a correct analyzer must report (it may report more).

    ``None`` in ``path`` or ``arch`` matches anything. ``commit`` is the
    1-based index, on the series' first-parent line, of the commit that
    introduced the problem; a finding that names no commit still matches,
    except for the per-commit rules (bisect-break, reintroduced), which must
    name it. ``last_bad`` is the last broken commit of a bisect-break (the
    ``last`` of its ``window``), where the series repairs it. ``arches``,
    when given, is the finding's whole ``arches`` list, in any order: a
    reference in common code names no single ``arch``, but the arches it
    breaks on.
    """

    rule: str
    path: str | None
    arch: str | None
    commit: int | None
    last_bad: int | None = None
    arches: tuple[str, ...] | None = None

    def matches(self, finding: Mapping[str, object], commits: tuple[str, ...] = ()) -> bool:
        """Does ``finding`` (a dict shaped like the JSON output) satisfy this?

        ``commits`` (first-parent shas, oldest first) lets a finding name
        its commit by sha instead of by index.
        """
        if finding.get("rule") != self.rule:
            return False
        if self.path is not None and finding.get("path") != self.path:
            return False
        if self.arch is not None and finding.get("arch") != self.arch:
            return False
        if self.arches is not None and sorted(finding.get("arches") or ()) != sorted(self.arches):
            return False
        if self.last_bad is not None and (finding.get("window") or {}).get("last") != self.last_bad:
            return False
        if self.commit is None:
            return True
        got = finding.get("commit")
        if got is None:
            return self.rule not in PER_COMMIT_RULES
        if isinstance(got, str) and commits:
            return commits.index(got) + 1 == self.commit if got in commits else False
        return got == self.commit


@dataclass(frozen=True)
class Step:
    """One first-parent commit; with ``side`` it is a ``--no-ff`` merge of
    those commits, forked at first-parent index ``fork`` (0: the base).
    ``state`` is the tree after the commit, in its era's terms (a
    ``TreeState`` for 4.9, a ``ModernState`` for the v6.19 tree)."""

    subject: str
    body: str
    state: Any
    side: tuple[Step, ...] = ()
    fork: int = 0


@dataclass(frozen=True)
class SeriesSpec:
    """A variant, audited with ``--symbol`` for each flag of ``symbols``
    (and with ``changed``, ``--changed-flags``): a
    correct audit reports every finding of ``expected``, none that matches
    ``absent`` and, with ``no_errors``, no error at all; with ``intent``,
    it decides that the series does that to each flag (the JSON
    ``intent``). ``symbol`` alone names the one flag of most variants;
    ``symbols`` alone, the flags of a series that changes several
    (``symbol`` is then the first)."""

    name: str
    description: str
    expected: tuple[Expect, ...]
    subjects: tuple[str, ...] = ()  # first-parent commits, oldest first
    symbol: str = "TIF_MEMDIE"
    absent: tuple[Expect, ...] = ()
    no_errors: bool = False
    symbols: tuple[str, ...] = ()
    intent: tuple[tuple[str, str], ...] = ()  # (flag, what the series does to it)
    changed: bool = False  # audited with --changed-flags (``symbols`` may then be empty)

    def __post_init__(self) -> None:
        if self.symbols:
            object.__setattr__(self, "symbol", self.symbols[0])
        elif not self.changed:
            object.__setattr__(self, "symbols", (self.symbol,))

    def unmatched(self, findings: Iterable[Mapping[str, object]],
                  commits: tuple[str, ...] = ()) -> list[Expect]:
        """The expectations no finding satisfies (empty when the audit is right)."""
        found = list(findings)
        return [e for e in self.expected if not any(e.matches(f, commits) for f in found)]

    def unwanted(self, findings: Iterable[Mapping[str, object]],
                 commits: tuple[str, ...] = ()) -> list[Mapping[str, object]]:
        """The findings a correct audit would not report (empty when it is right)."""
        return [f for f in findings
                if any(e.matches(f, commits) for e in self.absent)
                or (self.no_errors and f.get("severity") == "error")]


def _hdr(arch: str, suffix: str = "") -> str:
    return f"arch/{arch}/include/asm/thread_info{suffix}.h"


SPARC64, UM, X86, PARISC, IA64 = _hdr("sparc", "_64"), _hdr("um"), _hdr("x86"), _hdr("parisc"), \
    _hdr("ia64")
AVR32_ENTRY = "arch/avr32/kernel/entry-avr32b.S"
VMSCAN = "mm/vmscan.c"
STALE = Expect("stale-comment", STALE_PATH, None, None)

# The four changes of the real series, as state transforms.
K = {"kernel_users": False}
M = {"mm_users": False}
A = {"asm_users": frozenset()}
D = {"definitions": frozenset(), "masks": frozenset()}

_K = ("mm, oom: use tsk_is_oom_victim() instead of TIF_MEMDIE in kernel/",
      "exit_mm(), the freezer, the suspend freezer and cpuset all test the\n"
      "per-thread TIF_MEMDIE flag to learn whether the OOM killer picked the\n"
      "task.  tsk_is_oom_victim() answers the same question for the whole\n"
      "process without a thread flag, so use it.")
_M = ("mm, oom: stop relying on TIF_MEMDIE for access to memory reserves",
      "The allocator, memcg charging and the OOM killer itself key reserve\n"
      "access off TIF_MEMDIE, which only the killed thread carries.  Use\n"
      "tsk_is_oom_victim() so that every thread of the victim qualifies, and\n"
      "stop setting and clearing the flag.")
_A = ("arch: drop the _TIF_MEMDIE tests from low-level entry code",
      "Nothing sets the flag any more, so the entry code has no reason to\n"
      "look at it on the way back to user space.")
_D = ("arch: get rid of TIF_MEMDIE",
      "The flag has no users left.  Remove its definition, and the mask\n"
      "where an arch had one, from every arch.\n"
      "The bit stays unused; no other flag moves.")


def _walk(*steps: tuple[tuple[str, str], dict]) -> tuple[Step, ...]:
    """Apply each change on top of the previous state."""
    out, state = [], BASE
    for (subject, body), change in steps:
        state = replace(state, **change)
        out.append(Step(subject, body, state))
    return tuple(out)


def _clean() -> tuple[Step, ...]:
    return _walk((_K, K), (_M, M), (_A, A), (_D, D))


def _plans() -> dict[str, tuple[Step, ...]]:
    clean = _clean()
    done = clean[-1].state
    plans = {"clean": clean}
    plans["forgot-arch"] = _walk((_K, K), (_M, M), (_A, A),
                                 (_D, {**D, "definitions": frozenset({SPARC64})}))
    plans["kept-mask"] = _walk((_K, K), (_M, M), (_A, A), (_D, {**D, "masks": frozenset({UM})}))
    plans["bisect-break"] = _walk((_D, D), (_K, K), (_M, M), (_A, A))
    plans["duplicate-bit"] = clean + (Step(
        "x86: move TIF_IO_BITMAP next to TIF_POLLING_NRFLAG",
        "Keep the context-switch bits together now that bit 20 is free.",
        replace(done, renumber=((X86, "IO_BITMAP", 21),))),)
    plans["reintroduced"] = clean + (Step(
        "mm, vmscan: never throttle an OOM victim in direct reclaim",
        "A victim waiting in throttle_direct_reclaim() holds on to its memory.",
        replace(done, reintroduced=True)),)
    plans["asm-only"] = _walk((_K, K), (_M, M), (_A, {"asm_users": frozenset({"avr32"})}), (_D, D))
    kernel_done = clean[0].state
    merged = Step("Merge branch 'oom-reserves' into oom-memdie",
                  "Pull the conversion of the mm/ users, done on its own branch.",
                  replace(kernel_done, **M),
                  side=(Step(*_M, replace(BASE, **M)),), fork=0)
    plans["merge"] = (clean[0], merged, clean[2], clean[3])
    plans["flawed"] = _flawed()
    return plans


def _flawed() -> tuple[Step, ...]:
    steps = list(_walk(
        (_D, {**D, "definitions": frozenset({SPARC64}), "masks": frozenset({UM})}),
        (_K, K), (_M, M), (_A, {"asm_users": frozenset({"avr32"})})))
    state = steps[-1].state
    extra = [
        ("mm, vmscan: never throttle an OOM victim in direct reclaim",
         "A victim waiting in throttle_direct_reclaim() holds on to its memory.",
         {"reintroduced": True}),
        ("x86: move TIF_IO_BITMAP next to TIF_POLLING_NRFLAG",
         "Keep the context-switch bits together now that bit 20 is free.",
         {"renumber": ((X86, "IO_BITMAP", 21),)}),
        ("parisc: tidy up the _TIF_* masks", "Sort the masks by bit.",
         {"shifts": ((PARISC, "SECCOMP", "SYSCALL_TRACEPOINT"),)}),
        ("ia64: move TIF_RESTORE_RSE out of the way of the MCA bits",
         "Give the MCA/INIT handling room to grow.",
         {"renumber": ((X86, "IO_BITMAP", 21), (IA64, "RESTORE_RSE", 33))}),
    ]
    for subject, body, change in extra:
        state = replace(state, **change)
        steps.append(Step(subject, body, state))
    return tuple(steps)


PLANS = _plans()

_EXPECTED: dict[str, tuple[str, tuple[Expect, ...]]] = {
    "clean": ("the series as it should be: only the fs/ext4 comment is left",
              (STALE,)),
    "forgot-arch": ("sparc64 keeps its TIF_MEMDIE definition",
                    (Expect("leftover-definition", SPARC64, "sparc", None), STALE)),
    "kept-mask": ("um keeps _TIF_MEMDIE (1 << TIF_MEMDIE) after the bit is gone",
                  (Expect("leftover-mask", UM, "um", None), STALE)),
    "bisect-break": ("definitions go first, users later: commits 1-3 do not build",
                     (Expect("bisect-break", None, None, 1, last_bad=3), STALE)),
    "duplicate-bit": ("after the clean series x86 moves TIF_IO_BITMAP onto bit 21",
                      (Expect("duplicate-bit", X86, "x86", 5),
                       Expect("renumbered-flag", X86, "x86", 5), STALE)),
    "reintroduced": ("after the clean series mm/vmscan.c tests TIF_MEMDIE again",
                     (Expect("reintroduced", VMSCAN, None, 5), STALE)),
    "asm-only": ("the entry-code commit (.S files only) forgets avr32",
                 (Expect("bisect-break", AVR32_ENTRY, None, None), STALE)),
    "merge": ("the clean series with the mm/ step merged from a side branch (--no-ff)",
              (STALE,)),
    "flawed": ("every kind of error at once, for the demo",
               (Expect("leftover-definition", SPARC64, "sparc", None),
                Expect("leftover-mask", UM, "um", None),
                Expect("dangling-reference", AVR32_ENTRY, "avr32", None),
                Expect("bisect-break", None, None, 1),
                Expect("reintroduced", VMSCAN, None, 5),
                Expect("duplicate-bit", X86, "x86", 6),
                Expect("renumbered-flag", X86, "x86", 6),
                Expect("mask-mismatch", PARISC, "parisc", 7),
                Expect("bit-range", IA64, "ia64", 8),
                Expect("renumbered-flag", IA64, "ia64", 8),
                STALE)),
}

SERIES: dict[str, SeriesSpec] = {
    name: SeriesSpec(name, desc, expected, tuple(s.subject for s in PLANS[name]))
    for name, (desc, expected) in _EXPECTED.items()
}
