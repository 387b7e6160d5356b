"""``memdie-audit watch``: the review robot over a public-inbox archive.

One pass: read the messages new since the last pass (:mod:`.archive`),
place them into series (:mod:`.series`), save the state, audit each series
that got a message and can touch a flag against every followed tree
(:mod:`.audit`, in ``--jobs`` processes), then write the index
(:mod:`.index`). Every file goes through :mod:`.store` (atomic, and only
when it changes), so a pass killed at any moment is finished by the next.
"""

from __future__ import annotations

import argparse
import multiprocessing
import re
from pathlib import Path
from typing import TextIO

from ..errors import AuditError, OneLineParser
from ..sources.trees import repository, resolve_commit
from . import archive
from .audit import Job, digest, is_done, run_job
from .followed import Tree
from .index import write_index
from .series import Assembly, refs
from .store import load_state, locked, remove_stale_temporaries, save_state

_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")


def parser() -> argparse.ArgumentParser:
    p = OneLineParser(
        prog="memdie-audit watch",
        description="Audit every series of a public-inbox archive that can touch a "
                    "thread-info flag against each tree you follow; write reports, an "
                    "index and reply drafts (never sent) into DIR.")
    p.add_argument("archive", metavar="ARCHIVE",
                   help="a public-inbox archive (v2: git/N.git epochs; or v1), read only")
    p.add_argument("--tree", action="append", required=True, metavar="NAME=PATH[@REV]",
                   help="a git tree to audit against (repeatable); REV defaults to HEAD")
    p.add_argument("-o", "--output", required=True, metavar="DIR",
                   help="where the state, the reports and the index go")
    p.add_argument("--jobs", type=int, default=1, metavar="N",
                   help="audit N series at a time (default 1)")
    p.add_argument("--since", metavar="DATE",
                   help="leave out messages older than DATE (any date git understands)")
    return p


def parse_tree(text: str) -> Tree:
    """``NAME=PATH[@REV]``, resolved; an AuditError for a bad one."""
    name, sep, rest = text.partition("=")
    if not sep or not _NAME.match(name):
        raise AuditError(f"--tree {text!r}: give NAME=PATH[@REV] (NAME: letters, digits, . _ -)")
    path, at, rev = rest.rpartition("@")
    if not at or "/" in rev:
        path, rev = rest, "HEAD"
    top = repository(path, "--tree")
    return Tree(name, top, rev, resolve_commit(top, rev))


def run(argv: list[str], out: TextIO) -> int:
    args = parser().parse_args(argv)
    if args.jobs < 1:
        raise AuditError("--jobs takes a number of at least 1")
    trees = tuple(parse_tree(t) for t in args.tree)
    if len({t.name for t in trees}) != len(trees):
        raise AuditError("--tree: each NAME once")
    epochs = archive.epochs(Path(args.archive))
    folder = Path(args.output)
    with locked(folder):
        remove_stale_temporaries(folder)
        state = load_state(folder)
        assembly = Assembly(state)
        read = _read_new(epochs, state, assembly, args.since)
        assembly.save_pending()
        save_state(folder, state)  # the new messages are placed: what to audit is known
        audited = _audit_pending(folder, state, epochs, trees, args.jobs)
        state["pending"] = []
        save_state(folder, state)
        index = write_index(folder, state, trees)
    out.write(f"watch: {read} new messages, {audited} series audited; "
              f"{len(index['series'])} in the index, {index['skipped']} skipped "
              f"(cannot touch a flag), {len(index['refused'])} refused\n")
    return 0


def _read_new(epochs: list[archive.Epoch], state: dict, assembly: Assembly,
              since: str | None) -> int:
    marks = state.setdefault("epochs", {})
    read = 0
    for epoch in epochs:
        head = archive.tip(epoch)
        if head is None or marks.get(epoch.name) == head:
            continue
        for entry in archive.new_entries(epoch, marks.get(epoch.name), head, since):
            read += 1
            if entry.deleted:
                assembly.remove(entry.data)
            else:
                assembly.add(epoch.name, entry.blob, entry.data, entry.size)
        marks[epoch.name] = head
    return read


def _audit_pending(folder: Path, state: dict, epochs: list[archive.Epoch],
                   trees: tuple[Tree, ...], jobs: int) -> int:
    """Audit every pending series not already done; their count."""
    paths = {e.name: e for e in epochs}
    todo = []
    for key in state.get("pending", []):
        record = state["series"][key]
        wanted = digest(record, trees)
        if not is_done(folder / "series" / key, wanted):
            todo.append((key, record, wanted))
    if not todo:
        return 0
    by_epoch: dict[str, list[str]] = {}
    for _, record, _ in todo:
        for ref in refs(record):
            by_epoch.setdefault(ref["epoch"], []).append(ref["blob"])
    contents = {}
    for name, blobs in by_epoch.items():
        contents.update(archive.read_messages(paths[name], blobs))
    work = [Job(key, folder / "series" / key, record,
                tuple(contents[r["blob"]] or b"" for r in refs(record)), trees, wanted)
            for key, record, wanted in todo]
    if jobs == 1 or len(work) == 1:
        for job in work:
            run_job(job)
    else:
        # spawn: a fresh interpreter per worker, no lock or thread inherited.
        with multiprocessing.get_context("spawn").Pool(min(jobs, len(work))) as pool:
            for _ in pool.imap_unordered(run_job, work):
                pass
    return len(work)
