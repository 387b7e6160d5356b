"""Read-only access to a git repository through the git command line.

Everything here reads: no command that writes the index, refs or objects of
the user's repository runs through this module. Bulk reads go through one
``git cat-file --batch`` process, not one process per file.
"""

from __future__ import annotations

import functools
import os
import re
import subprocess
import threading
from collections.abc import Iterable, Sequence
from pathlib import Path

from ..errors import GitError

# Settings that would change what git prints, forced to known values so the
# user's config cannot reshape our parsing; and none of the repository's own
# programs (hooks, an fsmonitor daemon, gpg checking signatures in git log)
# runs on the user's behalf. Optional locks are off so that a read never
# refreshes the user's index. Only single keys are set: the user's
# safe.directory and everything else in their config keep working.
_CONFIG = ("-c", "color.ui=false", "-c", "core.quotePath=false", "-c", "grep.fullName=true",
           "-c", "core.hooksPath=/dev/null", "-c", "core.fsmonitor=false",
           "-c", "log.showSignature=false")


def environment(extra: dict[str, str] | None = None) -> dict[str, str]:
    env = dict(os.environ)
    env["GIT_OPTIONAL_LOCKS"] = "0"
    # A partial clone is refused before any read (trees.refuse_partial_clone);
    # this is the second lock on that door where git has it (2.44 and later).
    env["GIT_NO_LAZY_FETCH"] = "1"
    env.pop("GIT_DIR", None)
    env.pop("GIT_WORK_TREE", None)
    env.pop("GIT_INDEX_FILE", None)
    env.update(extra or {})
    return env


# --diff-merges=first-parent and rev-parse --path-format=absolute came with
# git 2.31; README "Set up" says so.
MINIMUM_VERSION = (2, 31)


@functools.cache
def check_version() -> None:
    """An AuditError, once per run, when the git on PATH is missing or
    older than :data:`MINIMUM_VERSION`: one clear line rather than an
    unknown option somewhere in the middle of an audit."""
    try:
        done = subprocess.run(["git", "--version"], capture_output=True, env=environment())
    except OSError as err:
        raise GitError(f"cannot run git: {err.strerror}") from None
    text = done.stdout.decode("utf-8", "replace").strip()
    found = re.match(r"git version (\d+)\.(\d+)", text)
    if not found:
        raise GitError(f"cannot tell which git this is ({text or 'git --version failed'}); "
                       f"memdie-audit needs git {_dotted(MINIMUM_VERSION)} or newer")
    version = (int(found[1]), int(found[2]))
    if version < MINIMUM_VERSION:
        raise GitError(f"{text} is too old: memdie-audit needs git "
                       f"{_dotted(MINIMUM_VERSION)} or newer")


def _dotted(version: tuple[int, ...]) -> str:
    return ".".join(map(str, version))


def command(repo: Path, *args: str) -> list[str]:
    return ["git", "-C", str(repo), *_CONFIG, *args]


def run(repo: Path, *args: str, ok: Sequence[int] = (0,), env: dict[str, str] | None = None,
        stdin: bytes | None = None) -> bytes:
    """Output of one git command; a failure becomes a :class:`GitError`
    carrying git's own first line of complaint."""
    try:
        done = subprocess.run(command(repo, *args), input=stdin, capture_output=True,
                              env=environment(env))
    except OSError as err:
        raise GitError(f"cannot run git: {err.strerror}") from None
    if done.returncode not in ok:
        raise GitError(complaint(args[0], done.stderr))
    return done.stdout


def start(repo: Path, *args: str, env: dict[str, str] | None = None) -> subprocess.Popen[bytes]:
    """A git command running in the background (e.g. the big grep)."""
    try:
        return subprocess.Popen(command(repo, *args), stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, env=environment(env))
    except OSError as err:
        raise GitError(f"cannot run git: {err.strerror}") from None


def finish(process: subprocess.Popen[bytes], ok: Sequence[int] = (0,)) -> bytes:
    out, err = process.communicate()
    if process.returncode not in ok:
        raise GitError(complaint(str(process.args[len(_CONFIG) + 3]), err))
    return out


def complaint(subcommand: str, stderr: bytes) -> str:
    """git's reason for failing, on one line: its fatal message if it gave
    one (the most specific), else its first line, without the prefix."""
    text = stderr.decode("utf-8", "replace").splitlines()
    lines = [line.strip() for line in text if line.strip()]
    fatal = [line for line in lines if line.startswith("fatal:")]
    reason = (fatal[-1] if fatal else lines[0]) if lines else "failed"
    for prefix in ("fatal:", "error:"):
        reason = reason.removeprefix(prefix).strip()
    # git indents a command that fixes the problem (safe.directory for a
    # repository it does not trust): worth keeping on the line.
    remedy = [line.strip() for line in text if line.startswith("\tgit ")]
    if remedy:
        reason += f" (git suggests: {remedy[0]})"
    return f"git {subcommand}: {reason}"


def split_z(output: bytes) -> list[str]:
    """NUL-separated paths as git prints them with ``-z`` (bytes → str, lossless)."""
    return [os.fsdecode(p) for p in output.split(b"\0") if p]


def read_blobs(repo: Path, specs: Iterable[str], env: dict[str, str] | None = None
               ) -> dict[str, bytes | None]:
    """Contents of many objects (``<rev>:<path>`` or shas) through one
    ``git cat-file --batch``; a missing object maps to None."""
    specs = list(dict.fromkeys(specs))
    if not specs:
        return {}
    stream = BlobStream(repo, specs, env)
    try:
        return dict(zip(specs, stream.read(len(specs)), strict=True))
    finally:
        stream.close()


class BlobStream:
    """Objects through one ``git cat-file --batch``, answered in the order
    they are asked for: a thread writes every request while the caller reads
    the answers as it needs them. A series is read by one process, which
    inflates the next commit's files while the last one is audited, and
    only one commit's files are held at a time. :meth:`close` ends the
    process (the code that starts one closes it: no finalizer is left to
    the garbage collector)."""

    def __init__(self, repo: Path, specs: Sequence[str], env: dict[str, str] | None = None
                 ) -> None:
        for spec in specs:
            if "\n" in spec:
                raise GitError(f"cannot read a path with a newline: {spec!r}")
        self.unread = len(specs)
        self.error: bytes | None = None  # git's stderr, once closed
        try:
            self.process = subprocess.Popen(command(repo, "cat-file", "--batch"),
                                            stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                            stderr=subprocess.PIPE, env=environment(env))
        except OSError as err:
            raise GitError(f"cannot run git: {err.strerror}") from None
        request = b"".join(os.fsencode(s) + b"\n" for s in specs)
        # Written from a thread: git answers while we still ask, and a full
        # pipe on either side would otherwise deadlock.
        self.writer = threading.Thread(target=self._feed, args=(request,), daemon=True)
        self.writer.start()

    def _feed(self, request: bytes) -> None:
        try:
            self.process.stdin.write(request)  # type: ignore[union-attr]
            self.process.stdin.close()  # type: ignore[union-attr]
        except (BrokenPipeError, ValueError):
            pass  # closed early: the answers are no longer wanted

    def read(self, count: int) -> list[bytes | None]:
        """The next ``count`` objects (None: missing)."""
        out = self.process.stdout
        assert out is not None
        answers: list[bytes | None] = []
        for _ in range(count):
            header = out.readline()
            if not header:
                raise GitError(complaint("cat-file", self.close()))
            fields = header.split()
            if len(fields) == 2 and fields[1] in (b"missing", b"ambiguous"):
                answers.append(None)
                continue
            answers.append(out.read(int(fields[2])))
            out.read(1)  # the newline after each object
        self.unread -= count
        return answers

    def close(self) -> bytes:
        """End the process (killed if answers are left unread); git's stderr."""
        if self.error is None:
            if self.unread and self.process.poll() is None:
                self.process.kill()
            self.writer.join()
            for pipe in (self.process.stdin, self.process.stdout):
                try:
                    pipe.close()  # type: ignore[union-attr]
                except BrokenPipeError:
                    pass  # stdin, with requests git never took
            self.error = self.process.stderr.read()  # type: ignore[union-attr]
            self.process.stderr.close()  # type: ignore[union-attr]
            self.process.wait()
        return self.error
