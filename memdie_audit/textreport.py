"""Compiler-style text: one line per item, ``path:line:col:`` first, so that
editors' quickfix lists and grep work on it."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TextIO

from .audit import Audit
from .model import Finding, Kind, Occurrence, Severity

_SECTIONS = (
    ("definitions", (Kind.DEFINITION,)),
    ("masks", (Kind.MASK,)),
    ("uses", (Kind.USE,)),
    ("comments, strings and docs", (Kind.COMMENT, Kind.STRING, Kind.DOC)),
)


def occurrence_line(o: Occurrence) -> str:
    text = " ".join(o.text.split())
    where = f" (in {o.function})" if o.function else ""
    return f"{o.path}:{o.line}:{o.column}: {o.kind}: {text}{where}"


def total_line(audit: Audit) -> str:
    e, w, n = (audit.count(s) for s in (Severity.ERROR, Severity.WARNING, Severity.NOTE))
    return (f"total: {e} error{'s' * (e != 1)}, {w} warning{'s' * (w != 1)}, "
            f"{n} note{'s' * (n != 1)}")


def write_text(audit: Audit, out: TextIO) -> None:
    head = audit.head
    occurrences = head.all_occurrences()
    where = audit.tree + (f" at {audit.rev[:12]}" if audit.rev else "")
    out.write(f"{audit.symbol} in {where}: {len(occurrences)} occurrence"
              f"{'s' * (len(occurrences) != 1)} in {len(head.occurrences)} files\n")
    for title, kinds in _SECTIONS:
        items = [o for o in occurrences if o.kind in kinds]
        if items:
            out.write(f"\n{title} ({len(items)}):\n")
            out.writelines(occurrence_line(o) + "\n" for o in items)
    _write_findings(audit.findings, out)
    out.write("\n")
    _write_arch_summary(audit, out)
    out.write(total_line(audit) + "\n")


def _write_findings(findings: Iterable[Finding], out: TextIO) -> None:
    findings = list(findings)
    if findings:
        out.write(f"\nfindings ({len(findings)}):\n")
        out.writelines(f"{f}\n" for f in findings)


def _write_arch_summary(audit: Audit, out: TextIO) -> None:
    head = audit.head
    symbol, mask = audit.symbol, "_" + audit.symbol
    uses: dict[str | None, int] = {}
    for o in head.code_occurrences():
        if o.kind is Kind.USE:
            uses[o.arch] = uses.get(o.arch, 0) + 1
    rows = []
    for arch in sorted(head.arches | {t.arch for t in head.tables.values() if t.arch}):
        tables = head.tables_of(arch)
        bits = [str(b.value if b.value is not None else b.expr)
                for t in tables if (b := t.bit(symbol))]
        masked = any(t.mask(mask) for t in tables)
        note = "generic bits" if arch in head.generic_arches else ""
        widths = "/".join(sorted({str(t.width) for t in tables})) or "-"
        rows.append((arch, "/".join(bits) or "-", "yes" if masked else "-",
                     str(uses.get(arch, 0)), widths, note))
    if not rows:
        return
    out.write(f"{'arch':<12} {'bit':>6} {'mask':>5} {'uses':>5} {'width':>6}\n")
    for arch, bit, masked, used, width, note in rows:
        out.write(f"{arch:<12} {bit:>6} {masked:>5} {used:>5} {width:>6}"
                  f"{'  ' + note if note else ''}\n")
    out.write(f"{'common code':<12} {'':>6} {'':>5} {uses.get(None, 0):>5}\n")
