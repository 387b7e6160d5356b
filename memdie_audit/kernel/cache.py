"""A second look at a commit is nearly free: the snapshot of a commit's
tree (occurrences and flag tables) is kept in the user's cache directory,
``$XDG_CACHE_HOME/memdie-audit`` (``~/.cache/memdie-audit``), never in the
repository.

A tree id names immutable content, so an entry can only go stale when the
code reading it changes: the key is the tree id, the flag, the tool's
version with a digest of the code that builds a snapshot (kernel/, sources/
and the queries), and the versions of tree-sitter and its C grammar. A
working tree or a plain directory is never cached. Entries are written to
a temporary file and renamed (concurrent runs see a whole entry or none),
the oldest go beyond :data:`LIMIT` bytes, and one that cannot be read is
ignored (and replaced). The Makefile and Kconfig facts are not kept: they
are read from the tree on demand, as for any snapshot.
"""

from __future__ import annotations

import hashlib
import importlib.util
import os
import pickle
import time
from collections.abc import Iterable
from dataclasses import replace
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

from .. import __version__
from ..errors import GitError
from ..sources import gitcmd
from ..sources.trees import GitTree, Source

if TYPE_CHECKING:
    from .snapshot import Snapshot

LIMIT = 200 * 2**20  # bytes of entries kept; the oldest used go first
_SUFFIX = ".snapshot"
_STALE_TEMPORARY = 3600  # seconds after which a run's unfinished entry is removed


def cache_directory() -> Path:
    """``$XDG_CACHE_HOME/memdie-audit``; ``~/.cache`` when the variable is
    unset or not an absolute path (as the XDG specification says)."""
    base = os.environ.get("XDG_CACHE_HOME", "")
    return (Path(base) if os.path.isabs(base) else Path.home() / ".cache") / "memdie-audit"


class SnapshotCache:
    """Snapshots of commits' trees, in one directory."""

    def __init__(self, directory: Path, limit: int | None = None) -> None:
        self.directory, self.limit = directory, LIMIT if limit is None else limit

    def key(self, source: Source, symbol: str) -> str | None:
        """What names the snapshot of ``symbol`` in ``source``; None when
        the source is not a commit (nothing to cache)."""
        return self.keys(source, [symbol])[symbol]

    def keys(self, source: Source, symbols: Iterable[str]) -> dict[str, str | None]:
        """:meth:`key` of several flags, the tree id asked of git once."""
        symbols = list(symbols)
        tree = None
        if isinstance(source, GitTree) and source.rev is not None:
            try:
                tree = gitcmd.run(source.top, "rev-parse", "--verify", "--quiet",
                                  f"{source.rev}^{{tree}}", env=source.env).decode().strip()
            except GitError:
                pass
        return {s: f"{tree} {s} {code_version()}" if tree else None for s in symbols}

    def _path(self, key: str) -> Path:
        return self.directory / (hashlib.sha256(key.encode()).hexdigest()[:40] + _SUFFIX)

    def load(self, key: str) -> Snapshot | None:
        """The snapshot stored under ``key``, or None (absent, unreadable,
        written by other code, or another key's)."""
        path = self._path(key)
        try:
            with open(path, "rb") as f:
                stored_key, snapshot = pickle.load(f)
            os.utime(path)  # recently used: evicted last
        except Exception:  # absent, truncated, corrupt: any of them is a miss
            return None
        return snapshot if stored_key == key else None

    def store(self, key: str, snapshot: Snapshot) -> None:
        """Keep ``snapshot`` under ``key``; a cache that cannot be written
        (a read-only home, a full disk) is no error."""
        import tempfile  # only a run that writes pays for it

        data = pickle.dumps((key, replace(snapshot, build=None, asm=None)), pickle.HIGHEST_PROTOCOL)
        try:
            self.directory.mkdir(mode=0o700, parents=True, exist_ok=True)
            handle, temporary = tempfile.mkstemp(dir=self.directory, prefix=".tmp-")
        except OSError:
            return
        try:
            with os.fdopen(handle, "wb") as f:
                f.write(data)
            os.replace(temporary, self._path(key))
        except BaseException as err:
            _remove(Path(temporary))
            if not isinstance(err, OSError):
                raise
            return
        self.evict()

    def evict(self) -> None:
        """Remove the least recently used entries beyond the size limit, and
        temporary files a run that was killed left behind."""
        entries = []
        now = time.time()
        try:
            with os.scandir(self.directory) as listing:
                for entry in listing:
                    try:
                        stat = entry.stat()
                    except OSError:
                        continue  # removed by a concurrent run
                    if entry.name.endswith(_SUFFIX):
                        entries.append((stat.st_mtime, stat.st_size, Path(entry.path)))
                    elif entry.name.startswith(".tmp-") and now - stat.st_mtime > _STALE_TEMPORARY:
                        _remove(Path(entry.path))
        except OSError:
            return
        total = sum(size for _, size, _ in entries)
        for _, size, path in sorted(entries, key=lambda e: e[0]):
            if total <= self.limit:
                break
            _remove(path)
            total -= size


def _remove(path: Path) -> None:
    try:
        path.unlink()
    except OSError:
        pass  # already gone: another run evicted it


@cache
def code_version() -> str:
    """The tool's version, a digest of the code that builds a snapshot, and
    the tree-sitter versions: what an entry is valid for."""
    digest = hashlib.sha256(__version__.encode())
    package = Path(__file__).resolve().parent.parent
    for folder, pattern in (("kernel", "*.py"), ("sources", "*.py"), ("queries", "*.scm")):
        for path in sorted((package / folder).glob(pattern)):
            digest.update(path.name.encode() + b"\0")
            try:
                digest.update(path.read_bytes())
            except OSError:
                digest.update(b"unreadable")
    digest.update(grammar_version().encode())
    return f"{__version__}-{digest.hexdigest()[:16]}"


def grammar_version() -> str:
    """The installed tree-sitter and tree-sitter-c, named by their
    distributions' metadata folders (found without importing them: a run
    that finds its snapshot cached parses no C)."""
    found = []
    for module in ("tree_sitter", "tree_sitter_c"):
        spec = importlib.util.find_spec(module)
        if spec is None or spec.origin is None:
            found.append(f"{module}:none")
            continue
        folder = Path(spec.origin).parent
        names = sorted(p.name for p in folder.parent.glob(f"{module}-*.dist-info"))
        if not names:  # no metadata folder beside it: the binary itself
            names = [f"{p.name}:{p.stat().st_size}:{p.stat().st_mtime_ns}"
                     for p in sorted(folder.glob("*.so"))] or [str(folder)]
        found.extend(names)
    return ",".join(found)
