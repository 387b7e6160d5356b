"""``python -m memdie_audit.precommit [ARGS...]``: the pre-push hook.

pre-commit exports the range being pushed as PRE_COMMIT_FROM_REF and
PRE_COMMIT_TO_REF; the hook audits ``FROM..TO`` in the repository it runs
in. Without them (run by hand, or by an older pre-commit) it audits
``@{upstream}..HEAD``. ARGS (the hook's ``args:``, e.g. ``--symbol``,
``--html report.html``) are passed on to memdie-audit.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping, Sequence

from .cli import main as cli_main

FALLBACK_RANGE = "@{upstream}..HEAD"


def _is_null(ref: str) -> bool:
    """git's all-zero sha: a new branch or a deleted one."""
    return not ref.strip("0")


def push_range(env: Mapping[str, str]) -> str:
    """The ``BASE..HEAD`` to audit for this push."""
    from_ref = env.get("PRE_COMMIT_FROM_REF", "").strip()
    to_ref = env.get("PRE_COMMIT_TO_REF", "").strip()
    if not to_ref or _is_null(to_ref):
        return FALLBACK_RANGE
    if not from_ref or _is_null(from_ref):
        return f"@{{upstream}}..{to_ref}"
    return f"{from_ref}..{to_ref}"


def main(argv: Sequence[str] | None = None, env: Mapping[str, str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    env = os.environ if env is None else env
    from_ref = env.get("PRE_COMMIT_FROM_REF", "").strip()
    to_ref = env.get("PRE_COMMIT_TO_REF", "").strip()
    if to_ref and from_ref == to_ref:
        return 0  # nothing new is pushed
    revision_range = push_range(env)
    if revision_range.startswith("@{upstream}.."):
        head = revision_range.removeprefix("@{upstream}..")
        base = _compare_base(head)
        if base is None:
            print("memdie-audit: a new branch with no upstream and no remote default branch "
                  "to compare it with: nothing audited", file=sys.stderr)
            return 0
        revision_range = f"{base}..{head}"
    return cli_main([".", "--series", revision_range, *argv])


def _compare_base(head: str) -> str | None:
    """What a push of ``head`` is measured against: its upstream, else where
    it leaves the remote's default branch (the first push of a new branch)."""
    from pathlib import Path

    from .errors import GitError
    from .sources import gitcmd

    here = Path(".")
    for base in ("@{upstream}", "refs/remotes/origin/HEAD"):
        try:
            gitcmd.run(here, "rev-parse", "--verify", "--quiet", f"{base}^{{commit}}")
            return gitcmd.run(here, "merge-base", base, head).decode().strip() or None
        except GitError:
            continue
    return None


if __name__ == "__main__":
    sys.exit(main())
