"""Turn the base tree and the series plans into a git repository.

One ``git fast-import`` run writes every commit of every branch: it is fast
(the test suite builds this repository many times) and it takes authors,
committers and dates from the stream, so the shas are the same on every
machine. Git runs with an empty, private configuration: the user's settings
(hooks, autocrlf, signing, default branch...) must not leak into a fixture.
"""

from __future__ import annotations

import os
import subprocess
import tempfile
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO

from .arch_layouts import ArchFacts
from .eras import DEFAULT_ERA, Era, era_named
from .series_specs import Step

AUTHOR = "Mira Hollenbeck <mira.hollenbeck@example.org>"
COMMITTER = "Anders Quill <anders.quill@example.org>"
BASE_AUTHOR = "Fixture Tree <fixture-tree@example.org>"
BASE_DATE = era_named(DEFAULT_ERA).base_date  # the date git falls back to
SERIES_GAP = 30 * 86400  # a series is committed a month after its base
TZ = "+0100"


class FixtureError(RuntimeError):
    """git failed while building or reading the fixture repository."""


@dataclass
class FixtureRepo:
    """A built fixture: ``heads`` and ``commits`` are keyed by variant name;
    ``commits[v][i - 1]`` is the sha of first-parent commit ``i``; ``era``
    names the shape of the tree (see ``eras``)."""

    path: Path
    base: str
    heads: dict[str, str]
    arches: dict[str, ArchFacts]
    commits: dict[str, tuple[str, ...]] = field(default_factory=dict)
    era: str = DEFAULT_ERA

    def revrange(self, variant: str) -> str:
        return f"{self.base}..{self.heads[variant]}"


@contextmanager
def git_env() -> Iterator[dict[str, str]]:
    """Environment for git that ignores system and user configuration."""
    with tempfile.TemporaryDirectory(prefix="memdie-fixture-home-") as home:
        config = Path(home, "gitconfig")
        config.write_text("")
        env = {k: v for k, v in os.environ.items() if not k.startswith("GIT_")}
        env.update(
            HOME=home, XDG_CONFIG_HOME=home, GIT_CONFIG_NOSYSTEM="1",
            GIT_CONFIG_GLOBAL=str(config), LC_ALL="C", TZ="UTC", GIT_TERMINAL_PROMPT="0",
            GIT_AUTHOR_NAME="Fixture Tree", GIT_AUTHOR_EMAIL="fixture-tree@example.org",
            GIT_COMMITTER_NAME="Fixture Tree", GIT_COMMITTER_EMAIL="fixture-tree@example.org",
            GIT_AUTHOR_DATE=f"{BASE_DATE} {TZ}", GIT_COMMITTER_DATE=f"{BASE_DATE} {TZ}",
        )
        yield env


def _git(repo: Path, env: dict[str, str], *args: str, data: bytes | None = None) -> bytes:
    proc = subprocess.run(["git", "-C", str(repo), *args], input=data, env=env,
                          capture_output=True, check=False)
    if proc.returncode:
        raise FixtureError(f"git {args[0]} failed: {proc.stderr.decode(errors='replace').strip()}")
    return proc.stdout


class _Stream:
    """A fast-import stream; blobs are written once however often they recur."""

    def __init__(self, out: BinaryIO) -> None:
        self.out = out
        self.blobs: dict[bytes, int] = {}
        self.next_mark = 1

    def _mark(self) -> int:
        self.next_mark += 1
        return self.next_mark - 1

    def blob(self, data: bytes) -> int:
        if data not in self.blobs:
            mark = self.blobs[data] = self._mark()
            self.out.write(b"blob\nmark :%d\ndata %d\n%s\n" % (mark, len(data), data))
        return self.blobs[data]

    def commit(self, ref: str, author: str, committer: str, when: int, message: str,
               parents: list[int], old: dict[str, bytes], new: dict[str, bytes],
               inline: Iterable[tuple[str, bytes]] = ()) -> int:
        """Commit ``new`` on top of ``old``; ``inline`` files are streamed
        without being remembered (a caller's extra files: benchmark padding)."""
        changes = []
        for path in sorted(new):
            before, after = old.get(path), new[path]
            if before is not after and before != after:
                changes.append(b"M 100644 :%d %s\n" % (self.blob(after), path.encode()))
        changes += [b"D %s\n" % p.encode() for p in sorted(set(old) - set(new))]
        mark = self._mark()
        msg = message.encode()
        head = [b"commit %s\n" % ref.encode(), b"mark :%d\n" % mark,
                b"author %s %d %s\n" % (author.encode(), when, TZ.encode()),
                b"committer %s %d %s\n" % (committer.encode(), when, TZ.encode()),
                b"data %d\n%s\n" % (len(msg), msg)]
        if parents:
            head.append(b"from :%d\n" % parents[0])
        head += [b"merge :%d\n" % p for p in parents[1:]]
        self.out.write(b"".join(head + changes))
        for path, data in inline:
            if path in new:
                raise ValueError(f"extra file {path} is already in the demo tree")
            self.out.write(b"M 100644 inline %s\ndata %d\n%s\n" % (path.encode(), len(data), data))
        self.out.write(b"\n")
        return mark


def _message(step: Step) -> str:
    return (f"{step.subject}\n\n{step.body}\n\n"
            f"Signed-off-by: {AUTHOR}\nSigned-off-by: {COMMITTER}\n")


def _add_series(stream: _Stream, era: Era, name: str, base_mark: int,
                base_files: dict[str, bytes]) -> list[int]:
    """Write one variant; returns the marks of its first-parent commits."""
    ref = f"refs/heads/series/{name}"
    marks = [base_mark]
    trees = [base_files]
    for i, step in enumerate(era.plans[name], 1):
        when = era.base_date + SERIES_GAP + i * 3600
        files = era.render(step.state)
        parents = [marks[-1]]
        if step.side:
            side_mark, side_files = marks[step.fork], trees[step.fork]
            for j, side in enumerate(step.side, 1):
                tree = era.render(side.state)
                side_mark = stream.commit(ref, AUTHOR, COMMITTER, when - 1800 + j * 60,
                                          _message(side), [side_mark], side_files, tree)
                side_files = tree
            parents.append(side_mark)
        message = _message(step) if not step.side else f"{step.subject}\n\n{step.body}\n"
        marks.append(stream.commit(ref, AUTHOR if not step.side else COMMITTER, COMMITTER,
                                   when, message, parents, trees[-1], files))
        trees.append(files)
    return marks[1:]


def _fast_import(root: Path, env: dict[str, str], era: Era, names: list[str],
                 extra_files: Iterable[tuple[str, bytes]],
                 ) -> tuple[str, dict[str, tuple[str, ...]]]:
    """Stream base and series into ``git fast-import``; (base sha, variant -> shas)."""
    marks_file = Path(env["HOME"], "marks")
    proc = subprocess.Popen(
        ["git", "-C", str(root), "fast-import", "--quiet", "--date-format=raw",
         f"--export-marks={marks_file}"],
        stdin=subprocess.PIPE, stderr=subprocess.PIPE, env=env)
    assert proc.stdin is not None and proc.stderr is not None
    marks: dict[str, list[int]] = {}
    base_mark = 0
    try:
        with proc.stdin as out:
            stream = _Stream(out)
            base_files = era.render(era.base)
            base_mark = stream.commit("refs/heads/master", BASE_AUTHOR, BASE_AUTHOR,
                                      era.base_date, era.base_message, [], {}, base_files,
                                      inline=extra_files)
            for name in names:
                marks[name] = _add_series(stream, era, name, base_mark, base_files)
            out.write(b"done\n")
    except BrokenPipeError:
        pass  # fast-import died early; its stderr says why
    except BaseException:
        proc.kill()  # a bad extra file, or an interrupt: do not leave git running
        proc.wait()
        proc.stderr.close()
        raise
    err = proc.stderr.read()
    proc.stderr.close()
    if proc.wait():
        raise FixtureError(f"git fast-import failed: {err.decode(errors='replace').strip()}")
    sha = dict(line[1:].split(" ", 1) for line in marks_file.read_text().splitlines())
    return sha[str(base_mark)], {n: tuple(sha[str(m)] for m in ms) for n, ms in marks.items()}


def build_repo(root: Path, series: Iterable[str] | None = None, *, era: str = DEFAULT_ERA,
               extra_files: Iterable[tuple[str, bytes]] = ()) -> FixtureRepo:
    """Create a git repository at ``root``: ``master`` holds the base tree
    of ``era`` ("4.9" or "modern", see ``eras``; checked out),
    ``series/<name>`` each requested variant on top of it (all the era's
    variants when ``series`` is None).

    ``extra_files`` (path, bytes) pairs go into the base commit as they are
    iterated, never held all at once: the benchmarks add tens of thousands
    of files that way and the series still applies. Their paths must not be
    files of the demo tree.
    """
    shape = era_named(era)
    names = list(shape.plans if series is None else series)
    unknown = [n for n in names if n not in shape.plans]
    if unknown:
        raise ValueError(f"unknown series: {', '.join(unknown)} "
                         f"(known in the {shape.name} tree: {', '.join(shape.plans)})")
    root = Path(root)
    root.mkdir(parents=True, exist_ok=True)
    with git_env() as env:
        _git(root, env, "init", "-q", "-b", "master")
        with open(root / ".git" / "config", "a") as cfg:
            # Later commands in the fixture (tests that commit) need an identity.
            cfg.write("[user]\n\tname = Fixture Tree\n\temail = fixture-tree@example.org\n"
                      "[core]\n\tautocrlf = false\n")
        base, commits = _fast_import(root, env, shape, names, extra_files)
        _git(root, env, "reset", "-q", "--hard", "master")
    return FixtureRepo(path=root, base=base, heads={n: c[-1] for n, c in commits.items()},
                       arches=shape.facts(), commits=commits, era=shape.name)


def format_patch(repo: Path, base: str, head: str) -> bytes:
    """``git format-patch --stdout`` of ``base..head``, ending each mail
    with a ``base-commit:`` trailer as ``b4 am`` and ``--base`` write it."""
    with git_env() as env:
        return _git(Path(repo), env, "format-patch", "--stdout", "--numbered",
                    "--signature=memdie-audit fixture", f"--base={base}", f"{base}..{head}")
