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
from typing import Any

from ..sources.commits import diff_can_touch
from ..sources.mail import sane_path
from ..sources.messages import Mail, parse_message

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


def diff_facts(mail: Mail) -> tuple[bool, bool]:
    """(is a patch, could touch a flag) for a message that is not a reply;
    :class:`Refused` for a diff bomb or a path outside the tree."""
    start = mail.diff_start
    if start is None:
        return mail.is_cover(), False
    paths: list[str] = []
    changed: list[str] = []
    lines = mail.body[start:].split("\n")
    if len(lines) > MAX_DIFF_LINES:
        raise Refused(f"a diff of {len(lines)} lines, more than the robot reads "
                      f"({MAX_DIFF_LINES})")
    header = False
    for i, line in enumerate(lines):
        if line.startswith("diff --git "):
            parts = line[len("diff --git "):].split(" b/", 1)
            paths.extend(p.removeprefix("a/").strip('"') for p in parts)
            header = True
        elif line.startswith("--- ") and i + 1 < len(lines) and lines[i + 1].startswith("+++ "):
            paths.append(_diff_path(line[4:]))
            header = True
        elif line.startswith("+++ ") and header:
            paths.append(_diff_path(line[4:]))
        elif line.startswith("@@"):
            header = False
        elif line[:1] in ("+", "-") and not header:
            changed.append(line[1:])
    paths = [p for p in paths if p and p != "/dev/null"]
    if len(set(paths)) > MAX_DIFF_FILES:
        raise Refused(f"a diff of {len(set(paths))} files, more than the robot reads "
                      f"({MAX_DIFF_FILES})")
    bad = next((p for p in paths if not sane_path(p)), None)
    if bad is not None:
        raise Refused(f"a patch aimed outside the tree: {bad[:80]!r}")
    return True, diff_can_touch(paths, changed)


def _diff_path(text: str) -> str:
    path = text.split("\t")[0].rstrip().strip('"')
    return path if path == "/dev/null" else path.split("/", 1)[1] if "/" in path else path


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
        try:
            mail = read_message(data)
        except Refused as why:
            self._refuse(f"blob:{blob}", None, str(why))
            return
        message_id = mail.message_id or f"blob:{blob}"
        threads = self.state["threads"]
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
                           "date": mail.date.isoformat() if mail.date else None,
                           "author": mail.author, "refused": None}
        return series[key]

    def _refuse(self, ident: str, subject: str | None, why: str) -> None:
        self.state["refused"].setdefault(ident, {"message_id": ident, "subject": subject,
                                                 "reason": why})

    def save_pending(self) -> None:
        self.state["pending"] = sorted(self.pending)


def refs(record: Record) -> list[Record]:
    """The series' messages as the mbox gives them: cover, then n/m order."""
    patches = [record["patches"][n] for n in sorted(record["patches"], key=int)]
    return ([record["cover"]] if record["cover"] else []) + patches


def skipped(state: Record) -> int:
    """Series that cannot touch a flag (none of their patches could)."""
    return sum(1 for r in state.get("series", {}).values()
               if not r.get("refused") and not any(p["touches"] for p in r["patches"].values()))
