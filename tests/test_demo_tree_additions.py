"""The modern tree's series that add TIF_NOTIFY_WORK: what each commit puts
into the tree, read with the shape tests' own small preprocessor
(``_effective_bits``), never with the analyzer. What the analyzer makes of
them is held to each series' expectations in ``test_demo_tree_modern``."""

from __future__ import annotations

import re

import pytest
from conftest import demo_tree
from test_demo_tree_modern import (
    GENERIC,
    GENERIC_ARCHES,
    _effective,
    _effective_bits,
    git,
    grep_files,
    show,
)

FLAG = "TIF_NOTIFY_WORK"
USER = "kernel/notify_work.c"
ARM64 = "arch/arm64/include/asm/thread_info.h"
M68K = "arch/m68k/include/asm/thread_info.h"
GUARDED = {"include/linux/notify_work.h", "kernel/notify/work.c"}
SELECTING = {"x86", "s390", "arm64", "powerpc"}
USES = re.compile(rf"\w+\((\w+, )?{FLAG}\)")  # test_tsk_thread_flag(task, TIF_X): code


@pytest.fixture(scope="module")
def repo(modern) -> demo_tree.FixtureRepo:
    return modern


def touched(repo: demo_tree.FixtureRepo, sha: str) -> set[str]:
    return set(git(repo.path, "show", "--format=", "--name-only", sha).split())


def flag_headers(repo: demo_tree.FixtureRepo) -> set[str]:
    return {h for f in repo.arches.values() for h in f.headers}


def own_headers(repo: demo_tree.FixtureRepo) -> set[str]:
    return {h for a, f in repo.arches.items() if a not in GENERIC_ARCHES for h in f.headers}


def free_bit(bits: dict[str, int], first: int, limit: int) -> int:
    return min(set(range(first, limit)) - set(bits.values()))


def mask_value(text: str, flag: str) -> str:
    m = re.search(rf"^#\s*define\s+_{flag}\s+(.+)$", text, re.M)
    assert m, flag
    return m.group(1).strip()


def test_the_base_has_no_notify_work(repo: demo_tree.FixtureRepo) -> None:
    assert grep_files(repo, repo.base, "-e", "NOTIFY_WORK", ".") == []
    assert not (repo.path / USER).exists() and not (repo.path / "kernel/notify").exists()


def test_definitions_take_the_lowest_free_bit_in_each_headers_idiom(
        repo: demo_tree.FixtureRepo) -> None:
    define, use = repo.commits["modern-add-clean"]
    # Free in the generic header means free whichever optional bits an arch takes.
    switches = {s for f in repo.arches.values() for s in f.tif_switches}
    generic_bits = _effective_bits([show(repo, repo.base, GENERIC)], switches)[0]
    assert touched(repo, define) == own_headers(repo) | {GENERIC}
    assert len(touched(repo, define)) == 19
    for arch, facts in repo.arches.items():
        for before, after in zip(_effective(repo, arch, repo.base), _effective(repo, arch, define),
                                 strict=True):
            bits, masks, duplicates = after
            assert duplicates == [] and masks[f"_{FLAG}"] == FLAG, arch
            assert {n: b for n, b in bits.items() if n != FLAG} == before[0], arch
            if arch in GENERIC_ARCHES:
                assert bits[FLAG] == free_bit(generic_bits, 0, 16) == 12, arch
            else:  # the bits of every #if arm count as taken
                assert bits[FLAG] == free_bit(before[0], 0, min(facts.builds + (32,))), arch
    for header in own_headers(repo):  # the mask in the idiom of the header's other masks
        text = show(repo, define, header)
        idiom = mask_value(text, FLAG).replace(FLAG, "TIF_SIGPENDING")
        assert idiom == mask_value(text, "TIF_SIGPENDING"), header
    assert "#define _TIF_NOTIFY_WORK\tBIT(TIF_NOTIFY_WORK)" in show(repo, define, GENERIC)
    assert touched(repo, use) == {USER, "kernel/Makefile"}
    (line,) = [ln for ln in show(repo, use, USER).splitlines() if FLAG in ln and USES.search(ln)]
    assert "test_and_clear_thread_flag(TIF_NOTIFY_WORK)" in line  # its one reference
    assert set(grep_files(repo, use, "-w", FLAG, ".")) - flag_headers(repo) == {USER}
    assert show(repo, use, "kernel/Makefile").endswith("obj-y += notify_work.o\n")


def test_wrong_additions_differ_from_the_clean_one_in_one_place(
        repo: demo_tree.FixtureRepo) -> None:
    clean = repo.heads["modern-add-clean"]

    def differs(name: str) -> set[str]:
        return set(git(repo.path, "diff", "--name-only", clean, repo.heads[name]).split())

    assert differs("modern-add-missing-arch") == {M68K}
    assert FLAG not in show(repo, repo.heads["modern-add-missing-arch"], M68K)
    assert differs("modern-add-user-first") == set()
    first, second = repo.commits["modern-add-user-first"]
    assert touched(repo, first) == {USER, "kernel/Makefile"}
    assert touched(repo, second) == own_headers(repo) | {GENERIC}
    assert differs("modern-add-colliding-bit") == {ARM64}
    ((_, _, duplicates),) = _effective(repo, "arm64", repo.heads["modern-add-colliding-bit"])
    assert duplicates == [(FLAG, "TIF_SYSCALL_EMU", 12)]


def test_guarded_user_is_built_only_where_its_option_can_be_enabled(
        repo: demo_tree.FixtureRepo) -> None:
    feature, enable = repo.commits["modern-add-guarded"]
    head = repo.heads["modern-add-guarded"]
    assert touched(repo, feature) == GUARDED | {"kernel/notify/Kconfig", "kernel/notify/Makefile",
                                                "kernel/Makefile", "Kconfig"}
    kconfig = show(repo, head, "kernel/notify/Kconfig")
    assert re.search(r"^config NOTIFY_WORK\n(\t.*\n|\n\t.*\n)*?\tdepends on HAVE_NOTIFY_WORK\n",
                     kconfig, re.M)
    assert re.search(r"^config HAVE_NOTIFY_WORK\n\tbool\n", kconfig, re.M)
    assert 'source "kernel/notify/Kconfig"' in show(repo, head, "Kconfig")
    assert "obj-$(CONFIG_NOTIFY_WORK) += work.o" in show(repo, head, "kernel/notify/Makefile")
    header = show(repo, head, "include/linux/notify_work.h")
    guarded = header[header.index("#ifdef CONFIG_NOTIFY_WORK"):header.index("#else")]
    assert USES.search(guarded) and not USES.search(header.replace(guarded, ""))

    def selecting(rev: str) -> set[str]:
        return {a for a in repo.arches
                if "select HAVE_NOTIFY_WORK\n" in show(repo, rev, f"arch/{a}/Kconfig")}

    assert selecting(feature) == set()
    assert selecting(head) == SELECTING
    for arch in repo.arches:  # an arch that can build the user sees the flag
        sees = all(FLAG in bits for bits, _, _ in _effective(repo, arch, head))
        assert sees == (arch in SELECTING | GENERIC_ARCHES), arch
    for arch in SELECTING:  # the Kconfig gains the one select line, nothing else
        diff = git(repo.path, "diff", "-U0", repo.base, head, "--", f"arch/{arch}/Kconfig")
        changed = [ln for ln in diff.splitlines() if ln[:1] in "+-" and ln[:3] not in "+++---"]
        assert changed == ["+\tselect HAVE_NOTIFY_WORK"], arch


def test_remove_and_add_is_the_clean_removal_then_the_clean_addition(
        repo: demo_tree.FixtureRepo) -> None:
    commits = repo.commits["modern-remove-and-add"]
    assert commits[:3] == repo.commits["modern-clean"]
    head = repo.heads["modern-remove-and-add"]
    assert grep_files(repo, head, "-w", "-e", "TIF_MEMDIE", "-e", "_TIF_MEMDIE", ".") == []
    defining = grep_files(repo, head, "-E", rf"#\s*define\s+{FLAG}\b", ".")
    assert set(defining) == own_headers(repo) | {GENERIC}
    assert set(defining) < flag_headers(repo)
    for arch in repo.arches:  # the addition keeps its bits: it takes none the removal freed
        assert [b[0][FLAG] for b in _effective(repo, arch, head)] == \
               [b[0][FLAG] for b in _effective(repo, arch, repo.heads["modern-add-clean"])]
