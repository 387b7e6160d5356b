"""memdie-audit fix: the mechanical arch patch, written, applied with git am
on a clone, audited; and the atlas of every arch's bits."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from conftest import commit_all, copy_repo, git, repo_state, write_tree

from memdie_audit.cli import main
from memdie_audit.kernel.flagedit import add_flag, remove_flag
from memdie_audit.kernel.flagtable import read_flag_table


def fix(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    status = main(["fix", *map(str, args)])
    out, err = capsys.readouterr()
    return status, out, err


def clone_at(repo: Path, rev: str, dest: Path) -> Path:
    git(dest.parent, "clone", "-q", str(repo), str(dest))
    git(dest, "checkout", "-q", "--detach", rev)
    return dest


def am(clone: Path, patch: Path) -> None:
    git(clone, "am", "-q", str(patch))


def audit_series(capsys: pytest.CaptureFixture[str], repo: Path, rng: str, symbol: str
                 ) -> tuple[int, str]:
    status = main([str(repo), "--series", rng, "--symbol", symbol, "-q"])
    return status, capsys.readouterr().out


def test_remove_after_the_users_are_converted_is_the_hand_made_patch(kernel, tmp_path, capsys):
    users_converted = kernel.commits["clean"][-2]
    before = repo_state(kernel.path)
    patch = tmp_path / "remove.patch"
    status, out, err = fix(capsys, kernel.path, "--rev", users_converted,
                           "--symbol", "TIF_MEMDIE", "--remove", "-o", patch)
    assert status == 0 and out == ""
    assert "0 error(s)" in err
    assert repo_state(kernel.path) == before  # nothing written into the repository
    mail = patch.read_text()
    assert "Subject: [PATCH] arch: get rid of TIF_MEMDIE" in mail
    assert f"base-commit: {users_converted}" in mail
    assert "Signed-off-by" not in mail
    assert "arch/tile/include/asm/thread_info.h:" in mail and "_TIF_MEMDIE" in mail
    clone = clone_at(kernel.path, users_converted, tmp_path / "clone")
    am(clone, patch)
    # byte for byte what the hand-made "arch: get rid of TIF_MEMDIE" did
    assert git(clone, "rev-parse", "HEAD^{tree}") == \
        git(kernel.path, "rev-parse", f"{kernel.heads['clean']}^{{tree}}")
    status, report = audit_series(capsys, clone, "HEAD~1..HEAD", "TIF_MEMDIE")
    assert status == 0, report


def test_refuses_while_references_remain(kernel, tmp_path, capsys):
    patch = tmp_path / "remove.patch"
    status, out, err = fix(capsys, kernel.path, "--rev", kernel.base, "--symbol", "TIF_MEMDIE",
                           "--remove", "-o", patch)
    assert status == 2 and not patch.exists()
    assert re.search(r"^mm/oom_kill\.c:\d+:\d+: use: ", err, re.M)
    assert err.strip().splitlines()[-1].startswith("memdie-audit: error: TIF_MEMDIE is still "
                                                   "referenced")
    status, _, err = fix(capsys, kernel.path, "--rev", kernel.base, "--symbol", "TIF_MEMDIE",
                         "--remove", "--force", "-o", patch)
    assert status == 0, err
    assert "Written with --force" in patch.read_text()


def test_split_writes_one_patch_per_arch_that_git_am_takes(kernel, tmp_path, capsys):
    users_converted = kernel.commits["clean"][-2]
    patch = tmp_path / "series.mbox"
    status, _, err = fix(capsys, kernel.path, "--rev", users_converted, "--symbol", "TIF_MEMDIE",
                         "--remove", "--split", "-o", patch)
    assert status == 0, err
    subjects = re.findall(r"^Subject: (.*)$", patch.read_text(), re.M)
    # One per arch of 4.9 (sparc's two headers: one patch); no generic bits in 4.9.
    assert subjects[0].startswith("[PATCH 1/") and len(subjects) == 31
    assert any(s.endswith("] x86: get rid of TIF_MEMDIE") for s in subjects)
    assert not any("asm-generic" in s for s in subjects)
    clone = clone_at(kernel.path, users_converted, tmp_path / "clone")
    am(clone, patch)
    assert git(clone, "rev-parse", "HEAD^{tree}") == \
        git(kernel.path, "rev-parse", f"{kernel.heads['clean']}^{{tree}}")


def test_modern_remove_then_audit_is_clean(modern, tmp_path, capsys):
    users_converted = modern.commits["modern-clean"][-2]
    patch = tmp_path / "remove.patch"
    status, _, err = fix(capsys, modern.path, "--rev", users_converted, "--symbol", "TIF_MEMDIE",
                         "--remove", "-o", patch)
    assert status == 0, err
    clone = clone_at(modern.path, users_converted, tmp_path / "clone")
    am(clone, patch)
    status, report = audit_series(capsys, clone, f"{modern.base}..HEAD", "TIF_MEMDIE")
    assert status == 0, report


def test_split_gives_the_generic_bits_their_own_patch(modern, tmp_path, capsys):
    users_converted = modern.commits["modern-clean"][-2]
    patch = tmp_path / "series.mbox"
    status, _, err = fix(capsys, modern.path, "--rev", users_converted, "--symbol", "TIF_MEMDIE",
                         "--remove", "--split", "-o", patch)
    assert status == 0, err
    subjects = re.findall(r"^Subject: (.*)$", patch.read_text(), re.M)
    assert sum(s.endswith("] asm-generic: get rid of TIF_MEMDIE") for s in subjects) == 1
    clone = clone_at(modern.path, users_converted, tmp_path / "clone")
    am(clone, patch)
    status, report = audit_series(capsys, clone, f"{modern.base}..HEAD", "TIF_MEMDIE")
    assert status == 0, report


@pytest.mark.parametrize("era", ["4.9", "modern"])
def test_add_then_a_common_user_then_remove(era, kernel, modern, tmp_path, capsys):
    built = kernel if era == "4.9" else modern
    patch = tmp_path / "add.patch"
    status, _, err = fix(capsys, built.path, "--rev", built.base, "--symbol", "TIF_NEWFLAG",
                         "--add", "-o", patch)
    assert status == 0, err
    mail = patch.read_text()
    assert "Subject: [PATCH] arch: add TIF_NEWFLAG" in mail
    # once for the arches on the generic bits, which the modern era has and 4.9 had not
    assert ("include/asm-generic/thread_info_tif.h:" in mail) == (era == "modern")
    clone = clone_at(built.path, built.base, tmp_path / "clone")
    am(clone, patch)
    write_tree(clone, {"kernel/newflag.c": "#include <linux/sched.h>\n\n"
                       "void note(void)\n{\n\tset_thread_flag(TIF_NEWFLAG);\n}\n"})
    commit_all(clone, "kernel: a user of TIF_NEWFLAG")
    status, report = audit_series(capsys, clone, f"{built.base}..HEAD", "TIF_NEWFLAG")
    assert status == 0, report
    # adding then removing gives back the original bytes
    git(clone, "reset", "-q", "--hard", "HEAD~1")
    removal = tmp_path / "remove.patch"
    status, _, err = fix(capsys, clone, "--symbol", "TIF_NEWFLAG", "--remove", "-o", removal)
    assert status == 0, err
    am(clone, removal)
    assert git(clone, "rev-parse", "HEAD^{tree}") == \
        git(clone, "rev-parse", f"{built.base}^{{tree}}")


def test_a_requested_bit_taken_on_one_arch_goes_elsewhere_there(modern, tmp_path, capsys):
    clone = copy_repo(modern, tmp_path / "copy").path
    git(clone, "checkout", "-q", "--detach", modern.base)
    header = clone / "arch/arm64/include/asm/thread_info.h"
    text = header.read_text()
    owner = re.search(r"^#define (TIF_\w+)\s+17\b", text, re.M)
    assert owner is None, "the fixture changed: pick another bit"
    # take bit 17 on arm64, which had it free
    first = re.search(r"^#define TIF_\w+[ \t]+\d+.*\n", text, re.M)
    header.write_text(text[:first.end()] + "#define TIF_TAKEN\t\t17\n" + text[first.end():])
    commit_all(clone, "arm64: take bit 17")
    status, out, err = fix(capsys, clone, "--symbol", "TIF_NEWFLAG", "--add", "--bit", "17")
    assert status == 0, err
    line = re.search(r"arch/arm64/include/asm/thread_info\.h:\s+(.*?\))", out, re.S).group(1)
    assert "bit 17 is TIF_TAKEN" in " ".join(line.split())
    assert re.search(r"arch/m68k/include/asm/thread_info\.h:\s+bit 17 for m68k \(as asked\)",
                     out)


COMPOSITE = b"""#ifndef _ASM_TOY_THREAD_INFO_H
#define _ASM_TOY_THREAD_INFO_H
#define TIF_SIGPENDING\t\t0\t/* a signal */
#define TIF_GONE\t\t1\t/* going away,
\t\t\t\t\t * with a comment over two lines */
#define TIF_NEED_RESCHED\t2
#define _TIF_SIGPENDING\t\t(1 << TIF_SIGPENDING)
#define _TIF_GONE\t\t(1 << TIF_GONE)
#define _TIF_NEED_RESCHED\t(1 << TIF_NEED_RESCHED)

#define _TIF_WORK_MASK\t\t\\
\t(_TIF_SIGPENDING | _TIF_NEED_RESCHED |\t\\
\t _TIF_GONE)
#define _TIF_ALLWORK_MASK\t(_TIF_SIGPENDING | _TIF_GONE |\t\\
\t\t\t\t _TIF_NEED_RESCHED)
#endif
"""


def test_composite_masks_across_continuation_lines_keep_their_layout():
    removed = remove_flag(COMPOSITE, "TIF_GONE")
    assert removed.data == COMPOSITE.replace(
        b"#define TIF_GONE\t\t1\t/* going away,\n\t\t\t\t\t * with a comment over two lines */\n",
        b"").replace(b"#define _TIF_GONE\t\t(1 << TIF_GONE)\n", b"").replace(
        b" |\t\\\n\t _TIF_GONE)", b")").replace(b" _TIF_GONE |", b"")
    assert removed.removed == ["TIF_GONE (bit 1)", "_TIF_GONE", "_TIF_GONE from _TIF_WORK_MASK",
                               "_TIF_GONE from _TIF_ALLWORK_MASK"]
    table = read_flag_table("arch/toy/include/asm/thread_info.h", removed.data)
    added = add_flag(removed.data, table, "TIF_NEW", 1)
    assert b"#define TIF_NEW\t\t\t1\n#define TIF_NEED_RESCHED" in added
    assert b"#define _TIF_NEW\t\t(1 << TIF_NEW)\n" in added
    assert remove_flag(added, "TIF_NEW").data == removed.data


def test_atlas_json_text_and_html(modern, tmp_path, capsys):
    assert main(["atlas", str(modern.path), "--rev", modern.base, "--format", "json"]) == 0
    data = json.loads(capsys.readouterr().out)
    x86 = next(a for a in data["arches"] if a["arch"] == "x86")
    assert x86["generic"] and {"name", "bit", "path", "origin", "condition"} <= set(
        x86["flags"][0])
    taken = {f["bit"] for f in x86["flags"]}
    assert data["free"]["x86"] and not taken & set(data["free"]["x86"])
    assert min(data["free"]["x86"]) >= 16
    assert main(["atlas", str(modern.path)]) == 0
    text = capsys.readouterr().out
    assert re.search(r"^x86: generic TIF bits, 32/64-bit flags$", text, re.M)
    assert re.search(r"^  free: ", text, re.M) and text.rstrip().splitlines()[-1].startswith(
        "total: ")
    page = tmp_path / "atlas.html"
    assert main(["atlas", str(modern.path), "--format", "html", "-o", str(page)]) == 0
    html = page.read_text()
    assert "<th>x86</th>" in html and "http" not in html.replace(
        'http-equiv="Content-Security-Policy"', "")


@pytest.mark.parametrize("argv", [
    ["fix", "/nonexistent", "--symbol", "TIF_X", "--remove"],
    ["fix", "--symbol", "TIF_X"],
    ["fix", "--symbol", "TIF_X", "--add", "--remove"],
    ["fix", "--symbol", "TIF_X", "--remove", "--bit", "3"],
    ["atlas", "/nonexistent"],
    ["atlas", "--format", "pdf"],
])
def test_bad_input_is_one_line_and_exit_2(argv, capsys):
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert len(err.strip().splitlines()) == 1 and "Traceback" not in err


def test_fix_bad_revision_and_unknown_flag(kernel, capsys):
    assert main(["fix", str(kernel.path), "--rev", "nope", "--symbol", "TIF_MEMDIE",
                 "--remove"]) == 2
    assert main(["fix", str(kernel.path), "--symbol", "TIF_MEMDEI", "--remove"]) == 2
    err = capsys.readouterr().err
    assert "did you mean TIF_MEMDIE" in err


def test_split_asks_the_trees_get_maintainer_for_each_patchs_cc(kernel, tmp_path, capsys):
    """Run from the tree's working copy, read-only: here a stand-in script
    that names one list per arch the patch touches."""
    users_converted = kernel.commits["clean"][-2]
    clone = clone_at(kernel.path, users_converted, tmp_path / "linux")
    (clone / "MAINTAINERS").write_text("THREAD FLAGS\nL:\tflags@example.org\n")
    (clone / "scripts").mkdir(exist_ok=True)
    (clone / "scripts" / "get_maintainer.pl").write_text(
        "my %seen;\nwhile (<>) { $seen{$1} = 1 if m{^\\+\\+\\+ b/arch/([^/]+)/}; }\n"
        'print "linux-$_\\@example.org\\n" for sort keys %seen;\n')
    before = repo_state(clone)
    patch = tmp_path / "series.mbox"
    status, _, err = fix(capsys, clone, "--rev", "HEAD", "--symbol", "TIF_MEMDIE", "--remove",
                         "--split", "-o", patch)
    assert status == 0, err
    mails = patch.read_text().split("\nFrom ")
    x86 = next(m for m in mails if "x86: get rid of TIF_MEMDIE" in m)
    assert "\nCc: linux-x86@example.org\n" in x86
    assert repo_state(clone) == before


def test_split_into_a_directory_writes_format_patch_files(kernel, tmp_path, capsys):
    users_converted = kernel.commits["clean"][-2]
    folder = tmp_path / "out"
    status, _, err = fix(capsys, kernel.path, "--rev", users_converted, "--symbol", "TIF_MEMDIE",
                         "--remove", "--split", "-o", f"{folder}/")
    assert status == 0, err
    names = sorted(p.name for p in folder.iterdir())
    assert len(names) == 31 and names[0].startswith("0001-")
    assert any(re.fullmatch(r"\d{4}-x86-get-rid-of-TIF_MEMDIE\.patch", n) for n in names)
    clone = clone_at(kernel.path, users_converted, tmp_path / "clone")
    git(clone, "am", "-q", *(str(folder / n) for n in names))
    assert git(clone, "rev-parse", "HEAD^{tree}") == \
        git(kernel.path, "rev-parse", f"{kernel.heads['clean']}^{{tree}}")
