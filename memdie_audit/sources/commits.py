"""The commits of a series and the files each one changes, read from git.

One ``git log --raw`` lists every commit of the whole range with every
change it makes, and ``git cat-file --batch`` reads the new contents, many
commits' worth per process, so the cost grows with the files the series
touches, not with the size of the tree or the number of its commits. (Why
plain git and not GitPython: docs/design.md, "Design notes: git access".)
"""

from __future__ import annotations

import fnmatch
import os
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import AuditError, GitError
from . import gitcmd
from .trees import REGULAR_FILE_MODES, is_shallow


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
    # The series this commit was read with, which reads its blobs ahead.
    series: SeriesBlobs | None = field(default=None, repr=False, compare=False)


def parse_range(text: str) -> tuple[str, str]:
    """``BASE..HEAD`` → (BASE, HEAD). As in git, a side left out is HEAD:
    ``origin/master..`` is the branch checked out, ``..topic`` starts at HEAD."""
    if "..." in text:
        raise AuditError(f"--series {text!r}: give BASE..HEAD (two dots), not a symmetric range")
    base, sep, head = text.partition("..")
    if not sep or not (base or head):
        raise AuditError(f"--series {text!r}: expected BASE..HEAD (HEAD may be left out)")
    return base or "HEAD", head or "HEAD"


def check_history(top: Path, base: str, head: str) -> None:
    """An AuditError when ``base..head`` reaches the edge of a shallow clone
    (a CI checkout without ``fetch-depth: 0``): the commit there has no
    parent to compare with, so the series cannot be audited as it is."""
    if not is_shallow(top):
        return
    edge = top / os.fsdecode(gitcmd.run(top, "rev-parse", "--git-path", "shallow")).strip()
    try:
        cut = set(edge.read_text().split())
    except OSError:
        return
    listed = gitcmd.run(top, "rev-list", "--first-parent", f"{base}..{head}").decode().split()
    reached = [sha for sha in listed if sha in cut]
    if reached:
        raise AuditError(
            f"{base[:12]}..{head[:12]} reaches the edge of this shallow clone at "
            f"{reached[0][:12]}, whose parents were not fetched: fetch the history with "
            "git fetch --unshallow (in CI: actions/checkout with fetch-depth: 0)")


# One record per commit: a marker, then the fields git prints for --format,
# each ended by a NUL (-z). Metadata and changes come from the same process.
_FORMAT = "--format=%x01%H%x00%P%x00%an <%ae>%x00%aI%x00%s"
_FIELDS = 5


def series_commits(top: Path, base: str, head: str, env: dict[str, str] | None = None
                   ) -> list[Commit]:
    """Commits of ``base..head`` along the first-parent line, oldest first,
    with the files each one changes."""
    out = gitcmd.run(top, "log", "--first-parent", "--reverse", "--no-renames",
                     "--diff-merges=first-parent", "--raw", "--no-abbrev", "-z",
                     "--encoding=UTF-8", _FORMAT, f"{base}..{head}", "--", env=env)
    commits = parse_log(out)
    series = SeriesBlobs(top, commits, env)
    for commit in commits:
        commit.series = series
    return commits


# Ranges up to this many commits are asked first whether they can touch the
# flag at all (a push is a few commits; a long series is walked anyway).
UNTOUCHED_CHECK_LIMIT = 64
# Where a change can alter what an arch sees of any flag.
FLAG_PATHS = ("arch/*/include/asm/thread_info*.h", "include/asm-generic/thread_info_tif.h",
              "include/linux/thread_info.h", "arch/*/Kconfig")


def flag_pattern(symbol: str | None = None) -> str:
    """What an added or removed line must match to change ``symbol``
    (None: any flag), as a regular expression git's ``-G`` and Python's
    ``re`` read alike. With :data:`FLAG_PATHS` it is the whole test of
    whether a change can touch a flag: :func:`touches_flag` asks git with
    it, the review robot reads mailed diffs with it (:func:`diff_can_touch`)."""
    if not symbol:
        # Any flag: its name, or a call of the kernel's name-pasting family
        # (``test_syscall_work(SECCOMP)`` pastes ``TIF_SECCOMP``).
        return r"TIF_|_syscall_work[ \t]*\("
    # The name, or the bare name as a call's argument: a macro that pastes
    # it (``test_syscall_work(SECCOMP)``). POSIX and Python classes differ,
    # so spaces are written out.
    bare = rf"|\([ \t]*{re.escape(symbol[4:])}[ \t]*[,)]" if symbol.startswith("TIF_") else ""
    return re.escape(symbol) + bare


def is_flag_path(path: str) -> bool:
    """Is ``path`` one of :data:`FLAG_PATHS` (their ``*`` crosses ``/``,
    as in a git pathspec)?"""
    return any(fnmatch.fnmatchcase(path, pattern) for pattern in FLAG_PATHS)


def diff_can_touch(paths: Iterable[str], changed_lines: Iterable[str],
                   symbol: str | None = None) -> bool:
    """:func:`touches_flag` for a diff given as text: the files it changes
    and its added and removed lines (without their ``+``/``-``)."""
    if any(is_flag_path(p) for p in paths):
        return True
    pattern = re.compile(flag_pattern(symbol))
    return any(pattern.search(line) for line in changed_lines)


def touches_flag(top: Path, base: str, head: str, symbol: str,
                 env: dict[str, str] | None = None) -> bool:
    """Could ``base..head`` change anything about ``symbol``? A commit that
    changes a flag header or an arch Kconfig, or whose added or removed
    lines name the flag (``git log -G``, a superset of the token), could;
    otherwise the series cannot, whatever the size of the tree."""
    count = gitcmd.run(top, "rev-list", "--count", "--first-parent", f"{base}..{head}", env=env)
    if int(count.strip() or 0) > UNTOUCHED_CHECK_LIMIT:
        return True  # -G diffs every commit: for a long range the walk itself is cheaper
    first = ("log", "--first-parent", "--diff-merges=first-parent", "--format=%H", "-1",
             f"{base}..{head}")
    if gitcmd.run(top, *first, "--", *FLAG_PATHS, env=env).strip():
        return True
    return bool(gitcmd.run(top, *first, "-G", flag_pattern(symbol), env=env).strip())


def names_flag(top: Path, rev: str, symbol: str, env: dict[str, str] | None = None) -> bool:
    """Does a flag header at ``rev`` name ``symbol``? (A cheap, pathspec-limited
    grep: a misspelled flag must not pass as an untouched one.)"""
    out = gitcmd.run(top, "grep", "-l", "-w", "-F", "-e", symbol, rev, "--", *FLAG_PATHS[:3],
                     ok=(0, 1), env=env)
    return bool(out.strip())


def parse_log(out: bytes) -> list[Commit]:
    """Commits from ``git log -z --raw`` with :data:`_FORMAT`. Fields are
    taken by position, so a subject or a path may hold any byte but NUL."""
    tokens = out.split(b"\0")
    commits: list[Commit] = []
    i = 0
    while i < len(tokens):
        token = tokens[i].lstrip(b"\n")
        if not token:
            i += 1
            continue
        if token.startswith(b":") and commits:
            _, new_mode, _, new_sha, _status = token[1:].decode().split(" ")
            keep = new_mode in REGULAR_FILE_MODES
            commits[-1].changes.append(Change(tokens[i + 1].decode("utf-8", "surrogateescape"),
                                              new_sha if keep else None))
            i += 2
            continue
        if not token.startswith(b"\x01") or i + _FIELDS > len(tokens):
            raise GitError(f"git log: unexpected output near {token[:40]!r}")
        sha, parents, author, date, subject = (
            t.decode("utf-8", "replace") for t in (token[1:], *tokens[i + 1:i + _FIELDS]))
        parent_shas = parents.split()
        commits.append(Commit(sha, parent_shas[0] if parent_shas else None, subject, author,
                              date, merge=len(parent_shas) > 1))
        i += _FIELDS
    return commits


def read_changes(top: Path, commit: Commit, env: dict[str, str] | None = None
                 ) -> dict[str, bytes | None]:
    """The new contents of every file a commit changes (None: deleted)."""
    if commit.series is not None:
        blobs = commit.series.blobs_of(commit)
    else:
        blobs = gitcmd.read_blobs(top, _new_blobs(commit), env=env)
    return {c.path: blobs.get(c.new_blob) if c.new_blob else None for c in commit.changes}


class SeriesBlobs:
    """The changed files of a series' commits, read through one `git
    cat-file --batch` for the whole range in the order the commits are
    audited (it used to be one process per 256 blobs: 40 for a treewide
    series of 50 commits of 200 files): git inflates the next commit's files
    while one is audited, and one commit's files are held at a time.
    :meth:`close` ends the process early."""

    def __init__(self, top: Path, commits: list[Commit], env: dict[str, str] | None) -> None:
        self.top, self.env = top, env
        # Blob ids only, not the commits: no reference cycle keeps the stream alive.
        self.order = [c.sha for c in commits]
        self.position = {sha: i for i, sha in enumerate(self.order)}
        self.wanted = {c.sha: list(dict.fromkeys(_new_blobs(c))) for c in commits}
        self.next = 0  # the commit whose files the stream answers next
        self.stream: gitcmd.BlobStream | None = None

    def blobs_of(self, commit: Commit) -> dict[str, bytes | None]:
        index = self.position[commit.sha]
        if index < self.next:  # asked again: read on its own
            return gitcmd.read_blobs(self.top, self.wanted[commit.sha], env=self.env)
        if self.stream is None:
            later = [blob for sha in self.order[index:] for blob in self.wanted[sha]]
            self.stream = gitcmd.BlobStream(self.top, later, env=self.env)
        else:
            for skipped in self.order[self.next:index]:
                self.stream.read(len(self.wanted[skipped]))
        wanted = self.wanted[commit.sha]
        blobs = dict(zip(wanted, self.stream.read(len(wanted)), strict=True))
        self.next = index + 1
        if self.next == len(self.order):
            self.close()
        return blobs

    def close(self) -> None:
        if self.stream is not None:
            self.stream.close()
            self.stream = None


def close_series(commits: list[Commit]) -> None:
    """End the git process reading a series' files, if one is running."""
    if commits and commits[0].series is not None:
        commits[0].series.close()


def _new_blobs(commit: Commit) -> list[str]:
    return [c.new_blob for c in commit.changes if c.new_blob]
