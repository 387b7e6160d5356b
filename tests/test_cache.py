"""The snapshot cache: a second look at a commit reads no tree, reports
exactly what the first did, and the cache stays where it belongs, bounded,
and harmless when damaged or shared."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import commit_all, git, make_repo, write_tree

from memdie_audit.cli import main
from memdie_audit.kernel import cache as snapshot_cache
from memdie_audit.sources.trees import GitTree

FILES = {
    "arch/x86/include/asm/thread_info.h":
        "#define TIF_MEMDIE 20\n#define _TIF_MEMDIE (1 << TIF_MEMDIE)\n",
    "arch/arm/include/asm/thread_info.h": "#define TIF_MEMDIE 18\n",
    "mm/oom_kill.c": "void f(void)\n{\n\tset_tsk_thread_flag(p, TIF_MEMDIE);\n}\n",
}


def audit(capsys, *args: str) -> tuple[int, str]:
    status = main([*args, "--format", "json"])
    return status, capsys.readouterr().out


def entries(directory: Path) -> list[Path]:
    return sorted(directory.glob("*.snapshot")) if directory.exists() else []


def test_a_second_look_at_a_commit_reads_the_cache(kernel, private_cache: Path, capsys,
                                                   monkeypatch) -> None:
    first = audit(capsys, str(kernel.path), "--rev", kernel.base)
    assert len(entries(private_cache)) == 1
    monkeypatch.setattr(GitTree, "start_grep", lambda self, symbol: pytest.fail("grepped"))
    assert audit(capsys, str(kernel.path), "--rev", kernel.base) == first
    # A series from that commit starts from the same snapshot.
    series = audit(capsys, str(kernel.path), "--series", kernel.revrange("flawed"))
    monkeypatch.undo()
    assert audit(capsys, str(kernel.path), "--series", kernel.revrange("flawed"),
                 "--no-cache") == series


def test_each_flag_and_each_tree_has_its_own_entry(kernel, private_cache: Path, capsys) -> None:
    audit(capsys, str(kernel.path), "--rev", kernel.base)
    audit(capsys, str(kernel.path), "--rev", kernel.base, "--symbol", "TIF_SIGPENDING")
    audit(capsys, str(kernel.path), "--rev", kernel.heads["clean"])
    assert len(entries(private_cache)) == 3


def test_a_working_tree_and_no_cache_write_nothing(tmp_path: Path, private_cache: Path,
                                                  capsys) -> None:
    repo = make_repo(tmp_path / "r", FILES)
    assert audit(capsys, str(repo))[0] in (0, 1)
    assert audit(capsys, str(repo), "--rev", "HEAD", "--no-cache")[0] in (0, 1)
    assert not private_cache.exists()


def test_no_cache_reads_none(tmp_path: Path, private_cache: Path, capsys) -> None:
    repo = make_repo(tmp_path / "r", FILES)
    base = git(repo, "rev-parse", "HEAD").strip()
    first = audit(capsys, str(repo), "--rev", base)
    write_tree(repo, {"mm/oom_kill.c": "void f(void)\n{\n}\n"})
    other = commit_all(repo, "mm: drop it")
    audit(capsys, str(repo), "--rev", other)
    # A forged entry: the base's key, the other commit's snapshot.
    store = snapshot_cache.SnapshotCache(private_cache)
    base_key, other_key = (store.key(GitTree(repo, rev), "TIF_MEMDIE") for rev in (base, other))
    store.store(base_key, store.load(other_key))
    assert audit(capsys, str(repo), "--rev", base) != first  # read from the cache
    assert audit(capsys, str(repo), "--rev", base, "--no-cache") == first


def test_a_damaged_or_foreign_entry_is_a_miss(tmp_path: Path, private_cache: Path, capsys,
                                              monkeypatch) -> None:
    repo = make_repo(tmp_path / "r", FILES)
    first = audit(capsys, str(repo), "--rev", "HEAD")
    (entry,) = entries(private_cache)
    for damage in (entry.read_bytes()[:100], b"", b"not a pickle", os.urandom(4096)):
        entry.write_bytes(damage)
        assert audit(capsys, str(repo), "--rev", "HEAD") == first
        assert entry.read_bytes() != damage  # written again, whole
    # Another version of the tool (or of the grammar) does not read it.
    monkeypatch.setattr(snapshot_cache, "code_version", lambda: "0.0.0-other")
    monkeypatch.setattr(GitTree, "start_grep", lambda self, symbol: pytest.fail("grepped"))
    with pytest.raises(pytest.fail.Exception):
        audit(capsys, str(repo), "--rev", "HEAD")


def test_the_cache_is_under_xdg_cache_home_or_home(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert snapshot_cache.cache_directory() == tmp_path / "xdg" / "memdie-audit"
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    for unusable in ("", "relative/path"):
        monkeypatch.setenv("XDG_CACHE_HOME", unusable)
        assert snapshot_cache.cache_directory() == tmp_path / "home" / ".cache" / "memdie-audit"


def test_a_cache_that_cannot_be_written_is_no_error(tmp_path: Path, private_cache: Path,
                                                    capsys) -> None:
    repo = make_repo(tmp_path / "r", FILES)
    private_cache.parent.mkdir(parents=True, exist_ok=True)
    private_cache.write_text("a file where the folder should be")
    status, out = audit(capsys, str(repo), "--rev", "HEAD")
    assert status in (0, 1) and '"TIF_MEMDIE"' in out


def test_the_oldest_entries_go_beyond_the_limit(tmp_path: Path, private_cache: Path,
                                                capsys, monkeypatch) -> None:
    repo = make_repo(tmp_path / "r", FILES)
    shas = [git(repo, "rev-parse", "HEAD").strip()]
    for n in range(4):
        write_tree(repo, {f"mm/f{n}.c": f"int x{n} = TIF_MEMDIE;\n"})
        shas.append(commit_all(repo, f"mm: {n}"))
    audit(capsys, str(repo), "--rev", shas[0])
    size = max(p.stat().st_size for p in entries(private_cache))
    monkeypatch.setattr(snapshot_cache, "LIMIT", int(size * 3.5))
    leftover = private_cache / ".tmp-killed-run"
    leftover.write_bytes(b"half an entry")
    os.utime(leftover, (0, 0))
    for n, sha in enumerate(shas[1:], 1):
        for entry in entries(private_cache):  # all older than what comes next
            os.utime(entry, (n, n))
        audit(capsys, str(repo), "--rev", sha)
    kept = entries(private_cache)
    assert 2 <= len(kept) < 5 and sum(p.stat().st_size for p in kept) <= size * 3.5
    newest = max(kept, key=lambda p: p.stat().st_mtime)
    assert newest.stat().st_mtime > 10  # the last one written stays
    assert not leftover.exists()


def test_concurrent_runs_share_the_cache(tmp_path: Path, private_cache: Path) -> None:
    repo = make_repo(tmp_path / "r", FILES)
    command = [sys.executable, "-m", "memdie_audit", str(repo), "--rev", "HEAD", "--format",
               "json"]
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parent.parent)}
    runs = [subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)
            for _ in range(6)]
    outputs = [run.communicate() for run in runs]
    assert {run.returncode for run in runs} <= {0, 1}
    assert len({out for out, _ in outputs}) == 1 and not any(err for _, err in outputs)
    assert len(entries(private_cache)) == 1
    assert not list(private_cache.glob(".tmp-*"))
    again = subprocess.run(command, capture_output=True, env=env)
    assert again.stdout == outputs[0][0]
