"""The pre-push hook: audits the range pre-commit says is being pushed."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import commit_all, git, make_repo, write_tree
from test_html import BASE_FILES

from memdie_audit import precommit

REPO_ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture
def pushed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[Path, str, str, str]:
    """A repo with a complete removal commit and a broken one on top; cwd is the repo."""
    repo = make_repo(tmp_path / "r", BASE_FILES)
    base = git(repo, "rev-parse", "HEAD").strip()
    removed = {path: "".join(line for line in text.splitlines(keepends=True)
                             if "TIF_MEMDIE" not in line)
               for path, text in BASE_FILES.items()}
    write_tree(repo, {**removed, "Documentation/oom.txt": "The OOM killer marks its victim.\n"})
    clean = commit_all(repo, "mm, oom: get rid of TIF_MEMDIE")
    write_tree(repo, {"mm/vmscan.c": "int f(void) { return test_thread_flag(TIF_MEMDIE); }\n"})
    broken = commit_all(repo, "mm, vmscan: bring TIF_MEMDIE back")
    monkeypatch.chdir(repo)
    return repo, base, clean, broken


def test_range_from_pre_commit_variables() -> None:
    assert precommit.push_range({"PRE_COMMIT_FROM_REF": "abc", "PRE_COMMIT_TO_REF": "def"}) \
        == "abc..def"
    assert precommit.push_range({}) == "@{upstream}..HEAD"
    assert precommit.push_range({"PRE_COMMIT_FROM_REF": "0" * 40, "PRE_COMMIT_TO_REF": "def"}) \
        == "@{upstream}..def"


def test_hook_audits_the_pushed_range(pushed, capsys) -> None:
    repo, base, clean, broken = pushed
    env = {"PRE_COMMIT_FROM_REF": base, "PRE_COMMIT_TO_REF": clean}
    assert precommit.main([], env) == 0
    assert "total: 0 errors" in capsys.readouterr().out
    env = {"PRE_COMMIT_FROM_REF": clean, "PRE_COMMIT_TO_REF": broken}
    assert precommit.main([], env) == 1
    out = capsys.readouterr().out
    # The push uses a flag the branch had already removed: a build break.
    assert "mm/vmscan.c:1:" in out and "[bisect-break]" in out
    assert precommit.main([], {"PRE_COMMIT_FROM_REF": broken, "PRE_COMMIT_TO_REF": broken}) == 0


def test_hook_passes_its_args_on(pushed, capsys, tmp_path: Path) -> None:
    repo, base, clean, broken = pushed
    page = tmp_path / "push.html"
    env = {"PRE_COMMIT_FROM_REF": base, "PRE_COMMIT_TO_REF": broken}
    assert precommit.main(["--format", "json", "--html", str(page)], env) == 1
    assert capsys.readouterr().out.lstrip().startswith("{")
    assert page.exists()


def test_hook_falls_back_to_the_upstream(pushed, capsys) -> None:
    repo, base, clean, broken = pushed
    git(repo, "branch", "-q", "upstream-branch", clean)
    git(repo, "branch", "-q", "--set-upstream-to=upstream-branch")
    assert precommit.main([], {}) == 1
    assert "1 commit" in capsys.readouterr().out
    git(repo, "branch", "-q", "--unset-upstream")
    # The first push of a new branch: nothing to compare with is said, not an error.
    assert precommit.main([], {}) == 0
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "nothing audited" in err
    # With a remote default branch, the push is measured from where it leaves it.
    git(repo, "update-ref", "refs/remotes/origin/master", clean)
    git(repo, "symbolic-ref", "refs/remotes/origin/HEAD", "refs/remotes/origin/master")
    assert precommit.main([], {"PRE_COMMIT_FROM_REF": "0" * 40, "PRE_COMMIT_TO_REF": broken}) == 1
    assert "1 commit" in capsys.readouterr().out


def test_module_runs_as_the_hook_entry(pushed) -> None:
    repo, base, clean, broken = pushed
    env = {**os.environ, "PRE_COMMIT_FROM_REF": base, "PRE_COMMIT_TO_REF": clean,
           "PYTHONPATH": os.pathsep.join(filter(None, [str(REPO_ROOT),
                                                       os.environ.get("PYTHONPATH")]))}
    proc = subprocess.run([sys.executable, "-m", "memdie_audit.precommit"], cwd=repo, env=env,
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert "total: 0 errors" in proc.stdout


def test_hook_definition() -> None:
    text = (REPO_ROOT / ".pre-commit-hooks.yaml").read_text(encoding="utf-8")
    for line in ("- id: memdie-audit", "entry: python -m memdie_audit.precommit",
                 "language: python", "pass_filenames: false", "always_run: true",
                 "stages: [pre-push]"):
        assert line in text


def _manuals_hook_script() -> str:
    """The `.git/hooks/pre-push` script as the manual gives it."""
    page = (REPO_ROOT / "docs" / "hooks-and-ci.md").read_text(encoding="utf-8")
    section = page.split("## Before you send")[1].split("\n## ")[0]
    block = section[section.index("    #!/bin/sh"):].split("\n\n")[0]
    return "".join(line.removeprefix("    ") + "\n" for line in block.splitlines())


def test_the_manuals_untracked_pre_push_hook_stops_a_bad_push(pushed, tmp_path: Path) -> None:
    repo, base, clean, broken = pushed
    remote = tmp_path / "remote.git"
    git(tmp_path, "init", "-q", "--bare", str(remote))
    git(repo, "remote", "add", "origin", str(remote))
    git(repo, "push", "-q", "origin", f"{base}:refs/heads/master")
    hook = Path(git(repo, "rev-parse", "--git-path", "hooks/pre-push").strip())
    if not hook.is_absolute():
        hook = repo / hook
    hook.parent.mkdir(parents=True, exist_ok=True)
    hook.write_text(_manuals_hook_script().replace("python3 -m", f"{sys.executable} -m"))
    hook.chmod(0o755)
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(
        filter(None, [str(REPO_ROOT), os.environ.get("PYTHONPATH")]))}

    def push(refspec: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(["git", "-C", str(repo), "push", "origin", refspec], env=env,
                              capture_output=True, text=True, timeout=120)

    assert push(f"{clean}:refs/heads/master").returncode == 0
    refused = push(f"{broken}:refs/heads/master")
    assert refused.returncode != 0 and "[bisect-break]" in refused.stdout
    assert git(remote, "rev-parse", "master").strip() == clean
    # A new branch is measured from where it leaves the remote's default branch.
    git(repo, "fetch", "-q", "origin")
    git(repo, "remote", "set-head", "origin", "master")
    refused = push(f"{broken}:refs/heads/topic")
    assert refused.returncode != 0 and "1 commit" in refused.stdout, refused.stderr
    assert git(repo, "status", "--porcelain") == ""  # the hook left nothing in the tree


def test_the_hooks_own_configuration_in_a_tree_is_not_a_stale_comment(pushed, capsys) -> None:
    repo, base, clean, broken = pushed
    git(repo, "checkout", "-q", "-b", "with-config", clean)
    write_tree(repo, {
        ".pre-commit-config.yaml": "repos:\n  - repo: local\n    hooks:\n"
                                   "      - id: memdie-audit\n"
                                   "        args: [--symbol, TIF_MEMDIE]\n",
        ".github/workflows/audit.yml": "    - run: memdie-audit . --symbol TIF_MEMDIE\n"})
    head = commit_all(repo, "CI: audit TIF_MEMDIE")
    env = {"PRE_COMMIT_FROM_REF": base, "PRE_COMMIT_TO_REF": head}
    assert precommit.main(["--format", "json"], env) == 0
    report = json.loads(capsys.readouterr().out)
    assert {o["path"] for o in report["occurrences"]} >= {".pre-commit-config.yaml"}
    assert [f for f in report["findings"] if f["rule"] == "stale-comment"] == []
