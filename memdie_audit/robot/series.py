"""Series assembled across runs, message by message, as the archive took them.

Each message is placed once: a reply only joins the thread map (Message-Id
→ thread root); a cover letter or a patch joins the series of its thread,
version and length (``[PATCH v2 3/7]`` in reply to the v2 cover), so a patch
that arrives a day later finds the series it belongs to. A series is
audited when one of its patches could touch a flag — the same test as the
fast path for ranges (:func:`~memdie_audit.sources.commits.diff_can_touch`)
— and audited again whenever a message joins it. Everything here is plain
data (dicts and lists) that the state file holds as JSON.
"""

from __future__ import annotations

import email.errors
import hashlib
import re
from datetime import datetime, timezone
from typing import Any

from ..sources.commits import diff_can_touch, flag_pattern
from ..sources.mail import sane_path
from ..sources.messages import HEADER_END, MESSAGE_IDS, Mail, is_reply_subject, parse_message

# A message whose diff is larger than this is a diff bomb to the robot: its
# series is skipped with the reason, the run goes on.
MAX_DIFF_LINES = 200_000
MAX_DIFF_FILES = 10_000

Record = dict[str, Any]


class Refused(Exception):
    """A message the robot does not audit, and why (one line)."""


def read_message(data: bytes) -> Mail:
    """A message from the archive, or :class:`Refused` when it cannot be read."""
    try:
        return parse_message(data)
    except (ValueError, LookupError, UnicodeError, email.errors.MessageError,
            RecursionError) as err:
        raise Refused(f"the message cannot be read: {type(err).__name__}") from None


_GIT_PATHS = re.compile(r"(?m)^diff --git (\"?a/.*?\"?) (\"?b/.*?\"?)\r?$")
_PAIR_PATHS = re.compile(r"(?m)^--- (\S+)[^\n]*\n\+\+\+ (\S+)")


def diff_facts(mail: Mail) -> tuple[bool, bool]:
    """(is a patch, could touch a flag) for a message that is not a reply;
    :class:`Refused` for a diff bomb or a path outside the tree. Whole-text
    searches first: a line-by-line look only where the flag pattern occurs."""
    start = mail.diff_start
    if start is None:
        return mail.is_cover(), False
    diff = mail.body[start:]
    lines = diff.count("\n") + 1
    if lines > MAX_DIFF_LINES:
        raise Refused(f"a diff of {lines} lines, more than the robot reads ({MAX_DIFF_LINES})")
    paths = {_diff_path(p) for pair in (*_GIT_PATHS.findall(diff), *_PAIR_PATHS.findall(diff))
             for p in pair}
    paths.discard("/dev/null")
    paths.discard("")
    if len(paths) > MAX_DIFF_FILES:
        raise Refused(f"a diff of {len(paths)} files, more than the robot reads "
                      f"({MAX_DIFF_FILES})")
    bad = next((p for p in sorted(paths) if not sane_path(p)), None)
    if bad is not None:
        raise Refused(f"a patch aimed outside the tree: {bad[:80]!r}")
    if not re.search(flag_pattern(), diff):
        return True, diff_can_touch(paths, ())  # no line can name a flag
    return True, diff_can_touch(paths, _changed_lines(diff))


def _changed_lines(diff: str) -> list[str]:
    """The added and removed lines of a diff, without their sign."""
    changed: list[str] = []
    lines = diff.split("\n")
    header = False
    for i, line in enumerate(lines):
        if line.startswith("diff --git "):
            header = True
        elif line.startswith("--- ") and i + 1 < len(lines) and lines[i + 1].startswith("+++ "):
            header = True
        elif line.startswith("@@"):
            header = False
        elif line[:1] in ("+", "-") and not header:
            changed.append(line[1:])
    return changed


def _diff_path(text: str) -> str:
    path = text.split("\t")[0].rstrip().strip('"')
    return path if path == "/dev/null" else path.split("/", 1)[1] if "/" in path else path


_FOLDED = re.compile(rb"\r?\n[ \t]+")
# What makes a message worth parsing in full: a diff, a cover's base-commit,
# or a body the header says is encoded or in parts.
_WORTH = re.compile(rb"(?m)^(diff --git |\+\+\+ |base-commit:)")
_ENCODED = re.compile(rb"base64|quoted-printable", re.IGNORECASE)


def _glance(data: bytes) -> tuple[str | None, tuple[str, ...], bool] | None:
    """(Message-Id, the ids it answers, is a reply) of a message that needs
    no more than its header: a reply, or one with no ``[..]`` subject prefix,
    no diff and no base-commit in a plain body. None: parse it in full. Read as
    :func:`~memdie_audit.sources.messages.parse_message` reads those headers."""
    end = HEADER_END.search(data)
    if end is None:
        return None
    fields: dict[bytes, bytes] = {}
    for line in _FOLDED.sub(b" ", data[:end.start()]).split(b"\n"):
        name, sep, value = line.partition(b":")
        if sep:
            fields.setdefault(name.strip().lower(), value.strip())
    subject = fields.get(b"subject", b"")
    if b"=?" in subject or not subject.isascii():
        return None
    reply = is_reply_subject(subject.decode())
    # A "[PATCH 0/4]" may be a cover letter without a base-commit line.
    if not reply and (subject.lstrip().startswith(b"[") or _WORTH.search(data, end.end())
                      or _ENCODED.search(fields.get(b"content-transfer-encoding", b""))
                      or b"multipart" in fields.get(b"content-type", b"").lower()):
        return None
    ids = [fields.get(name, b"").decode("utf-8", "replace")
           for name in (b"message-id", b"references", b"in-reply-to")]
    message_id = " ".join(ids[0].split()).strip().strip("<>").strip() or None
    parents = tuple(dict.fromkeys(MESSAGE_IDS.findall(ids[1]) + MESSAGE_IDS.findall(ids[2])))
    return message_id, parents, reply


def series_key(root: str, version: int, total: int) -> str:
    """A series' stable name: its thread, version and length (a folder name)."""
    return hashlib.sha256(f"{root}\0{version}\0{total}".encode()).hexdigest()[:16]


class Assembly:
    """The series state: every message placed so far, every series."""

    def __init__(self, state: Record) -> None:
        self.state = state
        state.setdefault("threads", {})
        state.setdefault("series", {})
        state.setdefault("refused", {})
        state.setdefault("pending", [])
        state.setdefault("counts", {"messages": 0, "replies": 0, "other": 0})
        self.pending: set[str] = set(state["pending"])

    def add(self, epoch: str, blob: str, data: bytes | None, size: int) -> None:
        """Place one message (``data`` None: too large to read)."""
        counts = self.state["counts"]
        counts["messages"] += 1
        if data is None:
            self._refuse(f"blob:{blob}", None, f"a message of {size} bytes, more than the "
                                               "robot reads")
            return
        threads = self.state["threads"]
        glance = _glance(data)
        if glance is not None:  # a reply, or talk without a diff: its thread is all
            message_id, parents, reply = glance
            message_id = message_id or f"blob:{blob}"
            threads.setdefault(message_id, threads.get(parents[0], parents[0])
                               if parents else message_id)
            counts["replies" if reply else "other"] += 1
            return
        try:
            mail = read_message(data)
        except Refused as why:
            self._refuse(f"blob:{blob}", None, str(why))
            return
        message_id = mail.message_id or f"blob:{blob}"
        root = message_id
        if mail.parents:
            first = mail.parents[0]
            root = threads.get(first, first)
        threads.setdefault(message_id, root)
        if mail.is_reply:
            counts["replies"] += 1
            return
        version, number, total = mail.numbers
        key = series_key(root if number is not None else message_id, version, total or 1)
        try:
            patch, touches = diff_facts(mail)
        except Refused as why:
            if number is None:
                self._refuse(message_id, mail.subject, str(why))
                return
            record = self._series(key, root, version, total, mail, epoch)
            record["refused"] = record.get("refused") or f"{message_id}: {why}"
            self.pending.discard(key)
            return
        if not patch:
            counts["other"] += 1
            return
        record = self._series(key, root, version, total, mail, epoch)
        ref = {"epoch": epoch, "blob": blob, "message_id": message_id, "touches": touches}
        if mail.is_cover():
            record["cover"] = ref
            record["subject"] = mail.subject
        else:
            place = str(number if number is not None else len(record["patches"]) + 1)
            if place in record["patches"]:
                return  # sent twice: the first copy stays
            record["patches"][place] = ref
            if record["cover"] is None and (number == 1 or not record["subject"]):
                record["subject"] = mail.subject
        if not record.get("refused") and any(p["touches"] for p in record["patches"].values()):
            self.pending.add(key)

    def remove(self, data: bytes | None) -> None:
        """A message the archive deleted (``d``) leaves its series."""
        if data is None:
            return
        try:
            message_id = read_message(data).message_id
        except Refused:
            return
        for key, record in self.state["series"].items():
            refs = [("cover", record["cover"])] if record["cover"] else []
            refs += [(n, p) for n, p in record["patches"].items()]
            for place, ref in refs:
                if ref["message_id"] == message_id:
                    if place == "cover":
                        record["cover"] = None
                    else:
                        del record["patches"][place]
                    if record["patches"] and not record.get("refused"):
                        self.pending.add(key)
                    return

    def _series(self, key: str, root: str, version: int, total: int | None, mail: Mail,
                epoch: str) -> Record:
        series = self.state["series"]
        if key not in series:
            series[key] = {"key": key, "root": root, "version": version, "total": total or 1,
                           "subject": "", "cover": None, "patches": {},
                           "seq": len(series), "epoch": epoch,
                           "date": _utc(mail.date),
                           "author": mail.author, "refused": None}
        return series[key]

    def _refuse(self, ident: str, subject: str | None, why: str) -> None:
        self.state["refused"].setdefault(ident, {"message_id": ident, "subject": subject,
                                                 "reason": why})

    def save_pending(self) -> None:
        self.state["pending"] = sorted(self.pending)


def _utc(date: datetime | None) -> str | None:
    """An ISO date in UTC, so that the index sorts dates as text."""
    if date is None:
        return None
    return (date.astimezone(timezone.utc) if date.tzinfo else date).isoformat()


def refs(record: Record) -> list[Record]:
    """The series' messages as the mbox gives them: cover, then n/m order."""
    patches = [record["patches"][n] for n in sorted(record["patches"], key=int)]
    return ([record["cover"]] if record["cover"] else []) + patches


def skipped(state: Record) -> int:
    """Series that cannot touch a flag (none of their patches could)."""
    return sum(1 for r in state.get("series", {}).values()
               if not r.get("refused") and not any(p["touches"] for p in r["patches"].values()))
