"""Which flags a series changes (``--changed-flags``): those whose
definitions it adds, removes, moves or renumbers, and those whose
references it adds or removes.

Read from the range's own diff, not from the trees: flag headers that
change are parsed at both ends and compared flag by flag; elsewhere the
changed lines' ``TIF_*`` / ``_TIF_*`` tokens are counted per file, and a
flag whose count differs gained or lost references (a reference that only
moved within a file, or a line edited around it, does not count). An arch
Kconfig that starts or stops selecting HAVE_GENERIC_TIF_BITS changes every
flag of the generic header and of that arch's own. Flags are the names some
flag header defines as a bit at either end, and a name the series adds a
use of as a flag (a helper's bit argument, ``1 << TIF_X``, ``BIT(TIF_X)``,
a ``_TIF_X`` operand) even where no header defines it: that use is the
build break to report. A composite mask or constant (``_TIF_WORK_MASK``,
``#define TIF_ALLWORK_MASK (…)``) is never a flag.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path

from ..sources import gitcmd
from ..sources.commits import FLAG_PATHS
from .flagtable import read_flag_table
from .kconfig import kconfig_arch, selects_generic_bits
from .model import FlagTable
from .pasting import Pasting, pasted_names, pasting_macros
from .paths import GENERIC_FLAG_HEADER, is_flag_header

_TOKEN = re.compile(rb"\b_?(TIF_[A-Za-z0-9_]+)\b")
_BIT_DEFINE = re.compile(rb"^[ \t]*#[ \t]*define[ \t]+(TIF_[A-Za-z0-9_]+)[ \t]+([^\n]*)", re.M)
# What a bit's definition may be: a number (a small one), or another name
# (``#define TIF_RSEQ TIF_NOTIFY_RESUME``), maybe plus a number.
_BIT_VALUE = re.compile(rb"^\(?\s*(?:(0[xX][0-9a-fA-F]+|\d+)|[A-Za-z_]\w*(?:\s*\+\s*\d+)?)"
                        rb"\s*\)?\s*(?:/\*.*|//.*)?$")
_MAX_BIT = 256
_MASK_DEFINE = re.compile(rb"^[ \t]*#[ \t]*define[ \t]+_(TIF_[A-Za-z0-9_]+)\b([^\n]*)", re.M)
_DEFINE_LINE = re.compile(rb"[ \t]*#[ \t]*define\b")
# A name used as a flag: a thread-flag helper's bit, a shift count, BIT(),
# or a mask operand.
_FLAG_USE = re.compile(
    rb"(?:\b(?:test|set|clear|test_and_set|test_and_clear|update)_(?:tsk_|ti_)?thread_flag\s*"
    rb"\([^;]*?\b|<<\s*\(?\s*|\b(?:BIT|_BITUL|BIT_ULL)\s*\(\s*)(TIF_[A-Za-z0-9_]+)\b"
    rb"|(?<![A-Za-z0-9_])_(TIF_[A-Za-z0-9_]+)\b")


def changed_flags(top: Path, base: str, head: str, env: dict[str, str] | None = None
                  ) -> list[str]:
    """The flags ``base..head`` changes, by name, sorted."""
    paths = gitcmd.split_z(gitcmd.run(top, "diff", "--no-renames", "--name-only", "-z",
                                      base, head, "--", env=env))
    if not paths:
        return []
    known = _flag_names(top, base, env) | _flag_names(top, head, env)
    headers = [p for p in paths if is_flag_header(p)]
    names = _header_changes(top, base, head, headers, env)
    names |= _generic_switches(top, base, head, [p for p in paths if kconfig_arch(p)], env)
    # Every changed file, flag headers too: a composite mask that gains a
    # flag (``| _TIF_X`` in a _TIF_WORK_MASK) changes that flag's references.
    changed, used = _reference_changes(gitcmd.run(
        top, "diff", "--no-renames", "--no-color", "--no-ext-diff", "--no-textconv",
        "-U0", base, head, "--", *paths, env=env), flag_pasting_macros(top, (base, head), env))
    names |= changed
    unknown = {n for n in used - known if not is_constant_name(n)}
    if unknown:  # a composite mask (_TIF_WORK_SYSCALL_ENTRY) names no flag
        unknown -= _mask_names(top, base, env) | _mask_names(top, head, env)
    return sorted((names & known) | unknown)


def flag_pasting_macros(top: Path, revs: Sequence[str], env: dict[str, str] | None
                        ) -> tuple[Pasting, ...]:
    """The macros that paste a flag's name in the flag headers of ``revs``."""
    out = b"".join(gitcmd.run(top, "grep", "-l", "-z", "-F", "-e", "TIF_##", rev, "--",
                              *FLAG_PATHS[:3], ok=(0, 1), env=env) for rev in revs)
    specs = gitcmd.split_z(out)
    if not specs:
        return ()
    blobs = gitcmd.read_blobs(top, specs, env=env)
    return pasting_macros({spec.split(":", 1)[1]: data for spec, data in blobs.items()
                           if data is not None})


def is_constant_name(name: str) -> bool:
    """A ``TIF_``-named mask or constant by its spelling, where no
    definition says otherwise (``TIF_WORK_MASK``, ``TIF_ALLWORK_MASK``)."""
    return name.endswith(("_MASK", "_SHIFT", "_BITS", "_BIT"))


def _flag_names(top: Path, rev: str, env: dict[str, str] | None,
                pathspecs: Sequence[str] = FLAG_PATHS[:3]) -> set[str]:
    """Every ``TIF_*`` bit the flag headers (or ``pathspecs``) define at
    ``rev``: a grep limited to those files."""
    out = gitcmd.run(top, "grep", "-h", "-E", r"^\s*#\s*define\s+TIF_", rev, "--",
                     *pathspecs, ok=(0, 1), env=env)
    return {m.group(1).decode() for m in _BIT_DEFINE.finditer(out) if _is_bit(m.group(2))}


def _mask_names(top: Path, rev: str, env: dict[str, str] | None) -> set[str]:
    """The names (without ``_``) of the composite ``_TIF_*`` masks the flag
    headers define: those not made of their own bit (``(1 << TIF_X)``)."""
    out = gitcmd.run(top, "grep", "-h", "-E", r"^\s*#\s*define\s+_TIF_", rev, "--",
                     *FLAG_PATHS[:3], ok=(0, 1), env=env)
    return {name for m in _MASK_DEFINE.finditer(out)
            if not re.search(rb"(?<![A-Za-z0-9_])%s\b" % m.group(1), m.group(2))
            and (name := m.group(1).decode())}


def _is_bit(value: bytes) -> bool:
    """Is a ``#define TIF_X value`` a bit number (not a mask or constant)?"""
    m = _BIT_VALUE.match(value.strip())
    return m is not None and (m.group(1) is None or int(m.group(1), 0) < _MAX_BIT)


def _header_changes(top: Path, base: str, head: str, headers: list[str],
                    env: dict[str, str] | None) -> set[str]:
    """Flags whose bit, mask or condition differs in a changed flag header."""
    if not headers:
        return set()
    blobs = gitcmd.read_blobs(top, [f"{rev}:{p}" for rev in (base, head) for p in headers],
                              env=env)
    names: set[str] = set()
    for path in headers:
        before, after = (_entries(path, blobs.get(f"{rev}:{path}")) for rev in (base, head))
        names |= {name for name in before.keys() | after.keys()
                  if before.get(name) != after.get(name)}
    return names


def _generic_switches(top: Path, base: str, head: str, kconfigs: list[str],
                      env: dict[str, str] | None) -> set[str]:
    """An arch that starts or stops selecting HAVE_GENERIC_TIF_BITS changes
    every flag it sees: those of the generic header and of its own."""
    if not kconfigs:
        return set()
    blobs = gitcmd.read_blobs(top, [f"{rev}:{p}" for rev in (base, head) for p in kconfigs],
                              env=env)
    switched = [kconfig_arch(p) for p in kconfigs
                if selects_generic_bits(blobs.get(f"{base}:{p}") or b"")
                != selects_generic_bits(blobs.get(f"{head}:{p}") or b"")]
    if not switched:
        return set()
    pathspecs = [GENERIC_FLAG_HEADER, *(f"arch/{a}/include/asm/thread_info*.h" for a in switched)]
    return _flag_names(top, base, env, pathspecs) | _flag_names(top, head, env, pathspecs)


def _entries(path: str, data: bytes | None) -> dict[str, list[tuple]]:
    """A header's flags: name (a mask under its bit's name) → what defines it."""
    if data is None:
        return {}
    table: FlagTable = read_flag_table(path, data)
    entries: dict[str, list[tuple]] = {}
    bits = {f.name for f in table.bits}
    for kind, flags in (("bit", table.bits), ("mask", table.masks)):
        for f in flags:
            # a mask counts under its bit's name; a composite one is no flag
            if kind == "mask" and f.name.lstrip("_") not in bits:
                continue
            entries.setdefault(f.name.lstrip("_"), []).append(
                (kind, f.value if f.value is not None else f.expr, f.condition))
    return entries


def _reference_changes(diff: bytes, macros: tuple[Pasting, ...] = ()
                       ) -> tuple[set[str], set[str]]:
    """Names counted a different number of times in a file's removed and
    added lines; and the names of those that the added lines use as flags
    (more uses than before). A call of a macro that pastes a flag's name
    (``test_syscall_work(SECCOMP)``) names that flag."""
    names: set[str] = set()
    used: set[str] = set()
    balance: dict[str, int] = {}
    as_flag: set[str] = set()

    def settle() -> None:
        names.update(name for name, n in balance.items() if n)
        used.update(name for name in as_flag if balance.get(name, 0) > 0)
        balance.clear()
        as_flag.clear()

    in_hunk = False  # a file's header lines (--- a/…, +++ b/…) are no change
    for line in diff.splitlines():
        if line.startswith(b"diff --git "):
            settle()
            in_hunk = False
        elif line.startswith(b"@@"):
            in_hunk = True
        elif in_hunk and line.startswith((b"+", b"-")):
            sign = 1 if line[:1] == b"+" else -1
            for m in _TOKEN.finditer(line, 1):
                name = m.group(1).decode()
                balance[name] = balance.get(name, 0) + sign
            pasted = pasted_names(line[1:], macros) if macros else set()
            for name in pasted:
                balance[name] = balance.get(name, 0) + sign
            if sign > 0 and not _DEFINE_LINE.match(line, 1):
                as_flag.update((m.group(1) or m.group(2)).decode()
                               for m in _FLAG_USE.finditer(line, 1))
                as_flag.update(pasted)
    settle()
    return names, used
