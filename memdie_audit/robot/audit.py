"""One series against each followed tree: the mail mode's pipeline
(:func:`~memdie_audit.api.audit_mail` with ``--changed-flags``), its JSON
and HTML reports per tree, the reply draft, and ``result.json`` last — the
mark that the series is done for exactly these messages and trees.

Runs in a worker process with ``--jobs N``: everything it needs comes in
a :class:`Job`, everything it tells comes back as plain data.
"""

from __future__ import annotations

import hashlib
import io
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .. import api
from ..errors import AuditError, GitError
from ..report import html as html_report
from ..report import json as json_report
from ..result import Audit, Severity
from ..sources.mail import mail_input
from .followed import Tree
from .reply import reply_text
from .store import json_bytes, read_json, write_if_changed

RESULT = "result.json"
DOES_NOT_APPLY = "patch-does-not-apply"


@dataclass(frozen=True)
class Job:
    key: str
    folder: Path  # DIR/series/<key>
    record: dict[str, Any]  # the series as assembled (series.Assembly)
    messages: tuple[bytes, ...]  # cover first, then the patches in n/m order
    trees: tuple[Tree, ...]
    digest: str


def digest(record: dict[str, Any], trees: tuple[Tree, ...]) -> str:
    """What a series' result depends on: its messages and the trees' commits."""
    from .series import refs

    text = "\0".join([*(r["blob"] for r in refs(record)),
                      *(f"{t.name}={t.sha}" for t in trees), str(record.get("refused"))])
    return hashlib.sha256(text.encode()).hexdigest()


def is_done(folder: Path, wanted: str) -> bool:
    """Does the folder already hold the result of exactly this input (a run
    killed after writing it, before saving the state)?"""
    result = read_json(folder / RESULT)
    return isinstance(result, dict) and result.get("digest") == wanted


def mbox_of(messages: tuple[bytes, ...]) -> bytes:
    """The messages as one mboxrd (``From `` lines in bodies escaped)."""
    from ..sources.messages import escape_from

    return b"".join(b"From memdie-audit-watch Thu Jan  1 00:00:00 1970\n"
                    + escape_from(m).rstrip(b"\n") + b"\n\n" for m in messages)


def run_job(job: Job) -> dict[str, Any]:
    """Audit the series against every tree and write its folder; the
    summary the index shows (a hostile series: skipped, with the reason)."""
    record = job.record
    summary: dict[str, Any] = {"key": job.key, "digest": job.digest, "trees": {},
                               "skipped": None, "missing": []}
    try:
        mail = mail_input(mbox_of(job.messages), f"series {job.key}")
        summary["missing"] = list(mail.thread.missing)
        audits = {}
        for tree in job.trees:
            audit = api.audit_mail(tree.path, mail, base=tree.sha, changed=True)
            audits[tree.name] = audit
            summary["trees"][tree.name] = _tree_summary(audit, len(mail.thread.patches),
                                                        tree.name)
            _write_reports(job.folder, tree.name, audit)
        write_if_changed(job.folder / "reply.txt",
                         reply_text(record, mail, job.trees, audits, summary).encode())
    except (AuditError, GitError) as err:
        summary = {**summary, "trees": {}, "skipped": str(err)}
    except (ValueError, LookupError, UnicodeError, RecursionError, MemoryError) as err:
        # Hostile mail that got past the checks costs its series, not the run.
        summary = {**summary, "trees": {}, "skipped": f"{type(err).__name__}: {err}"[:300]}
    write_if_changed(job.folder / RESULT, json_bytes(summary))
    return summary


def _tree_summary(audit: Audit, patches: int, name: str) -> dict[str, Any]:
    failed = {c.sha for c in audit.commits
              if any(f.rule == DOES_NOT_APPLY for f in c.findings)}
    applied = sum(1 for c in audit.commits if c.sha not in failed)
    errors, warnings = audit.count(Severity.ERROR), audit.count(Severity.WARNING)
    if applied == 0:
        verdict = "does not apply"
    elif not audit.symbols:
        verdict = "changes no flag"
    else:
        verdict = "clean" if errors == 0 else "NOT clean"
    return {"applied": applied, "of": patches, "verdict": verdict, "errors": errors,
            "warnings": warnings, "flags": list(audit.symbols),
            "report": f"{name}.html", "json": f"{name}.json"}


def _write_reports(folder: Path, name: str, audit: Audit) -> None:
    text = io.StringIO()
    json_report.write(audit, text)
    write_if_changed(folder / f"{name}.json", text.getvalue().encode())
    write_if_changed(folder / f"{name}.html", html_report.render_html(audit).encode())
