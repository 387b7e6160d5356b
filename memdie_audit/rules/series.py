"""Rules about the shape of a series itself."""

from __future__ import annotations

from ..result import Finding
from .registry import COMMIT, N, finding, rule


@rule("merge-commit", N, COMMIT, "a merge commit inside the series")
def merge_commit(subject: str, sha: str, symbol: str | None) -> Finding:
    """The series is followed along its first parents; a merge's changes are
    read against its first parent. Series sent by mail have no merges:
    rebase it."""
    return finding("merge-commit", f"merge commit \"{subject}\": followed on its first parent",
                   symbol=symbol, commit=sha)
