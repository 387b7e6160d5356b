"""The robot's output folder: every file written atomically, and only when
its content changes.

A file is written to a temporary name beside it, flushed to disk and
renamed over the old one, so a reader (or a run killed with ``kill -9``)
sees the old file or the new one, never half of either. A file whose
content would not change is not touched at all: a second run with nothing
new changes no file, no mtime, not even the folder's.
"""

from __future__ import annotations

import fcntl
import json
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from ..errors import AuditError

STATE = "state.json"
STATE_VERSION = 1


def write_if_changed(path: Path, data: bytes) -> bool:
    """Write ``data`` to ``path`` atomically unless it already holds it."""
    try:
        if path.read_bytes() == data:
            return False
    except OSError:
        pass
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    with open(temporary, "wb") as out:
        out.write(data)
        out.flush()
        os.fsync(out.fileno())
    os.replace(temporary, path)
    return True


def json_bytes(value: Any) -> bytes:
    return (json.dumps(value, indent=1, sort_keys=True, ensure_ascii=False) + "\n").encode()


def read_json(path: Path) -> Any:
    """A JSON file of ours, or None when it is missing or unreadable (a
    file from a version that wrote it otherwise is read as missing)."""
    try:
        return json.loads(path.read_bytes())
    except (OSError, ValueError):
        return None


def load_state(folder: Path) -> dict[str, Any]:
    state = read_json(folder / STATE)
    if not isinstance(state, dict) or state.get("schema_version") != STATE_VERSION:
        return {"schema_version": STATE_VERSION, "epochs": {}}
    return state


def save_state(folder: Path, state: dict[str, Any]) -> None:
    # Compact: the C encoder writes it (indent would take the slow one).
    data = json.dumps(state, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    write_if_changed(folder / STATE, (data + "\n").encode())


@contextmanager
def locked(folder: Path) -> Iterator[None]:
    """One run at a time per output folder (a second one says so, exit 2)."""
    try:
        folder.mkdir(parents=True, exist_ok=True)
        handle = open(folder / ".lock", "a")  # noqa: SIM115 - held for the whole run
    except OSError as err:
        raise AuditError(f"cannot write into {folder}: {err.strerror}") from None
    try:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise AuditError(f"{folder}: another memdie-audit watch is writing there") from None
        yield
    finally:
        handle.close()


def remove_stale_temporaries(folder: Path) -> None:
    """Temporary files a killed run left behind."""
    for stale in folder.rglob(".*.tmp"):
        try:
            stale.unlink()
        except OSError:
            pass
