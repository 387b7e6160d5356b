"""The review robot over public-inbox archives built by the fixture builder:
flag series among unrelated traffic are found, audited against each tree
and drafted a reply; the rest is skipped and counted; hostile mail costs
its series only. Passes are idempotent, resumable after ``kill -9``, the
same with ``--jobs 2``, and leave the archive and the trees untouched."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from conftest import copy_repo, demo_tree, repo_state

from memdie_audit.cli import main

inbox = demo_tree.inbox

SUBJECT = "mm, oom: get rid of TIF_MEMDIE"


def noise(tag: str) -> list[bytes]:
    """Traffic that touches no flag: a patch, a two-patch series, replies, a question."""
    diff = ("---\n fs/x.c | 2 +-\n\ndiff --git a/fs/x.c b/fs/x.c\n--- a/fs/x.c\n+++ b/fs/x.c\n"
            "@@ -1,3 +1,3 @@\n a\n-b\n+c\n d\n")
    return [
        inbox.message(f"fs-{tag}@example.org", "[PATCH] fs: tidy a helper", "Tidy.\n" + diff),
        inbox.message(f"net-{tag}-1@example.org", "[PATCH 1/2] net: one", "One.\n" + diff),
        inbox.message(f"net-{tag}-2@example.org", "[PATCH 2/2] net: two", "Two.\n" + diff,
                      reply_to=f"net-{tag}-1@example.org"),
        inbox.message(f"re-{tag}@example.org", "Re: [PATCH] fs: tidy a helper",
                      "> -b\n> +c\nLooks good.\n", reply_to=f"fs-{tag}@example.org"),
        inbox.message(f"q-{tag}@example.org", "question about TIF flags", "Why?\n"),
    ]


def hostile() -> list[bytes]:
    tif = ("diff --git a/../../etc/passwd b/../../etc/passwd\n--- a/../../etc/passwd\n"
           "+++ b/../../etc/passwd\n@@ -1 +1 @@\n-x\n+TIF_MEMDIE\n")
    bomb = ("diff --git a/mm/b.c b/mm/b.c\n--- a/mm/b.c\n+++ b/mm/b.c\n@@ -1,1 +1,250001 @@\n"
            " x\n" + "+TIF_MEMDIE\n" * 250_000)
    broken = (b"From: Someone <s@example.org>\nSubject: [PATCH] arch: broken mime\n"
              b"Message-Id: <broken@example.org>\nMIME-Version: 1.0\n"
              b"Content-Type: multipart/mixed; boundary=\"zz\"\n\n--zz\nContent-Type: text/plain;"
              b" charset=no-such-charset\nContent-Transfer-Encoding: base64\n\n!!!not base64"
              b"\n--zz\nContent-Type: multipart/alternative\n\n--zz--\n")
    return [inbox.message("outside@example.org", "[PATCH] arch: escape", "Out.\n---\n" + tif),
            inbox.message("bomb@example.org", "[PATCH] mm: bomb", "Boom.\n---\n" + bomb),
            broken,
            inbox.message("huge@example.org", "[PATCH] mm: huge", "x" * (9 * 2**20))]


@pytest.fixture(scope="module")
def world(kernel, tmp_path_factory: pytest.TempPathFactory):
    """A copy of the fixture kernel (two trees: the base, and the tree after
    the clean series) and a v2 archive of two epochs: v1 of the removal
    (forgets sparc64) whose last patches arrive in the second epoch, v2
    (clean) linked by subject, noise and hostile mail."""
    root = tmp_path_factory.mktemp("watch")
    repo = copy_repo(kernel, root / "linux")
    v1 = inbox.mailed_series(repo.path, repo.base, repo.heads["forgot-arch"], subject=SUBJECT)
    v2 = inbox.mailed_series(repo.path, repo.base, repo.heads["clean"], subject=SUBJECT,
                             prefix="PATCH v2", tag="v2")
    epochs = [[*noise("a"), *v1[:3], *hostile()], [*v1[3:], *noise("b"), *v2]]
    archive = inbox.write_inbox(root / "inbox", epochs)
    trees = ["--tree", f"main={repo.path}@{repo.base}",
             "--tree", f"later={repo.path}@{repo.heads['clean']}"]
    return repo, archive, trees, v1, v2


def watch(capsys, archive: Path, trees: list[str], out: Path, *more: str) -> str:
    status = main(["watch", str(archive), *trees, "-o", str(out), *more])
    printed, err = capsys.readouterr()
    assert status == 0, err
    return printed


def listing(folder: Path) -> dict[str, tuple[bytes, int]]:
    """Every file of an output folder: its bytes and mtime (not the lock)."""
    return {str(p.relative_to(folder)): (p.read_bytes(), p.stat().st_mtime_ns)
            for p in sorted(folder.rglob("*")) if p.is_file() and p.name != ".lock"}


def contents(folder: Path) -> dict[str, bytes]:
    return {name: data for name, (data, _) in listing(folder).items()}


@pytest.fixture(scope="module")
def first(world, tmp_path_factory):
    repo, archive, trees, _, _ = world
    before = repo_state(repo.path), _mtimes(archive), _mtimes(repo.path)
    out = tmp_path_factory.mktemp("first") / "robot"
    status = main(["watch", str(archive), *trees, "-o", str(out)])
    assert status == 0
    after = repo_state(repo.path), _mtimes(archive), _mtimes(repo.path)
    return out, json.loads((out / "index.json").read_text()), before, after


def _mtimes(folder: Path) -> dict[str, tuple[int, bytes]]:
    """Every file's and folder's mtime, and every file's bytes."""
    return {str(p): (p.lstat().st_mtime_ns, p.read_bytes() if p.is_file() else b"")
            for p in folder.rglob("*")}


def test_each_version_is_audited_on_each_tree(world, first) -> None:
    _, _, _, v1, v2 = world
    out, index, _, _ = first
    assert [(s["version"], s["patches"], s["of"]) for s in index["series"]] == [(2, 4, 4),
                                                                                  (1, 4, 4)]
    newer, older = index["series"]
    assert older["trees"]["main"]["verdict"] == "NOT clean"  # sparc64 keeps its definition
    assert older["trees"]["main"]["applied"] == 4
    assert newer["trees"]["main"] == {**newer["trees"]["main"], "verdict": "clean",
                                      "applied": 4, "errors": 0}
    assert newer["trees"]["later"]["verdict"] == "does not apply"
    assert newer["trees"]["later"]["applied"] == 0
    assert newer["previous"] == older["message_id"]
    assert older["message_id"].startswith("cover.") and newer["subject"] == SUBJECT
    report = json.loads((out / older["trees"]["main"]["json"]).read_text())
    assert ("leftover-definition", "sparc") in {(f["rule"], f["arch"])
                                                for f in report["findings"]}
    assert (out / newer["trees"]["later"]["report"]).read_text().startswith("<!DOCTYPE html>")


def test_the_rest_is_skipped_and_counted(first) -> None:
    _, index, _, _ = first
    assert index["skipped"] == 4  # the fs patch and the net series, in each epoch
    reasons = {r["message_id"]: r["reason"] for r in index["refused"]}
    assert "outside the tree" in reasons["outside@example.org"]
    assert "more than the robot reads" in reasons["bomb@example.org"]
    assert any("bytes, more than the robot reads" in r for r in reasons.values())  # the huge one
    assert index["messages"] == 2 * 5 + 5 + 5 + 4


def test_reply_draft_says_where_it_applies_and_claims_no_one(first) -> None:
    out, index, _, _ = first
    older = index["series"][1]
    reply = (out / older["folder"] / "reply.txt").read_text()
    assert f"In-Reply-To: <{older['message_id']}>" in reply
    assert "leftover-definition" in reply and "arch/sparc/" in reply
    assert "patch 4/4 does not apply cleanly here" in reply  # on the later tree
    assert f"--mbox series.mbx --base {index['trees']['main']['sha'][:12]}" in reply
    for trailer in ("Reported-by:", "Signed-off-by:", "Tested-by:", "Closes:"):
        assert trailer not in reply


def test_archive_and_trees_are_untouched(first) -> None:
    _, _, before, after = first
    assert before == after  # bytes, refs, index and every mtime


def test_second_pass_changes_no_file(world, first, capsys) -> None:
    _, archive, trees, _, _ = world
    out = first[0]
    files, folders = listing(out), _mtimes(out)
    printed = watch(capsys, archive, trees, out)
    assert printed.startswith("watch: 0 new messages, 0 series audited")
    assert listing(out) == files and _mtimes(out) == folders


def test_two_jobs_give_what_one_gives(world, first, tmp_path, capsys) -> None:
    _, archive, trees, _, _ = world
    watch(capsys, archive, trees, tmp_path / "two", "--jobs", "2")
    assert contents(tmp_path / "two") == contents(first[0])


@pytest.fixture(scope="module")
def small(world, tmp_path_factory):
    """One flag series (v1), its last two patches held back, among noise."""
    repo, _, _, v1, _ = world
    root = tmp_path_factory.mktemp("small")
    return repo, root, [*noise("c"), *v1[:3]], v1[3:]


def test_late_patches_join_their_series_and_removed_ones_leave(small, tmp_path, capsys) -> None:
    repo, _, early, late = small
    archive = inbox.write_inbox(tmp_path / "inbox", [early])
    trees = ["--tree", f"main={repo.path}@{repo.base}"]
    watch(capsys, archive, trees, tmp_path / "out")
    index = json.loads((tmp_path / "out" / "index.json").read_text())
    assert [(s["patches"], s["missing"]) for s in index["series"]] == [(2, ["3/4", "4/4"])]
    inbox.write_epoch(archive / "git" / "0.git", late)
    printed = watch(capsys, archive, trees, tmp_path / "out")
    assert printed.startswith("watch: 2 new messages, 1 series audited")
    index = json.loads((tmp_path / "out" / "index.json").read_text())
    assert [(s["patches"], s["missing"]) for s in index["series"]] == [(4, [])]
    assert index["series"][0]["trees"]["main"]["errors"] > 0  # sparc64's leftover
    # The archive removes patch 4/4 (a "d" commit): the series is audited without it.
    inbox.write_epoch(archive / "git" / "0.git", [inbox.DELETE + late[-1]])
    watch(capsys, archive, trees, tmp_path / "out")
    index = json.loads((tmp_path / "out" / "index.json").read_text())
    assert [(s["patches"], s["missing"]) for s in index["series"]] == [(3, ["4/4"])]


def test_v1_archive_gives_what_v2_gives(small, tmp_path, capsys) -> None:
    repo, _, early, late = small
    trees = ["--tree", f"main={repo.path}@{repo.base}"]
    v2 = inbox.write_inbox(tmp_path / "v2", [early, late])
    v1 = inbox.write_epoch(tmp_path / "v1.git", [*early, *late], v1=True)
    for archive, out in ((v2, "out2"), (v1, "out1")):
        watch(capsys, archive, trees, tmp_path / out)
    series = [json.loads((tmp_path / out / "index.json").read_text())["series"]
              for out in ("out1", "out2")]
    assert series[0] == series[1] and series[0][0]["patches"] == 4


def _run(archive: Path, trees: list[str], out: Path) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "memdie_audit", "watch", str(archive),
                             *trees, "-o", str(out)], stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE)


def _kill_when(process: subprocess.Popen, ready) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + 60
    while not ready() and process.poll() is None and time.monotonic() < deadline:
        time.sleep(0.01)
    os.kill(process.pid, signal.SIGKILL)
    process.wait()


def test_kill_9_then_resume_gives_the_uninterrupted_result(small, tmp_path) -> None:
    repo, _, early, late = small
    archive = inbox.write_inbox(tmp_path / "inbox", [early, late])
    trees = ["--tree", f"main={repo.path}@{repo.base}"]
    reference = tmp_path / "reference"
    assert _run(archive, trees, reference).wait() == 0
    moments = {"after the state is saved": lambda out: (out / "state.json").exists(),
               "in the middle of the series": lambda out: any(out.glob("series/*/main.json"))}
    for name, moment in moments.items():
        out = tmp_path / name.replace(" ", "-")
        _kill_when(_run(archive, trees, out), lambda out=out, moment=moment: moment(out))
        assert not (out / "index.json").exists(), f"killed {name}: the pass was not over"
        done = _run(archive, trees, out)
        assert done.wait() == 0, done.stderr.read()
        assert contents(out) == contents(reference), name


@pytest.mark.parametrize("bad", ["archive", "tree", "name"])
def test_bad_input_is_one_line_and_status_2(world, tmp_path, capsys, bad) -> None:
    repo, archive, trees, _, _ = world
    args = {"archive": [str(tmp_path), *trees],
            "tree": [str(archive), "--tree", f"main={tmp_path}"],
            "name": [str(archive), "--tree", f"../x={repo.path}"]}[bad]
    assert main(["watch", *args, "-o", str(tmp_path / "out")]) == 2
    err = capsys.readouterr().err
    assert err.startswith("memdie-audit: error: ") and err.count("\n") == 1

