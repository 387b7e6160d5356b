"""``--format html`` / ``--html FILE``: the reviewer's report, one
self-contained page.

The CSS (and a little JavaScript that only adds sorting and filtering) is
read from ``reports/`` and inlined; a Content-Security-Policy allows exactly
those two blocks and nothing from the network, so the page makes no request
even if some untrusted text slipped past the escaping. Everything taken from
the tree or the mbox goes through Jinja2's autoescape; on top of that, the
``{``/``}`` of every such string are written as character references so
that no client-side template engine can ever evaluate them.

The template gets one context dict, built by :func:`report_context`:

``mode``, ``tree``, ``rev``, ``base_rev``, ``version``
    what was audited, as strings (revs may be None);
``treewide``
    for a series of many flags (None otherwise): ``intent`` (the grouped
    intent lines), ``layouts`` ([:class:`overview.ArchLayout`], each changed
    arch's bits base → head), ``all`` and ``others`` ([(flag, intent line)]:
    every flag, and those without a section of their own);
``symbols``
    every audited flag;
``flags``
    one dict per audited flag (in a treewide series, per flag that an error
    or warning is about; none when ``--changed-flags`` found that the
    series changes none, and ``no_flag_line`` says so): ``symbol``, ``mask``,
    ``suffix`` (of its section ids: empty for the first flag), ``intent``
    and ``intent_line`` (what the series does to it and the sentence that
    says so; None for a tree audit), ``matrix``, ``bitmaps``, ``inventory``,
    ``inventory_total``, ``inventory_files`` (below); the first flag's
    entries are also at the top level;
``verdict``
    ``{"clean", "errors", "warnings", "notes", "by_rule": [(rule, severity, n)]}``;
``matrix``
    :class:`reportmodel.Matrix` — the arch × commit matrix;
``bitmaps``
    ``{"attention": [reportmodel.BitMap], "quiet": [...]}``: headers where more than
    the flag's own bit changed, and the rest;
``findings``
    [:class:`FindingView`], sorted as the text report sorts them;
``filters``
    ``{"severities", "rules", "arches"}``: the values present, for the controls;
``commits``
    [:class:`CommitView`] (empty for a tree audit); a commit built from mail
    carries ``commit.mail`` (:class:`MailIdentity`) and a temporary sha;
``mail``
    :class:`MailSeries` for an mbox audit (None otherwise);
``inventory``
    [:class:`InventoryGroup`] for the head, with
    ``inventory_total`` and ``inventory_files``;
``rules``
    ``rules.RULES``;
``css``, ``js``, ``csp``
    the inlined stylesheet and script and the policy that admits them.
"""

from __future__ import annotations

import base64
import hashlib
from collections import Counter
from dataclasses import dataclass, replace
from functools import lru_cache
from typing import Any, TextIO

from jinja2 import Environment, PackageLoader, select_autoescape
from markupsafe import Markup, escape

from .. import __version__
from ..kernel.model import Kind, Occurrence
from ..kernel.snapshot import Snapshot
from ..result import COMMON, Audit, CommitAudit, Finding, Severity
from ..rules.registry import RULES
from .overview import changed_layouts, intent_groups, is_treewide
from .view import build_bitmaps, build_matrix

TEMPLATE = "report.html.j2"


def _finalize(value: Any) -> Any:
    """Escape untrusted strings here, braces included; Markup (our own CSS
    and JS) passes unchanged."""
    if isinstance(value, str) and not isinstance(value, Markup):
        text = str(escape(value))
        return Markup(text.replace("{", "&#123;").replace("}", "&#125;"))
    return value


@lru_cache(maxsize=1)
def environment() -> Environment:
    """The one Jinja2 environment of the package, created on first use."""
    return Environment(loader=PackageLoader("memdie_audit", "reports"),
                       autoescape=select_autoescape(default=True, default_for_string=True),
                       trim_blocks=True, lstrip_blocks=True, finalize=_finalize)


def _asset(name: str) -> str:
    env = environment()
    assert env.loader is not None
    return env.loader.get_source(env, name)[0]


def _digest(text: str) -> str:
    return "'sha256-" + base64.b64encode(hashlib.sha256(text.encode()).digest()).decode() + "'"


# --- findings, commits, inventory: the lists of the report ----------------------------


@dataclass(frozen=True)
class FindingView:
    anchor: str
    finding: Finding
    summary: str  # the rule's one-line summary
    where: str  # path:line:col, or "" without a path
    commit_number: int | None
    commit_sha: str | None
    commit_subject: str
    context: tuple[tuple[int, str, bool], ...]  # line number, text, is the finding's line
    context_note: str
    same_as: str | None = None  # anchor of an earlier finding showing the same lines

    @property
    def severity(self) -> str:
        return self.finding.severity.value


def build_findings(audit: Audit) -> list[FindingView]:
    numbers = {c.sha: (i, c) for i, c in enumerate(audit.commits, 1)}
    views = []
    shown: dict[tuple[str, int], str] = {}
    for index, f in enumerate(sorted(audit.findings, key=lambda f: f.sort_key), 1):
        number, commit = numbers.get(f.commit or "", (None, None))
        lines = audit.source_lines(f) or []
        note = "" if lines or not f.line else "source not available"
        where = f.path or ""
        if f.path and f.line:
            where += f":{f.line}" + (f":{f.column}" if f.column else "")
        rule = RULES.get(f.rule)
        anchor = f"finding-{index}"
        key = (f.path or "", f.line or 0)
        same_as = shown.get(key) if lines else None
        if lines and same_as is None:
            shown[key] = anchor
        views.append(FindingView(
            anchor, f, rule.summary if rule else "", where, number, f.commit,
            commit.subject if commit else "",
            tuple((n, text, n == f.line) for n, text in lines), note, same_as))
    return views


@dataclass(frozen=True)
class CommitView:
    number: int
    commit: CommitAudit
    removed: tuple[tuple[str, int], ...]
    added: tuple[tuple[str, int], ...]
    findings: tuple[FindingView, ...]

    @property
    def anchor(self) -> str:
        return f"commit-{self.number}"


def _counts(counter: Counter[Kind]) -> tuple[tuple[str, int], ...]:
    return tuple((f"{kind.value}{'s' * (n != 1)}", n) for kind, n in
                 sorted(counter.items(), key=lambda kv: list(Kind).index(kv[0])) if n)


def build_commits(audit: Audit, findings: list[FindingView]) -> list[CommitView]:
    return [CommitView(number, c, _counts(c.removed), _counts(c.added),
                       tuple(v for v in findings if v.commit_sha == c.sha))
            for number, c in enumerate(audit.commits, 1)]


@dataclass(frozen=True)
class InventoryGroup:
    kind: str
    total: int
    by_arch: tuple[tuple[str, tuple[Occurrence, ...]], ...]


def build_inventory(snapshot: Snapshot) -> list[InventoryGroup]:
    groups = []
    occurrences = snapshot.all_occurrences()
    for kind in Kind:
        items = [o for o in occurrences if o.kind is kind]
        if not items:
            continue
        by_arch: dict[str, list[Occurrence]] = {}
        for o in items:
            by_arch.setdefault(o.arch or COMMON, []).append(o)
        ordered = sorted(by_arch.items(), key=lambda kv: (kv[0] == COMMON, kv[0]))
        groups.append(InventoryGroup(kind.value, len(items),
                                     tuple((a, tuple(os)) for a, os in ordered)))
    return groups


# --- rendering -------------------------------------------------------------------------


def _flag_context(part: Audit, suffix: str) -> dict[str, Any]:
    """What the page shows per audited flag: its matrix, bit maps, inventory."""
    bitmaps = [replace(b, suffix=suffix) for b in build_bitmaps(part)]
    inventory = build_inventory(part.head)
    return {
        "symbol": part.symbol,
        "mask": "_" + part.symbol,
        "suffix": suffix,
        "intent": part.intent.get(part.symbol),
        "intent_line": part.intent_lines.get(part.symbol),
        "matrix": build_matrix(part),
        "bitmaps": {"attention": [m for m in bitmaps if m.attention],
                    "quiet": [m for m in bitmaps if not m.attention]},
        "inventory": inventory,
        "inventory_total": sum(g.total for g in inventory),
        "inventory_files": len(part.head.occurrences),
    }


def _flagged(audit: Audit) -> set[str]:
    """The flags some error or warning is about."""
    return {name for f in audit.findings if f.severity is not Severity.NOTE
            for name in (f.symbol, *f.names) if name}


def report_context(audit: Audit) -> dict[str, Any]:
    """The template's context dict (documented in the module docstring)."""
    findings = build_findings(audit)
    parts = [p for p in audit.per_symbol if p.symbol]
    treewide = None
    if is_treewide(audit):
        # One change, not fifty: full sections only for the flags a finding
        # is about; every flag's intent line on demand.
        flagged = _flagged(audit)
        treewide = {"intent": intent_groups(audit), "layouts": changed_layouts(audit),
                    "others": [(p.symbol, p.intent_lines.get(p.symbol)) for p in parts
                               if p.symbol not in flagged],
                    "all": [(p.symbol, p.intent_lines.get(p.symbol)) for p in parts]}
        parts = [p for p in parts if p.symbol in flagged]
    flags = [_flag_context(p, "" if n == 0 else f"-{p.symbol}") for n, p in enumerate(parts)]
    first = flags[0] if flags else None
    css, js = _asset("report.css"), _asset("report.js")
    # per rule and the severity its findings have (renumbered-flag is a
    # warning, or a note where the renumbering is intended)
    by_rule: Counter[tuple[str, Severity]] = Counter((f.rule, f.severity)
                                                     for f in audit.findings)
    tally = sorted(((rule, severity.value, n) for (rule, severity), n in by_rule.items()),
                   key=lambda t: (-Severity(t[1]).rank, t[0]))
    errors, warnings, notes = (audit.count(s) for s in Severity)
    return {
        **(first or {}),
        "flags": flags,
        "symbols": list(audit.symbols),
        "treewide": treewide,
        "no_flag_line": None if flags else audit.intent_lines.get(""),
        "mode": audit.mode,
        "tree": audit.tree,
        "rev": audit.rev,
        "base_rev": audit.base_rev,
        "mail": audit.mail,
        "version": __version__,
        "verdict": {"clean": errors == 0, "errors": errors, "warnings": warnings,
                    "notes": notes, "by_rule": tally},
        "findings": findings,
        "filters": {
            "severities": [s.value for s in Severity
                           if any(f.severity is s for f in audit.findings)],
            "rules": sorted({f.rule for f in audit.findings}),
            "arches": sorted({f.arch or COMMON for f in audit.findings},
                             key=lambda a: (a == COMMON, a)),
        },
        "commits": build_commits(audit, findings),
        "rules": RULES,
        "css": Markup(css),
        "js": Markup(js),
        "csp": (f"default-src 'none'; style-src {_digest(css)}; script-src {_digest(js)}; "
                "img-src 'none'; form-action 'none'; base-uri 'none'"),
    }


def render_html(audit: Audit) -> str:
    """The report as one HTML document; each finding shows the source lines
    the pipeline attached to the audit."""
    return environment().get_template(TEMPLATE).render(report_context(audit))


def write(audit: Audit, out: TextIO) -> None:
    out.write(render_html(audit))
