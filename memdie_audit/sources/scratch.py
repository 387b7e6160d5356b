"""Commits made from new file contents in a throw-away object store, so that
the tool can apply and audit its own patch without writing into the user's
repository.

Every git process that writes (``hash-object -w``, ``write-tree``) sees the
scratch store alone, never the user's as an alternate: git refreshes the
mtime of an object it writes again when it finds it in an alternate, and
that would be a write into the user's store. Processes that only read get
both stores. Missing objects are allowed where trees are written: they live
in the user's store and are never copied.
"""

from __future__ import annotations

import os
import secrets
import shutil
import tempfile
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from ..interrupts import signals_held
from . import gitcmd
from .mail import PREFIX, remove_stale_directories


@dataclass(frozen=True)
class Step:
    """One commit to make: its message and the new contents of its files."""

    message: str
    files: Mapping[str, bytes]


@dataclass(frozen=True)
class ScratchSeries:
    base: str
    commits: tuple[str, ...]
    env: dict[str, str]  # for reading: the scratch store, the user's as alternate
    workdir: Path

    @property
    def head(self) -> str:
        return self.commits[-1] if self.commits else self.base


@contextmanager
def scratch_series(top: Path, base: str, steps: Sequence[Step], identity: str,
                   date: str) -> Iterator[ScratchSeries]:
    """``steps`` committed one on another onto ``base``; gone when the block ends."""
    remove_stale_directories()
    workdir = Path(tempfile.gettempdir()) / f"{PREFIX}{os.getpid()}-fix-{secrets.token_hex(6)}"
    try:
        workdir.mkdir(mode=0o700)
        (workdir / "objects").mkdir()
        user_objects = gitcmd.run(top, "rev-parse", "--path-format=absolute", "--git-path",
                                  "objects").decode().strip()
        index = str(workdir / "index")
        writing = {"GIT_OBJECT_DIRECTORY": str(workdir / "objects"), "GIT_INDEX_FILE": index,
                   "GIT_ALTERNATE_OBJECT_DIRECTORIES": ""}
        reading = {**writing, "GIT_ALTERNATE_OBJECT_DIRECTORIES": user_objects}
        gitcmd.run(top, "read-tree", base, env=reading)
        parent, commits = base, []
        for number, step in enumerate(steps):
            _stage(top, base, workdir / f"step{number}", step.files, writing, reading)
            tree = gitcmd.run(top, "write-tree", "--missing-ok", env=writing).decode().strip()
            text = (f"tree {tree}\nparent {parent}\nauthor {identity} {date}\n"
                    f"committer {identity} {date}\n\n{step.message}")
            parent = gitcmd.run(top, "hash-object", "-t", "commit", "-w", "--stdin",
                                env=writing, stdin=text.encode()).decode().strip()
            commits.append(parent)
        yield ScratchSeries(base, tuple(commits), reading, workdir)
    finally:
        with signals_held():
            shutil.rmtree(workdir, ignore_errors=True)


def _stage(top: Path, base: str, folder: Path, files: Mapping[str, bytes],
           writing: dict[str, str], reading: dict[str, str]) -> None:
    folder.mkdir()
    paths = sorted(files)
    for number, path in enumerate(paths):
        (folder / str(number)).write_bytes(files[path])
    listing = "".join(f"{folder / str(n)}\n" for n in range(len(paths)))
    shas = gitcmd.run(top, "hash-object", "-w", "--no-filters", "--stdin-paths", env=writing,
                      stdin=listing.encode()).decode().split()
    modes = _modes(top, base, paths, reading)
    info = "".join(f"{modes.get(p, '100644')} {sha}\t{p}\n" for p, sha in zip(paths, shas,
                                                                              strict=True))
    gitcmd.run(top, "update-index", "--index-info", env=writing, stdin=info.encode())


def _modes(top: Path, base: str, paths: list[str], env: dict[str, str]) -> dict[str, str]:
    out = gitcmd.run(top, "ls-tree", "-z", base, "--", *paths, env=env)
    modes = {}
    for entry in out.split(b"\0"):
        if b"\t" in entry:
            meta, path = entry.split(b"\t", 1)
            modes[os.fsdecode(path)] = meta.split()[0].decode()
    return modes


def applies(top: Path, series: ScratchSeries, patch: bytes) -> str | None:
    """Does ``patch`` (one mail, or several) apply to the base? git's
    complaint if not. Checked against an index of its own: nothing is written."""
    env = {**series.env, "GIT_INDEX_FILE": str(series.workdir / "check-index")}
    mails = series.workdir / "mails"
    mails.mkdir(exist_ok=True)
    gitcmd.run(top, "read-tree", series.base, env=env)
    gitcmd.run(top, "mailsplit", f"-o{mails}", env=env, stdin=patch)
    for number, mail in enumerate(sorted(p for p in mails.iterdir() if p.name.isdigit())):
        body, diff_file = series.workdir / f"m{number}", series.workdir / f"p{number}"
        gitcmd.run(top, "mailinfo", str(body), str(diff_file), env=env,
                   stdin=mail.read_bytes())
        try:
            gitcmd.run(top, "apply", "--cached", "--check", str(diff_file), env=env)
            if number + 1 < len(series.commits):
                gitcmd.run(top, "read-tree", series.commits[number], env=env)
        except gitcmd.GitError as err:
            return str(err)
    return None


def diff(top: Path, env: dict[str, str], old: str, new: str) -> str:
    """``--stat`` and the patch between two commits, as format-patch lays them out."""
    args = ("--no-color", "--no-ext-diff", "--no-textconv", "--no-renames",
            "--src-prefix=a/", "--dst-prefix=b/")
    stat = gitcmd.run(top, "diff-tree", "-r", "--stat=72", "--summary", *args, old, new,
                      env=env)
    patch = gitcmd.run(top, "diff-tree", "-r", "-p", *args, old, new, env=env)
    return (stat + b"\n" + patch).decode("utf-8", "surrogateescape")


def identity(top: Path) -> str:
    """``Name <email>`` of the user, as git would write it, or a stand-in."""
    try:
        ident = gitcmd.run(top, "var", "GIT_AUTHOR_IDENT").decode("utf-8", "replace").strip()
    except gitcmd.GitError:
        return "memdie-audit <memdie-audit@localhost>"
    return ident.rsplit(">", 1)[0] + ">"
