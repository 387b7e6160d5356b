"""Shared fixtures: git isolated from the machine's config, and kernel-like
repositories built by the project's own fixture builder."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest


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


@pytest.fixture(scope="session")
def kernel(tmp_path_factory: pytest.TempPathFactory, isolated_git: None):
    """The fixture builder's kernel-like repository with every series variant.
    Shared: tests must not change it (the tool never does)."""
    from memdie_audit.demo_tree import build_repo

    return build_repo(tmp_path_factory.mktemp("kernel") / "linux")
