"""Rules about the shape of a series itself."""

from __future__ import annotations

from collections.abc import Sequence

from ..kernel.paths import arch_of
from ..result import Finding, Related
from .registry import COMMIT, E, N, finding, rule


def _difference(line: int, expected: str | None, found: str | None) -> str:
    expected, found = (" ".join(t.split()) if t is not None else None for t in (expected, found))
    if expected is None:
        return f'the tree has "{found}" at line {line}, which the patch does not expect'
    if found is None:
        return f'the patch expects "{expected}" at line {line}, the tree has no such line'
    return f'the patch expects "{expected}" at line {line}, the tree has "{found}"'


@rule("merge-commit", N, COMMIT, "a merge commit inside the series")
def merge_commit(subject: str, sha: str, symbol: str | None) -> Finding:
    """The series is followed along its first parents; a merge's changes are
    read against its first parent. Series sent by mail have no merges:
    rebase it."""
    return finding("merge-commit", f"merge commit \"{subject}\": followed on its first parent",
                   symbol=symbol, commit=sha)


@rule("patch-does-not-apply", E, COMMIT,
      "(mbox) a hunk of a mailed patch does not apply; the audit goes on with what applied")
def patch_does_not_apply(symbol: str, *, patch: str, message_id: str | None, subject: str,
                         path: str, line: int | None, hunk: str, reason: str,
                         mismatches: Sequence[tuple[int, str | None, str | None]],
                         applied: int, hunks: int, commit: str, note: str = "") -> Finding:
    """A hunk of a patch in the mbox finds its context nowhere in the file
    (or the file is missing): the series was written against another tree.
    The rest of the patch and of the series is applied and audited, so a
    removal whose x86 hunk failed shows x86 as a leftover, with this
    finding in its ``related`` entries. Example: the x86 hunk of "arch: get
    rid of TIF_MEMDIE", whose context still has ``#define TIF_FORK 18``.
    Rebase the series, or give ``--base`` the tree it was written for."""
    detail = reason
    if mismatches:
        detail = f"{reason}: {_difference(*mismatches[0])}"
    if note:
        detail = f"{detail}; {note}"
    msgid = f" <{message_id}>" if message_id else ""
    message = (f'patch {patch} "{subject}"{msgid}: hunk "{hunk}" of {path} does not '
               f"apply ({detail}); {applied} of {hunks} hunks of this patch applied")
    related = [Related(path, n, arch_of(path), _difference(n, expected, found))
               for n, expected, found in mismatches]
    return finding("patch-does-not-apply", message, symbol=symbol, path=path, line=line,
                   arch=arch_of(path), commit=commit, related=related, patch=patch,
                   message_id=message_id)
