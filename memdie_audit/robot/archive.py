"""A public-inbox archive, read and never written.

v2 keeps its messages in epochs, ``git/0.git``, ``git/1.git``, … (bare
repositories): each commit adds one message as the file ``m``, and a commit
that removes one writes it as ``d``. v1 is one repository with a file per
message. Every git call goes through :mod:`..sources.gitcmd` (no hooks, no
fsmonitor, no optional locks); nothing here fetches, writes or repacks.
The new messages of an epoch come from one ``git log``, one ``git
cat-file --batch-check`` and one ``git cat-file --batch`` per 64 MB of
mail, not a process per message.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from ..errors import AuditError, GitError
from ..sources import gitcmd

# A message larger than this is not read: it costs its series, never the run.
MAX_MESSAGE = 8 * 1024 * 1024
_EPOCH = re.compile(r"^(\d+)\.git$")
_COMMIT = "%x01%H"


@dataclass(frozen=True)
class Epoch:
    name: str  # "0", "1", … (v2) or "v1"
    path: Path


@dataclass(frozen=True)
class Entry:
    """One message of an epoch, in the order the archive took them."""

    commit: str
    blob: str
    deleted: bool  # a ``d``: the message was removed from the archive
    data: bytes | None  # None: larger than MAX_MESSAGE (or gone)
    size: int


def epochs(archive: Path) -> list[Epoch]:
    """The archive's epochs, oldest first; an AuditError for anything that
    is not a public-inbox archive."""
    root = Path(archive)
    if not root.is_dir():
        raise AuditError(f"{archive}: not a directory (give a public-inbox archive)")
    found = sorted((int(m.group(1)), p) for p in (root / "git").glob("*.git")
                   if (m := _EPOCH.match(p.name)) and p.is_dir()) \
        if (root / "git").is_dir() else []
    if found:
        return [Epoch(str(n), p) for n, p in found]
    for candidate in (root, root / ".git"):
        if (candidate / "objects").is_dir() and (candidate / "HEAD").is_file():
            return [Epoch("v1", candidate)]
    raise AuditError(f"{archive}: not a public-inbox archive (no git/N.git epochs, "
                     "and not a v1 repository)")


def tip(epoch: Epoch) -> str | None:
    """The newest commit of the epoch (None: it has none yet)."""
    for ref in ("refs/heads/master", "HEAD"):
        try:
            out = gitcmd.run(epoch.path, "rev-parse", "--verify", "-q", f"{ref}^{{commit}}",
                             ok=(0, 1))
        except GitError as err:
            raise AuditError(f"{epoch.path}: {err}") from None
        if out.strip():
            return out.decode().strip()
    return None


def new_entries(epoch: Epoch, last: str | None, head: str, since: str | None = None
                ) -> Iterator[Entry]:
    """The messages of ``last..head`` (all of ``head`` without ``last``),
    oldest first; ``since`` (a date git understands) leaves older ones out."""
    spec = f"{last}..{head}" if last else head
    limit = [f"--since={since}"] if since else []
    out = gitcmd.run(epoch.path, "log", "--reverse", "--first-parent", "--raw", "--no-abbrev",
                     "--no-renames", "-z", f"--format={_COMMIT}", *limit, spec, "--")
    found: list[tuple[str, str, bool]] = []  # commit, blob, deleted
    commit = ""
    tokens = out.split(b"\0")
    i = 0
    while i < len(tokens):
        token = tokens[i].lstrip(b"\n")
        if token.startswith(b"\x01"):
            commit = token[1:].decode()
        elif token.startswith(b":") and i + 1 < len(tokens):
            fields = token[1:].decode().split(" ")
            path = tokens[i + 1].decode("utf-8", "replace")
            i += 1
            # A v2 message is "m", its removal "d"; v1 keeps one file per message.
            if fields[4] != "D" and (path == "d" or epoch.name == "v1" or path == "m"):
                found.append((commit, fields[3], path == "d"))
        i += 1
    yield from _read(epoch, found)


def _read(epoch: Epoch, found: list[tuple[str, str, bool]]) -> Iterator[Entry]:
    """The messages' bytes: their sizes through one ``cat-file
    --batch-check``, then their contents through ``cat-file --batch``, one
    process per :data:`BATCH_BYTES` of mail (one for a usual pass)."""
    if not found:
        return
    sizes = _sizes(epoch, list(dict.fromkeys(blob for _, blob, _ in found)))
    contents: dict[str, bytes] = {}
    batch_end = 0
    for i, (commit, blob, deleted) in enumerate(found):
        if i >= batch_end:
            contents, batch_end = _batch(epoch, found, i, sizes)
        yield Entry(commit, blob, deleted, contents.get(blob), sizes.get(blob, 0))


BATCH_BYTES = 64 * 1024 * 1024


def _batch(epoch: Epoch, found: list[tuple[str, str, bool]], first: int,
           sizes: dict[str, int]) -> tuple[dict[str, bytes], int]:
    """The contents of the messages from ``found[first]`` on, up to
    :data:`BATCH_BYTES`; and the index of the first entry not read."""
    wanted: dict[str, None] = {}
    total, end = 0, first
    while end < len(found) and (not wanted or total < BATCH_BYTES):
        blob = found[end][1]
        size = sizes.get(blob, -1)
        if 0 <= size <= MAX_MESSAGE and blob not in wanted:
            wanted[blob] = None
            total += size
        end += 1
    out = gitcmd.run(epoch.path, "cat-file", "--batch",
                     stdin=b"".join(b.encode() + b"\n" for b in wanted))
    contents: dict[str, bytes] = {}
    at = 0
    for blob in wanted:
        newline = out.index(b"\n", at)
        fields = out[at:newline].split()
        if len(fields) != 3:  # missing
            at = newline + 1
            continue
        size = int(fields[2])
        contents[blob] = out[newline + 1:newline + 1 + size]
        at = newline + 1 + size + 1
    return contents, end


def _sizes(epoch: Epoch, blobs: list[str]) -> dict[str, int]:
    out = gitcmd.run(epoch.path, "cat-file", "--batch-check",
                     stdin=b"".join(b.encode() + b"\n" for b in blobs))
    sizes = {}
    for line in out.decode().splitlines():
        fields = line.split()
        if len(fields) == 3 and fields[1] == "blob":
            sizes[fields[0]] = int(fields[2])
    return sizes


def read_messages(epoch: Epoch, blobs: list[str]) -> dict[str, bytes | None]:
    """Messages read again by blob id (a series audited once more when a
    patch joins it), through one ``cat-file --batch``."""
    return gitcmd.read_blobs(epoch.path, blobs)
