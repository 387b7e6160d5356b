"""A tree the robot audits every series against (``--tree NAME=PATH[@REV]``)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Tree:
    """A followed tree: ``NAME=PATH[@REV]``, its revision resolved once per run."""

    name: str
    path: Path
    rev: str
    sha: str
