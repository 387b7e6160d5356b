"""Operand rules: what a flag is used as where it is used. A bit number
where a mask belongs or the reverse (``bit-mask-confusion``), and an
assembly immediate its instruction cannot hold (``asm-immediate``).

Both judge a name by its definition, not its spelling: ``TIF_X`` is a bit
number where a flag header defines it as one, ``_TIF_X`` a mask where one
defines it as a mask; a ``TIF_WORK_MASK`` or a ``TIF_SINGLESTEP_PA_BIT``
is neither, and the rules stay silent about it. A series is judged commit
by commit (:class:`OperandHistory`): a finding belongs to the commit that
introduces it, and names the later commit that repairs it.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterator
from dataclasses import replace

from ..kernel import immediates
from ..kernel.archview import ArchView
from ..kernel.exprcontext import BIT_ARGUMENT, BITWISE, context_of
from ..kernel.flagexpr import Unevaluable, evaluate
from ..kernel.model import Kind, Occurrence
from ..kernel.paths import language_of
from ..kernel.snapshot import Snapshot
from ..result import Finding, Location, Related
from .registry import COMMIT, E, finding, rule

# The most config combinations an immediate is evaluated under.
_MAX_COMBINATIONS = 16


def _roles(snapshot: Snapshot, arch: str | None) -> tuple[set[str], set[str]]:
    """The names defined as bit numbers and as masks, as ``arch`` sees them
    (common code: by any arch)."""
    bits: set[str] = set()
    masks: set[str] = set()
    views = [snapshot.views[arch]] if arch in snapshot.views else \
        list(snapshot.views.values()) if arch is None else []
    for view in views:
        bits.update(f.name for f in view.bits)
        masks.update(f.name for f in view.masks)
    return bits - masks, masks


def _code_uses(snapshot: Snapshot) -> Iterator[Occurrence]:
    for o in snapshot.all_occurrences():
        if o.kind in (Kind.USE, Kind.MASK) and not o.guarded \
                and len(o.text) < 400 and language_of(o.path) != "text":
            yield o


@rule("bit-mask-confusion", E, COMMIT,
      "a bit number where a mask belongs, or a mask where a bit number belongs")
def bit_mask_confusions(snapshot: Snapshot) -> Iterator[Finding]:
    """A flag's bit number (``TIF_X``) is a small integer, its mask
    (``_TIF_X``) is ``1 << TIF_X``; each used in the other's place tests,
    sets or clears the wrong bit, silently. In C: ``test_thread_flag(_TIF_X)``
    and the other thread-flag and bitop helpers, ``BIT(_TIF_X)``, ``1 <<
    _TIF_X`` (a mask where a bit number belongs); ``flags & TIF_X``,
    ``TIF_A | TIF_B``, a ``_TIF_*`` composite that ORs in a bit number (a bit
    number where a mask belongs). In assembly, per instruction of the arch
    (``data/asm_immediates.json``): ``tst``/``and``/``andi``/``test`` take
    masks, ``tbz``/``bbit0``/``bt``/``btst``/``bbci`` take bit numbers, so
    ``tbnz x1, #_TIF_X, 1f`` is wrong where ``tbnz x1, #TIF_X, 1f`` is right.
    A name is judged by its definition: ``TIF_WORK_MASK`` is a mask. Reported
    at the commit that introduces it; a later commit that repairs it is
    named."""
    for o in _code_uses(snapshot):
        bits, masks = _roles(snapshot, o.arch)
        token = o.token
        if token not in bits and token not in masks:
            continue
        wrong = _asm_confusion(o, token in masks) if language_of(o.path) == "asm" \
            and not o.text.lstrip().startswith("#") else None
        if wrong is None:
            wrong = _c_confusion(o, token in masks)
        if wrong:
            yield finding("bit-mask-confusion", wrong, symbol=snapshot.symbol, at=o,
                          names=(token,))


def _c_confusion(o: Occurrence, is_mask: bool) -> str | None:
    start = o.column - 1
    if o.text[start:start + len(o.token)] != o.token:
        return None
    ctx = context_of(o.text, start, start + len(o.token))
    bit, mask = o.token.lstrip("_"), "_" + o.token.lstrip("_")
    if ctx.call in BIT_ARGUMENT and BIT_ARGUMENT[ctx.call] == ctx.argument and ctx.bare:
        return (f"{ctx.call}() takes a bit number, but {o.token} is a mask: use {bit}"
                if is_mask else None)
    if is_mask and ctx.before == "<<":
        return f"{o.token} is a mask, shifted as if it were a bit number: use {bit}"
    if not is_mask and ctx.before not in ("<<", ">>") and ctx.after not in ("<<", ">>") \
            and (ctx.before in BITWISE or ctx.after in BITWISE):
        return (f"{o.token} is a bit number, used as a mask: use {mask} "
                f"(or 1 << {bit})")
    return None


def _asm_confusion(o: Occurrence, is_mask: bool) -> str | None:
    line = immediates.read_line(o.text, o.arch)
    if line is None:
        return None
    index = line.operand_at(o.column)
    entry = immediates.instruction(o.arch, line.mnemonic)
    if index is None or entry is None or entry.takes == "value" \
            or index != _operand_index(entry, line):
        return None
    operand_start, operand = line.operands[index]
    start = o.column - operand_start
    ctx = context_of(operand, start, start + len(o.token))
    bit = o.token.lstrip("_")
    if entry.takes == "bit" and is_mask and ctx.call is None and ctx.before != "<<":
        return (f"{line.mnemonic} takes a bit number, but {o.token} is a mask: use {bit}")
    if entry.takes == "mask" and not is_mask and ctx.call is None \
            and ctx.before not in ("<<", ">>") and ctx.after not in ("<<", ">>"):
        alone = immediates.immediate_text(operand).strip("() ") == o.token
        if alone or ctx.before in BITWISE or ctx.after in BITWISE:
            return (f"{line.mnemonic} takes a mask, but {o.token} is a bit number: "
                    f"use _{bit}")
    return None


def _operand_index(entry: immediates.Instruction, line: immediates.AsmLine) -> int:
    return entry.operand if entry.operand >= 0 else len(line.operands) + entry.operand


@rule("asm-immediate", E, COMMIT,
      "an assembly immediate the instruction cannot encode, or a bit number out of its range")
def asm_immediates(snapshot: Snapshot) -> Iterator[Finding]:
    """A mask used as an assembly immediate must fit the instruction's
    immediate field on that ISA, at every commit: arm modified immediates
    (8 bits rotated by an even amount; Thumb-2 has its own forms), arm64
    bitmask immediates, alpha 8-bit literals, sh ``tst #imm`` (8 bits),
    riscv ``andi`` (signed 12 bits: a mask of bits 0-10), mips and powerpc
    16 bits, sparc simm13, s390 ``tm`` and ``TSTMSK`` (one byte), parisc
    ``ldi`` (signed 14 bits). The table, with the source of each entry, is
    ``kernel/data/asm_immediates.json``. Renumbering or adding a flag is
    when this breaks: ``tst r1, #_TIF_SYSCALL_WORK`` assembles while the
    mask is 0xf0 and stops when a new flag makes it 0x1f0 (an arm build
    break). A bit number given to a bit-test instruction must be inside its
    range in its own numbering: ``btst #TIF_X, mem`` on m68k tests a byte,
    so bits 0-7 (``btst #(TIF_X%8)``); parisc ``bb`` counts from the top
    (``31-TIF_X``). Values come from the arch's effective flag set, per
    config variant where bits differ."""
    for o in [*_code_uses(snapshot), *_composite_uses(snapshot)]:
        if language_of(o.path) != "asm" or o.arch not in snapshot.views \
                or o.text.lstrip().startswith("#"):
            continue
        line = immediates.read_line(o.text, o.arch)
        entry = immediates.instruction(o.arch, line.mnemonic) if line else None
        if line is None or entry is None or line.operand_at(o.column) != \
                _operand_index(entry, line):
            continue
        column, written = line.operands[_operand_index(entry, line)]
        operand = immediates.immediate_text(written)
        if re.search(r"%(hi|lo|h|l)\b|@", operand):
            continue  # sethi %hi(x) / or %lo(x), andis. x@h: the parts always encode
        if _confused(entry, operand):
            continue  # one cause, one finding: bit-mask-confusion says it
        view = snapshot.views[o.arch]
        for value, condition in _values(operand, view):
            wrong = _judge(entry, line, operand, value, view) \
                or _truncated(snapshot, o, operand, view)
            if wrong:
                where = f" (with {condition})" if condition else ""
                held = [f.name for f in view.bits if f.value is not None and (
                    f.name in operand or entry.takes == "mask" and 0 <= f.value < 64
                    and value >> f.value & 1)]
                # At the operand, not the token: the audits of the flags the
                # immediate holds report one finding, which they combine.
                yield finding("asm-immediate", f"{line.mnemonic} {operand}: {wrong}{where}",
                              symbol=snapshot.symbol, at=o, column=column,
                              names=tuple(dict.fromkeys(held)) or (o.token,),
                              related=[Related(o.path, o.line, o.arch,
                                               f"rule: {entry.source}")])
                break


def _confused(entry: immediates.Instruction, operand: str) -> bool:
    """A mask where the instruction takes a bit number, or a bare bit number
    where it takes a mask."""
    if entry.takes == "bit":
        return re.search(r"\b_TIF_\w+", operand) is not None
    return entry.takes == "mask" and re.fullmatch(r"\(?\s*TIF_\w+\s*\)?", operand) is not None \
        and not operand.strip("() ").endswith("_MASK")


def _composite_uses(snapshot: Snapshot) -> Iterator[Occurrence]:
    """Assembly lines that use a mask holding the flag without naming it
    (``tst r1, #_TIF_SYSCALL_WORK``), as uses of that mask."""
    if snapshot.asm is None:
        return
    for arch, view in snapshot.views.items():
        bits = {f.value for f in view.bits if f.name == snapshot.symbol and f.value is not None}
        holding = frozenset(
            m.name for m in view.masks if m.value is not None and m.name != "_" + snapshot.symbol
            and any(0 <= b < 64 and m.value >> b & 1 for b in bits))
        if not holding:
            continue
        for use in snapshot.asm.uses(arch, holding):
            if re.search(rf"\b_?{snapshot.symbol}\b", use.text):
                continue  # the flag's own occurrence: judged as such
            yield Occurrence(use.path, use.line, use.column, use.token, Kind.USE, arch, None,
                             use.text)


def _judge(entry: immediates.Instruction, line: immediates.AsmLine, operand: str,
           value: int, view: ArchView) -> str | None:
    if entry.takes == "bit":
        found = immediates.bit_range(entry.klass, line, operand)
        if found is None:
            return None
        size, what = found
        if not 0 <= value < size:
            return f"bit {value} is outside {what} (0-{size - 1})"
        return None
    ok, what = immediates.encodes(entry.klass, value, width=max(view.widths))
    return None if ok else f"{value:#x} does not fit {what}"


# How near (in lines) the test of a truncated mask's high part must be.
_HIGH_PART_REACH = 4


def _truncated(snapshot: Snapshot, o: Occurrence, operand: str, view: ArchView) -> str | None:
    """``tst #(_TIF_WORK_MASK & 0xff), r0`` encodes, but tests only the low
    byte: the flags of the mask it cuts off, unless a line nearby takes the
    rest (``mov #(_TIF_WORK_MASK >> 8), r1``, as sh does)."""
    m = re.fullmatch(r"\(?\s*(_?TIF_\w+)\s*&\s*(0[xX][0-9a-fA-F]+|\d+)\s*\)?", operand)
    whole = view.mask(m.group(1)) if m else None
    if m is None or whole is None or whole.value is None:
        return None
    lost = whole.value & ~int(m.group(2), 0)
    names = [f.name for f in view.bits if f.value is not None and 0 <= f.value < 64
             and lost >> f.value & 1]
    names = [n for n in names if n not in _syscall_work_only(view, whole.value)]
    if not names or snapshot.asm is None:
        return None
    lost_bits = [f.value for n in names if (f := view.bit(n)) is not None]
    values = {k.name: k.value for k in view.masks if k.value is not None}
    for u in snapshot.asm.uses(o.arch or "", frozenset(values)):
        if u.path != o.path or not re.search(rf"\b{u.token}\s*>>", u.text):
            continue
        if u.token == m.group(1) and abs(u.line - o.line) <= _HIGH_PART_REACH:
            return None
        # Elsewhere in the file, the high part of a mask holding every flag
        # dropped here is tested: the file takes the high byte on a path of
        # its own (sh's syscall_exit tests '_TIF_ALLWORK_MASK >> 8' and jumps
        # to the truncated test with the flags shifted down). What reaches
        # this line is then more than the tool can follow: silence.
        if all(values[u.token] >> bit & 1 for bit in lost_bits):
            return None
    return f"the truncation drops {', '.join(names)} from {m.group(1)}"


def _syscall_work_only(view: ArchView, tested: int) -> set[str]:
    """The flags an exit-work test may leave out: syscall work (the flags
    of a mask holding ``_TIF_SYSCALL_TRACE`` but not ``_TIF_SIGPENDING``),
    done on the syscall path and not by the return from an exception. sh's
    ``_TIF_WORK_MASK`` holds ``_TIF_SYSCALL_TRACEPOINT`` above its low byte,
    and its exception return tests the low byte alone: nothing is lost
    there. A test of the syscall-work mask itself loses them for real."""
    signal, trace = view.bit("TIF_SIGPENDING"), view.bit("TIF_SYSCALL_TRACE")
    if signal is None or trace is None or signal.value is None or trace.value is None \
            or not tested >> signal.value & 1:
        return set()
    syscall = 0
    for mask in view.masks:
        if mask.value is not None and mask.value >> trace.value & 1 \
                and not mask.value >> signal.value & 1:
            syscall |= mask.value
    return {f.name for f in view.bits
            if f.value is not None and 0 <= f.value < 64 and syscall >> f.value & 1}


def _values(expr: str, view: ArchView) -> list[tuple[int, str | None]]:
    """The value of ``expr`` under each combination of config variants of
    the names it uses (value, the conditions chosen); [] where it cannot be
    evaluated."""
    choices: dict[str, list] = {}
    for name in dict.fromkeys(re.findall(r"[A-Za-z_]\w*", expr)):
        found = [f for f in (*view.bits, *view.masks) if f.name == name and f.value is not None]
        distinct = list({f.value: f for f in found}.values())
        if distinct:
            choices[name] = distinct
    names = sorted(choices)
    combos = list(itertools.islice(itertools.product(*(choices[n] for n in names)),
                                   _MAX_COMBINATIONS))
    results = []
    for combo in combos:
        chosen = dict(zip(names, combo, strict=True))
        try:
            value = evaluate(expr, lambda n, c=chosen: c[n].value if n in c else None)
        except Unevaluable:
            return []
        # only a name with several values is a config variant worth naming
        conditions = [f.condition for n, f in chosen.items()
                      if f.condition and len(choices[n]) > 1]
        results.append((value, " && ".join(dict.fromkeys(conditions)) or None))
    return results


def absorbed_by_immediates(findings: list[Finding]) -> dict[int, Finding | None]:
    """One cause, one finding: a ``renumbered-flag`` warning about a flag
    whose new bit an ``asm-immediate`` finding of the same arch shows
    breaking an instruction is carried by that finding (by ``id``, as
    :func:`..walk.one_per_site` returns its changes)."""
    carriers = [f for f in findings if f.rule == "asm-immediate"]
    changed: dict[int, Finding | None] = {}
    for f in findings:
        # A renumbering that breaks an instruction is told by the break,
        # whether it was meant (one note per arch) or a side effect.
        if f.rule != "renumbered-flag" or not f.names:
            continue
        carrier = next((c for c in carriers
                        if c.arch == f.arch and any(n in c.names for n in f.names)), None)
        if carrier is not None:
            current = changed.get(id(carrier)) or carrier
            changed[id(carrier)] = replace(current, related=current.related + (
                Related(f.path, f.line, f.arch, f"renumbered-flag: {f.message}"),))
            changed[id(f)] = None
    return changed


class OperandHistory:
    """The operand rules along a series: a finding is reported by the commit
    that introduces it (one the base already had is the base's), and when a
    later commit makes it go away, that commit is named as its repair."""

    def __init__(self, base: Snapshot) -> None:
        self.open: dict[tuple, Finding] = _keyed(operand_findings(base))
        self.reported: dict[tuple, Finding] = {}  # key -> the finding as first reported
        self.key_of: dict[int, tuple] = {}  # id(reported finding) -> its key
        self.repairs: dict[int, Finding] = {}  # id(reported finding) -> it, repaired

    def step(self, before: Snapshot, after: Snapshot, sha: str, subject: str) -> list[Finding]:
        """The findings ``sha`` introduces (``after is before``: none)."""
        if after is before:
            return []
        now = _keyed(operand_findings(after))
        for key in set(self.open) - set(now):
            first = self.reported.pop(key, None)
            if first is not None:
                self.repairs[id(first)] = replace(
                    first, message=f"{first.message}; repaired by {sha[:12]} (\"{subject}\")")
        new = []
        for key, f in now.items():
            if key not in self.open:
                g = replace(f, commit=sha)
                self.reported[key] = g
                self.key_of[id(g)] = key
                new.append(g)
        self.open = now
        return new

    def at_head(self, f: Finding) -> Finding | None:
        """A finding this history reported, with its repair named where a
        later commit made one, else located where it is after the series
        (None: not one of this history's findings)."""
        if id(f) in self.repairs:
            return replace(self.repairs[id(f)], at_head=None)
        key = self.key_of.get(id(f))
        if key is None:
            return None
        now = self.open.get(key)
        return replace(f, at_head=Location(now.path, now.line, now.column) if now else None)


def operand_findings(snapshot: Snapshot) -> list[Finding]:
    """Every operand finding of one tree state."""
    return [*bit_mask_confusions(snapshot), *asm_immediates(snapshot)]


def _keyed(findings: list[Finding]) -> dict[tuple, Finding]:
    """Findings by their identity across commits: rule, file, arch, names
    and what the message says of the site, and which of the file's sites
    saying the same it is (two ``tst r1, #_TIF_SYSCALL_WORK`` are two)."""
    keyed: dict[tuple, Finding] = {}
    for f in findings:
        base = (f.rule, f.path, f.arch, f.names, f.message.split(":")[0])
        n = 0
        while (*base, n) in keyed:
            n += 1
        keyed[(*base, n)] = f
    return keyed
