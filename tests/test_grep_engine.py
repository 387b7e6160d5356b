"""The tree grep's engine (``-w -F``, two fixed strings) finds exactly the
files the former ``git grep -w -E '_?SYMBOL'`` found, and exactly those
where the scanner's own word rule finds a token: in every commit of the
fixture kernel, its working tree, and a tree of awkward neighbours."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from conftest import git, make_repo

from memdie_audit.sources.tokens import token_pattern
from memdie_audit.sources.trees import GitTree

SYMBOLS = ("TIF_MEMDIE", "TIF_SIGPENDING", "TIF_NEED_RESCHED", "TIF_UPROBE",
           "TIF_POLLING_NRFLAG", "TIF_NOTIFY_WORK")


def extended_grep(top: Path, rev: str | None, symbol: str) -> list[str]:
    """What the tool asked git before: one extended regex, whole words."""
    done = subprocess.run(["git", "-C", str(top), "-c", "grep.fullName=true", "grep", "-l",
                           "-z", "-w", "-E", "-e", f"_?{symbol}", *([rev] if rev else []), "--"],
                          capture_output=True, check=False)
    assert done.returncode in (0, 1), done.stderr
    prefix = f"{rev}:" if rev else ""
    return sorted(p.decode().removeprefix(prefix) for p in done.stdout.split(b"\0") if p)


def candidates(top: Path, rev: str | None, symbol: str) -> list[str]:
    tree = GitTree(top, rev)
    return sorted(tree.candidates(tree.start_grep(symbol)))


def token_files(top: Path, rev: str, symbol: str) -> list[str]:
    """Files of ``rev`` in which the scanner's word rule finds a token."""
    listed = git(top, "ls-tree", "-r", "-z", rev).split("\0")
    blobs = {line.split("\t", 1)[1]: line.split()[2] for line in listed
             if line and line.split()[0] in ("100644", "100755")}
    tree = GitTree(top, rev)
    contents = tree.read(blobs)
    return sorted(p for p, data in contents.items() if token_pattern(symbol).search(data))


@pytest.mark.parametrize("symbol", SYMBOLS)
def test_engines_agree_on_the_fixture_kernel(kernel, symbol: str) -> None:
    revs = [kernel.base, *sorted(set(kernel.heads.values()))]
    for rev in revs:
        found = candidates(kernel.path, rev, symbol)
        assert found == extended_grep(kernel.path, rev, symbol), rev
    assert candidates(kernel.path, None, symbol) == extended_grep(kernel.path, None, symbol)


def test_engines_agree_on_awkward_neighbours(tmp_path: Path) -> None:
    """Tokens next to word characters, several on a line where the first is
    not a word, NUL, CR and non-UTF-8 bytes around them."""
    lines = {
        "glued.c": "x_TIF_MEMDIE TIF_MEMDIEx TIF_MEMDIE_TIF_MEMDIE\n",
        "second.c": "a_TIF_MEMDIE b __TIF_MEMDIE; (TIF_MEMDIE)\n",
        "mask.h": "#define _TIF_MEMDIE (1 << 5)\n",
        "double.h": "__TIF_MEMDIE\n",
        "digit.c": "1TIF_MEMDIE TIF_MEMDIE1\n",
        "start.c": "TIF_MEMDIE\n",
        "end.c": "x = _TIF_MEMDIE",
        "crlf.c": "if (x)\r\n\ttest(TIF_MEMDIE);\r\n",
        "binary.bin": b"\0\0_TIF_MEMDIE\0",
        "latin1.c": b"/* \xe9TIF_MEMDIE \xff_TIF_MEMDIE\xfe */\n",
        "prefix.c": "TIF_MEMDIE_OLD TIF_MEMDIES\n",
        "none.c": "int x;\n",
    }
    top = make_repo(tmp_path / "repo", lines)
    head = git(top, "rev-parse", "HEAD").strip()
    expected = token_files(top, head, "TIF_MEMDIE")
    assert expected == ["binary.bin", "crlf.c", "end.c", "latin1.c", "mask.h", "second.c",
                        "start.c"]
    assert candidates(top, head, "TIF_MEMDIE") == expected
    assert extended_grep(top, head, "TIF_MEMDIE") == expected
    assert candidates(top, None, "TIF_MEMDIE") == expected
