"""Reporters: each renders an :class:`~memdie_audit.result.Audit` and does
nothing else (no git, no rule, no analysis).

A format is a module of this package with ``write(audit, out)``; adding
one is that module plus its line in :data:`FORMATS`. Modules are imported
only when their format is asked for (Jinja2 is not loaded for text).
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import TYPE_CHECKING, TextIO

if TYPE_CHECKING:
    from ..result import Audit

# --format name -> module of this package
FORMATS = {"text": "text", "json": "json", "sarif": "sarif", "html": "html"}


def writer(fmt: str, style: str | None = None) -> Callable[[Audit, TextIO], None]:
    """The ``write(audit, out)`` function of a format; ``style`` (``terse``,
    ``quiet``) picks a shorter writer where the format has one."""
    module = importlib.import_module(f"{__name__}.{FORMATS[fmt]}")
    return getattr(module, f"write_{style}", module.write) if style else module.write
