"""The rule registry: every rule's id, severity, stage and documentation
live with its function, registered by :func:`rule`.

Text, JSON and SARIF name rules by their stable ids; docs/rules.md, the
man page, SARIF's rule metadata and ``--list-rules`` are generated from
:data:`RULES` (``python -m memdie_audit.docs`` rewrites the documents), so
adding a rule touches its own module and its tests.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import TypeVar

from ..result import Finding, Related, Severity

E, W, N = Severity.ERROR, Severity.WARNING, Severity.NOTE

# When a rule runs: on any one tree state, per commit of a series, or on
# the tree after the series compared with its base.
TREE, COMMIT, HEAD = "tree", "commit", "head"


@dataclass(frozen=True)
class Rule:
    id: str
    severity: Severity
    stage: str
    summary: str  # one line: what it finds
    doc: str  # what it finds, why it matters, an example (the function's docstring)

    @property
    def help(self) -> str:
        """The documentation as one paragraph (SARIF, --list-rules)."""
        return " ".join(self.doc.replace("``", "`").split())

    @property
    def markdown(self) -> str:
        """The documentation in Markdown, its paragraphs kept (docs/rules.md,
        SARIF's help.markdown)."""
        return self.doc.replace("``", "`")


RULES: dict[str, Rule] = {}

F = TypeVar("F", bound=Callable[..., object])


def rule(rule_id: str, severity: Severity, stage: str, summary: str) -> Callable[[F], F]:
    """Register the decorated function as the check of ``rule_id``; its
    docstring is the rule's documentation."""

    def register(check: F) -> F:
        if rule_id in RULES:
            raise ValueError(f"rule {rule_id} registered twice")
        RULES[rule_id] = Rule(rule_id, severity, stage, summary,
                              inspect.cleandoc(check.__doc__ or summary))
        return check

    return register


def finding(rule_id: str, message: str, *, symbol: str | None, at: object = None,
            path: str | None = None, line: int | None = None, column: int | None = None,
            arch: str | None = None, commit: str | None = None, names: Iterable[str] = (),
            arches: Iterable[str] = (), related: Iterable[Related] = (),
            severity: Severity | None = None, **more: object) -> Finding:
    """A finding of a registered rule; ``at`` (an Occurrence) gives its place.
    ``severity`` lowers the rule's own where one case of it is milder."""
    if at is not None:
        path, line, column = at.path, at.line, at.column  # type: ignore[attr-defined]
        arch = at.arch if arch is None else arch  # type: ignore[attr-defined]
    return Finding(rule_id, severity or RULES[rule_id].severity, message, path, line, column,
                   arch, commit, symbol, tuple(names), tuple(arches), tuple(related),
                   **more)  # type: ignore[arg-type]


def describe_arches(arches: list[str], limit: int = 6) -> str:
    if len(arches) <= limit:
        return ", ".join(arches)
    return ", ".join(arches[:limit]) + f" and {len(arches) - limit} more arches"


def markdown_table() -> str:
    """The rule table of docs/rules.md, generated from the registry."""
    rows = ["| rule | severity | when |", "|---|---|---|"]
    rows += [f"| `{r.id}` | {r.severity} | {r.summary} |" for r in RULES.values()]
    return "\n".join(rows) + "\n"
