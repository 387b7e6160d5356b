"""``--format sarif``: SARIF 2.1.0 for code-scanning services.

One run; ``tool.driver.rules`` lists every rule of :data:`rules.RULES` in
registry order, so ``ruleIndex`` is stable across runs. Locations are
relative to the tree (``uriBaseId`` ``SRCROOT``); a finding without a path
(a merge commit) has none. ``partialFingerprints`` hash the rule, the path
and the source text of the finding's line (or, where that is unknown, its
message with line numbers and shas taken out), never the line number: a
finding keeps its identity when code above it moves.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections import Counter
from dataclasses import replace
from pathlib import Path
from typing import Any, TextIO

import memdie_audit

from .. import __version__
from ..result import Audit, Finding, Related
from ..rules.registry import RULES

SCHEMA = "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
FINGERPRINT = "memdieAudit/v1"
_RULE_INDEX = {rule_id: index for index, rule_id in enumerate(RULES)}
_LINE_REF = re.compile(r"\blines? \d+\b")
_SHA = re.compile(r"\b[0-9a-f]{7,40}\b")


def _pascal(rule_id: str) -> str:
    return "".join(part.capitalize() for part in rule_id.split("-"))


def rule_descriptors(rules_url: str | None = None) -> list[dict[str, Any]]:
    """SARIF's reportingDescriptor of every rule. GitHub code scanning shows
    ``help.markdown`` (``help.text`` is for other viewers); ``helpUri`` is
    the rule's section of docs/rules.md, left out while that page has no
    public address (:data:`memdie_audit.RULES_URL`)."""
    return [{"id": rule.id, "name": _pascal(rule.id),
             "shortDescription": {"text": rule.summary},
             "fullDescription": {"text": rule.help},
             "help": {"text": f"{rule.summary}. {rule.help}",
                      "markdown": f"**{rule.summary}** ({rule.severity}).\n\n{rule.markdown}"},
             **({"helpUri": f"{rules_url}#{rule.id}"} if rules_url else {}),
             "defaultConfiguration": {"level": rule.severity.value},
             "properties": {"tags": ["thread-info-flag"]}}
            for rule in RULES.values()]


def _line_text(audit: Audit, f: Finding) -> str | None:
    """The source text of a finding's line, as the pipeline read it."""
    for number, text in audit.source_lines(f) or ():
        if number == f.line:
            return text
    return None


def _normalised(text: str) -> str:
    return " ".join(text.split())


def fingerprint_basis(audit: Audit, f: Finding) -> str:
    """What identifies a finding across runs: rule, path and the code it is
    about, or its message without the parts that move."""
    text = _line_text(audit, f)
    if text is None:
        text = _SHA.sub("<sha>", _LINE_REF.sub("line", f.message))
    return "\0".join((f.rule, f.path or "", f.arch or "", _normalised(text)))


def _column(audit: Audit, f: Finding) -> int | None:
    """The finding's column in Unicode code points (SARIF's columnKind);
    the audit counts bytes, as git grep does."""
    if not f.column or not f.path or not f.line:
        return f.column
    text = _line_text(audit, f)
    if text is None:
        return f.column
    prefix = text.encode("utf-8")[:f.column - 1]
    return len(prefix.decode("utf-8", errors="ignore")) + 1


def _physical(path: str, line: int | None, column: int | None) -> dict[str, Any]:
    physical: dict[str, Any] = {"artifactLocation": {"uri": path, "uriBaseId": "SRCROOT"}}
    if line:
        physical["region"] = {"startLine": line, **({"startColumn": column} if column else {})}
    return physical


def _where(f: Finding) -> str:
    """The commit a finding was made at, as a reader can find it."""
    return f"patch {f.patch}" if f.patch else f"commit {(f.commit or '')[:12]}"


def _result(audit: Audit, f: Finding, occurrence: int, basis: str) -> dict[str, Any]:
    """One result. Code scanning shows a result on the files of the commit
    it analysed, HEAD: a finding made at a commit of the series is located
    where its site is at HEAD (its place in that commit is a related
    location); a site gone by HEAD stays in its commit's file, and the
    message and ``properties.locatedAtCommit`` name that commit."""
    message = f.message
    related = [r for r in f.related if r.path]
    extra: list[dict[str, Any]] = []
    properties: dict[str, Any] = {}
    result: dict[str, Any] = {"ruleId": f.rule, "level": f.severity.value,
                              "message": {"text": message}}
    if f.rule in _RULE_INDEX:
        result["ruleIndex"] = _RULE_INDEX[f.rule]
    if f.path:
        here = _physical(f.path, f.line, _column(audit, f))
        moved = f.commit and f.at_head and (f.at_head.path, f.at_head.line) != (f.path, f.line)
        if moved:
            at_head = f.at_head
            assert at_head is not None
            column = _column(audit, replace(f, column=at_head.column)) if at_head.column else None
            extra.append({"physicalLocation": here,
                          "message": {"text": f"here in {_where(f)}"}})
            here = _physical(at_head.path, at_head.line, column)
        elif f.commit and not f.at_head and audit.mode == "series":
            message += f" (in {_where(f)}; this site is gone at HEAD)"
            if not f.patch:  # a commit built from mail is gone after the run
                properties["locatedAtCommit"] = f.commit
        result["locations"] = [{"physicalLocation": here}]
    result["message"]["text"] = message
    digest = hashlib.sha256(basis.encode("utf-8", errors="surrogateescape")).hexdigest()
    result["partialFingerprints"] = {FINGERPRINT: f"{digest[:32]}:{occurrence}"}
    if f.patch:
        # A commit built from mail exists only while the audit runs: name the mail.
        properties["patch"] = f.patch
        properties["messageId"] = f.message_id
    elif f.commit:
        properties["commit"] = f.commit
    if f.arch:
        properties["arch"] = f.arch
    if f.arches:
        properties["arches"] = list(f.arches)
    if f.window and f.patch:
        total = len(audit.commits)
        repaired = f.window.repaired_by
        properties["window"] = {"first": f"{f.window.first}/{total}",
                                "last": f"{f.window.last}/{total}",
                                "repairedBy": f"{repaired}/{total}" if repaired else None}
    elif f.window:
        properties["window"] = {"first": f.window.first_sha, "last": f.window.last_sha,
                                "repairedBy": f.window.repaired_sha}
    locations = [*(_related(r) for r in related), *extra]
    if len(locations) > MAX_LOCATIONS:
        properties["relatedLocationsLeftOut"] = len(locations) - MAX_LOCATIONS
        locations = locations[:MAX_LOCATIONS]
    if locations:
        result["relatedLocations"] = [{"id": index, **location}
                                      for index, location in enumerate(locations, 1)]
    if properties:
        result["properties"] = properties
    return result


def _related(r: Related) -> dict[str, Any]:
    assert r.path is not None
    return {"physicalLocation": _physical(r.path, r.line, None), "message": {"text": r.message}}


# Code scanning rejects a run with more results, a result with more
# locations (GitHub's documented limits for SARIF uploads).
MAX_RESULTS, MAX_LOCATIONS = 25_000, 1_000


def sarif_log(audit: Audit) -> dict[str, Any]:
    seen: Counter[str] = Counter()
    results = []
    ordered = sorted(audit.findings, key=lambda f: f.sort_key)  # errors first
    for f in ordered[:MAX_RESULTS]:
        basis = fingerprint_basis(audit, f)
        seen[basis] += 1
        results.append(_result(audit, f, seen[basis], basis))
    run_properties: dict[str, Any] = {"symbol": audit.symbol or None,
                                      "symbols": list(audit.symbols), "mode": audit.mode}
    if len(ordered) > MAX_RESULTS:
        run_properties["resultsLeftOut"] = len(ordered) - MAX_RESULTS
    if audit.intent:
        run_properties["intent"] = dict(audit.intent)
    if audit.rev and audit.mail is None:  # a series from mail has no lasting head
        run_properties["rev"] = audit.rev
    if audit.base_rev:
        run_properties["base"] = audit.base_rev
    if audit.mail:
        run_properties["mail"] = {"source": audit.mail.source, "version": audit.mail.version,
                                  "baseHow": audit.mail.base_how,
                                  "hunks": audit.mail.hunks, "applied": audit.mail.applied}
    home = memdie_audit.HOME_URL
    driver: dict[str, Any] = {"name": "memdie-audit", "version": __version__,
                              "semanticVersion": __version__}
    if home:
        driver["informationUri"] = home
    driver["rules"] = rule_descriptors(memdie_audit.RULES_URL)
    return {
        "$schema": SCHEMA,
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": driver},
            "automationDetails": {"id": automation_id(audit)},
            "originalUriBaseIds": {"SRCROOT": {
                "description": {"text": "the top of the audited kernel tree"}}},
            "columnKind": "unicodeCodePoints",
            "results": results,
            "properties": run_properties,
        }],
    }


def automation_id(audit: Audit) -> str:
    """``category/run``: code scanning keeps one set of alerts per category
    and replaces it with each new run of that category, so the category is
    the tool and the flags (a run per flag does not close another's alerts),
    and the run is what was audited."""
    if audit.mail is not None:  # its head is a temporary commit: name the base and the mail
        run = f"{(audit.base_rev or '')[:12]}+{Path(audit.mail.source).name or 'mbox'}"
    elif audit.mode == "series":
        run = f"{(audit.base_rev or '')[:12]}..{(audit.rev or '')[:12]}"
    else:
        run = (audit.rev or "worktree")[:12]
    return f"memdie-audit/{'+'.join(audit.symbols) or 'no-flag'}/{run}"


def write(audit: Audit, out: TextIO) -> None:
    json.dump(sarif_log(audit), out, indent=2)
    out.write("\n")
