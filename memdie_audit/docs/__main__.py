"""``python -m memdie_audit.docs [--check] [DIR]``: regenerate docs/rules.md
and the man page from the code."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from . import DOCS, stale, write


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m memdie_audit.docs",
                                description="regenerate the documents made from the code")
    p.add_argument("folder", metavar="DIR", nargs="?", type=Path, default=DOCS,
                   help="the docs/ folder to write (default: this checkout's, %(default)s)")
    p.add_argument("--check", action="store_true",
                   help="write nothing; exit 1 and name the documents that are stale")
    args = p.parse_args(argv)
    if not args.folder.is_dir():
        print(f"{p.prog}: error: {args.folder} is not a folder", file=sys.stderr)
        return 2
    names = stale(args.folder) if args.check else write(args.folder)
    for name in names:
        print(f"{args.folder / name}: {'stale' if args.check else 'written'}")
    return 1 if args.check and names else 0


if __name__ == "__main__":
    sys.exit(main())
