"""The source lines around each finding, read once after an audit so that
reports can show them (an mbox's temporary commits are gone by then)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from .result import Audit
from .sources.trees import GitTree

RADIUS = 3  # lines before and after a finding's line

# Reads some paths at a commit (None: the audited tree itself).
Reader = Callable[[str | None, list[str]], dict[str, bytes]]


def attach_context(audit: Audit, read: Reader) -> None:
    """Fill ``audit.source_context`` for every finding with a location, from
    the file as it is at the finding's commit (the audited tree otherwise)."""
    wanted: dict[str | None, set[str]] = {}
    for f in audit.findings:
        if f.path and f.line:
            wanted.setdefault(f.commit, set()).add(f.path)
    for commit, paths in wanted.items():
        contents = read(commit, sorted(paths))
        for f in audit.findings:
            if f.commit == commit and f.path in contents and f.line:
                key = (commit, f.path, f.line)
                if key not in audit.source_context:
                    audit.source_context[key] = lines_around(contents[f.path], f.line)


def attach_series_context(audit: Audit, top: Path, env: dict[str, str] | None = None) -> None:
    """:func:`attach_context` for a series audit of repository ``top``: each
    file is read at the finding's commit, or at the series' head."""
    attach_context(audit, lambda commit, paths: GitTree(top, commit or audit.rev, env=env)
                   .read(paths))


def lines_around(data: bytes, line: int, radius: int = RADIUS) -> list[tuple[int, str]]:
    """Numbered lines ``line - radius`` to ``line + radius`` of a file (none
    if it has no such line)."""
    lines = data.split(b"\n")
    if not 1 <= line <= len(lines):
        return []
    low, high = max(1, line - radius), min(len(lines), line + radius)
    return [(n, lines[n - 1].rstrip(b"\r").decode("utf-8", "replace")[:400])
            for n in range(low, high + 1)]
