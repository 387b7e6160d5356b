"""A scratch object store: the trees and commits of an emailed series,
written as loose objects by this process, never by git.

The series' commits need trees that share everything but the touched files
with the base. Their objects are hashed and written here, in a directory of
our own; git reads them (and the repository's own objects) by being given
this directory as an alternate, read-only. No git process ever writes
while the user's object store is within its reach, so not even the mtime
of one of the user's objects changes.
"""

from __future__ import annotations

import hashlib
import os
import re
import zlib
from pathlib import Path

from ..errors import GitError
from . import gitcmd

TREE_MODE = b"40000"
GITLINK = b"160000"


class ScratchStore:
    """Loose objects under ``root`` in the repository's object format
    (sha1 or sha256, told by the length of the base's id)."""

    def __init__(self, root: Path, hex_length: int) -> None:
        self.root = root
        self.algorithm = "sha256" if hex_length == 64 else "sha1"
        root.mkdir(mode=0o700, exist_ok=True)

    def write(self, kind: str, data: bytes) -> str:
        header = f"{kind} {len(data)}\0".encode()
        oid = hashlib.new(self.algorithm, header + data).hexdigest()
        folder = self.root / oid[:2]
        target = folder / oid[2:]
        if not target.exists():
            folder.mkdir(exist_ok=True)
            target.write_bytes(zlib.compress(header + data, 1))
        return oid


class TreeBuilder:
    """The base tree with some files replaced: only the directories on the
    way to a changed file are read (from the user's repository, through
    ``cat-file``) and rewritten (into the scratch store)."""

    def __init__(self, top: Path, base: str, store: ScratchStore) -> None:
        self.top, self.store = top, store
        self.raw = 20 if store.algorithm == "sha1" else 32
        self.base = base
        # directory ("" for the root) -> name -> (mode, id); None: not read yet
        self.dirs: dict[str, dict[bytes, tuple[bytes, str]]] = {}
        self.dirty: set[str] = set()

    def preload(self, paths: list[str]) -> None:
        """Read every directory leading to ``paths`` in one ``cat-file``."""
        wanted = sorted({d for p in paths for d in _parents(p)} - set(self.dirs))
        self._read_dirs(wanted)

    def _read_dirs(self, dirs: list[str]) -> None:
        if not dirs:
            return
        specs = {d: f"{self.base}^{{tree}}" if d == "" else f"{self.base}:{d}" for d in dirs}
        blobs = gitcmd.read_blobs(self.top, list(specs.values()))
        for d, spec in specs.items():
            data = blobs.get(spec)
            self.dirs[d] = self._parse(data) if data is not None else {}

    def _parse(self, data: bytes) -> dict[bytes, tuple[bytes, str]]:
        entries = {}
        i = 0
        while i < len(data):
            space = data.index(b" ", i)
            nul = data.index(b"\0", space)
            mode, name = data[i:space], data[space + 1:nul]
            entries[name] = (mode, data[nul + 1:nul + 1 + self.raw].hex())
            i = nul + 1 + self.raw
        return entries

    def entry(self, path: str) -> tuple[bytes, str] | None:
        """(mode, id) of a file of the current tree, None if absent."""
        parent, _, name = path.rpartition("/")
        self._ensure(parent)
        return self.dirs[parent].get(os.fsencode(name))

    def _ensure(self, folder: str) -> None:
        missing = [d for d in _parents(folder + "/x") if d not in self.dirs]
        self._read_dirs(missing)

    def set(self, path: str, content: bytes | None, mode: bytes = b"100644") -> None:
        """Replace, add (``content``) or remove (None) a file."""
        parent, _, name = path.rpartition("/")
        self._ensure(parent)
        key = os.fsencode(name)
        if content is None:
            self.dirs[parent].pop(key, None)
        else:
            existing = self.dirs[parent].get(key)
            if existing is not None and existing[0] == TREE_MODE:
                raise GitError(f"{path}: is a directory in the tree")
            if mode == GITLINK:  # a submodule's entry is its commit, read from the diff
                words = content.split()
                oid = words[-1].decode("ascii", "replace") if words else ""
                if not re.fullmatch(r"[0-9a-f]{40}|[0-9a-f]{64}", oid):
                    raise GitError(f"{path}: not a submodule commit: {content[:80]!r}")
                self.dirs[parent][key] = (mode, oid)
            else:
                self.dirs[parent][key] = (mode, self.store.write("blob", content))
        # Every directory on the way gets its entry for the next one.
        walk = parent
        while True:
            self.dirty.add(walk)
            if walk == "":
                break
            up, _, leaf = walk.rpartition("/")
            if os.fsencode(leaf) not in self.dirs[up]:
                self.dirs[up][os.fsencode(leaf)] = (TREE_MODE, "")
            walk = up

    def write(self) -> str:
        """The id of the current root tree; rewritten directories are stored."""
        self.dirty.add("")
        root = ""
        # Deepest first: a directory's id is known before its parent is written.
        for folder in sorted(self.dirty, key=lambda d: -(d.count("/") + (d != ""))):
            entries = self.dirs[folder]
            for name in [n for n, (mode, oid) in entries.items() if mode == TREE_MODE and not oid]:
                del entries[name]
            body = b"".join(mode + b" " + name + b"\0" + bytes.fromhex(oid)
                            for name, (mode, oid) in sorted(entries.items(), key=_tree_order))
            oid = self.store.write("tree", body)
            if not folder:
                root = oid
                continue
            up, _, leaf = folder.rpartition("/")
            if entries:
                self.dirs[up][os.fsencode(leaf)] = (TREE_MODE, oid)
            else:
                self.dirs[up].pop(os.fsencode(leaf), None)  # git keeps no empty directory
        self.dirty.clear()
        return root


def _tree_order(item: tuple[bytes, tuple[bytes, str]]) -> bytes:
    """git sorts a tree's entries by name, a directory as if it ended in '/'."""
    name, (mode, _) = item
    return name + b"/" if mode == TREE_MODE else name


def _parents(path: str) -> list[str]:
    """"a/b/c.h" -> ["", "a", "a/b"]."""
    parts = path.split("/")[:-1]
    return [""] + ["/".join(parts[:n]) for n in range(1, len(parts) + 1)]


def commit_object(tree: str, parent: str, author: str, message: str) -> bytes:
    """A commit's raw text; ``author`` is "Name <email> epoch +zone"."""
    return (f"tree {tree}\nparent {parent}\nauthor {author}\ncommitter {author}\n\n"
            f"{message.rstrip()}\n").encode("utf-8", "surrogateescape")
