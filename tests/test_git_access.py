"""The git access layer: the repository's own programs never run, git's
refusals reach the user as one line, and commits are read as git prints them."""

from __future__ import annotations

import gc
import inspect
import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest
from conftest import commit_all, git, make_repo, write_tree

from memdie_audit.cli import main

FILES = {
    "arch/foo/include/asm/thread_info.h": "#define TIF_SIGPENDING 1\n#define TIF_MEMDIE 4\n",
    "mm/oom_kill.c": "void f(void)\n{\n\tclear_thread_flag(TIF_MEMDIE);\n}\n",
}


def recorder(tmp_path: Path, name: str) -> tuple[Path, Path]:
    """A program that notes each time it runs, and the note it writes."""
    note = tmp_path / f"{name}.ran"
    program = tmp_path / name
    program.write_text(f"#!/bin/sh\necho \"$@\" >> '{note}'\nexit 1\n")
    program.chmod(0o755)
    return program, note


def test_the_repositorys_fsmonitor_does_not_run(tmp_path: Path, capsys) -> None:
    repo = make_repo(tmp_path / "r", FILES)
    fsmonitor, note = recorder(tmp_path, "fsmonitor")
    git(repo, "config", "core.fsmonitor", str(fsmonitor))
    assert main([str(repo)]) == 0
    assert "mm/oom_kill.c:3:20: use:" in capsys.readouterr().out
    assert not note.exists()


def test_signatures_are_not_checked_while_reading_commits(tmp_path: Path, capsys) -> None:
    repo = make_repo(tmp_path / "r", FILES)
    base = git(repo, "rev-parse", "HEAD").strip()
    # A commit carrying a signature, as `git commit -S` writes one.
    tree = git(repo, "rev-parse", "HEAD^{tree}").strip()
    signed = (f"tree {tree}\nparent {base}\n"
              "author A U Thor <a@example.org> 1480000000 +0000\n"
              "committer A U Thor <a@example.org> 1480000000 +0000\n"
              "gpgsig -----BEGIN PGP SIGNATURE-----\n \n AAAA\n -----END PGP SIGNATURE-----\n"
              "\nsigned: nothing changes\n")
    sha = subprocess.run(["git", "-C", str(repo), "hash-object", "-t", "commit", "-w", "--stdin"],
                         input=signed, capture_output=True, text=True, check=True).stdout.strip()
    gpg, note = recorder(tmp_path, "gpg")
    git(repo, "config", "log.showSignature", "true")
    git(repo, "config", "gpg.program", str(gpg))
    # Status 0: a commit that does not touch the flag is clean.
    assert main([str(repo), "--series", f"{base}..{sha}", "--format", "json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert [c["subject"] for c in report["commits"]] == ["signed: nothing changes"]
    assert not note.exists()


def test_commits_with_odd_subjects_paths_and_no_changes(tmp_path: Path, capsys) -> None:
    repo = make_repo(tmp_path / "r", FILES)
    base = git(repo, "rev-parse", "HEAD").strip()
    write_tree(repo, {":colon.c": "int f(void) { return TIF_MEMDIE; }\n",
                      "new\nline.c": "int g(void) { return TIF_MEMDIE; }\n"})
    commit_all(repo, "\x01 mm: a subject with a control byte")
    commit_all(repo, "nothing changes")  # --allow-empty
    (repo / ":colon.c").unlink()
    (repo / "new\nline.c").write_text("int g(void) { return 0; }\n")
    head = commit_all(repo, "drop :colon.c")
    assert main([str(repo), "--series", f"{base}..{head}", "--format", "json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert [c["subject"] for c in report["commits"]] == [
        "\x01 mm: a subject with a control byte", "nothing changes", "drop :colon.c"]
    assert [(c["added"], c["removed"]) for c in report["commits"]] == [
        ({"use": 2}, {}), ({}, {}), ({}, {"use": 2})]
    # the references are back as they were: the series leaves the flag untouched
    assert report["intent"] == {"TIF_MEMDIE": "untouched"}


def user_config(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, text: str) -> None:
    """The user's global git config, with ``text`` added to it."""
    config = tmp_path / "gitconfig"
    config.write_text(Path(os.environ["GIT_CONFIG_GLOBAL"]).read_text() + text)
    monkeypatch.setenv("GIT_CONFIG_GLOBAL", str(config))


def refusal(capsys: pytest.CaptureFixture[str], *args: str) -> str:
    assert main(list(args)) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("memdie-audit: error: git rev-parse: "), err
    return err


def test_a_repository_git_refuses_is_not_audited_as_a_plain_directory(tmp_path: Path, capsys,
                                                                      monkeypatch) -> None:
    broken = write_tree(tmp_path / "broken", FILES)
    (broken / ".git").write_text("gitdir: /no/such/repository\n")  # a moved worktree
    for args in ([], ["--rev", "HEAD"]):
        assert "not a git repository: /no/such/repository" in refusal(capsys, str(broken), *args)
    bare = tmp_path / "bare.git"
    git(make_repo(tmp_path / "r", FILES), "clone", "-q", "--bare", ".", str(bare))
    user_config(tmp_path, monkeypatch, "[safe]\n\tbareRepository = explicit\n")
    assert "cannot use bare repository" in refusal(capsys, str(bare), "--rev", "HEAD")


@pytest.mark.skipif(os.geteuid() != 0, reason="giving the repository away needs root")
def test_dubious_ownership_is_gits_line_and_safe_directory_still_works(tmp_path: Path, capsys,
                                                                        monkeypatch) -> None:
    repo = make_repo(tmp_path / "r", FILES)
    for folder, _, names in os.walk(repo):
        for name in [".", *names]:
            shutil.chown(os.path.join(folder, name), user=65534, group=65534)
    mbox = tmp_path / "series.mbx"
    mbox.write_text("From nobody Mon Sep 17 00:00:00 2001\nSubject: [PATCH] x\n\n")
    for args in ([], ["--rev", "HEAD"], ["--series", "HEAD..HEAD"], ["--mbox", str(mbox)]):
        err = refusal(capsys, str(repo), *args)
        assert "dubious ownership" in err
        assert f"git config --global --add safe.directory {repo}" in err
    user_config(tmp_path, monkeypatch, f"[safe]\n\tdirectory = {repo}\n")
    assert main([str(repo), "--rev", "HEAD"]) == 0
    assert "mm/oom_kill.c:3:20: use:" in capsys.readouterr().out


def test_a_repository_whose_path_has_a_newline_and_a_byte_that_is_not_utf8(tmp_path: Path) -> None:
    folder = tmp_path / b"linux\n\xe9 ".decode("utf-8", "surrogateescape")
    repo = make_repo(folder, FILES)
    report = tmp_path / "report.txt"
    for args in ([], ["--rev", "HEAD"]):
        assert main([str(repo), *args, "-o", str(report)]) == 0
        assert b"mm/oom_kill.c:3:20: use:" in report.read_bytes()


def test_an_audit_leaves_nothing_with_a_finalizer_to_the_garbage_collector(tmp_path: Path,
                                                                           capsys) -> None:
    """A signal that arrives while Python's cycle collector runs is handled
    in the first finalizer the collector calls, where it cannot be raised:
    Python prints "Exception ignored in ... Traceback" and the interrupted
    run carries on. (GitPython's Repo was such an object.) So whatever has a
    finalizer — a process, a repository handle — must be freed by the code
    that made it, never left in a reference cycle."""
    repo = make_repo(tmp_path / "r", FILES)
    base = git(repo, "rev-parse", "HEAD").strip()
    write_tree(repo, {"mm/oom_kill.c": "void f(void)\n{\n}\n"})
    head = commit_all(repo, "mm: stop using TIF_MEMDIE")
    mbox = tmp_path / "series.mbx"
    mbox.write_text(git(repo, "format-patch", "--stdout", f"--base={base}", f"{base}..{head}"))
    gc.collect()
    gc.set_debug(gc.DEBUG_SAVEALL)  # keep what the collector finds, to look at it
    try:
        for args in ([], ["--rev", "HEAD"], ["--series", f"{base}..{head}"], ["--mbox", str(mbox)]):
            main([str(repo), *args])
        gc.collect()
        finalized = sorted({type(o).__qualname__ for o in gc.garbage
                            if hasattr(type(o), "__del__")
                            or inspect.isgenerator(o) and o.gi_frame is not None})
    finally:
        gc.set_debug(0)
        gc.garbage.clear()
    capsys.readouterr()
    assert finalized == []


def test_a_long_series_is_read_with_one_git_process(tmp_path: Path, capsys,
                                                    monkeypatch) -> None:
    repo = make_repo(tmp_path / "r", FILES)
    base = git(repo, "rev-parse", "HEAD").strip()
    # 300 commits in one git fast-import (a commit command each would take
    # most of this test's time): two files with the same text, and a text
    # that comes back later.
    stream = []
    for n in range(300):
        same = f"int f{n % 7}(void) {{ return TIF_MEMDIE; }}\n"
        message = f"mm: step {n}\n"
        stream.append(f"commit refs/heads/master\n"
                      f"committer Test <test@example.org> {1472731200 + n} +0000\n"
                      f"data {len(message)}\n{message}" + (f"from {base}\n" if n == 0 else "")
                      + "".join(f"M 100644 inline {path}\ndata {len(same)}\n{same}"
                                for path in ("mm/a.c", "mm/b.c")))
    subprocess.run(["git", "-C", str(repo), "fast-import", "--quiet"], check=True,
                   input="\n".join(stream).encode())
    head = git(repo, "rev-parse", "master").strip()
    from memdie_audit.sources import commits, gitcmd
    started: list[int] = []  # cat-file processes: for the series, or one read
    real, real_read = gitcmd.BlobStream.__init__, gitcmd.read_blobs

    def counted(self, *args, **kwargs):
        started.append(1)
        real(self, *args, **kwargs)

    def one_read(*args, **kwargs):
        started.append(-1)
        return real_read(*args, **kwargs)

    def one_at_a_time(self, commit):
        return gitcmd.read_blobs(self.top, self.wanted[commit.sha], env=self.env)

    monkeypatch.setattr(gitcmd.BlobStream, "__init__", counted)
    monkeypatch.setattr(gitcmd, "read_blobs", one_read)
    assert main([str(repo), "--series", f"{base}..{head}", "--format", "json"]) == 0
    streamed = json.loads(capsys.readouterr().out)
    assert sum(started) == 1  # one for the whole range, not one per commit
    monkeypatch.setattr(commits.SeriesBlobs, "blobs_of", one_at_a_time)
    assert main([str(repo), "--series", f"{base}..{head}", "--format", "json"]) == 0
    assert len(streamed["commits"]) == 300 and streamed == json.loads(capsys.readouterr().out)


def test_a_series_read_out_of_order_or_closed_early_reads_the_same(tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "r", FILES)
    base = git(repo, "rev-parse", "HEAD").strip()
    for n in range(5):
        write_tree(repo, {f"mm/f{n}.c": f"int x{n};\n"})
        head = commit_all(repo, f"mm: step {n}")
    from memdie_audit.sources.commits import close_series, read_changes, series_commits
    listed = series_commits(repo, base, head)
    expected = [{f"mm/f{n}.c": f"int x{n};\n".encode()} for n in range(5)]
    assert [read_changes(repo, listed[i]) for i in (1, 3, 0, 4, 2)] == \
        [expected[i] for i in (1, 3, 0, 4, 2)]
    listed = series_commits(repo, base, head)
    assert read_changes(repo, listed[0]) == expected[0]
    close_series(listed)  # the rest of the range is never read
    assert read_changes(repo, listed[2]) == expected[2]
    close_series(listed)


def test_a_plain_tree_walk_never_reads_a_repository_inside_it(tmp_path: Path, capsys) -> None:
    tree = write_tree(tmp_path / "linux-4.9", FILES)
    nested = make_repo(tree / "tools" / "scratch", {"note.c": "int x = TIF_MEMDIE;\n"})
    (nested / ".git" / "description").write_text("TIF_MEMDIE scratch\n")
    git(nested, "commit", "-q", "--allow-empty", "-m", "drop TIF_MEMDIE")  # in .git/logs
    assert main([str(tree), "--format", "json"]) == 0
    paths = {o["path"] for o in json.loads(capsys.readouterr().out)["occurrences"]}
    assert "tools/scratch/note.c" in paths
    assert not [p for p in paths if "/.git/" in p], paths


def test_a_partial_clone_is_refused_rather_than_fetched_from(tmp_path: Path, capsys) -> None:
    origin = make_repo(tmp_path / "origin", FILES)
    git(origin, "config", "uploadpack.allowFilter", "true")
    clone = tmp_path / "clone"
    git(tmp_path, "clone", "-q", "--filter=blob:none", "--no-checkout", origin.as_uri(),
        str(clone))
    git(clone, "checkout", "-q", "master")  # fetches the blobs of HEAD: the tree is complete
    objects = sorted((clone / ".git" / "objects").rglob("*"))
    for args in (["--rev", "HEAD"], ["--series", "HEAD..HEAD"]):
        assert main([str(clone), *args]) == 2
        err = capsys.readouterr().err
        assert err.count("\n") == 1 and "a partial clone (remote.origin.promisor true)" in err
    assert main([str(clone)]) == 0  # the working tree is read from disk
    assert "mm/oom_kill.c:3:20: use:" in capsys.readouterr().out
    assert sorted((clone / ".git" / "objects").rglob("*")) == objects  # nothing was fetched


def test_a_git_too_old_is_one_line_at_start(tmp_path: Path, capsys, monkeypatch) -> None:
    from memdie_audit.sources import gitcmd

    write_tree(tmp_path / "t", FILES)
    fake = tmp_path / "bin" / "git"
    fake.parent.mkdir()
    fake.write_text("#!/bin/sh\necho 'git version 2.25.1'\n")
    fake.chmod(0o755)
    monkeypatch.setenv("PATH", f"{fake.parent}:{os.environ['PATH']}")
    gitcmd.check_version.cache_clear()
    try:
        assert main([str(tmp_path / "t")]) == 2
    finally:
        gitcmd.check_version.cache_clear()
    assert capsys.readouterr().err == ("memdie-audit: error: git version 2.25.1 is too old: "
                                       "memdie-audit needs git 2.31 or newer\n")
