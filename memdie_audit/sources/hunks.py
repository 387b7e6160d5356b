"""Unified diffs as git writes them, applied hunk by hunk in memory.

A hunk applies where its preimage (context and removed lines) is found
exactly, searching outwards from where it says it goes, as ``git apply``
does; a hunk that is found nowhere is reported with what it expected and
what the file has in the place that resembles it most, and the other hunks
still apply (``git apply --reject``).
"""

from __future__ import annotations

import base64
import difflib
import re
import zlib
from dataclasses import dataclass, field

_HUNK = re.compile(r"^@@ -(\d+)(?:,(\d+))? \+(\d+)(?:,(\d+))? @@(.*)$")
_INDEX = re.compile(r"^index ([0-9a-f]+)\.\.([0-9a-f]+)(?: (\d+))?$")


@dataclass
class Hunk:
    header: str  # "@@ -97,7 +97,6 @@ struct thread_info {"
    old_start: int
    old: list[bytes]  # the preimage: context and removed lines
    new: list[bytes]  # the postimage: context and added lines
    leading: int  # context lines before the first change
    trailing: int  # context lines after the last change


@dataclass
class FilePatch:
    old_path: str | None  # None: the file is created
    new_path: str | None  # None: the file is deleted
    old_blob: str | None = None  # abbreviated ids of the "index" line
    new_blob: str | None = None
    new_mode: str | None = None
    hunks: list[Hunk] = field(default_factory=list)
    binary: bool = False
    # "GIT binary patch": ("literal" | "delta", the inflated data); None: no data
    binary_data: tuple[str, bytes] | None = None

    @property
    def path(self) -> str:
        return self.new_path or self.old_path or ""


@dataclass(frozen=True)
class Mismatch:
    """Where the hunk fits best, a line the patch expects (``expected``)
    that the tree lacks (``found`` None) or has otherwise, or a tree line
    the patch does not expect (``expected`` None)."""

    line: int  # 1-based line in the file
    expected: str | None
    found: str | None


@dataclass(frozen=True)
class Rejected:
    """A hunk that did not apply, and why."""

    path: str
    header: str
    line: int | None  # where it fits best (1-based), None when the file is missing
    reason: str
    mismatches: tuple[Mismatch, ...] = ()
    note: str = ""  # e.g. why --3way could not help


class DiffError(ValueError):
    """The text is not a diff this module can read."""


def _path(text: str) -> str | None:
    text = text.split("\t")[0].rstrip()
    if text == "/dev/null":
        return None
    if text.startswith('"') and text.endswith('"') and len(text) > 1:
        try:  # git's C-style quoting of unusual bytes: "a/caf\303\251.c"
            text = text[1:-1].encode("latin-1").decode("unicode_escape") \
                .encode("latin-1").decode("utf-8", "surrogateescape")
        except (UnicodeError, ValueError):
            text = text[1:-1]
    return text.split("/", 1)[1] if "/" in text else text


def parse_diff(text: str) -> list[FilePatch]:
    """The file patches of a mail's diff, hunks read by their line counts
    (so a signature after the last hunk is never taken for a change)."""
    lines = text.split("\n")
    patches: list[FilePatch] = []
    current: FilePatch | None = None
    i = 0
    while i < len(lines):
        line = lines[i].rstrip("\r") if not lines[i].startswith((" ", "+", "-")) else lines[i]
        if line.startswith("diff --git "):
            m = re.match(r"^diff --git (\"?a/.*?\"?) (\"?b/.*\"?)$", line.rstrip("\r"))
            current = FilePatch(_path(m.group(1)) if m else None, _path(m.group(2)) if m else None)
            patches.append(current)
        elif line.startswith("--- ") and i + 1 < len(lines) and lines[i + 1].startswith("+++ "):
            if current is None or current.hunks:
                current = FilePatch(None, None)
                patches.append(current)
            current.old_path = _path(line[4:])
            current.new_path = _path(lines[i + 1][4:].rstrip("\r"))
            i += 1
        elif current is not None and (m := _INDEX.match(line)):
            current.old_blob, current.new_blob = m.group(1), m.group(2)
            current.new_mode = m.group(3) or current.new_mode
        elif current is not None and line.startswith("new file mode "):
            current.old_path, current.new_mode = None, line.split()[-1]
        elif current is not None and line.startswith("deleted file mode "):
            current.new_path = None
        elif current is not None and line.startswith("new mode "):
            current.new_mode = line.split()[-1]
        elif current is not None and line.startswith("rename from "):
            current.old_path = line[len("rename from "):]
        elif current is not None and line.startswith("rename to "):
            current.new_path = line[len("rename to "):]
        elif current is not None and line.startswith("GIT binary patch"):
            current.binary = True
            i = _read_binary(lines, i + 1, current)
            continue
        elif current is not None and line.startswith("Binary files "):
            current.binary = True
        elif current is not None and (m := _HUNK.match(line.rstrip("\r"))):
            i = _read_hunk(lines, i, m, current)
            continue
        i += 1
    return [p for p in patches if p.old_path or p.new_path]


def _read_hunk(lines: list[str], i: int, m: re.Match[str], patch: FilePatch) -> int:
    old_count = int(m.group(2)) if m.group(2) is not None else 1
    new_count = int(m.group(4)) if m.group(4) is not None else 1
    old: list[bytes] = []
    new: list[bytes] = []
    kinds: list[str] = []
    i += 1
    while i < len(lines) and (len(old) < old_count or len(new) < new_count):
        text = lines[i]
        kind, body = (text[:1], text[1:]) if text else (" ", "")  # an emptied context line
        data = (body + "\n").encode("utf-8", "surrogateescape")
        if kind == " ":
            old.append(data)
            new.append(data)
        elif kind == "-":
            old.append(data)
        elif kind == "+":
            new.append(data)
        elif kind == "\\":
            i += 1
            continue
        else:
            break
        kinds.append(kind)
        i += 1
        # "\ No newline at end of file" ends the line before it without one
        if i < len(lines) and lines[i].startswith("\\"):
            if kind in " -":
                old[-1] = old[-1][:-1]
            if kind in " +":
                new[-1] = new[-1][:-1]
            i += 1
    changes = [n for n, k in enumerate(kinds) if k != " "]
    leading = changes[0] if changes else len(kinds)
    trailing = len(kinds) - 1 - changes[-1] if changes else 0
    patch.hunks.append(Hunk(m.group(0).rstrip("\r"), int(m.group(1)), old, new, leading,
                            trailing))
    return i


def _read_binary(lines: list[str], i: int, patch: FilePatch) -> int:
    """The forward half of a ``GIT binary patch``: ``literal N`` or ``delta
    N`` and base85 lines up to an empty one (the reverse half is skipped)."""
    m = re.match(r"^(literal|delta) (\d+)\s*$", lines[i]) if i < len(lines) else None
    if not m:
        return i
    i += 1
    data = bytearray()
    try:
        while i < len(lines) and lines[i].rstrip("\r"):
            text = lines[i].rstrip("\r")
            size = ord(text[0]) - (ord("A") - 1 if text[0] <= "Z" else ord("a") - 27)
            data += base64.b85decode(text[1:])[:size]
            i += 1
        # Inflated no further than the size the patch states: a few KB of
        # mail must not become gigabytes (a zlib bomb).
        inflated = zlib.decompressobj().decompress(bytes(data), int(m.group(2)) + 1)
    except (ValueError, zlib.error, IndexError):
        return i
    if len(inflated) == int(m.group(2)):
        patch.binary_data = (m.group(1), inflated)
    return i


def apply_binary(content: bytes, patch: FilePatch) -> bytes | None:
    """The new content a binary patch gives ``content``; None if it has no
    data or its delta does not fit."""
    if patch.binary_data is None:
        return None
    kind, data = patch.binary_data
    if kind == "literal":
        return data
    try:
        return _apply_delta(content, data)
    except (IndexError, ValueError):
        return None


def _apply_delta(source: bytes, delta: bytes) -> bytes:
    """git's delta format: two sizes, then copy and insert instructions."""
    def size(at: int) -> tuple[int, int]:
        value, shift = 0, 0
        while True:
            byte = delta[at]
            value |= (byte & 0x7F) << shift
            at, shift = at + 1, shift + 7
            if not byte & 0x80:
                return value, at
    source_size, at = size(0)
    target_size, at = size(at)
    if source_size != len(source):
        raise ValueError("delta for another preimage")
    out = bytearray()
    while at < len(delta):
        op = delta[at]
        at += 1
        if op & 0x80:
            offset = length = 0
            for bit in range(4):
                if op & (1 << bit):
                    offset |= delta[at] << (8 * bit)
                    at += 1
            for bit in range(3):
                if op & (0x10 << bit):
                    length |= delta[at] << (8 * bit)
                    at += 1
            length = length or 0x10000
            out += source[offset:offset + length]
        elif op:
            out += delta[at:at + op]
            at += op
        else:
            raise ValueError("reserved delta opcode")
    if len(out) != target_size:
        raise ValueError("delta result has the wrong size")
    return bytes(out)


def _lines(content: bytes) -> list[bytes]:
    """Lines ending in LF only, as git apply sees them (a lone CR is data)."""
    parts = content.split(b"\n")
    lines = [p + b"\n" for p in parts[:-1]]
    return lines + [parts[-1]] if parts[-1] else lines


def apply_hunks(content: bytes, patch: FilePatch
                ) -> tuple[bytes, int, list[Rejected]]:
    """``content`` with every hunk of ``patch`` that fits applied; the
    number applied and the rejected ones."""
    lines = _lines(content)
    applied, rejected = 0, []
    shift = 0  # how far the hunks applied so far moved the lines below them
    for hunk in patch.hunks:
        expected = max(hunk.old_start - 1, 0) + shift
        at = _find(lines, hunk, expected)
        if at is None:
            rejected.append(_rejection(lines, hunk, expected, patch.path))
            continue
        lines[at:at + len(hunk.old)] = hunk.new
        shift = at - (hunk.old_start - 1) + len(hunk.new) - len(hunk.old)
        applied += 1
    return b"".join(lines), applied, rejected


def _find(lines: list[bytes], hunk: Hunk, expected: int) -> int | None:
    """Where the hunk's preimage is, nearest to ``expected`` first. A hunk
    without leading context at line 1 must match at the start, one without
    trailing context at the end (git apply's rule)."""
    size = len(hunk.old)
    if hunk.old_start <= 1 and hunk.leading == 0:
        return 0 if lines[:size] == hunk.old else None
    if hunk.trailing == 0 and size:
        at = len(lines) - size
        return at if at >= 0 and lines[at:] == hunk.old else None
    last = len(lines) - size
    expected = min(max(expected, 0), max(last, 0))
    for distance in range(0, max(expected, last - expected) + 1):
        for at in (expected - distance, expected + distance) if distance else (expected,):
            if 0 <= at <= last and lines[at:at + size] == hunk.old:
                return at
    return None


def _rejection(lines: list[bytes], hunk: Hunk, expected: int, path: str) -> Rejected:
    """The hunk's preimage against the place in the file that resembles it
    most (nearest to where it should go on a tie), compared line by line:
    what the patch expects that the tree lacks or has otherwise."""
    size = len(hunk.old)
    best, best_score = min(expected, max(len(lines) - size, 0)), -1
    for at in range(0, max(len(lines) - size, 0) + 1):
        score = sum(1 for k in range(size) if at + k < len(lines) and lines[at + k] == hunk.old[k])
        if score > best_score or score == best_score and abs(at - expected) < abs(best - expected):
            best, best_score = at, score
    # A line missing or added shifts everything after it: compare as a diff
    # within a window around the best place, not position by position.
    low = max(0, best - size)
    window = lines[low:best + 2 * size]
    opcodes = difflib.SequenceMatcher(None, hunk.old, window, autojunk=False).get_opcodes()
    while opcodes and opcodes[0][0] == "insert":
        opcodes.pop(0)  # tree lines before the hunk's place
    while opcodes and opcodes[-1][0] == "insert":
        opcodes.pop()
    mismatches: list[Mismatch] = []
    start = None
    for op, i1, i2, j1, j2 in opcodes:
        if start is None:
            start = low + j1 - i1
        if op == "equal":
            continue
        for k in range(max(i2 - i1, j2 - j1)):
            want = hunk.old[i1 + k] if i1 + k < i2 else None
            have = window[j1 + k] if j1 + k < j2 else None
            mismatches.append(Mismatch(low + min(j1 + k, j2) + 1,
                                       None if want is None else _text(want),
                                       None if have is None else _text(have)))
    line = max(start, 0) + 1 if start is not None else best + 1
    reason = "its context is not in the file" if mismatches else "it does not fit"
    return Rejected(path, hunk.header, line, reason, tuple(mismatches))


def _text(line: bytes) -> str:
    return line.rstrip(b"\n").decode("utf-8", "replace")
