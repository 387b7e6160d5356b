"""Source files that exist in two versions, written once as a mini patch.

A line starting with ``-|`` exists only before the series converts the file,
a line starting with ``+|`` only after; every other line is in both. Reading
the template therefore shows the change the series makes, as a diff would.
"""

from __future__ import annotations


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
