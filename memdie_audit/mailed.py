"""What an audit of an emailed series adds to the walk's result: each
commit's mail identity, each finding's patch, the hunks that did not apply
(linked to what they left behind), and what the mbox held."""

from __future__ import annotations

from dataclasses import replace

from .result import Audit, Finding, MailIdentity, MailSeries, Related
from .rules import patch_does_not_apply
from .sources.mail import MailedSeries

# Findings a failed hunk can leave behind in its file or arch.
_LEFT_BEHIND = ("leftover-definition", "leftover-mask", "leftover-use", "stale-comment",
                "dangling-reference", "bisect-break")


def with_mail(audit: Audit, mailed: MailedSeries, source: str) -> Audit:
    """The walk's audit of ``mailed`` with everything the mail tells."""
    by_sha = {c.sha: c for c in mailed.commits}
    for commit in audit.commits:
        sent = by_sha.get(commit.sha)
        if sent is None:
            continue
        p = sent.patch
        commit.mail = MailIdentity(p.message_id, p.label, p.version, p.subject,
                                   f"{p.author} <{p.email}>" if p.email else p.author, p.date)
        commit.temporary = True
    failed: list[Finding] = []
    for position, sent in enumerate(mailed.commits):
        for r in sent.rejected:
            f = patch_does_not_apply(
                audit.symbol, patch=sent.patch.label, message_id=sent.patch.message_id,
                subject=sent.patch.subject, path=r.path, line=r.line, hunk=r.header,
                reason=r.reason, note=r.note, applied=sent.applied, hunks=sent.hunks,
                commit=sent.sha,
                mismatches=[(m.line, m.expected, m.found) for m in r.mismatches])
            failed.append(f)
            if position < len(audit.commits):
                audit.commits[position].findings.append(f)
    linked = _link(audit.findings, failed)
    labelled = {id(f): _labelled(linked.get(id(f), f), by_sha)
                for f in [*audit.findings, *failed]}
    findings = [labelled[id(f)] for f in [*audit.findings, *failed]]
    for commit in audit.commits:
        commit.findings[:] = [labelled.get(id(f), f) for f in commit.findings]
    thread = mailed.thread
    summary = MailSeries(
        source, mailed.base.how, thread.version, thread.versions, thread.cover_id,
        thread.prerequisites, tuple(thread.skipped), tuple(thread.missing),
        hunks=sum(c.hunks for c in mailed.commits),
        applied=sum(c.applied for c in mailed.commits),
        merged=tuple(f"{c.patch.label} {path}" for c in mailed.commits for path in c.merged))
    return replace(audit, findings=sorted(findings, key=lambda f: f.sort_key), mail=summary)


def _labelled(f: Finding, by_sha: dict) -> Finding:
    """The finding with its patch named, and every temporary commit id in
    its message (a bisect window's ends) replaced by its patch n/m."""
    message = f.message
    for sha, sent in by_sha.items():
        message = message.replace(sha[:12], f"patch {sent.patch.label}")
    if message != f.message:
        f = replace(f, message=message)
    sent = by_sha.get(f.commit) if f.commit else None
    if sent is None or f.patch:
        return f
    return replace(f, patch=sent.patch.label, message_id=sent.patch.message_id)


def _link(findings: list[Finding], failed: list[Finding]) -> dict[int, Finding]:
    """A failed hunk and what it left behind in the same file (or the same
    arch's definition) name each other in ``related``: two sites, one story."""
    changed: dict[int, Finding] = {}
    for fail in failed:
        behind = [f for f in findings if f.rule in _LEFT_BEHIND and f.commit is None and
                  (f.path == fail.path or fail.arch and f.arch == fail.arch
                   and f.rule in ("leftover-definition", "leftover-mask"))]
        if not behind:
            continue
        changed[id(fail)] = replace(fail, related=fail.related + tuple(
            Related(f.path, f.line, f.arch, f"left behind: {f.rule}: {f.message}")
            for f in behind))
        for f in behind:
            current = changed.get(id(f), f)
            changed[id(f)] = replace(current, related=current.related + (Related(
                fail.path, fail.line, fail.arch,
                f"patch {fail.patch} did not apply here: {fail.message}"),))
    return changed
