"""Public-inbox archives for the review robot's tests and benchmark.

v2: ``git/N.git`` bare epochs, one commit per message holding it as the
file ``m`` (a removal writes it as ``d``); v1: one bare repository with a
file per message. Written with one ``git fast-import`` per epoch.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable
from pathlib import Path

from .gitrepo import _git, git_env

DELETE = b"\0delete\0"  # an entry starting with this removes the message after it
_START = 1_475_000_000  # the archive's first commit time (Sep 2016)


def mailed_series(repo: Path, base: str, head: str, *, prefix: str = "PATCH",
                  subject: str = "a series", tag: str = "") -> list[bytes]:
    """``git format-patch --cover-letter --thread=shallow`` of ``base..head``
    as messages (cover first), without their mbox ``From`` line; ``tag``
    makes their Message-Ids differ from another mailing of the same commits."""
    with git_env() as env:
        out = _git(repo, env, "format-patch", "--stdout", "--cover-letter", "--thread=shallow",
                   f"--subject-prefix={prefix}", f"--base={base}", f"{base}..{head}")
    messages = [re.sub(rb"\A.*\n", b"", m, count=1) for m in
                re.split(rb"(?m)^(?=From [0-9a-f]{40} )", out) if m.strip()]
    messages[0] = messages[0].replace(b"*** SUBJECT HERE ***", subject.encode())
    if tag:
        messages = [m.replace(b".git.", f".{tag}.git.".encode()) for m in messages]
    return messages


def message(message_id: str, subject: str, body: str, *, reply_to: str | None = None,
            author: str = "A Developer <dev@example.org>", date: str = "Mon, 3 Oct 2016 "
            "10:00:00 +0200") -> bytes:
    """One plain mail, as a list archive holds it."""
    head = [f"From: {author}", f"Subject: {subject}", f"Date: {date}",
            f"Message-Id: <{message_id}>"]
    if reply_to:
        head += [f"In-Reply-To: <{reply_to}>", f"References: <{reply_to}>"]
    return ("\n".join(head) + "\n\n" + body).encode()


def write_epoch(repo: Path, messages: Iterable[bytes], *, v1: bool = False,
                start: int = _START) -> Path:
    """Create or extend a bare epoch with one commit per message."""
    with git_env() as env:
        if not (repo / "objects").is_dir():
            repo.mkdir(parents=True, exist_ok=True)
            _git(repo, env, "init", "-q", "--bare", "-b", "master")
            parent = None
        else:
            parent = _git(repo, env, "rev-parse", "--verify", "-q", "refs/heads/master",
                          ).decode().strip() or None
            start += int(_git(repo, env, "rev-list", "--count", "master").decode())
        stream = bytearray()
        for i, raw in enumerate(messages):
            deleting = raw.startswith(DELETE)
            raw = raw[len(DELETE):] if deleting else raw
            name = _v1_path(raw) if v1 else ("d" if deleting else "m")
            stream += (f"commit refs/heads/master\ncommitter Archive <archive@example.org> "
                       f"{start + i} +0000\ndata 1\n\n").encode()
            if parent and i == 0:
                stream += f"from {parent}\n".encode()
            if v1 and deleting:
                stream += f"D {name}\n".encode()
            else:
                if not v1 and i + (1 if parent else 0):
                    stream += b"D m\nD d\n"
                stream += f"M 100644 inline {name}\ndata {len(raw)}\n".encode() + raw + b"\n"
        _git(repo, env, "fast-import", "--quiet", data=bytes(stream))
    return repo


def _v1_path(raw: bytes) -> str:
    found = re.search(rb"(?im)^message-id:\s*<([^>]*)>", raw)
    digest = hashlib.sha1(found.group(1) if found else raw).hexdigest()
    return f"{digest[:2]}/{digest[2:]}"


def write_inbox(root: Path, epochs: list[list[bytes]]) -> Path:
    """A v2 archive at ``root`` with the given messages per epoch (extends
    the epochs that exist)."""
    start = _START
    for number, messages in enumerate(epochs):
        write_epoch(root / "git" / f"{number}.git", messages, start=start)
        start += 100_000
    return root
