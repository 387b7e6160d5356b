"""Which commit a series without ``base-commit:`` was written against,
guessed the way ``b4 am --guess-base`` does: the ``index <old>..<new>``
line of each file's first patch names the file's blob in the base, so the
base is a commit whose touched files have those blobs.

Only history that changes the touched files is read, along first parents
from HEAD, and at most :data:`GUESS_COMMITS` of those commits: the state of
the files between two such commits is the same, so each is scored once.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from . import gitcmd

GUESS_COMMITS = 1000
_NULL = frozenset("0")


@dataclass(frozen=True)
class Guess:
    sha: str
    matched: int  # preimages found at that commit
    total: int  # preimages the patches name
    scanned: int  # commits read


def guess_base(top: Path, preimages: dict[str, str], start: str = "HEAD",
               limit: int = GUESS_COMMITS) -> Guess | None:
    """The newest commit (from ``start`` back) at which the most of
    ``preimages`` (path -> abbreviated blob id) match; None if none does."""
    wanted = {p: b for p, b in preimages.items() if set(b) - _NULL}
    if not wanted:
        return None
    paths = sorted(wanted)
    literal = {"GIT_LITERAL_PATHSPECS": "1"}  # a path from a mail is a path, not a glob
    head = gitcmd.run(top, "rev-parse", "--verify", "--end-of-options", f"{start}^{{commit}}",
                      ok=(0, 128)).decode().strip()
    if not head:
        return None
    listing = gitcmd.run(top, "ls-tree", "-r", "-z", "--full-tree", head, "--", *paths,
                         env=literal)
    state: dict[str, str | None] = dict.fromkeys(paths)
    for record in gitcmd.split_z(listing):
        meta, _, path = record.partition("\t")
        state[path] = meta.split()[2]
    log = gitcmd.run(top, "log", "--first-parent", "--diff-merges=first-parent",
                     "--no-renames", "--raw", "--no-abbrev", "-z", "--format=%x01%H%x00%P",
                     f"--max-count={limit}", head, "--", *paths, env=literal)
    best: Guess | None = None
    candidate = head  # the newest commit at which `state` holds
    scanned = 0
    for _sha, parent, changes in _commits(log):
        score = _score(state, wanted)
        if score and (best is None or score > best.matched):
            best = Guess(candidate, score, len(wanted), scanned)
            if score == len(wanted):
                return best
        scanned += 1
        for path, old in changes:
            state[path] = old
        candidate = parent
        if not candidate:
            break
    score = _score(state, wanted)
    if candidate and score and (best is None or score > best.matched):
        best = Guess(candidate, score, len(wanted), scanned)
    return best if best is None else Guess(best.sha, best.matched, best.total, scanned)


def _score(state: dict[str, str | None], wanted: dict[str, str]) -> int:
    return sum(1 for p, b in wanted.items() if (state.get(p) or "").startswith(b))


def _commits(log: bytes) -> list[tuple[str, str, list[tuple[str, str | None]]]]:
    """(sha, first parent, [(path, blob before the commit)]) per commit."""
    out: list[tuple[str, str, list[tuple[str, str | None]]]] = []
    tokens = log.split(b"\0")
    i = 0
    while i < len(tokens):
        token = tokens[i].lstrip(b"\n")
        if token.startswith(b"\x01"):
            parents = tokens[i + 1].decode().split() if i + 1 < len(tokens) else []
            out.append((token[1:].decode(), parents[0] if parents else "", []))
            i += 2
        elif token.startswith(b":") and out and i + 1 < len(tokens):
            fields = token[1:].decode().split(" ")
            old = fields[2] if set(fields[2]) - _NULL else None
            out[-1][2].append((tokens[i + 1].decode("utf-8", "surrogateescape"), old))
            i += 2
        else:
            i += 1
    return out
