"""Where a tree's files come from: a git working tree, a commit, or a plain
directory. Each source answers the same three questions: which files mention
the symbol, which files lie under given folders, and what is in some files."""

from __future__ import annotations

import os
import re
import subprocess
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import Protocol

from ..errors import AuditError, GitError
from . import gitcmd
from .tokens import grep_arguments, token_pattern

# The folders whose listing a snapshot needs: flag headers and arch Kconfigs.
LISTED = ("arch", "include/asm-generic", "include/linux/thread_info.h")
REGULAR_FILE_MODES = ("100644", "100755")


class Source(Protocol):
    label: str
    rev: str | None

    def start_grep(self, symbol: str | tuple[str, ...]) -> object: ...
    def candidates(self, pending: object) -> list[str]: ...
    def candidate_batches(self, pending: object) -> Iterator[list[str]]: ...
    def listing(self) -> list[str]: ...
    def read(self, paths: Iterable[str]) -> dict[str, bytes]: ...
    def kconfig_files(self, words: Iterable[str]) -> dict[str, bytes]: ...
    def asm_files(self, text: str) -> dict[str, bytes]: ...
    def files_naming(self, word: str, folders: Sequence[str]) -> dict[str, bytes]: ...


def is_kconfig(path: str) -> bool:
    """``Kconfig``, ``Kconfig.debug``, … anywhere in the tree."""
    return path.rsplit("/", 1)[-1].startswith("Kconfig")


class GitTree:
    """Tracked files of a working tree (``rev`` None) or of a commit."""

    def __init__(self, top: Path, rev: str | None, env: dict[str, str] | None = None) -> None:
        self.top = top
        self.rev = rev
        self.label = str(top)
        self.env = env  # e.g. a temporary object directory holding an mbox's commits

    def _rev_args(self) -> list[str]:
        return [self.rev] if self.rev else []

    def start_grep(self, symbol: str | tuple[str, ...]) -> subprocess.Popen[bytes]:
        # Exit status 1 means "no match" to git grep.
        return gitcmd.start(self.top, "grep", "-l", "-z", *grep_arguments(symbol),
                           *self._rev_args(), "--", env=self.env)

    def candidates(self, pending: object) -> list[str]:
        assert isinstance(pending, subprocess.Popen)
        paths = gitcmd.split_z(gitcmd.finish(pending, ok=(0, 1)))
        prefix = f"{self.rev}:" if self.rev else ""
        return [p.removeprefix(prefix) for p in paths]

    def candidate_batches(self, pending: object, size: int = 128) -> Iterator[list[str]]:
        """The grep's files in batches, as git finds them: the caller reads
        and scans one batch while git searches on (a treewide series' many
        flags have a thousand files to scan)."""
        assert isinstance(pending, subprocess.Popen) and pending.stdout is not None
        prefix = f"{self.rev}:" if self.rev else ""
        batch: list[str] = []
        rest = b""
        while chunk := pending.stdout.read1(1 << 16):
            *done, rest = (rest + chunk).split(b"\0")
            batch.extend(os.fsdecode(p).removeprefix(prefix) for p in done if p)
            if len(batch) >= size:
                yield batch
                batch = []
        batch.extend(p.removeprefix(prefix) for p in self.candidates(pending))  # what is left
        if rest:
            batch.append(os.fsdecode(rest).removeprefix(prefix))
        yield batch

    def listing(self) -> list[str]:
        # Regular files only: git grep skips symlinks and submodules, so do we.
        if self.rev:
            out = gitcmd.run(self.top, "ls-tree", "-r", "-z", self.rev, "--", *LISTED,
                            env=self.env)
        else:
            out = gitcmd.run(self.top, "ls-files", "-s", "-z", "--", *LISTED)
        entries = (entry.split(b"\t", 1) for entry in out.split(b"\0") if entry)
        return [os.fsdecode(path) for meta, path in entries
                if meta.split()[0].decode() in REGULAR_FILE_MODES]

    def read(self, paths: Iterable[str]) -> dict[str, bytes]:
        paths = list(paths)
        if self.rev:
            specs = {p: self._object_name(p) for p in paths}
            blobs = gitcmd.read_blobs(self.top, [s for s in specs.values() if s], env=self.env)
            return {p: blobs[s] for p, s in specs.items() if s and blobs.get(s) is not None}
        return _read_files(self.top, paths)

    def kconfig_files(self, words: Iterable[str]) -> dict[str, bytes]:
        """The Kconfig files that name any of ``words``, with their text (a
        grep limited to Kconfig files)."""
        patterns = [arg for w in words for arg in ("-e", w)]
        if not patterns:
            return {}
        return self._grep_files(["-w", "-F", *patterns], [":(glob)**/Kconfig*"])

    def asm_files(self, text: str) -> dict[str, bytes]:
        """The arches' assembly files that hold ``text``, with their text (a
        grep limited to ``arch/**/*.S``)."""
        return self._grep_files(["-F", "-e", text], ASM_PATHSPECS)

    def files_naming(self, word: str, folders: Sequence[str]) -> dict[str, bytes]:
        """The files under ``folders`` that name ``word`` (a whole word),
        with their text: a grep limited to those folders."""
        return self._grep_files(["-w", "-F", "-e", word], folders)

    def _grep_files(self, options: Sequence[str], pathspecs: Sequence[str]
                    ) -> dict[str, bytes]:
        """The files of ``pathspecs`` that ``git grep`` with ``options``
        lists, with their text."""
        out = gitcmd.run(self.top, "grep", "-l", "-z", *options, *self._rev_args(),
                         "--", *pathspecs, ok=(0, 1), env=self.env)
        prefix = f"{self.rev}:" if self.rev else ""
        return self.read(p.removeprefix(prefix) for p in gitcmd.split_z(out))

    def _object_name(self, path: str) -> str | None:
        """``rev:path`` for cat-file; a path with a newline cannot be written
        that way, so its blob is looked up by name first."""
        if "\n" not in path:
            return f"{self.rev}:{path}"
        out = gitcmd.run(self.top, "ls-tree", "-z", self.rev, "--", path, env=self.env)
        fields = out.split(b"\t", 1)[0].split()
        return fields[2].decode() if len(fields) == 3 else None


class PlainTree:
    """A directory that is not a git repository (an unpacked tarball): walked
    directly, symlinks not followed."""

    rev = None

    def __init__(self, root: Path) -> None:
        self.root = root
        self.label = str(root)
        self._files: list[str] | None = None
        self._cache: dict[str, bytes] = {}
        self._kconfigs: dict[str, bytes] | None = None

    def files(self) -> list[str]:
        if self._files is None:
            found = []
            for folder, dirs, names in os.walk(self.root, onerror=_raise_walk_error):
                # A repository inside an unpacked tree is its own business:
                # its objects, logs and hooks are not kernel source.
                dirs[:] = sorted(d for d in dirs if d != ".git")
                base = os.path.relpath(folder, self.root)
                for name in sorted(names):
                    full = os.path.join(folder, name)
                    if os.path.isfile(full) and not os.path.islink(full):
                        found.append(name if base == "." else f"{base}/{name}")
            self._files = [f.replace(os.sep, "/") for f in found]
        return self._files

    def start_grep(self, symbol: str | tuple[str, ...]) -> tuple[str, ...]:
        return (symbol,) if isinstance(symbol, str) else symbol

    def candidates(self, pending: object) -> list[str]:
        assert isinstance(pending, tuple)
        wanted = [(s.encode(), token_pattern(s)) for s in pending]
        # the name without TIF_: calls of macros that paste it (kernel/pasting.py)
        wanted += [(s[4:].encode(), re.compile(rb"\b%s\b" % re.escape(s[4:].encode())))
                   for s in pending if s.startswith("TIF_")]
        found = []
        for path in self.files():
            data = _read_one(self.root, path)
            if data is not None and any(raw in data and pattern.search(data)
                                        for raw, pattern in wanted):
                self._cache[path] = data
                found.append(path)
        return found

    def candidate_batches(self, pending: object) -> Iterator[list[str]]:
        yield self.candidates(pending)

    def listing(self) -> list[str]:
        return [f for f in self.files()
                if f in LISTED or f.startswith(tuple(p + "/" for p in LISTED))]

    def read(self, paths: Iterable[str]) -> dict[str, bytes]:
        result = {}
        for path in paths:
            data = self._cache.get(path)
            if data is None:
                data = _read_one(self.root, path)
            if data is not None:
                result[path] = data
        return result


    def kconfig_files(self, words: Iterable[str]) -> dict[str, bytes]:
        if self._kconfigs is None:  # read once: the build facts ask again and again
            self._kconfigs = self.read(p for p in self.files() if is_kconfig(p))
        wanted = [re.compile(rb"\b%s\b" % re.escape(w.encode())) for w in words]
        return {path: data for path, data in self._kconfigs.items()
                if any(w.search(data) for w in wanted)}

    def files_naming(self, word: str, folders: Sequence[str]) -> dict[str, bytes]:
        wanted = re.compile(rb"\b%s\b" % re.escape(word.encode()))
        under = tuple(f.rstrip("/") + "/" for f in folders)
        found = self.read(p for p in self.files() if p.startswith(under))
        return {p: d for p, d in found.items() if wanted.search(d)}

    def asm_files(self, text: str) -> dict[str, bytes]:
        paths = [p for p in self.files() if p.startswith("arch/") and p.endswith((".S", ".s"))]
        return {p: d for p, d in self.read(paths).items() if text.encode() in d}


ASM_PATHSPECS = (":(glob)arch/**/*.S", ":(glob)arch/**/*.s")


def _raise_walk_error(err: OSError) -> None:
    raise AuditError(f"cannot read {err.filename}: {err.strerror}")


def _read_one(root: Path, path: str) -> bytes | None:
    try:
        with open(root / path, "rb") as f:
            return f.read()
    except FileNotFoundError:
        return None
    except OSError as err:
        raise AuditError(f"cannot read {path}: {err.strerror}") from None


def _read_files(root: Path, paths: list[str]) -> dict[str, bytes]:
    result = {}
    for path in paths:
        full = root / path
        if full.is_symlink() or not full.is_file():
            continue  # git grep reads a tracked symlink as its target text; we skip it
        data = _read_one(root, path)
        if data is not None:
            result[path] = data
    return result


def open_source(path: str, rev: str | None) -> Source:
    """The source for a TREE argument (and ``--rev``), or an AuditError."""
    if rev:
        top = repository(path, "--rev")
        return GitTree(top, resolve_commit(top, rev))
    # The working tree is read from disk, never from objects a partial
    # clone may lack: no refusal for it.
    root = _directory(path)
    top = git_toplevel(root)
    if top is None:
        return PlainTree(root)
    if _is_bare(top):
        raise AuditError(f"{path}: a bare repository has no working tree; give --rev")
    return GitTree(top, None)


def repository(path: str, needs: str) -> Path:
    """The top of the git repository at ``path``, for an option that reads
    its objects: not a partial clone, whose missing objects git would
    fetch from its remote."""
    top = git_toplevel(_directory(path))
    if top is None:
        raise AuditError(f"{path}: not a git repository, so {needs} cannot be read")
    refuse_partial_clone(top, needs)
    return top


def refuse_partial_clone(top: Path, needs: str) -> None:
    """An AuditError for a partial (e.g. blobless) clone: reading its
    history would make git fetch the missing objects from the network,
    slowly and behind the user's back."""
    out = gitcmd.run(top, "config", "--get-regexp",
                     r"^(extensions\.partialclone|remote\..*\.promisor)$", ok=(0, 1))
    for line in os.fsdecode(out).splitlines():
        key, _, value = line.partition(" ")
        if key == "extensions.partialclone" or value.lower() in ("true", "yes", "on", "1"):
            raise AuditError(
                f"{top}: a partial clone ({key} {value}): {needs} would make git fetch the "
                "objects it lacks from the network; audit a full clone, or this working "
                "tree without --rev/--series/--mbox")


def _directory(path: str) -> Path:
    root = Path(path)
    if not root.exists():
        raise AuditError(f"{path}: no such file or directory")
    if not root.is_dir():
        raise AuditError(f"{path}: not a directory")
    return root


def git_toplevel(path: Path) -> Path | None:
    """The top of the git work tree (or the git dir of a bare repository) that
    holds ``path``, or None for a plain directory. When git refuses a
    repository that is there (dubious ownership, a broken ``.git``), its
    reason is an AuditError: auditing the files as a plain directory would
    hide it."""
    gitcmd.check_version()
    try:
        # Paths are bytes and may hold a newline: only the last one ends the line.
        bare, _, git_dir = os.fsdecode(gitcmd.run(path, "rev-parse", "--is-bare-repository",
                                                  "--absolute-git-dir")).partition("\n")
        if bare == "true":
            return Path(git_dir.removesuffix("\n"))
        top = gitcmd.run(path, "rev-parse", "--show-toplevel")
        return Path(os.fsdecode(top).removesuffix("\n"))
    except GitError as err:
        if _outside_any_repository(path):
            return None
        raise AuditError(str(err)) from None


def _outside_any_repository(path: Path) -> bool:
    """Is git's complaint about ``path`` that no repository holds it? Asked
    again in the C locale: that is the one message we must recognise, and
    git translates it."""
    try:
        gitcmd.run(path, "rev-parse", "--git-dir", env={"LC_ALL": "C"})
    except GitError as err:
        return "not a git repository (or any" in str(err)
    return False


def _is_bare(top: Path) -> bool:
    return gitcmd.run(top, "rev-parse", "--is-bare-repository").strip() == b"true"


_SHA = re.compile(r"^[0-9a-f]{40}([0-9a-f]{24})?$")


def resolve_commit(top: Path, rev: str) -> str:
    """Full sha of a commit-ish, or an AuditError naming the revision."""
    if rev.startswith("-"):
        raise AuditError(f"unknown revision {rev!r}")
    try:
        out = gitcmd.run(top, "rev-parse", "--verify", "--quiet", f"{rev}^{{commit}}",
                        ok=(0, 1))
    except GitError as err:
        raise AuditError(f"cannot read revision {rev!r}: {err}") from None
    sha = out.decode().strip()
    if not _SHA.match(sha):
        hint = ""
        if is_shallow(top):
            hint = " (a shallow clone: fetch more history with git fetch --unshallow)"
        raise AuditError(f"unknown revision {rev!r} in {top}{hint}")
    return sha


def is_shallow(top: Path) -> bool:
    return gitcmd.run(top, "rev-parse", "--is-shallow-repository").strip() == b"true"
