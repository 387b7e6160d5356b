"""Series intent: a range is judged for what it does to the flag — a
removal, a partial one, an addition of users, or nothing at all."""

from __future__ import annotations

import html
import json
import subprocess
import sys
from pathlib import Path

import jsonschema
import pytest
from conftest import copy_repo, git
from test_json import schema

from memdie_audit.api import audit_tree
from memdie_audit.cli import main
from memdie_audit.kernel.archview import free_bits


@pytest.fixture
def scratch(kernel, tmp_path: Path) -> Path:
    """A clone of the shared kernel repository that a test may commit to."""
    clone = tmp_path / "linux"
    subprocess.run(["git", "clone", "-q", "--no-local", str(kernel.path), str(clone)],
                   check=True)
    return clone


def run(capsys, *args: str) -> tuple[int, dict, str]:
    status = main([*args, "--format", "json"])
    out, err = capsys.readouterr()
    return status, (json.loads(out) if out else {}), err


def test_a_push_that_never_touches_the_flag_is_clean(scratch: Path, capsys,
                                                     monkeypatch) -> None:
    git(scratch, "checkout", "-q", "-b", "work", "master")
    (scratch / "drivers" / "char").mkdir(parents=True, exist_ok=True)
    (scratch / "drivers" / "char" / "mem.c").write_text("int mem_open(void) { return 0; }\n")
    git(scratch, "add", "-A")
    git(scratch, "commit", "-q", "-m", "char: a new mem_open")
    from memdie_audit.sources.trees import GitTree

    def no_grep(*args, **kwargs):
        raise AssertionError("the tree was grepped for a series that cannot touch the flag")

    monkeypatch.setattr(GitTree, "start_grep", no_grep)
    status, report, err = run(capsys, str(scratch), "--series", "master..work")
    assert (status, err) == (0, "")
    assert report["intent"] == {"TIF_MEMDIE": "untouched"}
    assert report["findings"] == [] and report["occurrences"] is None
    assert [c["subject"] for c in report["commits"]] == ["char: a new mem_open"]
    jsonschema.validate(report, schema(), cls=jsonschema.Draft202012Validator)
    status = main([str(scratch), "--series", "master..work"])
    out = capsys.readouterr().out
    assert "intent: does not touch TIF_MEMDIE" in out and "the tree was not read" in out
    # A misspelled flag is not taken for an untouched one.
    monkeypatch.undo()
    assert main([str(scratch), "--series", "master..work", "--symbol", "TIF_MEMDEI"]) == 2
    assert "did you mean TIF_MEMDIE?" in capsys.readouterr().err


def test_a_partial_removal_shows_its_progress_not_leftovers(kernel, capsys) -> None:
    third = kernel.commits["clean"][2]  # users converted, definitions still there
    status, report, _ = run(capsys, str(kernel.path), "--series", f"{kernel.base}..{third}")
    assert report["intent"] == {"TIF_MEMDIE": "convert-users"}
    assert status == 0 and report["summary"]["errors"] == 0
    assert not [f for f in report["findings"] if f["rule"].startswith("leftover-")]
    assert main([str(kernel.path), "--series", f"{kernel.base}..{third}"]) == 0
    out = capsys.readouterr().out
    assert "intent: convert-users — references 15 -> 0, definitions kept in 32 headers" in out
    # --intent remove: the same range is a removal that must be complete.
    status, report, _ = run(capsys, str(kernel.path), "--series", f"{kernel.base}..{third}",
                            "--intent", "remove")
    assert status == 1 and report["intent"] == {"TIF_MEMDIE": "remove"}
    assert sum(f["rule"] == "leftover-definition" for f in report["findings"]) == 32


def test_one_arch_removing_its_own_definition_is_progress(scratch: Path, capsys) -> None:
    git(scratch, "checkout", "-q", "-b", "sparc", "master")
    for header in sorted((scratch / "arch" / "sparc" / "include" / "asm").glob("thread_info*")):
        text = header.read_text()
        header.write_text("\n".join(line for line in text.splitlines()
                                    if "TIF_MEMDIE" not in line) + "\n")
    git(scratch, "commit", "-q", "-am", "sparc: stop defining TIF_MEMDIE")
    status, report, _ = run(capsys, str(scratch), "--series", "master..sparc")
    assert report["intent"] == {"TIF_MEMDIE": "remove"}
    assert not [f for f in report["findings"] if f["rule"].startswith("leftover-")]
    main([str(scratch), "--series", "master..sparc"])
    assert "a partial removal" in capsys.readouterr().out


def test_a_misspelled_flag_and_a_tree_that_is_no_kernel_are_bad_input(
        kernel, tmp_path: Path, capsys) -> None:
    assert main([str(kernel.path), "--rev", kernel.base, "--symbol", "TIF_MEMDEI"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "did you mean TIF_MEMDIE?" in err
    assert main([str(kernel.path), "--series", kernel.revrange("clean"),
                 "--symbol", "TIF_MEMDEI"]) == 2
    assert "did you mean TIF_MEMDIE?" in capsys.readouterr().err
    (tmp_path / "notes.txt").write_text("TIF_MEMDIE is a flag\n")
    assert main([str(tmp_path)]) == 2
    assert "not a kernel tree" in capsys.readouterr().err


def test_intent_option_is_checked(kernel, capsys) -> None:
    assert main([str(kernel.path), "--series", kernel.revrange("clean"),
                 "--intent", "obliterate"]) == 2
    assert "--intent 'obliterate'" in capsys.readouterr().err
    assert main([str(kernel.path), "--series", kernel.revrange("clean"),
                 "--intent", "TIF_OTHER=add"]) == 0  # another flag's intent: not this one
    capsys.readouterr()


def test_a_leftover_mask_breaks_the_build_only_where_it_is_expanded(scratch: Path,
                                                                    capsys) -> None:
    header = scratch / "arch" / "um" / "include" / "asm" / "thread_info.h"
    git(scratch, "checkout", "-q", "-b", "gone", "master")
    for path in sorted((scratch / "arch").glob("*/include/asm/thread_info*.h")):
        text = path.read_text()
        keep = path == header  # um keeps its mask, #define _TIF_MEMDIE (1 << TIF_MEMDIE)
        path.write_text("\n".join(line for line in text.splitlines()
                                  if "TIF_MEMDIE" not in line
                                  or (keep and line.startswith("#define _TIF_MEMDIE")))
                        + "\n")
    git(scratch, "commit", "-q", "-am", "arch: get rid of TIF_MEMDIE")
    status, report, _ = run(capsys, str(scratch), "--series", "master..gone")
    um = [f for f in report["findings"] if f["path"] == str(header.relative_to(scratch))]
    assert [f["rule"] for f in um] == ["leftover-mask"]
    # Expanded in um's own code, the same mask is a build break.
    git(scratch, "checkout", "-q", "-b", "used", "gone")
    user = scratch / "arch" / "um" / "kernel" / "victim.c"
    user.parent.mkdir(parents=True, exist_ok=True)
    user.write_text("int victim(unsigned long f) { return f & _TIF_MEMDIE; }\n")
    git(scratch, "add", "-A")
    git(scratch, "commit", "-q", "-m", "um: test the mask")
    status, report, _ = run(capsys, str(scratch), "--series", "gone..used")
    assert status == 1
    assert [(f["rule"], f["path"]) for f in report["findings"] if f["severity"] == "error"] == [
        ("bisect-break", "arch/um/kernel/victim.c")]


def test_an_addition_names_the_arches_it_misses_with_a_free_bit(scratch: Path, capsys) -> None:
    git(scratch, "checkout", "-q", "-b", "add", "master")
    headers = sorted((scratch / "arch").glob("*/include/asm/thread_info*.h"))
    missed = scratch / "arch" / "m68k" / "include" / "asm" / "thread_info.h"
    views = audit_tree(scratch, "TIF_SIGPENDING", rev="master").head.views
    for header in headers:
        arch = header.relative_to(scratch).parts[1]
        if header != missed and arch in views:  # a bit free on each arch, as a patch would
            bit = free_bits(views[arch], 1)[0]
            header.write_text(header.read_text() + f"#define TIF_BRANDNEW {bit}\n")
    git(scratch, "commit", "-q", "-am", "arch: add TIF_BRANDNEW")
    user = scratch / "kernel" / "brandnew.c"
    user.write_text("int brandnew(void) { return test_thread_flag(TIF_BRANDNEW); }\n")
    git(scratch, "add", "-A")
    git(scratch, "commit", "-q", "-m", "kernel: use TIF_BRANDNEW")
    status, report, _ = run(capsys, str(scratch), "--series", "master..add",
                            "--symbol", "TIF_BRANDNEW")
    assert report["intent"] == {"TIF_BRANDNEW": "add"}
    errors = [f for f in report["findings"] if f["severity"] == "error"]
    assert status == 1 and [f["path"] for f in errors] == ["kernel/brandnew.c"]
    assert errors[0]["arches"] == ["m68k"]
    assert "a free bit on each: m68k " in errors[0]["message"]
    assert any(r["arch"] == "m68k" and r["message"].startswith("bit ") and
               r["message"].endswith(" is free") for r in errors[0]["related"])
    # The commit that adds the user lists the same finding.
    assert report["commits"][1]["findings"] == [errors[0]]
    assert not [f for f in report["findings"] if f["rule"].startswith("leftover-")]


def test_text_json_sarif_and_html_agree_on_the_intent(kernel, capsys, tmp_path: Path) -> None:
    third = kernel.commits["clean"][2]
    args = [str(kernel.path), "--series", f"{kernel.base}..{third}"]
    _, report, _ = run(capsys, *args)
    assert main([*args, "--format", "sarif"]) == 0
    sarif = json.loads(capsys.readouterr().out)
    page = tmp_path / "r.html"
    assert main([*args, "--html", str(page)]) == 0
    text = capsys.readouterr().out
    assert report["intent"] == sarif["runs"][0]["properties"]["intent"] == {
        "TIF_MEMDIE": "convert-users"}
    line = next(t for t in text.splitlines() if t.startswith("intent: "))
    assert f'<p class="intent">{line}</p>' in html.unescape(page.read_text(encoding="utf-8"))


def test_a_mask_needs_its_bit_only_where_its_own_definition_uses_it(tmp_path: Path,
                                                                    capsys) -> None:
    from conftest import write_tree

    write_tree(tmp_path, {
        # foo's mask is built from a bit foo does not have: nothing can expand it.
        "arch/foo/include/asm/thread_info.h": "#define TIF_A 1\n#define _TIF_X (1 << TIF_X)\n",
        # bar's mask is a plain value, and bar's own code uses it.
        "arch/bar/include/asm/thread_info.h": "#define TIF_A 1\n#define _TIF_X 0x10\n"
                                              "#if _TIF_X >= 0x2000\n#error too big\n#endif\n",
    })
    status, report, _ = run(capsys, str(tmp_path), "--symbol", "TIF_X")
    assert [(f["rule"], f["arch"]) for f in report["findings"]] == []
    assert status == 0


def test_several_flags_are_audited_at_once(kernel, capsys, monkeypatch) -> None:
    from memdie_audit.sources.trees import GitTree

    greps: list[object] = []
    real_grep = GitTree.start_grep

    def counted(self, symbol):
        greps.append(symbol)
        return real_grep(self, symbol)

    monkeypatch.setattr(GitTree, "start_grep", counted)
    args = [str(kernel.path), "--series", kernel.revrange("duplicate-bit"), "--no-cache"]
    status, report, _ = run(capsys, *args, "--symbol", "TIF_MEMDIE", "--symbol", "TIF_IO_BITMAP")
    assert greps == [("TIF_MEMDIE", "TIF_IO_BITMAP")]  # the base is grepped once for both
    assert status == 1
    assert report["symbols"] == ["TIF_MEMDIE", "TIF_IO_BITMAP"]
    assert report["intent"] == {"TIF_MEMDIE": "remove", "TIF_IO_BITMAP": "renumber"}
    assert {o["symbol"] for o in report["occurrences"]} == {"TIF_MEMDIE", "TIF_IO_BITMAP"}
    # The duplicate bit is about the header, not about either flag: once.
    assert [f["rule"] for f in report["findings"]].count("duplicate-bit") == 1
    assert [f["rule"] for f in report["commits"][-1]["findings"]].count("duplicate-bit") == 1
    jsonschema.validate(report, schema(), cls=jsonschema.Draft202012Validator)
    alone = {s: run(capsys, *args, "--symbol", s)[1] for s in report["symbols"]}
    assert report["occurrences"] == [o for s in report["symbols"]
                                     for o in alone[s]["occurrences"]]
    greps.clear()
    _, tree, _ = run(capsys, str(kernel.path), "--rev", kernel.base, "--no-cache",
                     "--symbol", "TIF_MEMDIE", "--symbol", "TIF_IO_BITMAP")
    assert greps == [("TIF_MEMDIE", "TIF_IO_BITMAP")]
    assert {o["symbol"] for o in tree["occurrences"]} == {"TIF_MEMDIE", "TIF_IO_BITMAP"}
    assert main([*args, "--symbol", "TIF_MEMDIE", "--symbol", "TIF_IO_BITMAP"]) == 1
    out = capsys.readouterr().out
    assert "intent of TIF_MEMDIE: removes TIF_MEMDIE from 32 flag headers" in out
    assert "intent of TIF_IO_BITMAP: renumbers TIF_IO_BITMAP in 1 flag header" in out
    assert "\nTIF_IO_BITMAP:\narch " in out and "\nTIF_MEMDIE:\narch " in out
    # --intent for one flag leaves the other's decided from base and head.
    _, report, _ = run(capsys, *args, "--symbol", "TIF_MEMDIE", "--symbol", "TIF_IO_BITMAP",
                       "--intent", "TIF_IO_BITMAP=move")
    assert report["intent"] == {"TIF_MEMDIE": "remove", "TIF_IO_BITMAP": "move"}


def test_changed_flags_are_the_flags_the_series_changes(kernel, scratch: Path, capsys) -> None:
    _, report, _ = run(capsys, str(kernel.path), "--series", kernel.revrange("duplicate-bit"),
                       "--changed-flags")
    assert report["symbols"] == ["TIF_IO_BITMAP", "TIF_MEMDIE"]
    _, report, _ = run(capsys, str(kernel.path), "--series", kernel.revrange("clean"),
                       "--changed-flags")
    assert report["symbols"] == ["TIF_MEMDIE"] and report["intent"] == {"TIF_MEMDIE": "remove"}
    # A push that changes no flag: clean and quiet, and the tree is not read.
    git(scratch, "checkout", "-q", "-b", "work", "master")
    (scratch / "mm" / "mmap.c").write_text("/* TIF_MEMDIE is not named here any more */\n")
    git(scratch, "commit", "-q", "-am", "mm: a comment")
    git(scratch, "checkout", "-q", "-b", "other", "master")
    (scratch / "drivers").mkdir(exist_ok=True)
    (scratch / "drivers" / "new.c").write_text("int new_driver;\n")
    git(scratch, "add", "-A")
    git(scratch, "commit", "-q", "-m", "drivers: a new one")
    status, report, err = run(capsys, str(scratch), "--series", "master..other",
                              "--changed-flags")
    assert (status, err, report["symbols"], report["intent"]) == (0, "", [], {})
    assert report["occurrences"] is None
    jsonschema.validate(report, schema(), cls=jsonschema.Draft202012Validator)
    assert main([str(scratch), "--series", "master..other", "--changed-flags"]) == 0
    assert "intent: changes no flag's definitions or references" in capsys.readouterr().out
    assert main([str(scratch), "--changed-flags"]) == 2
    assert "--changed-flags goes with --series or --mbox" in capsys.readouterr().err


def test_a_reference_counts_as_changed_only_when_its_number_changes() -> None:
    from memdie_audit.kernel.changed import _reference_changes

    diff = b"\n".join([
        b"diff --git a/mm/a.c b/mm/a.c", b"--- a/mm/a.c", b"+++ b/mm/a.c", b"@@ -1 +1 @@",
        b"-\tif (test_thread_flag(TIF_MEMDIE) && x)",  # edited around: not a change
        b"+\tif (test_thread_flag(TIF_MEMDIE) && y)",
        b"-\tset_thread_flag(TIF_SIGPENDING);",  # gone
        b"diff --git a/mm/b.c b/mm/b.c", b"--- a/mm/b.c", b"+++ b/mm/b.c", b"@@ -1 +1 @@",
        b"+\treturn flags & _TIF_NEED_RESCHED;",  # added, through the mask
        b"--- TIF_UPROBE in a removed line that starts with dashes",
    ])
    changed, used = _reference_changes(diff)
    assert changed == {"TIF_SIGPENDING", "TIF_NEED_RESCHED", "TIF_UPROBE"}
    assert used == {"TIF_NEED_RESCHED"}  # added uses, as a flag


def test_an_addition_need_not_reach_arches_that_cannot_build_its_users(scratch: Path,
                                                                       capsys) -> None:
    """The shape of livepatch's TIF_PATCH_PENDING: the users are built only
    with an option that depends on a capability some arches select."""
    git(scratch, "checkout", "-q", "-b", "patchy", "master")
    able = ("x86", "powerpc", "s390")
    for arch in able:
        header = scratch / "arch" / arch / "include" / "asm" / "thread_info.h"
        bit = free_bits(audit_tree(scratch, "TIF_SIGPENDING").head.views[arch], 1)[0]
        header.write_text(header.read_text() + f"#define TIF_PATCHY {bit}\n")
        kconfig = scratch / "arch" / arch / "Kconfig"
        kconfig.write_text(kconfig.read_text() + "\tselect HAVE_PATCHY if 64BIT\n")
    folder = scratch / "kernel" / "patchy"
    folder.mkdir()
    (folder / "Kconfig").write_text(
        'config HAVE_PATCHY\n\tbool\n\nconfig PATCHY\n\tbool "Patch me"\n'
        "\tdepends on MODULES && HAVE_PATCHY\n\tdepends on SYSFS\n")
    (folder / "Makefile").write_text("obj-$(CONFIG_PATCHY) += patchy.o\n"
                                     "patchy-objs := core.o transition.o\n")
    (folder / "transition.c").write_text(
        "int patchy_pending(struct task_struct *t)\n"
        "{\n\treturn test_tsk_thread_flag(t, TIF_PATCHY);\n}\n")
    (scratch / "kernel" / "Makefile").write_text("obj-y += fork.o\n"
                                                 "obj-$(CONFIG_PATCHY) += patchy/\n")
    (scratch / "include" / "linux" / "patchy.h").write_text(
        "#if IS_ENABLED(CONFIG_PATCHY)\nstatic inline void patchy_update(void)\n"
        "{\n\tclear_thread_flag(TIF_PATCHY);\n}\n#endif\n")
    git(scratch, "add", "-A")
    git(scratch, "commit", "-q", "-m", "patchy: a flag for the arches that can patch")
    status, report, _ = run(capsys, str(scratch), "--series", "master..patchy",
                            "--symbol", "TIF_PATCHY")
    assert report["intent"] == {"TIF_PATCHY": "add"}
    assert (status, [f for f in report["findings"] if f["severity"] == "error"]) == (0, [])
    # Code built on every arch needs the flag on every arch.
    (scratch / "mm" / "patchy.c").write_text(
        "int p(void) { return test_thread_flag(TIF_PATCHY); }\n")
    # ... and an arch that selects the capability without defining the flag breaks.
    kconfig = scratch / "arch" / "m68k" / "Kconfig"
    kconfig.write_text(kconfig.read_text() + "\tselect HAVE_PATCHY\n")
    git(scratch, "add", "-A")
    git(scratch, "commit", "-q", "-m", "mm, m68k: more patchy")
    status, report, _ = run(capsys, str(scratch), "--series", "master..patchy",
                            "--symbol", "TIF_PATCHY")
    errors = {f["path"]: f["arches"] for f in report["findings"]
              if f["rule"] == "dangling-reference"}
    assert status == 1
    # (the header's break is in the commit's bisect-break, the same site)
    assert set(errors) == {"mm/patchy.c", "kernel/patchy/transition.c"}
    assert errors["kernel/patchy/transition.c"] == ["m68k"]
    assert "m68k" in errors["mm/patchy.c"] and "x86" not in errors["mm/patchy.c"]
    assert len(errors["mm/patchy.c"]) > 20


def test_a_run_imports_what_its_mode_and_format_need(kernel, scratch: Path) -> None:
    """An unrelated push pays for no template engine, no parser, no mail."""
    git(scratch, "checkout", "-q", "-b", "work", "master")
    (scratch / "README").write_text("a new readme\n")
    git(scratch, "commit", "-q", "-am", "README: rewrite")
    probe = ("import sys; from memdie_audit.cli import main; status = main(sys.argv[1:]); "
             "print(status, sorted(m for m in ('jinja2', 'tree_sitter', "
             "'memdie_audit.sources.mail') if m in sys.modules))")

    def loaded(*args: str) -> str:
        done = subprocess.run([sys.executable, "-c", probe, *args], capture_output=True,
                              text=True, check=True)
        return done.stdout.splitlines()[-1]

    assert loaded(str(scratch), "--series", "master..work", "-q") == "0 []"
    assert loaded(str(scratch), "--series", "master..work", "--format", "html") \
        .endswith("['jinja2']")


def test_the_html_report_shows_each_flag(kernel, capsys, tmp_path: Path) -> None:
    import re

    page = tmp_path / "r.html"
    args = [str(kernel.path), "--series", kernel.revrange("duplicate-bit"), "--changed-flags"]
    assert main([*args, "--html", str(page)]) == 1
    text = capsys.readouterr().out
    body = html.unescape(page.read_text(encoding="utf-8"))
    for line in (t for t in text.splitlines() if t.startswith("intent of ")):
        assert f'<p class="intent">{line}</p>' in body
    ids = re.findall(r' id="([^"]+)"', body)
    assert len(ids) == len(set(ids))  # every anchor once, though each flag maps the headers
    assert {"matrix", "matrix-TIF_MEMDIE", "inventory", "inventory-TIF_MEMDIE"} <= set(ids)
    assert "<title>memdie-audit: TIF_IO_BITMAP, TIF_MEMDIE — NOT clean</title>" in body


def test_an_arch_that_starts_taking_the_generic_bits_changes_all_its_flags(
        modern, tmp_path: Path, capsys) -> None:
    repo = copy_repo(modern, tmp_path / "linux").path
    git(repo, "checkout", "-q", "-B", "work", modern.base)
    kconfig = repo / "arch" / "arm64" / "Kconfig"
    kconfig.write_text(kconfig.read_text() + "\tselect HAVE_GENERIC_TIF_BITS\n")
    git(repo, "commit", "-q", "-am", "arm64: take the generic TIF bits (the header half forgotten)")
    status, report, _ = run(capsys, str(repo), "--series", "HEAD~1..HEAD", "--changed-flags")
    # arm64's own bits now meet the generic ones: every flag of either is audited
    assert {"TIF_SIGPENDING", "TIF_NEED_RESCHED", "TIF_MEMDIE"} <= set(report["symbols"])
    assert status == 1 and "duplicate-bit" in {f["rule"] for f in report["findings"]}


def test_many_flags_share_a_prefix_grep_and_lose_no_occurrence(kernel, capsys,
                                                                monkeypatch) -> None:
    from memdie_audit.sources.tokens import FEW, grep_arguments

    flags = ["TIF_MEMDIE", "TIF_SIGPENDING", "TIF_NEED_RESCHED", "TIF_IO_BITMAP",
             "TIF_POLLING_NRFLAG", "TIF_UPROBE"]
    assert len(flags) > FEW and grep_arguments(tuple(flags))[:3] == ["-F", "-e", "TIF_"]
    args = [str(kernel.path), "--rev", kernel.base, "--no-cache"]
    _, together, _ = run(capsys, *args, *(a for f in flags for a in ("--symbol", f)))
    alone = [o for f in flags for o in run(capsys, *args, "--symbol", f)[1]["occurrences"]]
    assert together["occurrences"] == alone and len(alone) > 100


def test_an_ifndef_fallback_in_a_common_header_adds_the_flag(scratch: Path, capsys) -> None:
    git(scratch, "checkout", "-q", "-b", "fallback", "master")
    (scratch / "include" / "linux" / "fallback.h").write_text(
        "#ifndef TIF_FALLBACKY\n#define TIF_FALLBACKY 30\n#endif\n")
    (scratch / "mm" / "fallback.c").write_text(
        "int fb(void) { return test_thread_flag(TIF_FALLBACKY); }\n")
    git(scratch, "add", "-A")
    git(scratch, "commit", "-q", "-m", "mm: a flag every arch gets from a fallback")
    status, report, _ = run(capsys, str(scratch), "--series", "master..fallback",
                            "--symbol", "TIF_FALLBACKY")
    assert (status, report["intent"]) == (0, {"TIF_FALLBACKY": "add"})
    assert [f for f in report["findings"] if f["severity"] == "error"] == []
    main([str(scratch), "--series", "master..fallback", "--symbol", "TIF_FALLBACKY"])
    assert "intent: adds TIF_FALLBACKY to 1 header; references 0 -> 1" in capsys.readouterr().out
