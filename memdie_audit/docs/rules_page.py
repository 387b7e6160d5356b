"""docs/rules.md: the rule table and a section per rule, made from the
registry (each rule's id, severity, stage, summary and docstring)."""

from __future__ import annotations

from ..rules import RULES, markdown_table

# When each stage's rules run (registry.TREE, COMMIT, HEAD).
STAGES = {
    "tree": "on every tree state: the tree audited, or each commit of a series",
    "commit": "on each commit of a series",
    "head": "on a series' head, compared with its base",
}

_INTRO = """\
# Rules

[Index](README.md) · [Usage](usage.md)

<!-- Generated from the rule registry (memdie_audit/rules/) by
     `python -m memdie_audit.docs`: edit a rule's docstring, not this file. -->

Every finding names its rule by a stable id, in every format: text prints it
in brackets, JSON and SARIF carry it as `rule`/`ruleId`. `--list-rules`
lists them, `--ignore RULE,..` drops findings of some and `--types RULE,..`
keeps only those (the exit status follows what is kept).
"""

_PRECEDENCE = """\
One cause gives one finding: at one site the most specific rule wins
(`patch-does-not-apply` > `reintroduced` > `bisect-break` >
`dangling-reference` > `leftover-*` > `stale-comment`) and carries the
others as related entries; a definition left in a header carries its mask.
Different sites are different findings, linked through `related`: a mailed
x86 hunk that did not apply and the x86 definition it left behind. An unused
leftover mask (`#define _TIF_X (1 << TIF_X)` with no user) is `leftover-mask`
only — cpp never expands it — while a user of it is a build break.

Every `git grep -w` hit of the flag or its mask becomes an occurrence — the
tests check this token by token. Common-code references are checked against
the arches that define the flag in the base tree: a flag that some arches
never define (TIF_UPROBE, TIF_SECCOMP …) is optional there and its users are
config-guarded, which a static check cannot evaluate. A reference inside
`#ifdef TIF_X` / `#if defined(TIF_X)` (or the `#else` of `#ifndef TIF_X`)
is compiled only where the flag exists, in C and assembly alike.

Only a removal gets the `leftover-*`, `reintroduced` and `stale-comment`
rules, and only a complete one (most arches, or `--intent remove`); see
[what a series audit says](usage.md).
"""


def rules_page() -> str:
    parts = [_INTRO, "## What it checks\n", markdown_table(), _PRECEDENCE,
             "## The rules one by one\n"]
    for rule in RULES.values():
        parts.append(f"### `{rule.id}`\n\n"
                     f"- finds: {rule.summary}\n- severity: **{rule.severity}**\n"
                     f"- checked: {STAGES[rule.stage]}\n\n"
                     f"{rule.markdown}\n")
    return "\n".join(parts)
