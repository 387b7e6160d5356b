"""The messages of an emailed series, as reviewers get them: a ``b4 am``
mbox (with or without its ``.cover``), a lore thread, stdin or a FIFO.

The patches are ordered by their ``[PATCH vN n/m]`` numbers, not by their
place in the file; cover letters are read (``base-commit:``,
``prerequisite-patch-id:``) but not applied; replies are skipped, also those
that carry a diff; of several versions the newest is kept. Only the standard
library reads the mail (why not b4's classes: docs/design.md, "Design notes: mail").
"""

from __future__ import annotations

import email
import email.header
import email.policy
import email.utils
import os
import re
import stat
import sys
from dataclasses import dataclass, field, replace
from datetime import datetime, timezone
from email.message import Message
from pathlib import Path

from ..errors import AuditError

# Input is read up to this size: a 100-patch lore thread with its replies is
# a few MB; /dev/zero or a mistaken file must not eat memory.
MAX_INPUT = 64 * 1024 * 1024
_CHUNK = 1024 * 1024

# "From <anything> <weekday> <month> <day> <hh:mm:ss> <year>": the separator
# git format-patch, b4 and public-inbox write; ">From " in bodies is escaped.
_SEPARATOR = re.compile(rb"(?m)^From \S+ +[A-Z][a-z]{2} [A-Z][a-z]{2} +\d+ [\d:]+ \d{4}[^\n]*\n")
_PREFIX = re.compile(r"^\s*\[([^\]]*)\]\s*")
_REPLY = re.compile(r"^\s*(re|aw|sv|antw|fwd?)\s*(\[\d+\])?\s*:", re.IGNORECASE)
_BASE_COMMIT = re.compile(r"(?m)^base-commit:[ \t]*([0-9a-fA-F]{7,64})[ \t]*$")
_PREREQUISITE = re.compile(r"(?m)^prerequisite-patch-id:[ \t]*([0-9a-fA-F]{7,64})[ \t]*$")
MESSAGE_IDS = re.compile(r"<([^<>\s]+)>")  # the ids of References, In-Reply-To
_DIFF_START = re.compile(r"(?m)^(diff --git |--- \S.*\n\+\+\+ \S)")


@dataclass(frozen=True)
class MailPatch:
    """One patch mail: its identity and the diff it carries (``diff`` is
    the text from the first ``diff --git`` or ``---``/``+++`` on)."""

    message_id: str | None  # None: the mail has no Message-Id (format-patch --stdout)
    version: int
    number: int  # n of n/m (1 when the subject has no number)
    total: int  # m
    subject: str  # without the [PATCH ...] prefix
    author: str
    email: str
    date: str  # ISO 8601, as git log %aI prints it
    timestamp: int
    offset: str  # "+0200"
    message: str  # the commit message body (what precedes the diff)
    diff: str

    @property
    def label(self) -> str:
        return f"{self.number}/{self.total}" if self.total else str(self.number)


@dataclass
class Thread:
    """What an mbox holds: the patches of the version audited, in order,
    and what was read or left aside on the way."""

    patches: list[MailPatch]
    version: int
    versions: tuple[int, ...]
    base_commit: str | None = None
    prerequisites: tuple[str, ...] = ()
    cover_id: str | None = None
    skipped: list[str] = field(default_factory=list)  # one line each: what and why
    missing: list[str] = field(default_factory=list)  # "3/4": numbers not in the mbox


def read_input(path: str) -> bytes:
    """The mbox's bytes, from a file, a FIFO or stdin (``-``), at most
    :data:`MAX_INPUT`; a b4 ``.mbx`` brings its ``.cover`` along."""
    if path == "-":
        data = _read_capped(sys.stdin.buffer, "stdin")
    else:
        try:
            if stat.S_ISDIR(os.stat(path).st_mode):
                raise AuditError(f"{path}: is a directory, not an mbox")
            with open(path, "rb") as stream:
                data = _read_capped(stream, path)
        except OSError as err:
            raise AuditError(f"cannot read mbox {path}: {err.strerror}") from None
        cover = Path(path).with_suffix(".cover")
        if path.endswith(".mbx") and cover.is_file():
            try:
                with open(cover, "rb") as stream:
                    data = _as_mbox(_read_capped(stream, str(cover))) + _as_mbox(data)
            except OSError as err:
                raise AuditError(f"cannot read {cover}: {err.strerror}") from None
    if not data.strip():
        raise AuditError(f"{path}: the mbox is empty")
    return data


def _read_capped(stream, name: str) -> bytes:  # type: ignore[no-untyped-def]
    chunks, size = [], 0
    while size <= MAX_INPUT:
        chunk = stream.read(_CHUNK)
        if not chunk:
            return b"".join(chunks)
        if not chunks and b"\0" in chunk:
            raise AuditError(f"{name}: not an mbox (it holds NUL bytes)")
        chunks.append(chunk)
        size += len(chunk)
    raise AuditError(f"{name}: larger than {MAX_INPUT // 2**20} MB, the most memdie-audit "
                     "reads; save only the series (b4 am) and try again")


def _as_mbox(data: bytes) -> bytes:
    """A single message (b4's ``.cover``) gets a separator line."""
    if _SEPARATOR.match(data):
        return data if data.endswith(b"\n") else data + b"\n"
    return b"From memdie-audit Thu Jan  1 00:00:00 1970\n" + data.rstrip(b"\n") + b"\n\n"


def split_mbox(data: bytes) -> list[bytes]:
    """The raw messages of an mbox (a single message without a ``From ``
    line counts as one). mboxrd's ``>From`` escapes are undone."""
    if b"\n" not in data.replace(b"\r\n", b""):
        data = data.replace(b"\r\n", b"\n")  # saved with CRLF throughout: git am strips them
    starts = [m.start() for m in _SEPARATOR.finditer(data)]
    if not starts or starts[0] != 0 and data[:starts[0]].strip():
        starts.insert(0, 0)
    messages = []
    for begin, end in zip(starts, [*starts[1:], len(data)], strict=True):
        raw = data[begin:end]
        first = _SEPARATOR.match(raw)
        if first:
            raw = raw[first.end():]
        raw = re.sub(rb"(?m)^>(>*From )", rb"\1", raw)
        if raw.strip():
            messages.append(raw)
    return messages


def is_reply_subject(subject: str) -> bool:
    """``Re:``, ``AW:``, ``Fwd:`` …: a reply, never a patch to apply."""
    return bool(_REPLY.match(subject))


def escape_from(raw: bytes) -> bytes:
    """A message's lines that start with (``>``…)``From `` escaped as mboxrd
    does, so that :func:`split_mbox` gives the message back unchanged."""
    return re.sub(rb"(?m)^(>*From )", rb">\1", raw)


@dataclass(frozen=True)
class Mail:
    """One message, decoded: what ordering a series needs of it."""

    message_id: str | None
    subject: str  # without the [..] prefixes (a reply's: as sent)
    tags: tuple[str, ...]  # the words of the [..] prefixes
    author: str
    email: str
    date: datetime | None
    body: str
    # The Message-Ids it answers: References (the thread's root first), then In-Reply-To
    parents: tuple[str, ...] = ()

    @property
    def is_reply(self) -> bool:
        return bool(_REPLY.match(self.subject))

    @property
    def numbers(self) -> tuple[int, int | None, int | None]:
        """(version, n, m) of its ``[PATCH vN n/m]``."""
        return _numbers(self.tags)

    @property
    def diff_start(self) -> int | None:
        """Where its diff starts in ``body`` (None: it carries none)."""
        start = _DIFF_START.search(self.body)
        return start.start() if start else None

    def is_cover(self) -> bool:
        """A cover letter: 0/m, or no number, no diff and a base-commit line."""
        _, number, _ = self.numbers
        return number == 0 or (number is None and self.diff_start is None
                               and _BASE_COMMIT.search(self.body) is not None)


def read_thread(data: bytes, name: str) -> Thread:
    """The series in ``data``: the newest version's patches in n/m order."""
    mails = [parse_message(raw) for raw in split_mbox(data)]
    covers: dict[int, Mail] = {}
    found: dict[int, dict[int, MailPatch]] = {}
    skipped: list[str] = []
    for mail in mails:
        version, number, total = _numbers(mail.tags)
        if mail.is_reply:
            skipped.append(f"reply: {_one_line(mail.subject)}")
            continue
        # A cover letter is 0/m; one may carry an interdiff, never applied.
        if mail.is_cover():
            covers.setdefault(version, mail)
            continue
        start = _DIFF_START.search(mail.body)
        if start is None:
            skipped.append(f"no diff: {_one_line(mail.subject)}")
            continue
        same = found.setdefault(version, {})
        if number is None:  # [PATCH] alone: the mbox's order is all there is
            number = len(same) + 1
        patch = _patch(mail, version, number, total or 0, start.start())
        if patch.number in same:
            skipped.append(f"duplicate of v{version} {patch.label}: {_one_line(mail.subject)}")
            continue
        same[patch.number] = patch
    if not found:
        raise AuditError(f"{name}: no patches found in the mbox")
    version = max(found)
    patches = [found[version][n] for n in sorted(found[version])]
    patches = [p if p.total else replace(p, total=len(patches)) for p in patches]
    for older in sorted(found):
        if older != version:
            skipped.extend(f"older version v{older}: {p.label} {_one_line(p.subject)}"
                           for p in found[older].values())
    total = max(p.total for p in patches)
    missing = [f"{n}/{total}" for n in range(1, total + 1) if n not in found[version]]
    cover = covers.get(version)
    texts = ([cover.body] if cover else []) + [p.message + "\n" + p.diff for p in patches]
    base = next((m.group(1).lower() for t in texts if (m := _BASE_COMMIT.search(t))), None)
    prerequisites = tuple(dict.fromkeys(m.group(1).lower() for t in texts
                                        for m in _PREREQUISITE.finditer(t)))
    return Thread(patches, version, tuple(sorted(found)), base, prerequisites,
                  cover.message_id if cover else None, skipped, missing)


def parse_message(raw: bytes) -> Mail:
    """One raw message (no mbox separator line), decoded."""
    msg = _message(raw)
    subject = _header(msg, "Subject")
    tags: list[str] = []
    rest = subject
    while (m := _PREFIX.match(rest)) and not _REPLY.match(rest):
        tags.extend(m.group(1).split())
        rest = rest[m.end():]
    name, address = email.utils.parseaddr(_header(msg, "From"))
    try:
        date = email.utils.parsedate_to_datetime(_header(msg, "Date"))
    except (TypeError, ValueError, IndexError):
        date = None
    message_id = _header(msg, "Message-Id").strip().strip("<>").strip() or None
    parents = tuple(dict.fromkeys(
        MESSAGE_IDS.findall(_header(msg, "References"))
        + MESSAGE_IDS.findall(_header(msg, "In-Reply-To"))))
    return Mail(message_id, subject if _REPLY.match(subject) else rest, tuple(tags),
                name or address or "unknown", address, date, _body(msg), parents)


def _message(raw: bytes) -> Message:
    """The parsed message. A single-part one (almost every patch and reply)
    gets its header parsed and its body set as the parser would set it,
    without the parser's line-by-line walk through the body."""
    end = HEADER_END.search(raw)
    if end is not None:
        msg = email.message_from_bytes(raw[:end.end()], policy=email.policy.compat32)
        if not msg.defects and msg.get_content_maintype() not in ("multipart", "message"):
            msg.set_payload(raw[end.end():].decode("ascii", "surrogateescape"))
            return msg
    return email.message_from_bytes(raw, policy=email.policy.compat32)


HEADER_END = re.compile(rb"\r?\n\r?\n")


def _header(msg: Message, name: str) -> str:
    value = msg.get(name)
    if value is None:
        return ""
    if isinstance(value, str) and "=?" not in value and value.isascii():
        return " ".join(value.split())  # nothing encoded: decode_header would change nothing
    try:
        text = str(email.header.make_header(email.header.decode_header(str(value))))
    except (UnicodeError, LookupError, email.errors.HeaderParseError):
        text = str(value)
    return " ".join(text.split())


def _body(msg: Message) -> str:
    """The text parts of a message (inline patches and text/x-patch
    attachments alike), decoded."""
    texts = []
    for part in msg.walk():
        if part.is_multipart():
            continue
        kind = part.get_content_type()
        if not (kind.startswith("text/") and kind != "text/html"):
            continue
        payload = part.get_payload(decode=True)
        if not isinstance(payload, bytes):
            continue
        charset = part.get_content_charset() or "utf-8"
        try:
            texts.append(payload.decode(charset, "surrogateescape"))
        except LookupError:
            texts.append(payload.decode("utf-8", "surrogateescape"))
    return "\n".join(texts)


def _numbers(tags: tuple[str, ...]) -> tuple[int, int | None, int | None]:
    """(version, n, m) from the words of ``[PATCH v2 3/7]``."""
    version, number, total = 1, None, None
    for tag in tags:
        if m := re.fullmatch(r"[vV](\d+)", tag):
            version = int(m.group(1))
        elif m := re.fullmatch(r"(\d+)/(\d+)", tag):
            number, total = int(m.group(1)), int(m.group(2))
    return version, number, total


def _patch(mail: Mail, version: int, number: int, total: int, start: int) -> MailPatch:
    head = mail.body[:start]
    # The commit message ends at the "---" line git format-patch writes
    # before the diffstat (git mailinfo's rule); the rest is commentary.
    cut = re.search(r"(?m)^---[ \t]*$", head)
    message = (head[:cut.start()] if cut else head).strip("\n")
    date = mail.date or datetime(1970, 1, 1, tzinfo=timezone.utc)
    if date.tzinfo is None:
        date = date.replace(tzinfo=timezone.utc)
    offset = date.utcoffset()
    minutes = int(offset.total_seconds() // 60) if offset else 0
    sign = "-" if minutes < 0 else "+"
    return MailPatch(mail.message_id, version, number, total, mail.subject, mail.author,
                     mail.email, date.isoformat(), int(date.timestamp()),
                     f"{sign}{abs(minutes) // 60:02d}{abs(minutes) % 60:02d}", message,
                     mail.body[start:])


def _one_line(text: str) -> str:
    return " ".join(text.split())[:100]
