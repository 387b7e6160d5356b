"""``memdie-audit atlas [TREE] [--rev REV] [--format text|json|html] [-o FILE]``:
the flag × arch matrix of bits, each arch's free bits, and every conflict."""

from __future__ import annotations

import argparse
import io
import json
from pathlib import Path
from typing import Any, TextIO

from .. import __version__
from ..errors import AuditError, OneLineParser
from ..kernel.pending import flag_snapshot
from ..report.json import arches_json, finding_json
from ..sources.trees import open_source
from .model import Atlas, build_atlas, config_condition, ranges

FORMATS = ("text", "json", "html")



def parser() -> argparse.ArgumentParser:
    p = OneLineParser(prog="memdie-audit atlas",
                description="Every TIF flag's bit on every arch (own, generic, fallback, per "
                            "config context), the free bits of each arch, and every conflict.")
    p.add_argument("tree", metavar="TREE", nargs="?", default=".",
                   help="kernel tree: a git repository or a plain directory (default: .)")
    p.add_argument("--rev", metavar="REV", help="read this commit instead of the working tree")
    p.add_argument("--format", choices=FORMATS, default="text",
                   help="atlas format (default: %(default)s)")
    p.add_argument("-o", "--output", metavar="FILE", help="write the atlas to FILE")
    return p


def run(argv: list[str], out: TextIO) -> int:
    args = parser().parse_args(argv)
    source = open_source(args.tree, args.rev)
    snapshot = flag_snapshot(source)
    if not snapshot.tables:
        raise AuditError(f"{args.tree}: not a kernel tree: no arch/*/include/asm/"
                         "thread_info*.h and no include/asm-generic/thread_info_tif.h")
    atlas = build_atlas(snapshot, source.label, source.rev)
    buffer = io.StringIO()
    {"text": write_text, "json": write_json, "html": write_html}[args.format](atlas, buffer)
    if args.output is None:
        out.write(buffer.getvalue())
    else:
        try:
            Path(args.output).write_text(buffer.getvalue(), encoding="utf-8",
                                         errors="surrogateescape")
        except OSError as err:
            raise AuditError(f"cannot write {args.output}: {err.strerror}") from None
    return 0


def atlas_json(atlas: Atlas) -> dict[str, Any]:
    return {"tool": "memdie-audit", "version": __version__, "tree": atlas.tree,
            "rev": atlas.rev, "arches": arches_json(atlas.snapshot),
            "free": atlas.free, "conflicts": [finding_json(f) for f in atlas.conflicts]}


def write_json(atlas: Atlas, out: TextIO) -> None:
    json.dump(atlas_json(atlas), out, indent=2)
    out.write("\n")


_MARK = {"own": "", "generic": "g", "fallback": "f"}


def write_text(atlas: Atlas, out: TextIO) -> None:
    """One block per arch: its bits in order (g = generic, f = fallback,
    ? = under a config condition), its free bits; then the conflicts."""
    for arch in atlas.arches:
        view = atlas.view(arch)
        kind = "generic TIF bits" if view.generic else "own bits"
        widths = "/".join(str(w) for w in view.widths)
        out.write(f"{arch}: {kind}, {widths}-bit flags\n")
        entries = sorted(((name, c) for (name, a), cs in atlas.cells.items() if a == arch
                          for c in cs), key=lambda e: (e[1].bit if e[1].bit is not None
                                                       else 1 << 20, e[0]))
        for name, cell in entries:
            shown = config_condition(cell)
            mark = _MARK[cell.origin] + ("?" if shown else "")
            where = f"  [{shown}]" if shown else ""
            out.write(f"  {cell.label:>3}{mark:<2} {name}{where}\n")
        out.write(f"  free: {ranges(atlas.free[arch])}\n")
    for f in atlas.conflicts:
        out.write(f"{f}\n")
    errors = sum(1 for f in atlas.conflicts if f.severity.value == "error")
    n = len(atlas.conflicts)
    out.write(f"total: {len(atlas.arches)} arches, {len(atlas.flags)} flags, "
              f"{n} conflict{'s' * (n != 1)} ({errors} error{'s' * (errors != 1)})\n")


def write_html(atlas: Atlas, out: TextIO) -> None:
    from ..report.html import environment

    template = environment().get_template("atlas.html.j2")
    rows = []
    for name in atlas.flags:
        rows.append((name, [atlas.cells.get((name, arch), ()) for arch in atlas.arches]))
    out.write(template.render(
        tree=atlas.tree, rev=atlas.rev, version=__version__, arches=atlas.arches,
        views=[atlas.view(a) for a in atlas.arches], rows=rows,
        free=[(a, ranges(atlas.free[a])) for a in atlas.arches], conflicts=atlas.conflicts))
