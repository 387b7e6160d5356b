"""Emailed series: the same findings as the branch, and the user's repository
untouched whatever happens."""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from conftest import copy_repo, demo_tree, git
from conftest import repo_state as state
from test_mbox_thread import changed_since, untouched

from memdie_audit.cli import main
from memdie_audit.sources import mail as mbox_module


@pytest.fixture(scope="module")
def repo(kernel, tmp_path_factory: pytest.TempPathFactory):
    """A private copy of the kernel repository, apart from the one other
    tests read: each test here checks that a run leaves it unchanged."""
    built = copy_repo(kernel, tmp_path_factory.mktemp("mbox") / "linux")
    git(built.path, "stash", "list")  # a repository as a user has it
    return built


def write_mbox(repo, variant: str, tmp_path: Path) -> Path:
    target = tmp_path / f"{variant}.mbx"
    target.write_bytes(demo_tree.format_patch(repo.path, repo.base, repo.heads[variant]))
    return target


def run_json(capsys, *args: str) -> tuple[int, dict | None, str]:
    status = main([*args, "--format", "json"])
    out, err = capsys.readouterr()
    return status, (json.loads(out) if out else None), err


def located(report: dict) -> list[tuple]:
    return sorted((f["rule"], f["severity"], f["path"], f["line"], f["column"], f["arch"])
                  for f in report["findings"])


@pytest.mark.parametrize("variant", ["clean", "flawed"])
def test_mbox_gives_the_same_findings_as_the_branch(repo, tmp_path, capsys, variant) -> None:
    mailed = write_mbox(repo, variant, tmp_path)
    before = state(repo.path)
    status, from_mail, err = run_json(capsys, str(repo.path), "--mbox", str(mailed))
    assert err == ""
    branch_status, from_branch, _ = run_json(capsys, str(repo.path), "--series",
                                             repo.revrange(variant))
    assert (status, located(from_mail)) == (branch_status, located(from_branch))
    assert [c["subject"] for c in from_mail["commits"]] == \
        [c["subject"] for c in from_branch["commits"]]
    assert [c["author"] for c in from_mail["commits"]] == \
        [c["author"] for c in from_branch["commits"]]
    assert from_mail["base"] == repo.base
    assert state(repo.path) == before


def test_base_option_wins_over_a_missing_base_commit(repo, tmp_path, capsys) -> None:
    mailed = write_mbox(repo, "clean", tmp_path)
    stripped = tmp_path / "nobase.mbx"
    stripped.write_bytes(b"".join(line for line in mailed.read_bytes().splitlines(True)
                                  if not line.startswith(b"base-commit:")))
    status, report, err = run_json(capsys, str(repo.path), "--mbox", str(stripped),
                                   "--base", "master")
    assert (status, err) == (0, "")
    assert report["base"] == repo.base and report["mail"]["base_how"] == "--base master"


@pytest.mark.parametrize(("content", "message"), [
    (b"", "the mbox is empty"),
    # The same noise on every run and in every test worker (xdist compares
    # the collected ids, and a failure must be reproducible).
    (random.Random(4096).randbytes(4096), "not an mbox (it holds NUL bytes)"),
    (random.Random(4096).randbytes(4096).replace(b"\0", b"x"), "no patches found"),
    (b"From nobody Mon Sep 17 00:00:00 2001\nSubject: hello\n\njust words\n"
     b"base-commit: {base}\n", "no patches found"),
    (b"base-commit: 1234567890abcdef1234567890abcdef12345678\n", "no patches found"),
], ids=["empty", "noise", "noise-without-nul", "no-patches", "base-only"])
def test_unusable_mbox_is_one_line_and_status_2(repo, tmp_path, capsys, content, message):
    before = state(repo.path)
    target = tmp_path / "bad.mbx"
    target.write_bytes(content.replace(b"{base}", repo.base.encode()))
    status = main([str(repo.path), "--mbox", str(target)])
    out, err = capsys.readouterr()
    assert status == 2 and err.count("\n") == 1 and message in err, err
    assert state(repo.path) == before


def test_patch_that_does_not_apply_is_a_finding_and_the_rest_is_audited(
        repo, tmp_path, capsys, monkeypatch) -> None:
    # A private TMPDIR: other audits running at the same time (another test
    # worker, another checkout's test run) must not look like our leftovers.
    scratch = tmp_path / "tmp"
    scratch.mkdir()
    monkeypatch.setenv("TMPDIR", str(scratch))
    import tempfile
    monkeypatch.setattr(tempfile, "tempdir", None)
    text = write_mbox(repo, "clean", tmp_path).read_bytes()
    # Make the second patch's first hunk expect a line the file does not have.
    second = text.index(b"Subject: [PATCH 2/4]")
    hunk = text.index(b"\n-", text.index(b"\n@@", second))
    broken = text[:hunk] + b"\n-this line is not in the file" + text[text.index(b"\n", hunk + 1):]
    target = tmp_path / "broken.mbx"
    target.write_bytes(broken)
    before = state(repo.path)
    status, report, err = run_json(capsys, str(repo.path), "--mbox", str(target),
                                   "--html", str(tmp_path / "r.html"))
    assert (status, err) == (1, "")  # changed on purpose: it was exit 2 with nothing written
    assert (tmp_path / "r.html").stat().st_size > 0
    failed = [f for f in report["findings"] if f["rule"] == "patch-does-not-apply"]
    assert len(failed) == 1
    f = failed[0]
    assert f["patch"] == "2/4" and f["severity"] == "error"
    assert 'patch 2/4 "mm, oom: stop relying on TIF_MEMDIE' in f["message"]
    assert "this line is not in the file" in f["message"] and "hunks of this patch applied" \
        in f["message"]
    assert any("this line is not in the file" in r["message"] for r in f["related"])
    # the failed patch's commit carries the finding; the other patches applied
    assert f in report["commits"][1]["findings"]
    assert report["mail"]["applied"] == report["mail"]["hunks"] - 1
    assert state(repo.path) == before
    assert list(scratch.iterdir()) == []


def test_interrupt_inside_the_mbox_audit_removes_its_files(repo, tmp_path, capsys,
                                                           monkeypatch) -> None:
    mailed = write_mbox(repo, "flawed", tmp_path)
    monkeypatch.setenv("TMPDIR", str(tmp_path / "tmp"))
    (tmp_path / "tmp").mkdir()
    import tempfile
    monkeypatch.setattr(tempfile, "tempdir", None)
    real_commit = mbox_module._commit
    calls = []

    def commit_then_interrupt(*args, **kwargs):
        calls.append(1)
        if len(calls) == 3:
            raise KeyboardInterrupt
        return real_commit(*args, **kwargs)

    monkeypatch.setattr(mbox_module, "_commit", commit_then_interrupt)
    before = state(repo.path)
    assert main([str(repo.path), "--mbox", str(mailed)]) == 130
    assert "interrupted" in capsys.readouterr().err
    assert list((tmp_path / "tmp").iterdir()) == []
    assert state(repo.path) == before


def start_audit(command: list[str], env: dict[str, str]) -> subprocess.Popen[bytes]:
    """Start the CLI and return once it is running its own main(): when its
    SIGTERM handler is installed (Linux reports it in /proc). A signal sent
    earlier strikes Python itself still starting up (importing ``site``),
    which no program can handle."""
    process = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL,
                               stderr=subprocess.PIPE)
    status = Path(f"/proc/{process.pid}/status")
    deadline = time.monotonic() + 60
    while process.poll() is None and time.monotonic() < deadline:
        caught = [line.split()[1] for line in status.read_text().splitlines()
                  if line.startswith("SigCgt:")]
        if caught and int(caught[0], 16) & 1 << (signal.SIGTERM - 1):
            return process
        time.sleep(0.001)
    process.kill()
    raise AssertionError(f"the audit never installed its SIGTERM handler: {process.returncode}")


@pytest.mark.skipif(not Path("/proc/self/status").exists(), reason="needs Linux /proc")
@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM])
def test_signals_at_any_moment_leave_nothing_behind(repo, tmp_path, signum) -> None:
    mailed = write_mbox(repo, "flawed", tmp_path)
    scratch = tmp_path / "tmp"
    scratch.mkdir()
    env = {**os.environ, "TMPDIR": str(scratch)}
    command = [sys.executable, "-m", "memdie_audit", str(repo.path), "--mbox", str(mailed)]
    before = state(repo.path)
    stamp = untouched(repo)
    # How long a whole run takes here and now, so that the signals below
    # land from its first moment to its last whatever the machine's load.
    process = start_audit(command, env)
    started = time.monotonic()
    assert process.communicate(timeout=60) == (None, b"") and process.returncode == 1
    duration = time.monotonic() - started
    interrupted = {signal.SIGINT: (130, b"memdie-audit: interrupted\n"),
                   signal.SIGTERM: (143, b"memdie-audit: terminated\n")}[signum]
    outcomes = set()
    # Eight moments from the first to the last, shared between the two
    # signals: each run is a whole audit, so the two halves keep the test
    # to eight runs while the moments still cover the run end to end.
    moments = (0, 0.05, 0.15, 0.3, 0.45, 0.6, 0.75, 0.9)
    for fraction in moments[signum == signal.SIGTERM::2]:
        process = start_audit(command, env)
        time.sleep(fraction * duration)
        process.send_signal(signum)
        _, err = process.communicate(timeout=60)
        outcomes.add((process.returncode, err))
        # Interrupted: the one line that says so. Finished first: the run's
        # own silent exit, or death by the signal's default action when it
        # came after main() had given the handlers back.
        assert (process.returncode, err) in {interrupted, (0, b""), (1, b""), (-signum, b"")}, \
            (fraction, process.returncode, err)
        left = [str(p) for p in scratch.rglob("*")]
        assert left == [], (fraction, process.returncode, err)
        assert state(repo.path) == before
        assert changed_since(repo, stamp) == [], (fraction, process.returncode, err)
    assert interrupted in outcomes


def test_a_killed_run_is_cleaned_up_by_the_next(repo, tmp_path, monkeypatch, capsys) -> None:
    scratch = tmp_path / "tmp"
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    stale = scratch / f"memdie-audit-{dead.pid}-0123456789ab"
    (stale / "objects").mkdir(parents=True)
    alive = scratch / f"memdie-audit-{os.getppid()}-0123456789ab"  # another run, still going
    alive.mkdir()
    monkeypatch.setenv("TMPDIR", str(scratch))
    import tempfile
    monkeypatch.setattr(tempfile, "tempdir", None)
    assert main([str(repo.path), "--mbox", str(write_mbox(repo, "clean", tmp_path))]) == 0
    capsys.readouterr()
    assert not stale.exists()
    assert alive.exists()


def test_two_audits_of_one_repository_at_once(repo, tmp_path) -> None:
    mailed = write_mbox(repo, "flawed", tmp_path)
    before = state(repo.path)
    command = [sys.executable, "-m", "memdie_audit", str(repo.path), "--mbox", str(mailed),
               "--format", "json"]
    runs = [subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
            for _ in range(2)]
    results = [run.communicate(timeout=120) for run in runs]
    assert [run.returncode for run in runs] == [1, 1]
    first, second = (json.loads(out) for out, _ in results)
    assert located(first) == located(second) and len(located(first)) == 11
    assert state(repo.path) == before


def test_a_long_partial_series_names_its_missing_patches_in_runs() -> None:
    """6 of a 63-patch backport: the 57 missing ones fit one line."""
    from memdie_audit.report.text import _patch_runs

    present = {3, 10, 11, 39, 40, 63}
    missing = [f"{n}/63" for n in range(1, 64) if n not in present]
    assert _patch_runs(missing) == "1/63, 2/63, 4/63 to 9/63, 12/63 to 38/63, 41/63 to 62/63"
    assert _patch_runs(["3/4"]) == "3/4"
