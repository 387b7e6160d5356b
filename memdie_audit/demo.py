"""``memdie-audit demo [DIR]``: build the bundled kernel-like tree with its
removal series and audit it, so a newcomer sees the tool work in one command."""

from __future__ import annotations

import argparse
import shutil
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, NoReturn, TextIO

from . import api
from .errors import AuditError
from .report import writer
from .result import Audit, Severity

if TYPE_CHECKING:
    from .demo_tree import FixtureRepo


class _DemoParser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        raise AuditError(f"demo: {message}")


def _parser() -> argparse.ArgumentParser:
    p = _DemoParser(prog="memdie-audit demo",
                    description="Build a kernel-like git tree with a TIF_MEMDIE removal series "
                                "(a clean and a flawed version) and audit it.")
    p.add_argument("dir", nargs="?", metavar="DIR",
                   help="where to build the tree (kept, with the HTML reports of both series); "
                        "default: a temporary directory")
    return p


def run_demo(argv: list[str], out: TextIO) -> int:
    """Exit 0 when the demo shows what it should: the base tree and the clean
    series pass, the flawed series fails."""
    args = _parser().parse_args(argv)
    from .demo_tree import build_repo  # the builder is only needed here

    if args.dir:
        root = Path(args.dir)
        if root.exists() and any(root.iterdir()):
            raise AuditError(f"demo: {root} is not empty; give a new or empty directory")
        return _demo(build_repo(root / "linux", series=("clean", "flawed")), out, reports=root)
    with tempfile.TemporaryDirectory(prefix="memdie-audit-demo-") as folder:
        try:
            return _demo(build_repo(Path(folder) / "linux", series=("clean", "flawed")), out,
                         reports=None)
        finally:
            shutil.rmtree(folder, ignore_errors=True)


def _demo(repo: FixtureRepo, out: TextIO, reports: Path | None) -> int:
    """Audit the demo tree as a user would, through the same pipeline as
    the command line, and print each command with its text report."""
    path = repo.path
    out.write(f"memdie-audit demo: a kernel-like tree with {len(repo.arches)} arches in {path}"
              f"{'' if reports else ' (removed afterwards; give a DIR to keep it)'}\n")
    audits: list[tuple[str, Audit]] = [
        (f"memdie-audit {path} --rev master", api.audit_tree(path, rev=repo.base)),
    ]
    for variant in ("clean", "flawed"):
        audit = api.audit_series(path, repo.revrange(variant))
        command = f"memdie-audit {path} --series master..series/{variant}"
        if reports:
            report = reports / f"report-{variant}.html"
            with report.open("w", encoding="utf-8") as page:
                writer("html")(audit, page)
            command += f" --html {report}"
        audits.append((command, audit))
    statuses = []
    for command, audit in audits:
        out.write(f"\n$ {command}\n")
        writer("text")(audit, out)
        status = 1 if audit.fails(Severity.ERROR) else 0
        statuses.append(status)
        out.write(f"(exit status {status})\n")
    return 0 if statuses == [0, 0, 1] else 1
