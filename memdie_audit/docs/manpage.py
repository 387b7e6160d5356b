"""docs/memdie-audit.1, the man page, made from the argparse parsers of
every command (the audit, fix, atlas, demo, watch) and the rule registry, so its
options, exit statuses and rules are those of the code.

Deterministic: no date (the version says which tool it documents), and
options in the order the parsers define them.
"""

from __future__ import annotations

import argparse
import re

from .. import __version__, cli, demo
from ..atlas import parser as atlas_parser
from ..fix import parser as fix_parser
from ..robot import parser as watch_parser
from ..rules import RULES
from .rules_page import STAGES

_NAME = ("memdie-audit \\- audit Linux-kernel patch series that change a thread-info "
         "flag across every architecture")

_ENVIRONMENT = (
    ("XDG_CACHE_HOME", "The snapshot cache is kept in $XDG_CACHE_HOME/memdie-audit "
                       "(~/.cache/memdie-audit when unset); never in the repository. "
                       "--no-cache neither reads nor writes it."),
    ("NO_COLOR", "When set, --color auto colours nothing."),
    ("PRE_COMMIT_FROM_REF, PRE_COMMIT_TO_REF",
     "Read by python3 -m memdie_audit.precommit, the pre-push hook: the range to audit."),
)

_SEE_ALSO = ("git(1), git-grep(1), git-am(1); b4, whose am command writes the mboxes "
             "--mbox reads; the manual in the source tree's docs/ folder (docs/README.md), "
             "and the rules in docs/rules.md.")


def text(value: str) -> str:
    """Plain text for roff: backslashes and hyphens escaped, no line taken
    for a request (a leading dot or quote)."""
    value = value.replace("\\", "\\e").replace("-", "\\-")
    return "\n".join("\\&" + line if line.startswith((".", "'")) else line
                     for line in value.split("\n"))


def _bold(value: str) -> str:
    return f"\\fB{text(value)}\\fR"


def _italic(value: str) -> str:
    return f"\\fI{text(value)}\\fR"


def _help(parser: argparse.ArgumentParser, action: argparse.Action) -> str:
    """The option's help as --help prints it (%(default)s expanded)."""
    formatter = parser._get_formatter()
    return formatter._expand_help(action) if action.help else ""  # noqa: SLF001


def _option_term(action: argparse.Action) -> str:
    if not action.option_strings:  # a positional: TREE, DIR
        return _italic(action.metavar or action.dest)
    if action.nargs == 0:
        value = ""
    elif action.metavar is not None:
        value = " " + _italic(str(action.metavar))
    elif action.choices is not None:
        value = " " + "|".join(_italic(str(c)) for c in action.choices)
    else:
        value = " " + _italic(action.dest.upper())
    return ", ".join(_bold(o) for o in action.option_strings) + value


def _options(parser: argparse.ArgumentParser) -> list[str]:
    lines = []
    for action in parser._actions:  # noqa: SLF001 - what --help itself lists
        if action.help == argparse.SUPPRESS:
            continue
        lines += [".TP", _option_term(action), text(_help(parser, action))]
    return lines


def _synopsis(parser: argparse.ArgumentParser) -> list[str]:
    usage = " ".join(parser.format_usage().removeprefix("usage: ").split())
    program, _, rest = usage.partition(parser.prog)
    return [".PP", _bold(parser.prog) + " " + text(rest.strip())]


def _epilog_sections(epilog: str) -> dict[str, list[str]]:
    """The epilog's sections (``examples:``, ``exit status:``), by title."""
    sections: dict[str, list[str]] = {}
    current: list[str] = []
    for line in epilog.splitlines():
        if line and not line.startswith(" ") and line.endswith(":"):
            current = sections.setdefault(line.removesuffix(":"), [])
        elif line.strip():
            current.append(line)
    return sections


def _exit_status(lines: list[str]) -> list[str]:
    out: list[str] = []
    for line in lines:
        found = re.match(r"  (\d+)\s+(.*)", line)
        if found:
            out += [".TP", _bold(found[1]), text(found[2])]
        elif line.startswith("   "):  # the entry's next line
            out.append(text(line.strip()))
        else:  # a note after the statuses
            out += [".PP", text(line.strip())]
    return out


def _examples(lines: list[str]) -> list[str]:
    return [".PP", ".nf", ".RS 4", *(text(line.removeprefix("  ")) for line in lines),
            ".RE", ".fi"]


def _rules() -> list[str]:
    out: list[str] = []
    for rule in RULES.values():
        out += [".TP", f"{_bold(rule.id)} ({text(str(rule.severity))})",
                text(f"{rule.summary}; checked {STAGES[rule.stage]}."),
                ".IP", text(rule.help)]
    return out


def man_page() -> str:
    main = cli.parser()
    commands = [fix_parser(), atlas_parser(), demo._parser(), watch_parser()]  # noqa: SLF001
    epilog = _epilog_sections(main.epilog or "")
    lines = [
        '.\\" Generated from the argparse parsers and the rule registry by',
        '.\\" "python -m memdie_audit.docs": edit those, not this file.',
        f'.TH MEMDIE\\-AUDIT 1 "" "memdie\\-audit {text(__version__)}" "User Commands"',
        ".nh", ".ad l",  # options are not words to hyphenate, nor to stretch
        ".SH NAME", _NAME,
        ".SH SYNOPSIS", *(line for p in (main, *commands) for line in _synopsis(p)),
        ".SH DESCRIPTION", text(" ".join((main.description or "").split())),
        ".PP", text("Each finding is one line, path:line:col: first, naming its rule; "
                    "a series audit adds what the series does to the flag, a section per "
                    "commit, the verdict and the arch table. See RULES below."),
        ".SH OPTIONS", *_options(main),
    ]
    for command in commands:
        lines += [f'.SH "{text(command.prog.upper())}"',
                  text(" ".join((command.description or "").split())), *_options(command)]
    lines += [".SH RULES", text("Every rule, as --list-rules lists them; --ignore and "
                                "--types take their ids."), *_rules()]
    lines += [".SH EXIT STATUS", *_exit_status(epilog.get("exit status", []))]
    lines += [".SH ENVIRONMENT"]
    for name, meaning in _ENVIRONMENT:
        lines += [".TP", _bold(name), text(meaning)]
    lines += [".SH EXAMPLES", *_examples(epilog.get("examples", []))]
    lines += [".SH SEE ALSO", text(_SEE_ALSO)]
    return "\n".join(lines) + "\n"
