"""``index.json`` and ``index.html``: every audited series, newest first,
built from the state and each series' ``result.json`` alone (so they come
out the same whatever order ``--jobs`` finished the series in)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from .. import __version__
from .audit import RESULT
from .followed import Tree
from .series import refs, skipped
from .store import json_bytes, read_json, write_if_changed

INDEX_VERSION = 1


def index_json(folder: Path, state: dict[str, Any], trees: tuple[Tree, ...]) -> dict[str, Any]:
    records = state.get("series", {})
    audited = []
    for key, record in records.items():
        result = read_json(folder / "series" / key / RESULT)
        if not isinstance(result, dict):
            continue
        first = refs(record)[0]["message_id"] if refs(record) else None
        entry = {"message_id": first, "subject": record.get("subject"),
                 "version": record["version"], "patches": len(record["patches"]),
                 "of": record["total"], "missing": result.get("missing", []),
                 "date": record.get("date"), "author": record.get("author"),
                 "previous": _previous(record, records), "folder": f"series/{key}",
                 "skipped": result.get("skipped"), "trees": {}, "seq": record["seq"]}
        for name, told in result.get("trees", {}).items():
            entry["trees"][name] = {**told, "report": f"series/{key}/{told['report']}",
                                    "json": f"series/{key}/{told['json']}"}
        audited.append(entry)
    audited.sort(key=lambda e: (e["date"] or "", e["seq"]), reverse=True)
    for entry in audited:
        del entry["seq"]
    refused = sorted(state.get("refused", {}).values(), key=lambda r: r["message_id"])
    refused += [{"message_id": refs(r)[0]["message_id"] if refs(r) else None,
                 "subject": r.get("subject"), "reason": r["refused"]}
                for r in records.values() if r.get("refused")]
    return {"schema_version": INDEX_VERSION, "tool": "memdie-audit",
            "trees": {t.name: {"path": str(t.path), "rev": t.rev, "sha": t.sha} for t in trees},
            "messages": state.get("counts", {}).get("messages", 0),
            "series": audited, "skipped": skipped(state), "refused": refused}


def _previous(record: dict[str, Any], records: dict[str, Any]) -> str | None:
    """The Message-Id of the version before this one: the newest lower
    version in the same thread or under the same subject."""
    if record["version"] <= 1:
        return None
    subject = _plain(record.get("subject"))
    earlier = [r for r in records.values()
               if r["version"] < record["version"] and refs(r)
               and (r["root"] == record["root"]
                    or (subject and _plain(r.get("subject")) == subject))]
    if not earlier:
        return None
    best = max(earlier, key=lambda r: (r["version"], r["seq"]))
    return refs(best)[0]["message_id"]


def _plain(subject: str | None) -> str:
    return " ".join((subject or "").lower().split())


def write_index(folder: Path, state: dict[str, Any], trees: tuple[Tree, ...]) -> dict[str, Any]:
    from ..report.html import environment

    index = index_json(folder, state, trees)
    write_if_changed(folder / "index.json", json_bytes(index))
    page = environment().get_template("robot.html.j2").render(index=index, version=__version__)
    write_if_changed(folder / "index.html", page.encode())
    return index
