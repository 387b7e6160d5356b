"""Emailed series as reviewers get them: out of order, without a cover
letter or a base-commit, with replies and older versions, through stdin or
a FIFO, as b4's .mbx with its .cover. Each gives the findings of the series
as the branch has it; the repository is not touched, not even an mtime."""

from __future__ import annotations

import json
import os
import random
import re
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from conftest import copy_repo, git

from memdie_audit.cli import main
from memdie_audit.sources import messages


@pytest.fixture(scope="module")
def repo(kernel, tmp_path_factory: pytest.TempPathFactory):
    return copy_repo(kernel, tmp_path_factory.mktemp("thread") / "linux")


def mails(repo, variant: str, folder: Path, prefix: str = "PATCH") -> tuple[bytes, list[bytes]]:
    """(cover letter, [patch mails]) as ``git format-patch --cover-letter
    --base --thread`` writes them."""
    folder.mkdir(parents=True, exist_ok=True)
    git(repo.path, "format-patch", "-q", "--cover-letter", f"--base={repo.base}",
        "--thread=shallow", f"--subject-prefix={prefix}", "-o", str(folder),
        repo.revrange(variant))
    files = sorted(folder.glob("*.patch"))
    return files[0].read_bytes(), [f.read_bytes() for f in files[1:]]


def audit(capsys, repo, mbox: Path | str, *more: str) -> tuple[int, dict, str]:
    status = main([str(repo.path), "--mbox", str(mbox), "--format", "json", *more])
    out, err = capsys.readouterr()
    return status, json.loads(out) if out else {}, err


def located(report: dict) -> list[tuple]:
    return sorted((f["rule"], f["severity"], f["path"], f["line"], f["column"], f["arch"])
                  for f in report["findings"])


@pytest.fixture(scope="module")
def branch(repo):
    """The findings of each variant audited as a branch."""
    found = {}
    for variant in ("clean", "flawed"):
        out = subprocess.run([sys.executable, "-m", "memdie_audit", str(repo.path), "--series",
                              repo.revrange(variant), "--format", "json"],
                             capture_output=True, check=False)
        found[variant] = (out.returncode, located(json.loads(out.stdout)))
    return found


def untouched(repo):
    """Make every file under .git old, so that a run that wrote or touched
    one (freshened an object's mtime) shows in ``find -newer``."""
    old = time.time() - 86400
    top = repo.path / ".git"
    for path in [top, *top.rglob("*")]:
        os.utime(path, (old, old), follow_symlinks=False)
    stamp = repo.path.parent / "stamp"
    stamp.write_text("")
    os.utime(stamp, (old + 60, old + 60))
    return stamp


def changed_since(repo, stamp: Path) -> list[str]:
    return subprocess.run(["find", str(repo.path / ".git"), "-newer", str(stamp)],
                          capture_output=True, text=True, check=True).stdout.split()


def strip_base(mail: bytes) -> bytes:
    return re.sub(rb"(?m)^(base-commit|prerequisite-patch-id): .*\n", b"", mail)


SHAPES = ["ordered", "reordered", "no-cover", "no-base-commit", "reply-quoting-diff",
          "reply-with-inline-diff", "v1-and-v2"]


@pytest.mark.parametrize("variant", ["clean", "flawed"])
@pytest.mark.parametrize("shape", SHAPES)
def test_every_shape_gives_the_findings_of_the_ordered_series(repo, branch, tmp_path, capsys,
                                                              variant, shape) -> None:
    cover, patches = mails(repo, variant, tmp_path / "v1")
    subjects = [re.search(rb"(?m)^Subject: (.*)$", p).group(1) for p in patches]
    thread = [cover, *patches]
    if shape == "reordered":
        random.Random(11).shuffle(thread)
    elif shape == "no-cover":
        thread = patches  # as `b4 am -o -` writes it: no base-commit anywhere
    elif shape == "no-base-commit":
        thread = [strip_base(cover), *patches]
    elif shape.startswith("reply"):
        quoted = b"".join(b"> " + line for line in patches[1].split(b"\n", 30)[-1]
                          .splitlines(True)[:40])
        inline = b"" if shape == "reply-quoting-diff" else (
            b"\nSomething like this instead?\n\ndiff --git a/mm/oom_kill.c b/mm/oom_kill.c\n"
            b"--- a/mm/oom_kill.c\n+++ b/mm/oom_kill.c\n@@ -1,1 +1,1 @@\n-nothing\n+else\n")
        reply = (b"From 0000000000000000000000000000000000000000 Mon Sep 17 00:00:00 2001\n"
                 b"From: A Reviewer <reviewer@example.org>\nSubject: Re: " + subjects[1] +
                 b"\nMessage-Id: <reply-1@example.org>\nIn-Reply-To: <x@example.org>\n\n"
                 b"On a day, someone wrote:\n" + quoted + inline)
        thread = [cover, patches[0], reply, *patches[1:]]
    elif shape == "v1-and-v2":
        # An older version of another series first: only the newest is audited.
        other = "flawed" if variant == "clean" else "clean"
        old_cover, old_patches = mails(repo, other, tmp_path / "old")
        v2_cover, v2_patches = mails(repo, variant, tmp_path / "v2", prefix="PATCH v2")
        thread = [*old_patches, v2_cover, old_cover, *v2_patches]
    mbox = tmp_path / "thread.mbx"
    mbox.write_bytes(b"".join(m if m.endswith(b"\n") else m + b"\n" for m in thread))
    stamp = untouched(repo)
    status, report, err = audit(capsys, repo, mbox)
    assert err == ""
    assert (status, located(report)) == branch[variant]
    assert report["base"] == repo.base
    mail = report["mail"]
    assert [c["mail"]["patch"] for c in report["commits"]] == \
        [f"{n}/{len(patches)}" for n in range(1, len(patches) + 1)]
    assert all(c["temporary"] and c["mail"]["message_id"] and
               c["mail"]["link"] == "https://lore.kernel.org/r/" + c["mail"]["message_id"]
               for c in report["commits"])
    assert all(f["patch"] for c in report["commits"] for f in c["findings"])
    if shape in ("no-cover", "no-base-commit"):
        assert mail["base_how"].startswith("guessed from the patches' index lines: all")
    else:
        assert mail["base_how"] == "base-commit: in the mbox"
    if shape.startswith("reply"):
        assert mail["skipped"] == ["reply: Re: " + subjects[1].decode()]
    if shape == "v1-and-v2":
        assert (mail["version"], mail["versions"]) == (2, [1, 2])
        assert all(c["mail"]["version"] == 2 for c in report["commits"])
        assert sum(line.startswith("older version v1") for line in mail["skipped"]) == \
            len(old_patches)
    assert changed_since(repo, stamp) == []


def test_guessed_base_walks_back_from_a_head_that_moved_on(kernel, tmp_path, capsys) -> None:
    moved = copy_repo(kernel, tmp_path / "linux")
    _, patches = mails(moved, "clean", tmp_path / "mail")
    # HEAD is where another series ended: the touched files changed since the base.
    git(moved.path, "checkout", "-q", "--detach", moved.heads["flawed"])
    mbox = tmp_path / "nocover.mbx"
    mbox.write_bytes(b"".join(patches))
    status, report, _ = audit(capsys, moved, mbox)
    assert status == 0 and report["base"] == moved.base


def test_b4_mbx_brings_its_cover(repo, branch, tmp_path, capsys) -> None:
    cover, patches = mails(repo, "flawed", tmp_path / "m")
    mbx = tmp_path / "20170111_someone_get_rid_of_tif_memdie.mbx"
    mbx.write_bytes(b"".join(patches))
    mbx.with_suffix(".cover").write_bytes(cover.split(b"\n", 1)[1])  # b4: no From line
    status, report, _ = audit(capsys, repo, mbx)
    assert (status, located(report)) == branch["flawed"]
    assert report["mail"]["base_how"] == "base-commit: in the mbox"
    assert report["mail"]["cover"]


def test_stdin_and_a_fifo_are_read(repo, branch, tmp_path) -> None:
    cover, patches = mails(repo, "flawed", tmp_path / "m")
    data = b"".join([cover, *patches])
    command = [sys.executable, "-m", "memdie_audit", str(repo.path), "--format", "json", "--mbox"]
    out = subprocess.run([*command, "-"], input=data, capture_output=True, check=False)
    assert (out.returncode, located(json.loads(out.stdout))) == branch["flawed"]
    assert json.loads(out.stdout)["mail"]["source"] == "stdin"
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    writer = threading.Thread(target=fifo.write_bytes, args=(data,))
    writer.start()
    out = subprocess.run([*command, str(fifo)], capture_output=True, check=False, timeout=120)
    writer.join()
    assert (out.returncode, located(json.loads(out.stdout))) == branch["flawed"]


def test_endless_or_huge_input_is_refused_in_one_line(repo, tmp_path, capsys,
                                                      monkeypatch) -> None:
    started = time.monotonic()
    assert main([str(repo.path), "--mbox", "/dev/zero"]) == 2
    assert capsys.readouterr().err == \
        "memdie-audit: error: /dev/zero: not an mbox (it holds NUL bytes)\n"
    big = tmp_path / "big.mbx"
    big.write_bytes(b"From x Mon Sep 17 00:00:00 2001\nSubject: [PATCH] x\n\n" + b"y\n" * 4000)
    monkeypatch.setattr(messages, "MAX_INPUT", 4096)
    assert main([str(repo.path), "--mbox", str(big)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "larger than" in err and "the most memdie-audit reads" in err
    assert time.monotonic() - started < 30


def test_a_failed_x86_hunk_leaves_x86_behind_linked(repo, tmp_path, capsys) -> None:
    cover, patches = mails(repo, "clean", tmp_path / "m")
    arch = next(i for i, p in enumerate(patches) if b"arch/x86/include/asm/thread_info.h" in p)
    text = patches[arch]
    start = text.index(b"diff --git a/arch/x86/include/asm/thread_info.h")
    context = text.index(b"\n ", text.index(b"\n@@", start))
    patches[arch] = text[:context] + b"\n #define TIF_FORK\t\t18\t/* gone since */" + \
        text[text.index(b"\n", context + 1):]
    mbox = tmp_path / "x86.mbx"
    mbox.write_bytes(b"".join([cover, *patches]))
    stamp = untouched(repo)
    html = tmp_path / "r.html"
    status, report, err = audit(capsys, repo, mbox, "--html", str(html))
    assert (status, err) == (1, "") and html.stat().st_size > 0
    failed = [f for f in report["findings"] if f["rule"] == "patch-does-not-apply"]
    assert [(f["path"], f["arch"], f["patch"]) for f in failed] == \
        [("arch/x86/include/asm/thread_info.h", "x86", f"{arch + 1}/{len(patches)}")]
    assert failed[0]["message_id"] == report["commits"][arch]["mail"]["message_id"]
    assert "TIF_FORK" in failed[0]["message"]
    left = [f for f in report["findings"] if f["rule"] == "leftover-definition"]
    assert [f["arch"] for f in left] == ["x86"]
    assert any("did not apply" in r["message"] for r in left[0]["related"])
    assert any(r["line"] == left[0]["line"] for r in failed[0]["related"])
    # --3way cannot help: the hunk does not fit the blob it says it was made on
    status, report, _ = audit(capsys, repo, mbox, "--3way")
    assert status == 1 and any("--3way: the patch does not apply to its preimage" in f["message"]
                               for f in report["findings"])
    assert changed_since(repo, stamp) == []


def test_3way_merges_from_the_preimage_the_repository_has(kernel, tmp_path, capsys) -> None:
    moved = copy_repo(kernel, tmp_path / "linux")
    cover, patches = mails(moved, "clean", tmp_path / "m")
    # The base moves on: a comment next to the x86 flag changes, so the x86
    # hunk's context no longer matches, while its preimage blob is still known.
    git(moved.path, "checkout", "-q", "--detach", moved.base)
    header = moved.path / "arch/x86/include/asm/thread_info.h"
    lines = header.read_text().splitlines(True)
    at = next(i for i, line in enumerate(lines) if "TIF_MEMDIE" in line)
    lines[at - 3] = lines[at - 3].rstrip("\n") + " /* moved on */\n"
    header.write_text("".join(lines))
    git(moved.path, "commit", "-q", "-am", "x86: a comment")
    mbox = tmp_path / "s.mbx"
    mbox.write_bytes(b"".join([cover, *patches]))
    status, report, _ = audit(capsys, moved, mbox, "--base", "HEAD")
    assert status == 1
    assert [f["path"] for f in report["findings"] if f["rule"] == "patch-does-not-apply"] == \
        ["arch/x86/include/asm/thread_info.h"]
    stamp = untouched(moved)
    status, report, _ = audit(capsys, moved, mbox, "--base", "HEAD", "--3way")
    assert status == 0, report["findings"]
    x86 = next(n for n, p in enumerate(patches, 1)
               if b"a/arch/x86/include/asm/thread_info.h" in p)
    assert report["mail"]["merged"] == \
        [f"{x86}/{len(patches)} arch/x86/include/asm/thread_info.h"]
    assert changed_since(moved, stamp) == []


def test_the_mailed_series_has_the_branchs_trees(kernel, repo, tmp_path) -> None:
    """Hunks applied in memory and trees written by the tool itself give,
    commit by commit, the very trees git made for the branch."""
    from memdie_audit.sources import gitcmd
    from memdie_audit.sources.mail import choose_base, mailed_series, read_mail

    for variant in kernel.heads:
        if variant == "merge":
            continue  # a merge cannot be mailed
        cover, patches = mails(repo, variant, tmp_path / variant)
        mbox = tmp_path / f"{variant}.mbx"
        mbox.write_bytes(b"".join([cover, *patches]))
        mail = read_mail(str(mbox))
        with mailed_series(repo.path, mail, choose_base(repo.path, mail, None)) as mailed:
            trees = [gitcmd.run(repo.path, "rev-parse", f"{c.sha}^{{tree}}", env=mailed.env)
                     for c in mailed.commits]
            assert all(not c.rejected for c in mailed.commits)
        wanted = [git(repo.path, "rev-parse", f"{sha}^{{tree}}").encode()
                  for sha in kernel.commits[variant]]
        assert trees == wanted, variant
