"""The data files the tree is written from, and the line language they use.

Text lives in ``data/`` next to this module and is read through
``importlib.resources``, so a wheel, an editable install and a checkout all
find it. Files are read as bytes and decoded as UTF-8: no newline
translation, so what is in the data file is what goes into the tree.

A file that exists in two versions is written once as a mini patch: a line
starting with ``-|`` exists only before the series converts the file, a line
starting with ``+|`` only after; every other line is in both. Reading the
data file therefore shows the change the series makes, as a diff would.
"""

from __future__ import annotations

from functools import cache
from importlib import resources


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
