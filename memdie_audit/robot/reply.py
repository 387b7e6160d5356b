"""The reply draft, in the manner of the kernel test robot: what was
audited where, the findings that matter (errors and warnings, at most a
screenful per tree), and how to reproduce them. Plain text, never sent,
and no trailer that would claim a person (no Reported-by, no Signed-off-by).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .. import __version__
from ..result import Audit, Finding, Severity

if TYPE_CHECKING:
    from ..sources.mail import MailInput
    from .followed import Tree

SHOWN = 20  # findings per tree; the report holds the rest
DOES_NOT_APPLY = "patch-does-not-apply"


def reply_text(record: dict[str, Any], mail: MailInput, trees: tuple[Tree, ...],
               audits: dict[str, Audit], summary: dict[str, Any]) -> str:
    thread = mail.thread
    first = thread.cover_id or (thread.patches[0].message_id if thread.patches else None)
    subject = " ".join((record.get("subject") or "").split())
    prefix = f"PATCH v{record['version']}" if record["version"] > 1 else "PATCH"
    if thread.cover_id:
        prefix += f" 0/{record['total']}"
    lines = [f"Subject: Re: [{prefix}] {subject}",
             *([f"In-Reply-To: <{first}>"] if first else []), "",
             f"Hi {record.get('author') or 'there'},", "",
             "memdie-audit, a static checker for changes to thread-info flags (TIF_*),",
             "read your series and audited it with --changed-flags against the trees",
             "below. This is a draft for a human to read, edit and send (or not).", ""]
    missing = summary.get("missing") or []
    arrived = len(thread.patches)
    lines.append(f"series: {arrived} of {max(p.total for p in thread.patches)} patches"
                 + (f" (not yet seen: {', '.join(missing)})" if missing else ""))
    lines.append("")
    for tree in trees:
        audit, told = audits[tree.name], summary["trees"][tree.name]
        at = tree.sha[:12] if tree.sha.startswith(tree.rev) else f"{tree.rev} = {tree.sha[:12]}"
        lines.append(f"tree: {tree.name} ({at})")
        lines.append(f"  applied: {told['applied']} of {told['of']} patches; "
                     f"verdict: {told['verdict']}, {told['errors']} errors, "
                     f"{told['warnings']} warnings")
        if audit.intent_lines:
            for name, line in sorted(audit.intent_lines.items()):
                lines.append(f"  intent{' of ' + name if name else ''}: {line}")
        lines += _where_it_fails(audit)
        worth = [f for f in audit.findings
                 if f.severity is not Severity.NOTE and f.rule != DOES_NOT_APPLY]
        if worth:
            lines.append("")
            for f in worth[:SHOWN]:
                where = f" (patch {f.patch})" if f.patch else ""
                lines.append(f"  {f}{where}")
            if len(worth) > SHOWN:
                lines.append(f"  … and {len(worth) - SHOWN} more in {tree.name}.html")
        lines.append("")
    lines += ["reproduce:",
              f"  b4 am -o - {first or '<message-id>'} > series.mbx",
              *(f"  memdie-audit {t.path} --mbox series.mbx --base {t.sha[:12]} --changed-flags"
                for t in trees), "",
              "-- ",
              f"memdie-audit {__version__} watch: an automated draft, not sent.", ""]
    return "\n".join(lines)


def _where_it_fails(audit: Audit) -> list[str]:
    """One line per patch that does not apply: how many hunks, and the first."""
    failed: dict[str, list[Finding]] = {}
    for f in audit.findings:
        if f.rule == DOES_NOT_APPLY:
            failed.setdefault(f.patch or "?", []).append(f)
    return [f"  patch {patch} does not apply cleanly here: {len(found)} hunk(s) rejected, first in "
            f"{found[0].path}:{found[0].line}"
            for patch, found in sorted(failed.items(), key=lambda item: _number(item[0]))]


def _number(label: str) -> int:
    head = label.split("/")[0]
    return int(head) if head.isdigit() else 0
