"""``--format json``: the contract other tools rely on (see DESIGN.md)."""

from __future__ import annotations

import json
from typing import Any, TextIO

from .. import __version__
from ..kernel.model import FlagDef, FlagTable, Occurrence
from ..result import Audit, Finding, Severity


def occurrence_json(o: Occurrence) -> dict[str, Any]:
    return {"path": o.path, "line": o.line, "column": o.column, "kind": o.kind.value,
            "arch": o.arch, "function": o.function, "text": o.text}


def finding_json(f: Finding) -> dict[str, Any]:
    return {"rule": f.rule, "severity": f.severity.value, "path": f.path, "line": f.line,
            "column": f.column, "arch": f.arch, "commit": f.commit, "message": f.message}


def _flag_json(f: FlagDef, key: str) -> dict[str, Any]:
    return {"name": f.name, key: f.value, "expr": f.expr, "line": f.line,
            "condition": f.condition}


def table_json(t: FlagTable) -> dict[str, Any]:
    return {"arch": t.arch, "path": t.path, "width": t.width,
            "flags": [_flag_json(f, "bit") for f in t.bits],
            "masks": [_flag_json(f, "value") for f in t.masks]}


def audit_json(audit: Audit) -> dict[str, Any]:
    head = audit.head
    occurrences = head.all_occurrences()
    return {
        "tool": "memdie-audit",
        "version": __version__,
        "symbol": audit.symbol,
        "mode": audit.mode,
        "rev": audit.rev,
        "base": audit.base_rev,
        "occurrences": [occurrence_json(o) for o in occurrences],
        "flag_tables": [table_json(head.tables[p]) for p in sorted(head.tables)],
        "commits": [{"sha": c.sha, "subject": c.subject, "author": c.author, "date": c.date,
                     "merge": c.merge,
                     "removed": {k.value: n for k, n in sorted(c.removed.items())},
                     "added": {k.value: n for k, n in sorted(c.added.items())},
                     "findings": [finding_json(f) for f in c.findings]}
                    for c in audit.commits],
        "findings": [finding_json(f) for f in audit.findings],
        "summary": {"errors": audit.count(Severity.ERROR),
                    "warnings": audit.count(Severity.WARNING),
                    "notes": audit.count(Severity.NOTE),
                    "occurrences": len(occurrences),
                    "files": len(head.occurrences)},
    }


def write(audit: Audit, out: TextIO) -> None:
    json.dump(audit_json(audit), out, indent=2)
    out.write("\n")
