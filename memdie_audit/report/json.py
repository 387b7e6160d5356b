"""``--format json``: the contract other tools rely on (DESIGN.md, "JSON").

The document's shape is described by ``schema/audit.schema.json``, shipped
with the package and checked by the tests; ``schema_version`` changes when
a field changes meaning or goes away (fields may be added within a version).
"""

from __future__ import annotations

import json
from typing import Any, TextIO

from .. import __version__
from ..kernel.model import FlagDef, FlagTable, Occurrence
from ..kernel.snapshot import Snapshot
from ..result import Audit, CommitAudit, Finding, Location, MailSeries, Severity

SCHEMA_VERSION = 2


def occurrence_json(o: Occurrence, symbol: str) -> dict[str, Any]:
    found = {"symbol": symbol, "path": o.path, "line": o.line, "column": o.column,
             "kind": o.kind.value, "arch": o.arch, "function": o.function, "text": o.text}
    if o.via:
        found["via"] = o.via
    return found


def _location(at: Location | None) -> dict[str, Any] | None:
    return None if at is None else {"path": at.path, "line": at.line, "column": at.column}


def finding_json(f: Finding) -> dict[str, Any]:
    window = None
    if f.window:
        window = {"first": f.window.first, "last": f.window.last,
                  "first_sha": f.window.first_sha, "last_sha": f.window.last_sha,
                  "repaired_by": f.window.repaired_by, "repaired_sha": f.window.repaired_sha}
    return {"rule": f.rule, "severity": f.severity.value, "symbol": f.symbol, "path": f.path,
            "line": f.line, "column": f.column, "arch": f.arch, "commit": f.commit,
            "patch": f.patch, "message_id": f.message_id, "message": f.message,
            "arches": list(f.arches), "window": window,
            "related": [{"path": r.path, "line": r.line, "arch": r.arch, "message": r.message}
                        for r in f.related],
            "at_head": _location(f.at_head if f.commit else
                                 (Location(f.path, f.line, f.column) if f.path else None))}


def _flag_json(f: FlagDef, key: str, symbols: tuple[str, ...]) -> dict[str, Any]:
    name = f.name.lstrip("_")
    return {"name": f.name, "symbol": name if name in symbols else None, key: f.value,
            "expr": f.expr, "line": f.line, "condition": f.condition}


def table_json(t: FlagTable, symbols: tuple[str, ...]) -> dict[str, Any]:
    return {"arch": t.arch, "path": t.path, "width": t.width,
            "flags": [_flag_json(f, "bit", symbols) for f in t.bits],
            "masks": [_flag_json(f, "value", symbols) for f in t.masks]}


def arches_json(head: Snapshot) -> list[dict[str, Any]]:
    """What each arch sees: its effective flag set (own, generic, fallback)."""
    return [{"arch": view.arch, "generic": view.generic, "switches": sorted(view.switches),
             "widths": list(view.widths),
             "flags": [{"name": f.name, "bit": f.value, "path": f.path, "origin": f.origin,
                        "condition": f.condition} for f in view.bits],
             "masks": [{"name": f.name, "value": f.value, "path": f.path, "origin": f.origin,
                        "condition": f.condition} for f in view.masks]}
            for view in head.views.values()]


def _commit_json(c: CommitAudit) -> dict[str, Any]:
    mail = None
    if c.mail:
        m = c.mail
        mail = {"message_id": m.message_id, "patch": m.patch, "version": m.version,
                "subject": m.subject, "author": m.author, "date": m.date, "link": m.link}
    return {"sha": c.sha, "temporary": c.temporary, "subject": c.subject, "author": c.author,
            "date": c.date, "merge": c.merge, "mail": mail,
            "removed": {k.value: n for k, n in sorted(c.removed.items())},
            "added": {k.value: n for k, n in sorted(c.added.items())},
            "states": {arch: s.state for arch, s in c.arch_states.items()},
            "findings": [finding_json(f) for f in c.findings]}


def _mail_json(mail: MailSeries) -> dict[str, Any]:
    return {"source": mail.source, "version": mail.version, "versions": list(mail.versions),
            "base_how": mail.base_how, "cover": mail.cover,
            "prerequisite_patch_ids": list(mail.prerequisites), "skipped": list(mail.skipped),
            "missing": list(mail.missing), "hunks": mail.hunks, "applied": mail.applied,
            "merged": list(mail.merged)}


def audit_json(audit: Audit) -> dict[str, Any]:
    head = audit.head
    occurrences = [(part.symbol, o) for part in audit.per_symbol
                   for o in part.head.all_occurrences()]
    files = {o.path for _, o in occurrences}
    return {
        "tool": "memdie-audit",
        "schema_version": SCHEMA_VERSION,
        "version": __version__,
        "symbol": audit.symbol or None,
        "symbols": list(audit.symbols),
        "mode": audit.mode,
        "rev": audit.rev,
        "base": audit.base_rev,
        "intent": dict(audit.intent),
        "occurrences": ([occurrence_json(o, symbol) for symbol, o in occurrences]
                        if audit.inventory else None),
        "flag_tables": [table_json(head.tables[p], audit.symbols) for p in sorted(head.tables)],
        "arches": arches_json(head),
        "commits": [_commit_json(c) for c in audit.commits],
        **({"mail": _mail_json(audit.mail)} if audit.mail else {}),
        "findings": [finding_json(f) for f in audit.findings],
        "summary": {"errors": audit.count(Severity.ERROR),
                    "warnings": audit.count(Severity.WARNING),
                    "notes": audit.count(Severity.NOTE),
                    "occurrences": len(occurrences) if audit.inventory else None,
                    "files": len(files) if audit.inventory else None},
    }


def write(audit: Audit, out: TextIO) -> None:
    json.dump(audit_json(audit), out, indent=2)
    out.write("\n")
