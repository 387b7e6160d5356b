"""The documents generated from the code, so they cannot drift from it:
``docs/rules.md`` from the rule registry, ``docs/memdie-audit.1`` (the man
page) from the argparse parsers and the registry.

``python -m memdie_audit.docs`` writes them into the checkout's ``docs/``
folder (or ``DIR``); ``--check`` only says which are stale (exit 1).
A test compares the committed files with what this generates.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from .manpage import man_page
from .rules_page import rules_page

# The checkout's docs/ folder: this package lives in memdie_audit/docs/.
DOCS = Path(__file__).resolve().parent.parent.parent / "docs"

GENERATED: dict[str, Callable[[], str]] = {
    "rules.md": rules_page,
    "memdie-audit.1": man_page,
}

REGENERATE = "python -m memdie_audit.docs"


def stale(folder: Path = DOCS) -> list[str]:
    """The generated documents whose committed text differs from what the
    code generates now."""
    return [name for name, make in GENERATED.items()
            if not (folder / name).is_file()
            or (folder / name).read_text(encoding="utf-8") != make()]


def write(folder: Path = DOCS) -> list[str]:
    """Write every generated document that changed; returns their names."""
    changed = stale(folder)
    for name in changed:
        (folder / name).write_text(GENERATED[name](), encoding="utf-8")
    return changed
