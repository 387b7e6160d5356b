"""Shared fixtures: git isolated from the machine's config, and kernel-like
repositories built by the project's own fixture builder.

The builder is imported here and nowhere else in the tests (``from conftest
import demo_tree``), so moving or renaming its package changes one line.
Each era's repository is built once per session and shared read-only
(``kernel``: shaped like Linux 4.9; ``modern``: like v6.19); a test that
must change a repository works on ``copy_repo(kernel, ...)``.
"""

from __future__ import annotations

import dataclasses
import hashlib
import os
import subprocess
from pathlib import Path

import pytest

from memdie_audit import demo_tree


@pytest.fixture(autouse=True, scope="session")
def isolated_git(tmp_path_factory: pytest.TempPathFactory) -> None:
    """No test reads or writes the user's git config."""
    home = tmp_path_factory.mktemp("home")
    config = home / ".gitconfig"
    config.write_text("[user]\n\tname = Test\n\temail = test@example.org\n")
    os.environ.update({"HOME": str(home), "GIT_CONFIG_GLOBAL": str(config),
                       "GIT_CONFIG_NOSYSTEM": "1", "GIT_AUTHOR_DATE": "2016-09-01T12:00:00Z",
                       "GIT_COMMITTER_DATE": "2016-09-01T12:00:00Z"})
    for name in ("GIT_DIR", "GIT_WORK_TREE", "GIT_INDEX_FILE", "GIT_OBJECT_DIRECTORY",
                 "GIT_ALTERNATE_OBJECT_DIRECTORIES"):
        os.environ.pop(name, None)


@pytest.fixture(autouse=True)
def private_cache(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
                  ) -> Path:
    """No test reads or writes the user's snapshot cache, nor another
    test's: each gets an empty ``$XDG_CACHE_HOME`` of its own."""
    home = tmp_path_factory.mktemp("xdg-cache")
    monkeypatch.setenv("XDG_CACHE_HOME", str(home))
    return home / "memdie-audit"


def git(repo: Path, *args: str) -> str:
    return subprocess.run(["git", "-C", str(repo), *args], check=True, capture_output=True,
                          text=True).stdout


def write_tree(root: Path, files: dict[str, str | bytes]) -> Path:
    for path, content in files.items():
        target = root / path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(content.encode() if isinstance(content, str) else content)
    return root


def commit_all(repo: Path, message: str) -> str:
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "--allow-empty", "-m", message)
    return git(repo, "rev-parse", "HEAD").strip()


def make_repo(root: Path, files: dict[str, str | bytes]) -> Path:
    root.mkdir(parents=True, exist_ok=True)
    git(root, "init", "-q", "-b", "master")
    write_tree(root, files)
    commit_all(root, "base")
    return root


def repo_state(path: Path) -> str:
    """Everything a run could change in a repository: work tree, index, refs,
    reflogs, stash, worktrees, config and objects, as one digest."""
    digest = hashlib.sha256()
    for file in sorted(p for p in path.rglob("*") if p.is_file()):
        digest.update(str(file.relative_to(path)).encode())
        digest.update(file.read_bytes())
        digest.update(str(file.stat().st_mode).encode())
    # --no-optional-locks: a status that refreshed the index would change it
    digest.update(git(path, "--no-optional-locks", "status", "--porcelain=v2",
                      "--branch").encode())
    digest.update(git(path, "worktree", "list", "--porcelain").encode())
    return digest.hexdigest()


def copy_repo(built: demo_tree.FixtureRepo, dest: Path) -> demo_tree.FixtureRepo:
    """A private copy of a built repository, refs, config and all (``cp -a``
    of a few megabytes: cheaper than building it again)."""
    dest.parent.mkdir(parents=True, exist_ok=True)
    subprocess.run(["cp", "-a", str(built.path), str(dest)], check=True)
    return dataclasses.replace(built, path=dest)


def _shared(tmp_path_factory: pytest.TempPathFactory, name: str, era: str | None = None):
    """A repository of the fixture builder, built once per session and shared
    read-only: the session checks at its end that no test changed it (the
    tool never does; a test that must, works on ``copy_repo(...)``)."""
    folder = tmp_path_factory.mktemp(name) / "linux"
    built = demo_tree.build_repo(folder, era=era) if era else demo_tree.build_repo(folder)
    before = repo_state(built.path)
    yield built
    assert repo_state(built.path) == before, (
        f"a test changed the shared {name} repository: work on copy_repo({name}, ...)")


@pytest.fixture(scope="session")
def kernel(tmp_path_factory: pytest.TempPathFactory, isolated_git: None):
    """The fixture builder's kernel-like repository (shaped like 4.9) with
    every series variant."""
    yield from _shared(tmp_path_factory, "kernel")


@pytest.fixture(scope="session")
def modern(tmp_path_factory: pytest.TempPathFactory, isolated_git: None):
    """The builder's modern-era repository (shaped like v6.19, the generic
    TIF bits, every modern series)."""
    yield from _shared(tmp_path_factory, "modern", era="modern")


@pytest.fixture(scope="session")
def generic_bits(tmp_path_factory: pytest.TempPathFactory, isolated_git: None):
    """The tree before the generic TIF bits (era 6.17) with the series that
    moves four arches onto them."""
    yield from _shared(tmp_path_factory, "generic_bits", era="6.17")
