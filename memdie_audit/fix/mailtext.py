"""The patch as a mail that ``git am`` takes: From line, headers, the body,
``---``, the diffstat and diff, ``base-commit:``; the Cc of a per-arch
patch from the tree's own ``scripts/get_maintainer.pl``."""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from email.utils import formatdate
from pathlib import Path

from .. import __version__

MAINTAINER_SCRIPT = "scripts/get_maintainer.pl"
_TIMEOUT = 120


def mail(*, sha: str, author: str, subject: str, number: tuple[int, int] | None, body: str,
         diff: str, base: str, cc: list[str]) -> str:
    tag = f"[PATCH {number[0]}/{number[1]}]" if number else "[PATCH]"
    headers = [f"From {sha} Mon Sep 17 00:00:00 2001", f"From: {author}",
               f"Date: {formatdate(localtime=True)}", f"Subject: {tag} {subject}"]
    if cc:
        headers.append("Cc: " + ",\n    ".join(cc))
    headers += ["MIME-Version: 1.0", "Content-Type: text/plain; charset=UTF-8",
                "Content-Transfer-Encoding: 8bit"]
    return ("\n".join(headers) + "\n\n" + body + "---\n" + diff.rstrip("\n") + "\n\n"
            f"base-commit: {base}\n-- \nmemdie-audit {__version__}\n\n")


def maintainers(top: Path, patch: str) -> list[str] | None:
    """The addresses ``get_maintainer.pl`` names for a patch, run read-only
    from the tree's working copy; None where the tree or perl lacks it."""
    script = top / MAINTAINER_SCRIPT
    perl = shutil.which("perl")
    if perl is None or not script.is_file() or not (top / "MAINTAINERS").exists():
        return None
    with tempfile.NamedTemporaryFile("w", suffix=".patch", encoding="utf-8",
                                     errors="surrogateescape") as f:
        f.write(patch)
        f.flush()
        env = {k: v for k, v in os.environ.items() if not k.startswith("GIT_")}
        try:
            done = subprocess.run([perl, str(script), "--no-git", "--no-git-fallback",
                                   "--no-rolestats", f.name], cwd=top, env=env,
                                  capture_output=True, timeout=_TIMEOUT,
                                  stdin=subprocess.DEVNULL)
        except (OSError, subprocess.TimeoutExpired):
            return None
    if done.returncode != 0:
        return None
    found = [line.strip() for line in done.stdout.decode("utf-8", "replace").splitlines()]
    return [a for a in found if "@" in a]
