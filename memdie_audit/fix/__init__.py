"""``memdie-audit fix``: write the mechanical arch patch that removes a flag
from every flag header, or adds it to every arch on a free bit; checked by
applying it in a scratch store and auditing the result before it is printed.

    memdie-audit fix [TREE] [--rev REV] --symbol TIF_X --remove [--split] [--force] [-o FILE]
    memdie-audit fix [TREE] [--rev REV] --symbol TIF_X --add [--bit N] [-o FILE]
"""

from __future__ import annotations

import argparse
import re
import sys
import time
from pathlib import Path
from typing import TextIO

from ..errors import AuditError, OneLineParser
from ..kernel.cache import SnapshotCache, cache_directory
from ..kernel.model import Occurrence
from ..kernel.pending import build_snapshot
from ..result import Audit, Severity
from ..rules.intent import check_known
from ..sources.scratch import ScratchSeries, Step, applies, diff, identity, scratch_series
from ..sources.trees import GitTree, repository, resolve_commit
from ..walk import walk_series
from . import mailtext
from .patches import Change, addition, body, files_of, removal, split, subject_prefix

# Rules that report the references --force was told to leave behind.
_REFERENCE_RULES = frozenset({"leftover-use", "dangling-reference", "bisect-break",
                              "leftover-definition", "leftover-mask"})



def parser() -> argparse.ArgumentParser:
    p = OneLineParser(prog="memdie-audit fix",
                description="Write the mechanical arch patch for a thread-info flag as a mail "
                            "git am takes, checked by applying and auditing it first.")
    p.add_argument("tree", metavar="TREE", nargs="?", default=".",
                   help="kernel git repository (default: .)")
    p.add_argument("--rev", metavar="REV", default="HEAD",
                   help="the commit the patch applies to (default: HEAD)")
    p.add_argument("--symbol", metavar="TIF_X", required=True, help="the flag")
    what = p.add_mutually_exclusive_group(required=True)
    what.add_argument("--remove", action="store_true",
                      help="delete every definition and mask of the flag from every flag header")
    what.add_argument("--add", action="store_true",
                      help="add the flag and its mask to every arch that lacks it")
    p.add_argument("--bit", type=int, metavar="N",
                   help="with --add: the bit wanted, used wherever it is free")
    p.add_argument("--split", action="store_true",
                   help="with --remove: one patch per arch, Cc from scripts/get_maintainer.pl")
    p.add_argument("--force", action="store_true",
                   help="with --remove: write the patch although code still references the flag")
    p.add_argument("-o", "--output", metavar="FILE|DIR/",
                   help="write the mail(s) to FILE, or to DIR/ one NNNN-subject.patch each "
                        "(as git format-patch -o)")
    p.add_argument("--no-cache", action="store_true",
                   help="neither read nor store the base's snapshot in the cache directory")
    return p


def run(argv: list[str], out: TextIO, err: TextIO | None = None) -> int:
    err = err or sys.stderr
    args = parser().parse_args(argv)
    from ..api import check_symbol

    symbol = check_symbol(args.symbol)
    if args.bit is not None and (not args.add or not 0 <= args.bit < 64):
        raise AuditError("--bit N goes with --add, 0 <= N < 64")
    if (args.split or args.force) and not args.remove:
        raise AuditError("--split and --force go with --remove")
    top = repository(args.tree, "fix (the patch's base-commit)")
    base = resolve_commit(top, args.rev)
    # The self-check's walk starts from the same base: the cache hands it over.
    cache = None if args.no_cache else SnapshotCache(cache_directory())
    snapshot = build_snapshot(GitTree(top, base), symbol, cache)
    forced: list[Occurrence] = []
    if args.remove:
        check_known(symbol, snapshot)
        change, left = removal(snapshot, symbol)
        if left and not args.force:
            for o in left:
                err.write(f"{o.path}:{o.line}:{o.column}: {o.kind}: {o.text.strip()}\n")
            raise AuditError(f"{symbol} is still referenced in {len(left)} place(s) (listed "
                             "above): removing it would break the build; convert them first, "
                             "or give --force")
        forced = left
        changes = split(change) if args.split else [change]
    else:
        if not snapshot.tables:
            check_known(symbol, snapshot)
        changes = [addition(snapshot, symbol, args.bit)]
    mails, audit = _write_checked(top, base, symbol, changes, forced, whole=not args.split,
                                  intent="remove" if args.remove else "add", cache=cache)
    _emit(mails, args.output, out)
    headers = sum(len(c.headers) for c in changes)
    warnings = audit.count(Severity.WARNING)
    err.write(f"memdie-audit: {len(changes)} patch(es), {headers} header(s); applied to "
              f"{base[:12]} and audited: {audit.count(Severity.ERROR)} error(s)"
              f"{' (the references --force leaves)' if forced else ''}, {warnings} warning(s)\n")
    return 0


def _write_checked(top: Path, base: str, symbol: str, changes: list[Change],
                   forced: list[Occurrence], whole: bool, intent: str,
                   cache: SnapshotCache | None = None) -> tuple[list[str], Audit]:
    """The mails, after the commits they describe were made in a scratch
    store, the mails applied to the base and the result audited clean."""
    author = identity(top)
    titles = [f"{subject_prefix(c, whole)}: {c.subject}" for c in changes]
    steps = [Step(f"{title}\n\n{body(c, forced)}", files_of(c))
             for title, c in zip(titles, changes, strict=True)]
    stamp = f"{int(time.time())} +0000"
    with scratch_series(top, base, steps, author, stamp) as series:
        mails = []
        for number, (title, change) in enumerate(zip(titles, changes, strict=True)):
            parent = series.commits[number - 1] if number else base
            patch = diff(top, series.env, parent, series.commits[number])
            cc = [] if whole else (mailtext.maintainers(top, patch) or [])
            mails.append(mailtext.mail(
                sha=series.commits[number], author=author, subject=title,
                number=None if len(changes) == 1 else (number + 1, len(changes)),
                body=body(change, forced), diff=patch, base=base, cc=cc))
        text = "".join(mails)
        problem = applies(top, series, text.encode("utf-8", "surrogateescape"))
        if problem:
            raise AuditError(f"the patch written does not apply to {base[:12]}: {problem}; "
                             "nothing written (please report it)")
        audit = _audit(top, series, symbol, intent, forced, cache)
    return mails, audit


def _audit(top: Path, series: ScratchSeries, symbol: str, intent: str,
           forced: list[Occurrence], cache: SnapshotCache | None) -> Audit:
    audit = walk_series(top, series.base, series.head, symbol, env=series.env,
                        label=f"{top} + memdie-audit fix", intent=intent, cache=cache)
    errors = [f for f in audit.findings if f.severity is Severity.ERROR
              and not (forced and f.rule in _REFERENCE_RULES)]
    if errors:
        first = errors[0]
        where = f"{first.path}:{first.line}: " if first.path else ""
        raise AuditError(f"the patch would not audit clean ({len(errors)} error(s), first: "
                         f"{where}{first.message} [{first.rule}]); nothing written")
    return audit


def _emit(mails: list[str], output: str | None, out: TextIO) -> None:
    """The mails on ``out``, into the file ``output``, or, where ``output``
    is a directory (or ends with ``/``), one ``NNNN-subject.patch`` file
    each, as ``git format-patch -o`` writes them for ``git send-email``."""
    if output is None:
        out.write("".join(mails))
        return
    try:
        if output.endswith("/") or Path(output).is_dir():
            folder = Path(output)
            folder.mkdir(parents=True, exist_ok=True)
            for number, text in enumerate(mails, 1):
                (folder / _patch_name(number, text)).write_text(
                    text, encoding="utf-8", errors="surrogateescape")
        else:
            Path(output).write_text("".join(mails), encoding="utf-8",
                                    errors="surrogateescape")
    except OSError as e:
        raise AuditError(f"cannot write {output}: {e.strerror}") from None


def _patch_name(number: int, mail: str) -> str:
    """``0003-x86-get-rid-of-TIF_MEMDIE.patch``: git format-patch's names."""
    subject = next((line[len("Subject: "):] for line in mail.splitlines()
                    if line.startswith("Subject: ")), "patch")
    subject = re.sub(r"^\[[^]]*\]\s*", "", subject)
    slug = re.sub(r"[^A-Za-z0-9_.]+", "-", subject).strip("-.")[:52].rstrip("-.")
    return f"{number:04d}-{slug or 'patch'}.patch"
