"""Turn an emailed series (an mbox as ``b4 am`` writes it) into commits
without touching the user's repository.

The patches are applied with ``git apply --cached`` to a temporary index
(``GIT_INDEX_FILE``) read from the base tree, and committed with
``commit-tree`` into a throw-away object directory that borrows the user's
objects (``GIT_OBJECT_DIRECTORY`` + ``GIT_ALTERNATE_OBJECT_DIRECTORIES``).
No checkout, no ref, no config, no write inside ``.git``; the temporary
directory is removed on success, failure and interruption, and a later run
removes what a killed one left behind.
"""

from __future__ import annotations

import os
import re
import secrets
import shutil
import signal
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from ..errors import AuditError, GitError
from ..interrupts import Terminated, signals_held
from . import gitcmd
from .trees import is_shallow, resolve_commit

PREFIX = "memdie-audit-"
_BASE_COMMIT = re.compile(rb"(?m)^base-commit:[ \t]*([0-9a-fA-F]{7,64})[ \t]*\r?$")


@dataclass(frozen=True)
class MailedSeries:
    """The series as commits in a temporary object directory."""

    base: str
    head: str
    env: dict[str, str]
    subjects: tuple[str, ...]


@dataclass(frozen=True)
class _Patch:
    subject: str
    author: str
    email: str
    date: str
    message: Path
    patch: Path


def base_commit_of(mbox: bytes) -> str | None:
    """The ``base-commit:`` trailer b4 and ``format-patch --base`` write."""
    m = _BASE_COMMIT.search(mbox)
    return m.group(1).decode().lower() if m else None


@contextmanager
def mailed_series(top: Path, mbox_path: str, base: str | None) -> Iterator[MailedSeries]:
    """Apply the mbox's patches onto ``base`` (or its base-commit) as
    temporary commits; everything is removed when the block ends."""
    mbox = _read_mbox(mbox_path)
    base_rev = base or base_commit_of(mbox)
    if base_rev is None:
        raise AuditError(f"{mbox_path}: no 'base-commit:' line in the mbox; give --base REV")
    base_sha = _resolve_base(top, base_rev, given=base is not None)
    remove_stale_directories()
    # Named before it exists, so that an interruption at any moment after
    # the mkdir finds it in the finally clause below.
    workdir = Path(tempfile.gettempdir()) / f"{PREFIX}{os.getpid()}-{secrets.token_hex(6)}"
    try:
        workdir.mkdir(mode=0o700)
        patches = _split(top, mbox_path, workdir, keep_cr=_has_bare_newlines(mbox))
        if not patches:
            raise AuditError(f"{mbox_path}: no patches found in the mbox")
        env = {
            "GIT_INDEX_FILE": str(workdir / "index"),
            "GIT_OBJECT_DIRECTORY": str(workdir / "objects"),
            "GIT_ALTERNATE_OBJECT_DIRECTORIES": _objects_dir(top),
        }
        (workdir / "objects").mkdir()
        gitcmd.run(top, "read-tree", base_sha, env=env)
        head = base_sha
        for number, patch in enumerate(patches, 1):
            head = _commit(top, patch, head, env, f"{number}/{len(patches)}")
        yield MailedSeries(base_sha, head, env, tuple(p.subject for p in patches))
    except (KeyboardInterrupt, Terminated):
        # Python can be interrupted after starting a git command and before
        # keeping its handle; such a command would go on writing objects
        # into the directory while it is being removed.
        stop_child_processes()
        raise
    finally:
        _remove_uninterrupted(workdir)


def _remove_uninterrupted(folder: Path) -> None:
    """Remove ``folder`` with Ctrl-C and SIGTERM held back until it is gone:
    a second interruption must not leave half of it behind."""
    with signals_held():
        shutil.rmtree(folder, ignore_errors=True)


def remove_stale_directories() -> None:
    """Remove temporary directories of earlier runs that were killed (their
    process is gone), so a ``kill -9`` leaves nothing behind for long."""
    root = Path(tempfile.gettempdir())
    for folder in root.glob(PREFIX + "*"):
        pid = folder.name.removeprefix(PREFIX).split("-")[0]
        if pid.isdigit() and int(pid) != os.getpid() and not _alive(int(pid)):
            shutil.rmtree(folder, ignore_errors=True)


def stop_child_processes() -> None:
    """Kill and reap every child process of this one (Linux: read from /proc;
    elsewhere nothing is done)."""
    me = os.getpid()
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            parent = int(stat.read_text().rsplit(")", 1)[1].split()[1])
        except (OSError, ValueError, IndexError):
            continue
        if parent == me:
            pid = int(stat.parent.name)
            try:
                os.kill(pid, signal.SIGKILL)
                os.waitpid(pid, 0)
            except (ProcessLookupError, ChildProcessError):
                pass


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _read_mbox(path: str) -> bytes:
    try:
        data = Path(path).read_bytes()
    except IsADirectoryError:
        raise AuditError(f"{path}: is a directory, not an mbox") from None
    except OSError as err:
        raise AuditError(f"cannot read mbox {path}: {err.strerror}") from None
    if not data.strip():
        raise AuditError(f"{path}: the mbox is empty")
    return data


def _resolve_base(top: Path, rev: str, given: bool) -> str:
    try:
        return resolve_commit(top, rev)
    except AuditError:
        origin = "--base" if given else "the mbox's base-commit"
        if is_shallow(top):
            raise AuditError(f"{origin} {rev} is not in this shallow clone; fetch more history "
                             "(git fetch --unshallow) or give --base REV") from None
        raise AuditError(f"{origin} {rev} is not in {top}; fetch it or give --base REV") from None


def _objects_dir(top: Path) -> str:
    out = gitcmd.run(top, "rev-parse", "--path-format=absolute", "--git-path", "objects")
    return out.decode().strip()


def _has_bare_newlines(mbox: bytes) -> bool:
    """Are the mail's lines LF-terminated? Then a CR in it belongs to a patch
    of a CRLF file and must be kept; a mailbox saved with CRLF throughout has
    its CRs stripped, as git am does."""
    return b"\n" in mbox.replace(b"\r\n", b"")


def _split(top: Path, mbox_path: str, workdir: Path, keep_cr: bool) -> list[_Patch]:
    mail = workdir / "mail"
    mail.mkdir()
    try:
        gitcmd.run(top, "mailsplit", *(["--keep-cr"] if keep_cr else []), f"-o{mail}",
                  str(Path(mbox_path).resolve()))
    except GitError as err:
        raise AuditError(f"{mbox_path}: not a readable mbox: {err}") from None
    patches = []
    for number, message in enumerate(sorted(mail.iterdir()), 1):
        body, patch = workdir / f"{number}.msg", workdir / f"{number}.patch"
        try:
            info = gitcmd.run(top, "mailinfo", str(body), str(patch), stdin=message.read_bytes())
        except GitError:
            continue  # not a mail git can read: no patch in it
        if not patch.exists() or not patch.read_bytes().strip():
            continue  # a cover letter
        fields = dict(line.split(": ", 1) for line in info.decode("utf-8", "replace").splitlines()
                      if ": " in line)
        patches.append(_Patch(fields.get("Subject", "(no subject)"),
                              fields.get("Author", "unknown"), fields.get("Email", ""),
                              fields.get("Date", ""), body, patch))
    return patches


def _commit(top: Path, patch: _Patch, parent: str, env: dict[str, str], number: str) -> str:
    try:
        gitcmd.run(top, "apply", "--cached", "--whitespace=nowarn", str(patch.patch), env=env)
    except GitError as err:
        raise AuditError(f"patch {number} \"{patch.subject}\" does not apply: {err}") from None
    tree = gitcmd.run(top, "write-tree", env=env).decode().strip()
    message = patch.subject + "\n\n" + patch.message.read_text(encoding="utf-8", errors="replace")
    identity = {"GIT_AUTHOR_NAME": patch.author, "GIT_AUTHOR_EMAIL": patch.email,
                "GIT_COMMITTER_NAME": patch.author, "GIT_COMMITTER_EMAIL": patch.email}
    if patch.date:
        identity |= {"GIT_AUTHOR_DATE": patch.date, "GIT_COMMITTER_DATE": patch.date}
    return gitcmd.run(top, "commit-tree", "--no-gpg-sign", tree, "-p", parent,
                     env={**env, **identity}, stdin=message.encode()).decode().strip()
