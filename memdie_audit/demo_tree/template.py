"""The data files the tree is written from, and the line language they use.

Text lives in ``data/`` next to this module and is read through
``importlib.resources``, so a wheel, an editable install and a checkout all
find it. Files are read as bytes and decoded as UTF-8: no newline
translation, so what is in the data file is what goes into the tree.

A file that exists in two versions is written once as a mini patch: a line
starting with ``-|`` exists only before the series converts the file, a line
starting with ``+|`` only after; every other line is in both. Reading the
data file therefore shows the change the series makes, as a diff would.

A skeleton (``data/templates/``) is filled per file by ``fill``:

    ?name|text     the line, only when ``name`` is true
    !name|text     the line, only when ``name`` is false
    *name|text     the line once per item of ``name``, ``${name}`` being the item
    ${name}        alone on a line, for a list: its lines (none when it is empty)
    ${name}        anywhere else: the value (``string.Template``; ``$$`` is a ``$``)
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from functools import cache
from importlib import resources
from string import Template

_MARK = re.compile(r"([?!*])(\w+)\|")


@cache
def load(name: str) -> str:
    """The text of ``data/<name>``; ``name`` uses ``/`` between folders."""
    node = resources.files(__package__) / "data"
    for part in name.split("/"):
        node = node / part
    return node.read_bytes().decode("utf-8")


def pick(template: str, converted: bool) -> str:
    out = []
    for line in template.lstrip("\n").splitlines():
        if line.startswith("-|"):
            if not converted:
                out.append(line[2:])
        elif line.startswith("+|"):
            if converted:
                out.append(line[2:])
        else:
            out.append(line)
    return "\n".join(out) + "\n"


def fill(template: str, **values: str | int | bool | Sequence[str]) -> str:
    out: list[str] = []
    for line in template.splitlines():
        if m := _MARK.match(line):
            kind, name = m.groups()
            line = line[m.end():]
            if kind == "*":
                out += [Template(line).substitute(values, **{name: item}) for item in values[name]]
                continue
            if bool(values[name]) != (kind == "?"):
                continue
        block = values.get(line[2:-1]) if line.startswith("${") and line.endswith("}") else None
        if isinstance(block, (list, tuple)):
            out += block
        else:
            out.append(Template(line).substitute(values))
    return "\n".join(out) + "\n"
