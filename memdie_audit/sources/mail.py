"""Turn an emailed series into commits without writing a byte into the
user's repository.

The mail is read and ordered by :mod:`.messages`; the patches are applied
hunk by hunk in memory (:mod:`.hunks`) to the touched files, read from the
base through ``cat-file``; the trees and commits they make are written as
loose objects into a scratch directory by this process (:mod:`.objects`).
git then reads the series with that directory as an alternate of the
repository — a reading git changes nothing, and no git process that writes
ever sees the user's objects (writing through alternates would give
existing objects a new mtime). No checkout, no index, no ref, no config;
the scratch directory is removed on success, failure and interruption, and
a later run removes what a killed one left behind.
"""

from __future__ import annotations

import os
import secrets
import shutil
import signal
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from pathlib import Path

from ..errors import AuditError, GitError
from ..interrupts import Terminated, signals_held
from . import gitcmd
from .baseguess import GUESS_COMMITS, guess_base
from .hunks import FilePatch, Rejected, apply_binary, apply_hunks, parse_diff
from .messages import MailPatch, Thread, read_input, read_thread
from .objects import ScratchStore, TreeBuilder, commit_object
from .trees import is_shallow, resolve_commit

PREFIX = "memdie-audit-"


@dataclass(frozen=True)
class BaseChoice:
    """The commit the series is applied to, and how it was chosen (one line)."""

    sha: str
    how: str


@dataclass(frozen=True)
class MailedCommit:
    """One patch as a temporary commit, with what of it applied."""

    sha: str
    patch: MailPatch
    applied: int  # hunks applied
    hunks: int  # hunks in the patch
    rejected: tuple[Rejected, ...]
    merged: tuple[str, ...]  # files applied by --3way


@dataclass(frozen=True)
class MailedSeries:
    """The series as commits in a scratch object directory that ``env``
    lends to reading git processes."""

    base: BaseChoice
    head: str
    env: dict[str, str]
    thread: Thread
    commits: tuple[MailedCommit, ...]


@dataclass(frozen=True)
class MailInput:
    """An mbox read and ordered, with each patch's diff parsed."""

    name: str
    thread: Thread
    diffs: tuple[tuple[FilePatch, ...], ...]


def read_mail(mbox_path: str) -> MailInput:
    """Read the mbox (a file, a FIFO or ``-``) and its patches; an
    AuditError when it holds none."""
    name = "stdin" if mbox_path == "-" else mbox_path
    return mail_input(read_input(mbox_path), name)


def mail_input(data: bytes, name: str) -> MailInput:
    """An mbox already in memory, read and ordered (``name`` says where it
    came from in messages)."""
    thread = read_thread(data, name)
    return MailInput(name, thread, tuple(tuple(parse_diff(p.diff)) for p in thread.patches))


def choose_base(top: Path, mail: MailInput, given: str | None) -> BaseChoice:
    """``--base``, else the mbox's ``base-commit:``, else a guess from the
    patches' preimage blob ids, else HEAD."""
    if given is not None:
        return BaseChoice(_resolve_base(top, given, given=True), f"--base {given}")
    note = ""
    stated = mail.thread.base_commit
    if stated:
        try:
            return BaseChoice(resolve_commit(top, stated), "base-commit: in the mbox")
        except AuditError:
            where = ("not in this shallow clone" if is_shallow(top)
                     else "not in this repository")
            note = f"base-commit: {stated[:12]} is {where}; "
    preimages: dict[str, str] = {}
    for diff in mail.diffs:
        for fp in diff:
            if fp.old_path and fp.old_blob and fp.old_path not in preimages:
                preimages[fp.old_path] = fp.old_blob
    guess = guess_base(top, preimages) if preimages else None
    if guess is not None:
        exact = "all" if guess.matched == guess.total else f"{guess.matched} of"
        return BaseChoice(guess.sha, f"{note}guessed from the patches' index lines: {exact} "
                                     f"{guess.total} preimages match")
    try:
        head = resolve_commit(top, "HEAD")
    except AuditError:
        raise AuditError(f"{mail.name}: no base: no base-commit: line, and the repository has "
                         "no commit; give --base REV") from None
    if not note:
        note = "no base-commit: in the mbox; "
    return BaseChoice(head, f"{note}HEAD: no commit among the last {GUESS_COMMITS} that change "
                            "the touched files has the patches' preimages")


@contextmanager
def mailed_series(top: Path, mail: MailInput, base: BaseChoice, three_way: bool = False
                  ) -> Iterator[MailedSeries]:
    """Apply the patches onto ``base`` as temporary commits; everything is
    removed when the block ends."""
    remove_stale_directories()
    # Named before it exists, so that an interruption at any moment after
    # the mkdir finds it in the finally clause below.
    workdir = Path(tempfile.gettempdir()) / f"{PREFIX}{os.getpid()}-{secrets.token_hex(6)}"
    try:
        workdir.mkdir(mode=0o700)
        store = ScratchStore(workdir / "objects", len(base.sha))
        state = _Files(top, base.sha, store, workdir, three_way)
        state.load({p for diff in mail.diffs for fp in diff
                    for p in (fp.old_path, fp.new_path) if p})
        head = base.sha
        commits = []
        for patch, diff in zip(mail.thread.patches, mail.diffs, strict=True):
            commits.append(_commit(state, patch, diff, head))
            head = commits[-1].sha
        env = {"GIT_ALTERNATE_OBJECT_DIRECTORIES": str(workdir / "objects")}
        yield MailedSeries(base, head, env, mail.thread, tuple(commits))
    except (KeyboardInterrupt, Terminated):
        # Python can be interrupted after starting a git command and before
        # keeping its handle; such a command would go on running while the
        # directory is being removed.
        stop_child_processes()
        raise
    finally:
        _remove_uninterrupted(workdir)


class _Files:
    """The touched files as the series goes: their contents, and the tree
    that holds them."""

    def __init__(self, top: Path, base: str, store: ScratchStore, workdir: Path,
                 three_way: bool) -> None:
        self.top, self.store, self.workdir, self.three_way = top, store, workdir, three_way
        self.tree = TreeBuilder(top, base, store)
        self.contents: dict[str, bytes | None] = {}
        self.modes: dict[str, bytes] = {}

    def load(self, paths: set[str]) -> None:
        """Read the base's version of every file the series touches, in one
        ``cat-file`` (and the directories above them in another)."""
        self.tree.preload(sorted(paths))
        entries = {p: self.tree.entry(p) for p in sorted(paths)}
        blobs = gitcmd.read_blobs(self.top, [e[1] for e in entries.values()
                                             if e and e[0] not in (b"40000", GITLINK)])
        for path, e in entries.items():
            if e is not None and e[0] in (b"100644", b"100755", b"120000"):
                self.contents[path], self.modes[path] = blobs.get(e[1]), e[0]
            elif e is not None and e[0] == GITLINK:
                # A submodule reads as git diff shows it, so its hunks apply as text.
                self.contents[path] = f"Subproject commit {e[1]}\n".encode()
                self.modes[path] = GITLINK
            else:
                self.contents[path] = None  # absent, or a directory

    def apply(self, fp: FilePatch) -> tuple[int, list[Rejected], bool]:
        """Apply one file's hunks: (hunks applied, rejected, by 3-way merge)."""
        total = max(len(fp.hunks), 1)
        bad = next((p for p in (fp.old_path, fp.new_path) if p is not None and not sane_path(p)),
                   None)
        if bad is not None or (fp.new_mode or "100644") not in _MODES:
            return 0, [Rejected(fp.path, "diff --git", None,
                                "not a file path or mode this tool applies")], False
        if fp.old_path is None:
            if self.contents.get(fp.path) is not None:
                return 0, [Rejected(fp.path, "new file", None, "the file already exists")], False
            content = b""
        else:
            current = self.contents.get(fp.old_path)
            if current is None:
                return 0, [Rejected(fp.old_path, h.header, None, "the file is not in the tree")
                           for h in fp.hunks] or [Rejected(fp.old_path, "rename", None,
                                                           "the file is not in the tree")], False
            content = current
        if fp.binary:
            binary = apply_binary(content, fp)
            if binary is None:
                return 0, [Rejected(fp.path, "GIT binary patch", None,
                                    "the binary patch has no data, or is for another "
                                    "version of the file")], False
            result, applied, rejected = binary, 1, []
        else:
            result, applied, rejected = apply_hunks(content, fp)
        merged = False
        if rejected and self.three_way:
            three, why = self._three_way(content, fp)
            if three is not None:
                result, applied, rejected, merged = three, total, [], True
            else:
                rejected = [replace(r, note=f"--3way: {why}") for r in rejected]
        mode = fp.new_mode.encode() if fp.new_mode else self.modes.get(fp.old_path or "", b"100644")
        try:
            if fp.old_path and (fp.new_path != fp.old_path):
                if fp.new_path is None and result:
                    mode = self.modes.get(fp.old_path, b"100644")
                    self._set(fp.old_path, result, mode)  # a deletion that did not all apply
                    return applied, rejected, merged
                self._set(fp.old_path, None, mode)
            if fp.new_path:
                self._set(fp.new_path, result, mode)
        except GitError as err:  # a file where the tree has a folder, a broken submodule line
            return 0, [Rejected(fp.path, "diff --git", None, str(err))], False
        return applied, rejected, merged

    def _set(self, path: str, content: bytes | None, mode: bytes) -> None:
        self.contents[path] = content
        self.modes[path] = mode
        self.tree.set(path, content, mode)

    def _three_way(self, ours: bytes, fp: FilePatch) -> tuple[bytes | None, str]:
        """--3way: the patch applied to its own preimage (when the
        repository has that blob), merged with the file as it is; or why not."""
        if not fp.old_blob or not set(fp.old_blob) - {"0"}:
            return None, "the patch names no preimage"
        try:
            preimage = gitcmd.read_blobs(self.top, [fp.old_blob]).get(fp.old_blob)
        except GitError:
            preimage = None
        if preimage is None:
            return None, f"the preimage {fp.old_blob} is not in the repository"
        self.store.write("blob", preimage)  # the scratch store holds what it merged from
        theirs, _, failed = apply_hunks(preimage, fp)
        if failed:
            return None, f"the patch does not apply to its preimage {fp.old_blob}"
        names = []
        for label, data in (("ours", ours), ("base", preimage), ("theirs", theirs)):
            target = self.workdir / f"merge-{label}"
            target.write_bytes(data)
            names.append(str(target))
        try:
            return gitcmd.run(self.workdir, "merge-file", "-p", "-q", *names,
                              env={"GIT_CEILING_DIRECTORIES": str(self.workdir.parent)}), ""
        except GitError:
            return None, "the merge conflicts"


GITLINK = b"160000"
_MODES = ("100644", "100755", "120000", "160000")


def sane_path(path: str) -> bool:
    """A path git can hold in a tree: relative, no empty, ``.``, ``..`` or
    ``.git`` component, no newline."""
    parts = path.split("/")
    return bool(path) and "\n" not in path and "\0" not in path and all(
        part not in ("", ".", "..") and part.lower() != ".git" for part in parts)


def _commit(state: _Files, patch: MailPatch, diff: tuple[FilePatch, ...], parent: str
            ) -> MailedCommit:
    applied, hunks, rejected, merged = 0, 0, [], []
    for fp in diff:
        done, failed, by_merge = state.apply(fp)
        applied += done
        hunks += max(len(fp.hunks), 1)
        rejected.extend(failed)
        if by_merge:
            merged.append(fp.path)
    tree = state.tree.write()
    who = " ".join(f"{patch.author} <{patch.email}>".translate({10: " ", 13: " "}).split())
    message = patch.subject + ("\n\n" + patch.message if patch.message else "")
    sha = state.store.write("commit", commit_object(
        tree, parent, f"{who} {patch.timestamp} {patch.offset}", message))
    return MailedCommit(sha, patch, applied, hunks, tuple(rejected), tuple(merged))


def _remove_uninterrupted(folder: Path) -> None:
    """Remove ``folder`` with Ctrl-C and SIGTERM held back until it is gone:
    a second interruption must not leave half of it behind."""
    with signals_held():
        shutil.rmtree(folder, ignore_errors=True)


def remove_stale_directories() -> None:
    """Remove temporary directories of earlier runs that were killed (their
    process is gone), so a ``kill -9`` leaves nothing behind for long."""
    # The first gettempdir() of a process probes the folder with a file of
    # a random name; an interruption inside that probe would leave the file.
    with signals_held():
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


def _resolve_base(top: Path, rev: str, given: bool) -> str:
    try:
        return resolve_commit(top, rev)
    except AuditError:
        origin = "--base" if given else "the mbox's base-commit"
        if is_shallow(top):
            raise AuditError(f"{origin} {rev} is not in this shallow clone; fetch more history "
                             "(git fetch --unshallow) or give --base REV") from None
        raise AuditError(f"{origin} {rev} is not in {top}; fetch it or give --base REV") from None


