"""The commits of a series and the files each one changes, read from git.

One ``git log --raw`` lists every change of the whole range, and one
``git cat-file --batch`` reads the new contents, so the cost grows with the
files the series touches, not with the size of the tree.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import git
from git.exc import GitError as GitPythonError
from gitdb.exc import ODBError

from ..errors import AuditError
from . import gitcmd
from .trees import REGULAR_FILE_MODES


@dataclass(frozen=True)
class Change:
    """One path changed by one commit (against its first parent)."""

    path: str
    new_blob: str | None  # None: deleted, or no longer a regular file


@dataclass
class Commit:
    sha: str
    parent: str | None
    subject: str
    author: str
    date: str
    merge: bool
    changes: list[Change] = field(default_factory=list)


def parse_range(text: str) -> tuple[str, str]:
    """``BASE..HEAD`` → (BASE, HEAD)."""
    if "..." in text:
        raise AuditError(f"--series {text!r}: give BASE..HEAD (two dots), not a symmetric range")
    base, sep, head = text.partition("..")
    if not sep or not base or not head:
        raise AuditError(f"--series {text!r}: expected BASE..HEAD")
    return base, head


def series_commits(top: Path, base: str, head: str, env: dict[str, str] | None = None
                   ) -> list[Commit]:
    """Commits of ``base..head`` along the first-parent line, oldest first,
    with the files each one changes."""
    try:
        repo = git.Repo(top)
    except GitPythonError as err:
        raise AuditError(f"{top}: cannot open the repository: {err}") from None
    if env:
        repo.git.update_environment(**env)
    try:
        listed = list(repo.iter_commits(f"{base}..{head}", first_parent=True, reverse=True))
        commits = [Commit(c.hexsha, c.parents[0].hexsha if c.parents else None, c.summary
                          if isinstance(c.summary, str) else c.summary.decode("utf-8", "replace"),
                          f"{c.author.name} <{c.author.email}>",
                          c.authored_datetime.isoformat(), len(c.parents) > 1)
                   for c in listed]
    except (GitPythonError, ODBError, ValueError) as err:
        raise AuditError(f"cannot read the commits of {base}..{head}: {err}") from None
    finally:
        repo.close()
    by_sha = {c.sha: c for c in commits}
    for sha, changes in _raw_changes(top, base, head, env):
        if sha in by_sha:
            by_sha[sha].changes = changes
    return commits


def _raw_changes(top: Path, base: str, head: str, env: dict[str, str] | None
                 ) -> Iterator[tuple[str, list[Change]]]:
    out = gitcmd.run(top, "log", "--first-parent", "--no-renames", "--diff-merges=first-parent",
                    "--raw", "--no-abbrev", "-z", "--format=%x01%H", f"{base}..{head}", "--",
                    env=env)
    for chunk in out.split(b"\x01")[1:]:
        sha, _, rest = chunk.partition(b"\0")
        fields = rest.lstrip(b"\n").split(b"\0")
        changes = []
        for meta, path in zip(fields[0::2], fields[1::2], strict=False):
            if not meta.startswith(b":"):
                continue
            _, new_mode, _, new_sha, _status = meta[1:].decode().split(" ")
            keep = new_mode in REGULAR_FILE_MODES
            changes.append(Change(path.decode("utf-8", "surrogateescape"),
                                  new_sha if keep else None))
        yield sha.decode(), changes


def read_changes(top: Path, commit: Commit, env: dict[str, str] | None = None
                 ) -> dict[str, bytes | None]:
    """The new contents of every file a commit changes (None: deleted)."""
    blobs = gitcmd.read_blobs(top, [c.new_blob for c in commit.changes if c.new_blob], env=env)
    return {c.path: blobs.get(c.new_blob) if c.new_blob else None for c in commit.changes}
