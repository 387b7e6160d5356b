"""The one pipeline: audit a tree, a series or an emailed series.

The command line and the demo both call these functions with what a user
gives (paths, revisions, ranges, an mbox); each returns an
:class:`~memdie_audit.result.Audit` with the source lines around its
findings attached, ready for any reporter. Bad input raises
:class:`~memdie_audit.errors.AuditError`.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from .errors import AuditError
from .excerpts import attach_context, attach_series_context
from .kernel.cache import SnapshotCache, cache_directory
from .kernel.changed import changed_flags
from .kernel.pending import PendingSnapshots
from .result import Audit
from .rules import tree_findings
from .rules.intent import INTENTS, check_known
from .sources.commits import check_history, parse_range
from .sources.trees import GitTree, Source, open_source, repository, resolve_commit
from .walk import Progress, arch_states, cannot_touch, untouched_series, walk_flags

if TYPE_CHECKING:
    from .sources.mail import MailInput

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


Symbols = str | Sequence[str]


def audit_tree(tree: str | Path, symbol: Symbols = DEFAULT_SYMBOL, rev: str | None = None,
               *, cache: bool = True) -> Audit:
    """Inventory of a working tree (tracked files), a plain directory, or
    with ``rev`` a commit, with the checks that apply to any tree; of one
    flag, or of each of several. A commit's snapshot is kept in the user's
    cache directory for the next look (not with ``cache=False``)."""
    return audit_source(open_source(str(tree), rev), symbol, cache=cache)


def audit_source(source: Source, symbol: Symbols = DEFAULT_SYMBOL, *, cache: bool = True
                 ) -> Audit:
    """:func:`audit_tree` of an already opened source."""
    parts = []
    names = _symbols(symbol)
    snapshots = PendingSnapshots(source, names, _cache(cache)).finish()  # one grep for all
    for name in names:
        snapshot = snapshots[name]
        check_known(name, snapshot)
        parts.append(Audit(name, "tree", source.label, source.rev, snapshot,
                           tree_findings(snapshot), head_states=arch_states(snapshot, snapshot)))
    audit = Audit.combine(parts)
    attach_context(audit, lambda _commit, paths: source.read(paths))
    return audit


def audit_series(tree: str | Path, revision_range: str, symbol: Symbols = DEFAULT_SYMBOL, *,
                 progress: Progress | None = None, intent: Intents = None,
                 changed: bool = False, cache: bool = True) -> Audit:
    """Audit each commit of ``BASE..HEAD`` along its first parents for each
    flag of ``symbol`` and, with ``changed``, every flag the series changes;
    ``intent`` (remove, add, …, or a flag → intent mapping) overrides what
    base and head say."""
    names = _symbols(symbol, changed)
    top = repository(str(tree), "--series")
    base, head = parse_range(revision_range)
    base, head = resolve_commit(top, base), resolve_commit(top, head)
    check_history(top, base, head)
    audit = _walk_each(top, base, head, names, changed, progress=progress, intent=intent,
                       cache=cache)
    attach_series_context(audit, top)
    return audit


def audit_mbox(tree: str | Path, mbox: str, symbol: Symbols = DEFAULT_SYMBOL, *,
               base: str | None = None, progress: Progress | None = None,
               intent: Intents = None, changed: bool = False, three_way: bool = False,
               cache: bool = True) -> Audit:
    """Audit an emailed series (a file, a FIFO or ``-`` for stdin) applied
    onto ``base``, its base-commit, a guessed base or HEAD, without writing
    into the repository; hunks that do not apply are findings."""
    # Mail's modules (the email package among them) only for mail.
    from .sources.mail import read_mail

    top = repository(str(tree), "--mbox")
    return audit_mail(top, read_mail(mbox), symbol, base=base, progress=progress,
                      intent=intent, changed=changed, three_way=three_way, cache=cache)


def audit_mail(top: Path, mail: MailInput, symbol: Symbols = DEFAULT_SYMBOL, *,
               base: str | None = None, progress: Progress | None = None,
               intent: Intents = None, changed: bool = False, three_way: bool = False,
               cache: bool = True) -> Audit:
    """:func:`audit_mbox` of mail already read (the review robot reads it
    from an archive) into the repository ``top``."""
    from .mailed import with_mail
    from .sources.mail import choose_base, mailed_series

    names = _symbols(symbol, changed)
    chosen = choose_base(top, mail, base)
    # The base's grep (of every flag named) runs while the patches are applied.
    pending = PendingSnapshots(GitTree(top, chosen.sha), names, _cache(cache)) \
        if names else None
    try:
        with mailed_series(top, mail, chosen, three_way) as mailed:
            audit = _walk_each(top, chosen.sha, mailed.head, names, changed, env=mailed.env,
                               label=str(top), progress=progress, intent=intent,
                               pending=pending, cache=cache,
                               finish=lambda part: with_mail(part, mailed, mail.name))
            attach_series_context(audit, top, mailed.env)
            return audit
    finally:
        if pending is not None:
            pending.cancel()


Intents = str | Mapping[str, str] | None


def _walk_each(top: Path, base: str, head: str, names: list[str], changed: bool, *,
               env: dict[str, str] | None = None, label: str | None = None,
               progress: Progress | None = None, intent: Intents = None,
               pending: PendingSnapshots | None = None, cache: bool = True,
               finish: Callable[[Audit], Audit] = lambda audit: audit) -> Audit:
    """Every audited flag in one walk (those the series cannot touch
    without one), each flag's audit ``finish``ed, combined; with
    ``changed``, the flags the series changes join those named. The base
    is grepped once for all the flags walked (``pending``: already started
    for some)."""
    found = changed_flags(top, base, head, env) if changed else []
    names = list(dict.fromkeys([*names, *found]))
    if changed and not names:
        return finish(untouched_series(top, base, head, None, env, label))
    # A flag the series changes is touched; only the others are asked.
    untouched = {n: n not in found and cannot_touch(top, base, head, n, env) for n in names}
    walked = [n for n in names if intent_of(intent, n) or not untouched[n]]
    if pending is not None and any(n not in pending.keys for n in walked):
        pending.cancel()
        pending = None
    audits: dict[str, Audit] = {}
    if walked:
        for audit in walk_flags(top, base, head, walked, env=env, label=label,
                                progress=progress,
                                intents={n: intent_of(intent, n) for n in walked},
                                pending=pending, cache=_cache(cache)):
            audits[audit.symbol] = audit
    elif pending is not None:
        pending.cancel()
    for name in names:
        if name not in audits:
            audits[name] = untouched_series(top, base, head, name, env, label)
    return Audit.combine([finish(audits[n]) for n in names])


def _cache(enabled: bool) -> SnapshotCache | None:
    return SnapshotCache(cache_directory()) if enabled else None


def _symbols(symbol: Symbols, changed: bool = False) -> list[str]:
    """The flags named, checked, each once (none only with --changed-flags)."""
    names = [symbol] if isinstance(symbol, str) else list(dict.fromkeys(symbol))
    if not names and not changed:
        names = [DEFAULT_SYMBOL]
    return [check_symbol(name) for name in names]


EVERY = "*"  # the key of an intent given for every audited flag


def intents_for(given: list[str]) -> dict[str, str]:
    """What ``--intent`` says, per flag (``TIF_X=remove``) and, under
    :data:`EVERY`, for every audited flag; an AuditError for anything else."""
    chosen: dict[str, str] = {}
    for text in given:
        name, sep, kind = text.rpartition("=")
        if kind not in INTENTS or (sep and not _IDENTIFIER.match(name)):
            raise AuditError(f"--intent {text!r}: give [TIF_X=]{'|'.join(INTENTS)}")
        chosen[name if sep else EVERY] = kind
    return chosen


def intent_of(intent: Intents, symbol: str) -> str | None:
    """The intent given for one flag: ``intent`` itself (one for every flag),
    or its entry for the flag, else for every flag (:data:`EVERY`)."""
    if intent is None or isinstance(intent, str):
        return intent
    return intent.get(symbol, intent.get(EVERY))
