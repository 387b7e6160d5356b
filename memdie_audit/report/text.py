"""Compiler-style text: one line per item, ``path:line:col:`` first, so that
editors' quickfix lists and grep work on it."""

from __future__ import annotations

import functools
import io
import re
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from typing import TextIO

from ..kernel.model import Kind, Occurrence, one_line, source_line
from ..kernel.paths import GENERIC
from ..kernel.snapshot import Snapshot
from ..result import COMMON, Audit, Finding, Severity
from .overview import ArchLayout, changed_layouts, intent_groups, is_treewide

_SECTIONS = (
    ("definitions", (Kind.DEFINITION,)),
    ("masks", (Kind.MASK,)),
    ("uses", (Kind.USE,)),
    ("comments, strings and docs", (Kind.COMMENT, Kind.STRING, Kind.DOC)),
)


def occurrence_line(o: Occurrence) -> str:
    text = source_line(o.text)
    where = f" (in {o.function})" if o.function else ""
    through = f" (through {o.via})" if o.via else ""
    return f"{one_line(o.path)}:{o.line}:{o.column}: {o.kind}: {text}{through}{where}"


def total_line(audit: Audit) -> str:
    e, w, n = (audit.count(s) for s in (Severity.ERROR, Severity.WARNING, Severity.NOTE))
    return (f"total: {e} error{'s' * (e != 1)}, {w} warning{'s' * (w != 1)}, "
            f"{n} note{'s' * (n != 1)}")


def _painted(writer: Callable[..., None]) -> Callable[..., None]:
    """A writer that, with ``color=True``, colours what it wrote (gcc's
    colours: severity words, rule ids, the verdict)."""
    def write_maybe_painted(audit: Audit, out: TextIO, *, color: bool = False,
                            **options: str) -> None:
        if not color:
            writer(audit, out, **options)
            return
        buffer = io.StringIO()
        writer(audit, buffer, **options)
        out.writelines(paint(line) for line in buffer.getvalue().splitlines(keepends=True))
    return functools.wraps(writer)(write_maybe_painted)


@_painted
def write(audit: Audit, out: TextIO, arches: str = "changed", verbose: bool = False) -> None:
    """The full report. In a series, the arch table lists the arches whose
    bit, mask or uses changed; ``arches="all"`` lists every arch. A series
    of many flags is shown as one change (findings, grouped intent, each
    changed arch's bit layout); ``verbose`` adds every flag's detail."""
    if is_treewide(audit) and not verbose:
        _write_treewide(audit, out)
        out.write(total_line(audit) + "\n")
        return
    if audit.mode == "series":
        _write_series(audit, out)
    else:
        _write_tree(audit, out)
    for part in audit.per_symbol:
        out.write("\n")
        if len(audit.symbols) > 1:
            out.write(f"{part.symbol}:\n")
        _write_arch_summary(part, out, every_arch=arches == "all")
    if is_treewide(audit):
        _write_layouts(audit, out)
    out.write(total_line(audit) + "\n")


def _write_treewide(audit: Audit, out: TextIO) -> None:
    """Findings first, then the intent grouped, the commits, and the bit
    layout of every arch the series changes."""
    n = len(audit.commits)
    names = audit.symbols
    out.write(f"{len(names)} flags: series {(audit.base_rev or '')[:12]}.."
              f"{(audit.rev or '')[:12]} in {audit.tree}, {n} commit{'s' * (n != 1)}\n")
    verdict = "clean" if not audit.count(Severity.ERROR) else "NOT clean"
    out.write(f"verdict: {verdict}\n")
    _write_findings(sorted(audit.findings, key=lambda f: f.sort_key), out)
    out.write("\nintent:\n")
    out.writelines(f"  {line}\n" for line in intent_groups(audit))
    out.write("  (each flag's intent: --verbose, or --symbol TIF_X; JSON has all)\n")
    out.write("\ncommits:\n")
    for number, commit in enumerate(audit.commits, 1):
        counts = Counter(f.severity for f in commit.findings)
        found = ", ".join(f"{counts[s]} {s}{'s' * (counts[s] != 1)}"
                          for s in Severity if counts[s])
        merge = " (merge)" if commit.merge else ""
        label = commit.mail.patch if commit.mail else f"{number}/{n} {commit.sha[:12]}"
        out.write(f"  {label}{merge} {commit.subject}{f'  [{found}]' if found else ''}\n")
    _write_layouts(audit, out)


def _write_layouts(audit: Audit, out: TextIO) -> None:
    layouts = changed_layouts(audit)
    if not layouts:
        return
    out.write("\nbit layout of each changed arch, base -> head "
              "(g: from the generic header, !: collision inside the series):\n")
    for layout in layouts:
        _write_layout(layout, out)


def _write_layout(layout: ArchLayout, out: TextIO) -> None:
    how = " (moves onto the generic bits)" if layout.switched else ""
    out.write(f"{layout.arch}{how}:\n")
    for row in layout.rows:
        before = "+".join(row.before) or "-"
        after = "+".join(row.after) or "-"
        out.write(f" {'!' if row.collision else ' '}{row.bit:>3}  {before:<24} -> {after}\n")
    for f in layout.collisions:
        out.write(f"  ! {f.message}\n")


@_painted
def write_terse(audit: Audit, out: TextIO, arches: str = "changed", verbose: bool = False
                ) -> None:
    """One line per finding, nothing else: what editors and CI annotate."""
    out.writelines(f"{f}\n" for f in sorted(audit.findings, key=lambda f: f.sort_key))


@_painted
def write_quiet(audit: Audit, out: TextIO, arches: str = "changed", verbose: bool = False
                ) -> None:
    """The findings and the total line."""
    write_terse.__wrapped__(audit, out)
    out.write(total_line(audit) + "\n")


# SGR sequences, as gcc and git use them.
_SEVERITY_COLOR = {"error": "\033[1;31m", "warning": "\033[1;35m", "note": "\033[1;36m"}
_BOLD, _GREEN, _RESET = "\033[1m", "\033[1;32m", "\033[m"
_FINDING = re.compile(r"^(?P<where>(?:[^\n]*?:\d+(?::\d+)?: )?)(?P<severity>error|warning|note)"
                      r"(?P<message>: .*) \[(?P<rule>[a-z][a-z-]*)\](?P<end>\n?)$")
_VERDICT = re.compile(r"^verdict: (?P<verdict>clean|NOT clean)(?P<end>\n?)$")


def paint(line: str) -> str:
    """One line of a text report with terminal colours."""
    found = _FINDING.match(line)
    if found:
        color = _SEVERITY_COLOR[found["severity"]]
        where = f"{_BOLD}{found['where']}{_RESET}" if found["where"] else ""
        return (f"{where}{color}{found['severity']}{_RESET}{found['message']} "
                f"[{color}{found['rule']}{_RESET}]{found['end']}")
    verdict = _VERDICT.match(line)
    if verdict:
        color = _GREEN if verdict["verdict"] == "clean" else _SEVERITY_COLOR["error"]
        return f"verdict: {color}{verdict['verdict']}{_RESET}{verdict['end']}"
    return line


def _write_tree(audit: Audit, out: TextIO) -> None:
    where = audit.tree + (f" at {audit.rev[:12]}" if audit.rev else "")
    for number, part in enumerate(audit.per_symbol):
        head = part.head
        occurrences = head.all_occurrences()
        files = len(head.occurrences)
        out.write("\n" * (number > 0) + f"{part.symbol} in {where}: {len(occurrences)} "
                  f"occurrence{'s' * (len(occurrences) != 1)} in {files} "
                  f"file{'s' * (files != 1)}\n")
        for title, kinds in _SECTIONS:
            items = [o for o in occurrences if o.kind in kinds]
            if items:
                out.write(f"\n{title} ({len(items)}):\n")
                out.writelines(occurrence_line(o) + "\n" for o in items)
    _write_findings(audit.findings, out)


def _write_series(audit: Audit, out: TextIO) -> None:
    n = len(audit.commits)
    flags = ", ".join(audit.symbols) or "no flag"
    if audit.mail is None:
        out.write(f"{flags}: series {(audit.base_rev or '')[:12]}..{(audit.rev or '')[:12]} "
                  f"in {audit.tree}, {n} commit{'s' * (n != 1)}\n")
    else:
        _write_mail(audit, flags, out)
    for symbol, line in audit.intent_lines.items():
        out.write(f"intent: {line}\n" if len(audit.intent_lines) == 1 else
                  f"intent of {symbol}: {line}\n")
    for number, commit in enumerate(audit.commits, 1):
        merge = " (merge)" if commit.merge else ""
        if commit.mail:
            msgid = f" <{commit.mail.message_id}>" if commit.mail.message_id else ""
            out.write(f"\npatch {commit.mail.patch}{msgid} {commit.subject}\n")
        else:
            out.write(f"\ncommit {number}/{n} {commit.sha[:12]}{merge} {commit.subject}\n")
        out.write(f"  removed: {_counts(commit.removed)}; added: {_counts(commit.added)}\n")
        out.writelines(f"{f}\n" for f in sorted(commit.findings, key=lambda f: f.sort_key))
    at_head = [f for f in audit.findings if f.commit is None]
    if audit.inventory:
        out.write("\n")
        for part in audit.per_symbol:
            head = part.head
            left, files = len(head.all_occurrences()), len(head.occurrences)
            of = f" of {part.symbol}" if len(audit.symbols) > 1 else ""
            out.write(f"after the series: {left} occurrence{'s' * (left != 1)}{of} in "
                      f"{files} file{'s' * (files != 1)}\n")
    else:
        out.write("\nafter the series: the tree was not read (no commit changes a line "
                  "naming the flag, a flag header or an arch Kconfig)\n")
    out.writelines(f"{f}\n" for f in at_head)
    verdict = "clean" if not audit.count(Severity.ERROR) else "NOT clean"
    out.write(f"verdict: {verdict}\n")


def _write_mail(audit: Audit, flags: str, out: TextIO) -> None:
    """The head of an mbox audit: what was read, the base and how it was
    chosen, and what was left aside (temporary commit ids are not shown)."""
    mail = audit.mail
    assert mail is not None
    n = len(audit.commits)
    versions = "" if len(mail.versions) < 2 else \
        f" (the newest of versions {', '.join(f'v{v}' for v in mail.versions)})"
    out.write(f"{flags}: {mail.source}, v{mail.version}{versions}, {n} patch"
              f"{'es' * (n != 1)} onto {(audit.base_rev or '')[:12]} in {audit.tree}\n")
    out.write(f"base: {(audit.base_rev or '')[:12]}, {mail.base_how}\n")
    if mail.hunks != mail.applied:
        out.write(f"applied: {mail.applied} of {mail.hunks} hunks\n")
    for merged in mail.merged:
        out.write(f"applied with --3way: {merged}\n")
    if mail.missing:
        out.write(f"missing from the mbox: {_patch_runs(mail.missing)}\n")
    if mail.prerequisites:
        out.write(f"prerequisite patches (not in the mbox): {len(mail.prerequisites)}\n")
    out.writelines(f"skipped {line}\n" for line in mail.skipped)


def _counts(counter: Counter[Kind]) -> str:
    parts = [f"{n} {kind}{'s' * (n != 1)}" for kind, n in sorted(counter.items()) if n]
    return ", ".join(parts) if parts else "nothing"


def _write_findings(findings: Iterable[Finding], out: TextIO) -> None:
    findings = list(findings)
    if findings:
        out.write(f"\nfindings ({len(findings)}):\n")
        out.writelines(f"{f}\n" for f in findings)


def _write_arch_summary(audit: Audit, out: TextIO, every_arch: bool = True) -> None:
    """One row per arch, and one for the generic header: the flag's bit and
    mask as the arch sees it (before → after in a series; ``g``: from the
    generic header, ``f``: a common fallback), the references in that arch's
    own code (not counting the flag inside its own mask), the flags word's
    width in each kernel the arch builds. In a series, unless ``every_arch``,
    only the arches where the bit, the mask or the uses changed."""
    head, base = audit.head, audit.base
    symbol, mask = audit.symbol, "_" + audit.symbol
    uses = _uses_by_arch(head)
    arches = sorted(head.arches | (base.arches if base else frozenset()))
    if not arches:
        return
    unchanged = 0
    if base and not every_arch:
        before = _uses_by_arch(base)
        shown = [a for a in arches
                 if (_bit(base, a, symbol), _mask(base, a, mask), before[a])
                 != (_bit(head, a, symbol), _mask(head, a, mask), uses[a])]
        unchanged, arches = len(arches) - len(shown), shown
    bw, mw = (12, 10) if base else (6, 5)  # before -> after needs wider columns
    out.write(f"{'arch':<12} {'bit':>{bw}} {'mask':>{mw}} {'uses':>5} {'width':>6}\n")

    def row(label: str, bit: Callable[[Snapshot], str], masked: Callable[[Snapshot], str],
            width: str, note: str = "") -> None:
        bits = f"{bit(base)} -> {bit(head)}" if base and label != COMMON else bit(head)
        masks = f"{masked(base)} -> {masked(head)}" if base and label != COMMON else masked(head)
        key = None if label == COMMON else label
        line = f"{label:<12} {bits:>{bw}} {masks:>{mw}} {uses[key]:>5} {width:>6}{note}"
        out.write(line.rstrip() + "\n")

    for arch in arches:
        view = head.views.get(arch)
        row(arch, lambda s, a=arch: _bit(s, a, symbol), lambda s, a=arch: _mask(s, a, mask),
            "/".join(str(w) for w in view.widths) if view else "-",
            "  generic bits" if arch in head.generic_arches else "")
    generic = [t for s in (base, head) if s for t in s.tables_of(GENERIC)]
    if generic and base and not every_arch and all(
            f(base) == f(head) for f in (_generic_bit(symbol), _generic_mask(mask))):
        generic, unchanged = [], unchanged + 1
    if generic:
        row(GENERIC, _generic_bit(symbol), _generic_mask(mask), str(generic[-1].width),
            "  include/asm-generic/thread_info_tif.h")
    row(COMMON, lambda s: "", lambda s: "", "")
    if unchanged:
        out.write(f"({unchanged} more unchanged: --arches all lists them)\n")


def _generic_bit(symbol: str) -> Callable[[Snapshot], str]:
    return lambda s: "/".join(str(b.value) for t in s.tables_of(GENERIC)
                              if (b := t.bit(symbol))) or "-"


def _generic_mask(mask: str) -> Callable[[Snapshot], str]:
    return lambda s: "yes" if any(t.mask(mask) for t in s.tables_of(GENERIC)) else "-"


def _uses_by_arch(snapshot: Snapshot) -> Counter[str | None]:
    """References per arch (None: common code), without the flag's use
    inside its own mask definition."""
    return Counter(o.arch for o in snapshot.code_occurrences()
                   if o.kind is Kind.USE and not snapshot.in_own_mask(o))


def _bit(snapshot: Snapshot, arch: str, symbol: str) -> str:
    """The flag's bit on one arch: per own header (sparc has two), else the
    generic (g) or fallback (f) bit it takes."""
    own = [str(b.value if b.value is not None else b.expr)
           for t in snapshot.tables_of(arch) if (b := t.bit(symbol))]
    if own:
        return "/".join(own)
    view = snapshot.views.get(arch)
    seen = view.bit(symbol) if view else None
    if seen is None:
        return "-"
    return f"{seen.origin[0]}{seen.value if seen.value is not None else '?'}"


def _mask(snapshot: Snapshot, arch: str, mask: str) -> str:
    if any(t.mask(mask) for t in snapshot.tables_of(arch)):
        return "yes"
    view = snapshot.views.get(arch)
    seen = view.mask(mask) if view else None
    return f"{seen.origin[0]}:yes" if seen else "-"


def _patch_runs(labels: Sequence[str]) -> str:
    """``1/63, 2/63, … 38/63, 40/63`` as ``1/63 to 38/63, 40/63``: a partial
    series of a long backport in one line. Labels not of the ``n/m`` form
    stay as they are."""
    parts: list[str] = []
    run: list[tuple[int, str]] = []

    def close() -> None:
        if len(run) >= 3:
            parts.append(f"{run[0][1]} to {run[-1][1]}")
        else:
            parts.extend(label for _, label in run)
        run.clear()

    for label in labels:
        number, _, total = label.partition("/")
        if not (number.isdigit() and total.isdigit()):
            close()
            parts.append(label)
            continue
        if run and (int(number) != run[-1][0] + 1 or not run[-1][1].endswith("/" + total)):
            close()
        run.append((int(number), label))
    close()
    return ", ".join(parts)
