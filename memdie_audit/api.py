"""The one pipeline: audit a tree, a series or an emailed series.

The command line and the demo both call these functions with what a user
gives (paths, revisions, ranges, an mbox); each returns an
:class:`~memdie_audit.result.Audit` with the source lines around its
findings attached, ready for any reporter. Bad input raises
:class:`~memdie_audit.errors.AuditError`.
"""

from __future__ import annotations

import re
from pathlib import Path

from .errors import AuditError
from .excerpts import attach_context, attach_series_context
from .kernel.snapshot import PendingSnapshot, build_snapshot
from .mailed import with_mail
from .result import Audit
from .rules import tree_findings
from .rules.intent import INTENTS, check_known
from .sources.commits import parse_range
from .sources.mail import choose_base, mailed_series, read_mail
from .sources.trees import GitTree, Source, open_source, repository, resolve_commit
from .walk import Progress, arch_states, walk_series

DEFAULT_SYMBOL = "TIF_MEMDIE"
_IDENTIFIER = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


def check_symbol(symbol: str) -> str:
    """The flag's name, or an AuditError saying what is wrong with it."""
    if not _IDENTIFIER.match(symbol):
        raise AuditError(f"--symbol {symbol!r} is not a C identifier")
    if symbol.startswith("_"):
        raise AuditError(f"--symbol {symbol!r}: give the bit's name ({symbol.lstrip('_')}); "
                         "its mask is found with it")
    return symbol


def audit_tree(tree: str | Path, symbol: str = DEFAULT_SYMBOL, rev: str | None = None) -> Audit:
    """Inventory of a working tree (tracked files), a plain directory, or
    with ``rev`` a commit, with the checks that apply to any tree."""
    return audit_source(open_source(str(tree), rev), symbol)


def audit_source(source: Source, symbol: str = DEFAULT_SYMBOL) -> Audit:
    """:func:`audit_tree` of an already opened source."""
    snapshot = build_snapshot(source, check_symbol(symbol))
    check_known(symbol, snapshot)
    audit = Audit(symbol, "tree", source.label, source.rev, snapshot, tree_findings(snapshot),
                  head_states=arch_states(snapshot, snapshot))
    attach_context(audit, lambda _commit, paths: source.read(paths))
    return audit


def audit_series(tree: str | Path, revision_range: str, symbol: str = DEFAULT_SYMBOL, *,
                 progress: Progress | None = None, intent: str | None = None) -> Audit:
    """Audit each commit of ``BASE..HEAD`` along its first parents;
    ``intent`` (remove, add, …) overrides what base and head say."""
    check_symbol(symbol)
    top = repository(str(tree), "--series")
    base, head = parse_range(revision_range)
    audit = walk_series(top, resolve_commit(top, base), resolve_commit(top, head), symbol,
                        progress=progress, intent=intent)
    attach_series_context(audit, top)
    return audit


def audit_mbox(tree: str | Path, mbox: str, symbol: str = DEFAULT_SYMBOL, *,
               base: str | None = None, progress: Progress | None = None,
               intent: str | None = None, three_way: bool = False) -> Audit:
    """Audit an emailed series (a file, a FIFO or ``-`` for stdin) applied
    onto ``base``, its base-commit, a guessed base or HEAD, without writing
    into the repository; hunks that do not apply are findings."""
    check_symbol(symbol)
    top = repository(str(tree), "--mbox")
    mail = read_mail(mbox)
    chosen = choose_base(top, mail, base)
    # The base's grep runs while the patches are applied.
    pending = PendingSnapshot(GitTree(top, chosen.sha), symbol)
    try:
        with mailed_series(top, mail, chosen, three_way) as mailed:
            audit = walk_series(top, chosen.sha, mailed.head, symbol, env=mailed.env,
                                label=str(top), progress=progress,
                                intent=intent, pending=pending)
            audit = with_mail(audit, mailed, mail.name)
            attach_series_context(audit, top, mailed.env)
            return audit
    finally:
        pending.cancel()


def intent_for(symbol: str, given: list[str]) -> str | None:
    """The intent ``--intent`` gives a flag: ``remove`` for every audited
    flag, or ``TIF_X=remove`` for one; an AuditError for anything else."""
    chosen = None
    for text in given:
        name, sep, kind = text.rpartition("=")
        if kind not in INTENTS or (sep and not _IDENTIFIER.match(name)):
            raise AuditError(f"--intent {text!r}: give [TIF_X=]{'|'.join(INTENTS)}")
        if not sep or name == symbol:
            chosen = kind
    return chosen
