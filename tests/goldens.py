"""The shape of the golden JSON and SARIF files: what a reviewer can read.

The fixture tree's flag tables and arch sets (some 11,000 lines) are pinned
once, in ``golden/tables.json``. Every other JSON golden keeps its own
findings, occurrences and commits, and replaces its ``flag_tables`` and
``arches`` by their difference from those tables: per header or arch, the
flags and masks removed, added or changed, and the runs of lines that moved
(``"lines 71-77": -1``). Nothing is dropped: any change of a table changes
the difference, so the golden still fails. A commit's findings that the
top-level list holds are given by their place in it (``"findings[3]"``),
and SARIF rule descriptors, the same in every log, are pinned in the tree's
SARIF golden and named by id in the others.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

# The fields that say which flag or mask an entry is; the rest are its values.
IDENTITY = ("name", "symbol", "path", "origin", "condition")
# Top-level entries of flag_tables and arches, by what names them.
KEYS = {"flag_tables": "path", "arches": "arch"}


def tables(doc: dict[str, Any]) -> dict[str, Any]:
    """What ``golden/tables.json`` pins: the tree's flag tables and arches."""
    return {key: doc[key] for key in KEYS}


def trimmed_json(doc: dict[str, Any], base: dict[str, Any]) -> dict[str, Any]:
    """``doc`` with its tables as their difference from ``base`` (from
    :func:`tables`) and its commits' findings as places in ``findings``."""
    doc = dict(doc)
    for key, name in KEYS.items():
        doc[key] = _difference(base[key], doc[key], name)
    places = {_frozen(f): f"findings[{n}]" for n, f in enumerate(doc.get("findings", ()))}
    doc["commits"] = [{**c, "findings": [places.get(_frozen(f), f) for f in c["findings"]]}
                      if "findings" in c else c for c in doc.get("commits", ())]
    return doc


def trimmed_sarif(log: dict[str, Any]) -> dict[str, Any]:
    """The log with its rule descriptors named by id (pinned, whole, in the
    tree's SARIF golden); their order, SARIF's ruleIndex, is kept."""
    runs = []
    for run in log["runs"]:
        driver = run["tool"]["driver"]
        driver = {**driver, "rules": [r["id"] for r in driver["rules"]]}
        runs.append({**run, "tool": {**run["tool"], "driver": driver}})
    return {**log, "runs": runs}


def _frozen(value: Any) -> Any:
    if isinstance(value, dict):
        return tuple(sorted((k, _frozen(v)) for k, v in value.items()))
    if isinstance(value, list):
        return tuple(_frozen(v) for v in value)
    return value


def _difference(base: list[dict], here: list[dict], name: str) -> dict[str, Any]:
    before = {e[name]: e for e in base}
    after = {e[name]: e for e in here}
    assert len(before) == len(base) and len(after) == len(here), f"{name} is not unique"
    changed = {}
    for key, entry in after.items():
        if key not in before:
            changed[key] = {"added": entry}
        elif entry != before[key]:
            changed[key] = _entry_difference(before[key], entry)
    out = {"same as tables.json": sum(1 for k, e in after.items() if before.get(k) == e),
           "removed": sorted(set(before) - set(after)), "changed": changed}
    if [k for k in after if k in before] != [k for k in before if k in after]:
        out["order"] = list(after)
    return {k: v for k, v in out.items() if v or k == "same as tables.json"}


def _entry_difference(before: dict[str, Any], after: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key in sorted(set(before) | set(after)):
        old, new = before.get(key), after.get(key)
        if old == new:
            continue
        if isinstance(old, list) and isinstance(new, list) and all(
                isinstance(i, dict) for i in old + new):
            out[key] = _items_difference(old, new)
        else:
            out[key] = {"was": old, "now": new}
    return out


def _keyed(items: list[dict]) -> dict[tuple, dict]:
    """Items by identity; a repeated identity gets its occurrence number."""
    seen: Counter = Counter()
    keyed = {}
    for item in items:
        identity = tuple(item.get(f) for f in IDENTITY)
        keyed[(*identity, seen[identity])] = item
        seen[identity] += 1
    return keyed


def _show(item: dict) -> str:
    return " ".join([str(item.get("name")), *(f"{k}={item[k]}" for k in item
                                               if k != "name" and item[k] is not None)])


def _items_difference(old: list[dict], new: list[dict]) -> dict[str, Any]:
    before, after = _keyed(old), _keyed(new)
    out: dict[str, Any] = {}
    out["removed"] = [_show(before[k]) for k in before if k not in after]
    out["added"] = [_show(after[k]) for k in after if k not in before]
    values = []
    moved = []  # (line before, line after) of the items in both
    for key in before.keys() & after.keys():
        a, b = before[key], after[key]
        if {k: v for k, v in a.items() if k != "line"} != {k: v for k, v in b.items()
                                                            if k != "line"}:
            values.append(f"{_show(a)} -> {_show(b)}")  # lines and all
        else:
            moved.append((a.get("line"), b.get("line")))
    out["changed"] = sorted(values)
    out["lines moved"] = _runs(moved)
    if [k for k in after if k in before] != [k for k in before if k in after]:
        out["order"] = [_show(after[k]) for k in after]
    return {k: v for k, v in out.items() if v}


def _runs(moved: list[tuple[Any, Any]]) -> dict[str, int]:
    """Lines that moved, as runs of consecutive items moved by the same
    amount: ``{"lines 71-77": -1}`` (lines as they were)."""
    runs: list[list[int]] = []  # [first, last, delta]
    for was, now in sorted(m for m in moved if m[0] is not None):
        delta = now - was
        if runs and runs[-1][2] == delta:
            runs[-1][1] = was
        else:
            runs.append([was, was, delta])
    return {f"lines {first}-{last}" if first != last else f"line {first}": delta
            for first, last, delta in runs if delta}
