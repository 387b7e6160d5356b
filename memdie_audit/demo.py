"""``memdie-audit demo [DIR]``: build the bundled kernel-like trees with their
removal series and audit them, so a newcomer sees the tool work in one command.

Three trees: ``linux`` has the shape of v4.9 (a flag header per arch; a
clean and a flawed TIF_MEMDIE removal), ``linux-6.19`` the shape of v6.19
(four arches take their low bits from
``include/asm-generic/thread_info_tif.h``; the clean removal, and a series
that adds a flag but forgets an arch), ``linux-6.17`` the tree before the
generic bits, with the treewide series that moves four arches onto them
(about fifty flags, audited with --changed-flags: one change, one bug)."""

from __future__ import annotations

import argparse
import shutil
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

from . import api
from .errors import AuditError, OneLineParser
from .report import writer
from .result import Audit, Severity

if TYPE_CHECKING:
    from .demo_tree import FixtureRepo

# (tree, series, the exit status it must give): a clean and a flawed
# removal, a modern removal, and a series that is no removal at all (it adds
# TIF_NOTIFY_WORK but forgets m68k): judged for what it does.
_SERIES = (("linux", "clean", 0), ("linux", "flawed", 1), ("linux-6.19", "modern-clean", 0),
           ("linux-6.19", "modern-add-missing-arch", 1), ("linux-6.17", "generic-bits", 1))



def _parser() -> argparse.ArgumentParser:
    p = OneLineParser(prog="memdie-audit demo",
                    description="Build three kernel-like git trees, shaped like Linux 4.9, "
                                "v6.19 and v6.17, with TIF_MEMDIE removal series (clean, and "
                                "flawed for 4.9), a v6.19 series that adds a flag and a v6.17 "
                                "series that moves four arches onto the generic TIF bits, and "
                                "audit them.")
    p.add_argument("dir", nargs="?", metavar="DIR",
                   help="where to build the trees (kept, with the HTML reports of the series); "
                        "default: a temporary directory")
    return p


def run_demo(argv: list[str], out: TextIO) -> int:
    """Exit 0 when the demo shows what it should: the 4.9 base tree and
    both clean series pass, the flawed series fails."""
    args = _parser().parse_args(argv)
    if args.dir:
        root = Path(args.dir)
        if root.exists() and any(root.iterdir()):
            raise AuditError(f"demo: {root} is not empty; give a new or empty directory")
        return _demo(_build(root), out, root, reports=True)
    with tempfile.TemporaryDirectory(prefix="memdie-audit-demo-") as folder:
        try:
            return _demo(_build(Path(folder)), out, Path(folder), reports=False)
        finally:
            shutil.rmtree(folder, ignore_errors=True)


def _build(root: Path) -> dict[str, FixtureRepo]:
    from .demo_tree import build_repo  # the builder is only needed here

    def wanted(tree: str) -> tuple[str, ...]:
        return tuple(variant for name, variant, _ in _SERIES if name == tree)

    return {"linux": build_repo(root / "linux", series=wanted("linux")),
            "linux-6.19": build_repo(root / "linux-6.19", series=wanted("linux-6.19"),
                                     era="modern"),
            "linux-6.17": build_repo(root / "linux-6.17", series=wanted("linux-6.17"),
                                     era="6.17")}


def _demo(trees: dict[str, FixtureRepo], out: TextIO, root: Path, reports: bool) -> int:
    """Audit the demo trees as a user would, through the same pipeline as
    the command line, and print each command with its text report."""
    from .demo_tree import ERAS

    old, new = trees["linux"], trees["linux-6.19"]
    generic = sum(f.generic_bits for f in new.arches.values())
    out.write(f"memdie-audit demo: three kernel-like trees in {root}"
              f"{'' if reports else ' (removed afterwards; give a DIR to keep them)'}\n"
              f"  linux       shaped like v4.9: {len(old.arches)} arches, a flag header each\n"
              f"  linux-6.19  shaped like v6.19: {len(new.arches)} arches, {generic} of them on "
              f"the generic bits\n"
              f"  linux-6.17  before the generic bits, and the series that moves {generic} "
              f"arches onto them\n")
    audits: list[tuple[str, Audit, int]] = [
        (f"memdie-audit {old.path} --rev master", api.audit_tree(old.path, rev=old.base), 0),
    ]
    for tree, variant, wanted in _SERIES:
        repo = trees[tree]
        spec = ERAS[repo.era].series[variant]
        symbols = [] if spec.changed else [spec.symbol]
        audit = api.audit_series(repo.path, repo.revrange(variant), symbols,
                                 changed=spec.changed)
        command = f"memdie-audit {repo.path} --series master..series/{variant}"
        if spec.changed:
            command += " --changed-flags"
        elif spec.symbol != api.DEFAULT_SYMBOL:
            command += f" --symbol {spec.symbol}"
        if reports:
            report = root / f"report-{variant}.html"
            with report.open("w", encoding="utf-8") as page:
                writer("html")(audit, page)
            command += f" --html {report}"
        audits.append((command, audit, wanted))
    shown = True
    for command, audit, wanted in audits:
        out.write(f"\n$ {command}\n")
        writer("text")(audit, out)
        status = 1 if audit.fails(Severity.ERROR) else 0
        shown &= status == wanted
        out.write(f"(exit status {status})\n")
    return 0 if shown else 1
