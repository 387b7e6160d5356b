"""The command line on small trees: exit codes, formats, bad input."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import git, make_repo, write_tree

from memdie_audit.cli import main

HEADER = ("#define TIF_SIGPENDING 1\n#define TIF_MEMDIE 4 /* OOM */\n"
          "#define _TIF_MEMDIE (1 << TIF_MEMDIE)\n")
FILES = {
    "arch/foo/include/asm/thread_info.h": HEADER,
    "arch/bar/include/asm/thread_info.h": HEADER.replace("4 /*", "5 /*"),
    "mm/oom_kill.c": "void exit_oom_victim(void)\n{\n\tclear_thread_flag(TIF_MEMDIE);\n}\n",
    "Documentation/oom.txt": "TIF_MEMDIE marks the victim.\n",
}


def run(*args: str, capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    status = main(list(args))
    out, err = capsys.readouterr()
    return status, out, err


def test_plain_directory_inventory(tmp_path: Path, capsys) -> None:
    write_tree(tmp_path, FILES)
    status, out, err = run(str(tmp_path), capsys=capsys)
    assert status == 0 and err == ""
    assert "mm/oom_kill.c:3:20: use: \tclear_thread_flag(TIF_MEMDIE); (in exit_oom_victim)" in out
    assert "arch/foo/include/asm/thread_info.h:2:9: definition:" in out
    assert "Documentation/oom.txt:1:1: doc:" in out
    assert out.rstrip().endswith("total: 0 errors, 0 warnings, 0 notes")


def test_json_contract(tmp_path: Path, capsys) -> None:
    repo = make_repo(tmp_path / "r", FILES)
    status, out, _ = run(str(repo), "--rev", "HEAD", "--format", "json", capsys=capsys)
    report = json.loads(out)
    assert status == 0
    assert set(report) == {"tool", "schema_version", "version", "symbol", "symbols", "mode",
                           "rev", "base", "intent", "occurrences", "flag_tables", "arches",
                           "commits", "findings", "summary"}
    assert (report["tool"], report["mode"], report["base"]) == ("memdie-audit", "tree", None)
    assert report["rev"] == git(repo, "rev-parse", "HEAD").strip()
    use = next(o for o in report["occurrences"]
               if o["kind"] == "use" and o["path"] == "mm/oom_kill.c")
    assert use == {"symbol": "TIF_MEMDIE", "path": "mm/oom_kill.c", "line": 3, "column": 20,
                   "kind": "use", "arch": None,
                   "function": "exit_oom_victim", "text": "\tclear_thread_flag(TIF_MEMDIE);"}
    foo = next(t for t in report["flag_tables"] if t["arch"] == "foo")
    assert {"name": "TIF_MEMDIE", "bit": 4, "line": 2, "condition": None}.items() <= \
        next(f for f in foo["flags"] if f["name"] == "TIF_MEMDIE").items()
    assert report["summary"] == {"errors": 0, "warnings": 0, "notes": 0, "occurrences": 8,
                                 "files": 4}


def test_working_tree_reads_tracked_files_only(tmp_path: Path, capsys) -> None:
    repo = make_repo(tmp_path / "r", FILES)
    write_tree(repo, {"mm/untracked.c": "int x = TIF_MEMDIE;\n",
                      "mm/oom_kill.c": "/* TIF_MEMDIE was here */\n"})
    status, out, _ = run(str(repo), capsys=capsys)
    assert "untracked" not in out
    assert "mm/oom_kill.c:1:4: comment:" in out  # the working tree, not HEAD


def test_dangling_reference_is_an_error_and_sets_exit_status(tmp_path: Path, capsys) -> None:
    write_tree(tmp_path, {**FILES, "arch/foo/kernel/entry.S": "\tld r1, _TIF_SIGPENDING\n",
                          "mm/x.c": "int f(void) { return test_thread_flag(TIF_NOPE); }\n"})
    status, out, _ = run(str(tmp_path), "--symbol", "TIF_SIGPENDING", capsys=capsys)
    assert status == 1
    assert ("arch/foo/kernel/entry.S:1:9: error: _TIF_SIGPENDING is not defined for foo "
            "[dangling-reference]") in out
    status, out, _ = run(str(tmp_path), "--symbol", "TIF_NOPE", capsys=capsys)
    assert "mm/x.c:1:39: error: TIF_NOPE is not defined for bar, foo [dangling-reference]" in out


def test_fail_on_warning(tmp_path: Path, capsys) -> None:
    write_tree(tmp_path, FILES)
    assert run(str(tmp_path), "--fail-on", "warning", capsys=capsys)[0] == 0


def test_output_file(tmp_path: Path, capsys) -> None:
    write_tree(tmp_path / "t", FILES)
    target = tmp_path / "report.json"
    status, out, _ = run(str(tmp_path / "t"), "--format", "json", "-o", str(target),
                         capsys=capsys)
    assert status == 0 and out == ""
    assert json.loads(target.read_text())["summary"]["files"] == 4


@pytest.mark.parametrize(("args", "message"), [
    (["{missing}"], "no such file or directory"),
    (["{file}"], "not a directory"),
    (["{plain}", "--rev", "HEAD"], "not a git repository"),
    (["{plain}", "--series", "a..b"], "not a git repository"),
    (["{repo}", "--rev", "no-such-rev"], "unknown revision 'no-such-rev'"),
    (["{repo}", "--rev", "--output=x"], "expected one argument"),
    (["{repo}", "--symbol", "TIF-X"], "not a C identifier"),
    (["{repo}", "--symbol", "_TIF_MEMDIE"], "give the bit's name"),
    (["{repo}", "--series", "HEAD"], "expected BASE..HEAD"),
    (["{repo}", "--series", "HEAD...HEAD"], "symmetric"),
    (["{repo}", "--series", "HEAD..HEAD"], "has no commits"),
    (["{repo}", "--series", "HEAD..nope"], "unknown revision 'nope'"),
    (["{repo}", "--base", "HEAD"], "--base goes with --mbox"),
    (["{repo}", "--format", "yaml"], "invalid choice"),
    (["{repo}", "-o", "{missing}/x/y.txt"], "cannot write"),
    ([], "not a kernel tree"),  # TREE defaults to ., the checkout of this tool
])
def test_bad_input_gets_one_line_and_status_2(tmp_path: Path, capsys, args, message) -> None:
    repo = make_repo(tmp_path / "repo", FILES)
    (tmp_path / "file").write_text("x")
    (tmp_path / "plain").mkdir()
    paths = {"missing": tmp_path / "missing", "file": tmp_path / "file",
             "plain": tmp_path / "plain", "repo": repo}
    status, out, err = run(*(a.format(**paths) for a in args), capsys=capsys)
    assert status == 2
    assert err.count("\n") == 1 and err.startswith("memdie-audit: error: ")
    assert message in err
    assert "Traceback" not in err


def test_console_script_runs_as_a_module(tmp_path: Path) -> None:
    write_tree(tmp_path, FILES)
    done = subprocess.run([sys.executable, "-m", "memdie_audit", str(tmp_path / "nope")],
                          capture_output=True, text=True)
    assert done.returncode == 2 and done.stderr.count("\n") == 1


def test_paths_with_newlines_and_bytes_that_are_not_utf8(tmp_path: Path, capsys) -> None:
    odd = {"mm/new\nline.c": "int f(void) { return test_thread_flag(TIF_MEMDIE); }\n",
           "mm/caf\udce9.c": "int g(void) { return test_thread_flag(TIF_MEMDIE); }\n"}
    repo = make_repo(tmp_path / "r", {**FILES, **{k: v for k, v in odd.items()
                                                  if "\udce9" not in k}})
    (repo / "mm").joinpath(b"caf\xe9.c".decode("utf-8", "surrogateescape")).write_text(
        odd["mm/caf\udce9.c"])
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "odd names")
    for args in ([str(repo), "--rev", "HEAD"], [str(repo)]):
        status, out, err = run(*args, "--format", "json", capsys=capsys)
        paths = {o["path"] for o in json.loads(out)["occurrences"] if o["kind"] == "use"}
        assert status == 0 and err == ""
        assert {"mm/new\nline.c", "mm/caf\udce9.c"} <= paths
    report = tmp_path / "report.txt"
    run(str(repo), "-o", str(report), capsys=capsys)
    text = report.read_bytes()
    assert b"mm/new\\nline.c:1:39: use:" in text  # one line per item, even for such a name
    assert b"mm/caf\xe9.c:1:39: use:" in text  # the name's own bytes


def test_corrupt_repository_is_one_line(tmp_path: Path, capsys) -> None:
    repo = make_repo(tmp_path / "r", FILES)
    git(repo, "gc", "-q")
    (pack,) = (repo / ".git" / "objects" / "pack").glob("*.pack")
    data = bytearray(pack.read_bytes())
    for offset in range(200, len(data) - 40, 97):
        data[offset] ^= 0xFF
    pack.chmod(0o644)
    pack.write_bytes(bytes(data))
    status, _, err = run(str(repo), "--rev", "HEAD", capsys=capsys)
    assert status == 2 and err.count("\n") == 1 and err.startswith("memdie-audit: error: git ")


def test_shallow_clone_without_the_base_is_explained(tmp_path: Path, capsys) -> None:
    repo = make_repo(tmp_path / "r", FILES)
    for n in range(3):
        write_tree(repo, {f"mm/f{n}.c": f"int x{n};\n"})
        git(repo, "add", "-A")
        git(repo, "commit", "-q", "-m", f"c{n}")
    clone = tmp_path / "shallow"
    subprocess.run(["git", "clone", "-q", "--depth", "1", f"file://{repo}", str(clone)],
                   check=True)
    status, _, err = run(str(clone), "--series", "HEAD~2..HEAD", capsys=capsys)
    assert status == 2 and "shallow clone" in err and err.count("\n") == 1
    # CI's checkout: the branch and origin/master, each one commit deep. Both
    # resolve, but the range runs off the edge of the fetched history.
    git(clone, "fetch", "-q", "--depth", "1", "origin",
        f"{git(repo, 'rev-parse', 'HEAD~3').strip()}:refs/remotes/origin/base")
    status, _, err = run(str(clone), "--series", "origin/base..", capsys=capsys)
    assert status == 2 and err.count("\n") == 1, err
    assert "reaches the edge of this shallow clone" in err and "fetch-depth: 0" in err


def test_an_internal_error_is_one_line_and_exit_3(tmp_path: Path, capsys, monkeypatch) -> None:
    from memdie_audit import api

    def broken(*args, **kwargs):
        raise KeyError("modern-polling-riscv")

    monkeypatch.setattr(api, "audit_tree", broken)
    write_tree(tmp_path, FILES)
    assert main([str(tmp_path)]) == 3
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "Traceback" not in err
    assert err.startswith("memdie-audit: internal error: KeyError: 'modern-polling-riscv' (at ")
    assert "please report it" in err


def test_checkpatch_style_options(kernel, capsys, monkeypatch) -> None:
    flawed = kernel.revrange("flawed")
    assert main([str(kernel.path), "--series", flawed, "--terse"]) == 1
    terse = capsys.readouterr().out.splitlines()
    assert terse and all(re.match(r"^[\w./-]+:\d+:\d+: (error|warning|note): .* \[[a-z-]+\]$",
                                  line) for line in terse)
    assert main([str(kernel.path), "--series", flawed, "-q", "--ignore",
                 "stale-comment,renumbered-flag"]) == 1
    quiet = capsys.readouterr().out.splitlines()
    assert quiet[-1] == "total: 8 errors, 0 warnings, 0 notes"
    assert not [line for line in quiet if "[stale-comment]" in line or "[renumbered-flag]" in line]
    assert main([str(kernel.path), "--series", flawed, "--types", "stale-comment",
                 "--format", "json"]) == 0  # only a warning is left
    report = json.loads(capsys.readouterr().out)
    assert {f["rule"] for f in report["findings"]} == {"stale-comment"}
    assert all(f["rule"] == "stale-comment" for c in report["commits"] for f in c["findings"])
    assert main([str(kernel.path), "--types", "no-such-rule"]) == 2
    assert "--list-rules" in capsys.readouterr().err
    assert main(["--list-rules"]) == 0
    listed = capsys.readouterr().out.splitlines()
    from memdie_audit.rules import RULES
    assert [line.split()[0] for line in listed] == list(RULES)
    monkeypatch.chdir(kernel.path)  # TREE defaults to .
    assert main(["--rev", kernel.base, "-q"]) == 0
    assert capsys.readouterr().out.endswith("total: 0 errors, 0 warnings, 2 notes\n")


def test_outputs_never_overwrite_the_input_or_each_other(kernel, tmp_path: Path, capsys) -> None:
    from memdie_audit.demo_tree import format_patch

    mailed = tmp_path / "s.mbx"
    mailed.write_bytes(format_patch(kernel.path, kernel.base, kernel.heads["clean"]))
    before = mailed.read_bytes()
    assert main([str(kernel.path), "--mbox", str(mailed), "-o", str(mailed)]) == 2
    assert main([str(kernel.path), "--mbox", str(mailed), "--html", str(mailed)]) == 2
    assert "the mbox being audited" in capsys.readouterr().err
    page = tmp_path / "r.html"
    assert main([str(kernel.path), "--rev", kernel.base, "-o", str(page),
                 "--html", str(page)]) == 2
    assert "name the same file" in capsys.readouterr().err
    assert mailed.read_bytes() == before and not page.exists()


def test_a_reader_that_goes_away_keeps_the_findings_status(kernel, tmp_path: Path) -> None:
    page = tmp_path / "r.html"
    script = ("import sys; from memdie_audit.cli import main; sys.exit(main(sys.argv[1:]))")
    run = subprocess.run(
        f"{sys.executable} -c '{script}' {kernel.path} --series {kernel.revrange('flawed')} "
        f"--format json --html {page} | head -c 100 >/dev/null; "  # JSON: far past a pipe's buffer
        f"echo \"status ${{PIPESTATUS[0]}}\"",
        shell=True, executable="/bin/bash", capture_output=True, text=True, timeout=120)
    assert run.stdout.splitlines()[-1] == "status 1", run.stdout + run.stderr
    assert run.stderr == "" and page.exists()


def test_ranges_in_gits_forms_imply_head(tmp_path: Path, capsys) -> None:
    origin = make_repo(tmp_path / "origin", FILES)
    clone = tmp_path / "clone"
    git(origin, "clone", "-q", ".", str(clone))
    write_tree(clone, {"mm/a.c": "int a;\n"})
    git(clone, "add", "-A")
    git(clone, "commit", "-q", "-m", "mm: a")
    write_tree(clone, {"mm/b.c": "int b;\n"})
    git(clone, "add", "-A")
    git(clone, "commit", "-q", "-m", "mm: b")
    for series in ("origin/master..", "HEAD~2..", "origin/master..HEAD"):
        status, out, err = run(str(clone), "--series", series, "--format", "json",
                               capsys=capsys)
        assert (status, err) == (0, ""), (series, err)
        assert [c["subject"] for c in json.loads(out)["commits"]] == ["mm: a", "mm: b"], series
    git(clone, "checkout", "-q", "HEAD~2")
    status, out, _ = run(str(clone), "--series", "..master", "--format", "json", capsys=capsys)
    assert status == 0 and [c["subject"] for c in json.loads(out)["commits"]] == \
        ["mm: a", "mm: b"]
    assert run(str(clone), "--series", "..", capsys=capsys)[0] == 2


def test_help_gives_examples_that_parse_and_the_exit_statuses(capsys) -> None:
    import shlex

    from memdie_audit import cli

    with pytest.raises(SystemExit) as done:
        main(["--help"])
    assert done.value.code == 0
    text = capsys.readouterr().out
    examples = text.split("\nexamples:\n")[1].split("\n\n")[0].splitlines()
    assert len(examples) >= 5
    for line in examples:
        command = shlex.split(line, comments=True)
        assert command[0] == "memdie-audit"
        if command[1:2] == ["watch"]:  # the review robot has its own command line
            from memdie_audit import robot
            robot.parser().parse_args(command[2:])
        else:
            cli.parser().parse_args(command[1:])  # every example is a valid command line
    statuses = text.split("\nexit status:\n")[1]
    for code in (cli.EXIT_CLEAN, cli.EXIT_FINDINGS, cli.EXIT_BAD_INPUT, cli.EXIT_INTERNAL,
                 cli.EXIT_INTERRUPTED, cli.EXIT_TERMINATED):
        assert re.search(rf"(^  |\b){code}\b", statuses, re.M), code


def _on_a_terminal(args: list[str], env: dict[str, str]) -> str:
    """What the command prints with its stdout on a terminal (a pty)."""
    import os
    import pty

    main_fd, terminal = pty.openpty()
    with subprocess.Popen([sys.executable, "-m", "memdie_audit", *args], stdout=terminal,
                          stderr=subprocess.DEVNULL, env={**os.environ, **env}) as process:
        os.close(terminal)
        chunks = []
        while True:
            try:
                chunk = os.read(main_fd, 65536)
            except OSError:  # EIO: the other side is closed
                break
            if not chunk:
                break
            chunks.append(chunk)
        process.wait(timeout=60)
    os.close(main_fd)
    return b"".join(chunks).decode()


def test_color_on_a_terminal_unless_no_color_never_in_files_or_pipes(kernel, tmp_path: Path,
                                                                      capsys) -> None:
    args = [str(kernel.path), "--series", kernel.revrange("flawed")]
    red = "\x1b[1;31merror\x1b[m"
    painted = _on_a_terminal(args, {"NO_COLOR": "", "TERM": "xterm"})
    assert red in painted and "[\x1b[1;31mbisect-break\x1b[m]" in painted
    assert "verdict: \x1b[1;31mNOT clean\x1b[m" in painted
    assert "\x1b" not in _on_a_terminal(args, {"NO_COLOR": "1", "TERM": "xterm"})
    assert "\x1b" not in _on_a_terminal([*args, "--color", "never"], {"TERM": "xterm"})
    report = tmp_path / "report.txt"
    _on_a_terminal([*args, "-o", str(report)], {"TERM": "xterm"})
    assert "\x1b" not in report.read_text()
    assert main(args) == 1 and "\x1b" not in capsys.readouterr().out  # a pipe
    assert main([*args, "--color", "always", "--terse"]) == 1
    terse = capsys.readouterr().out
    assert red in terse and all(line.endswith("\x1b[m]") for line in terse.splitlines())


def test_the_arch_table_lists_the_arches_that_changed_unless_asked_for_all(kernel,
                                                                          capsys) -> None:
    args = [str(kernel.path), "--series", kernel.revrange("flawed"), "--symbol",
            "TIF_RESTORE_RSE"]
    main(args)
    table = capsys.readouterr().out.split("\narch ")[1].splitlines()
    assert [line.split()[0] for line in table[1:-2]] == ["ia64", "common"]
    assert re.fullmatch(r"\(\d+ more unchanged: --arches all lists them\)", table[-2])
    main([*args, "--arches", "all"])
    table = capsys.readouterr().out.split("\narch ")[1].splitlines()
    rows = {line.split()[0] for line in table[1:-1]}
    assert {"ia64", "x86", "sparc"} <= rows and "generic" not in rows  # 4.9: no generic bits
    assert "unchanged" not in "".join(table)


def _command(args: list[str], redirect: str = "", **env: str) -> subprocess.CompletedProcess[str]:
    """The installed command through a shell, for what a test cannot do in
    process: a closed stdout, /dev/full, another encoding."""
    import os
    import shlex

    line = " ".join(shlex.quote(a) for a in [sys.executable, "-m", "memdie_audit", *args])
    return subprocess.run(f"{line} {redirect}", shell=True, capture_output=True, text=True,
                          errors="surrogateescape", env={**os.environ, **env}, timeout=120)


def test_an_encoding_that_cannot_print_a_character_gets_an_escape(tmp_path: Path) -> None:
    write_tree(tmp_path, {
        "arch/foo/include/asm/thread_info.h": "#define TIF_MEMDIE 4 /* naïve → */\n",
        b"mm/caf\xe9.c".decode("utf-8", "surrogateescape"):
            "void f(void) { clear_thread_flag(TIF_MEMDIE); }\n"})
    done = _command([str(tmp_path)], PYTHONIOENCODING="ascii")
    assert (done.returncode, done.stderr) == (0, "")
    assert "#define TIF_MEMDIE 4 /* na\\xefve \\u2192 */" in done.stdout
    assert "mm/caf\\xe9.c:1:34: use:" in done.stdout
    utf8 = _command([str(tmp_path)], PYTHONIOENCODING="utf-8")
    assert "naïve →" in utf8.stdout and "mm/caf\udce9.c:1:34" in utf8.stdout  # the byte itself


@pytest.mark.parametrize("args", [[], ["--format", "json"], ["-q"], ["--list-rules"]])
@pytest.mark.parametrize("redirect, reason", [
    (">&-", "standard output is closed; give -o FILE"),
    (">/dev/full", "cannot write to standard output: No space left on device"),
])
def test_stdout_that_cannot_be_written_is_exit_2_and_one_line(tmp_path: Path, args, redirect,
                                                              reason) -> None:
    write_tree(tmp_path, FILES)
    done = _command([str(tmp_path), *args], redirect)
    assert done.returncode == 2, done.stderr
    assert done.stderr == f"memdie-audit: error: {reason}\n"


def test_an_output_file_that_cannot_be_written_is_exit_2(tmp_path: Path, capsys) -> None:
    write_tree(tmp_path, FILES)
    for option in ("-o", "--html"):
        for target in ("/dev/full", str(tmp_path / "no-such-dir" / "r.html")):
            assert main([str(tmp_path), option, target]) == 2
            err = capsys.readouterr().err
            assert err.count("\n") == 1 and err.startswith(f"memdie-audit: error: cannot write "
                                                           f"{target}: "), err
