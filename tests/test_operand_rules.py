"""The operand rules, bit-mask-confusion and asm-immediate, on the asm-bugs
fixture era: TIF_NOTIFY_SIGNAL added arch by arch, wrong once per arch in
the idioms of 14 arches, and the same series done right in forms that look
suspicious. A series is held to its exact operand findings, each at the
commit that introduced it; the clean twins to none at all."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from conftest import demo_tree, make_repo

from memdie_audit.cli import main
from memdie_audit.kernel import immediates
from memdie_audit.kernel.flagtable import read_flag_table

SPECS = demo_tree.ERAS["asm-bugs"].series
OPERAND_RULES = ("bit-mask-confusion", "asm-immediate")


@pytest.fixture(scope="module")
def repo(tmp_path_factory: pytest.TempPathFactory) -> demo_tree.FixtureRepo:
    return demo_tree.build_repo(tmp_path_factory.mktemp("asm-bugs") / "linux", era="asm-bugs")


def audit(capsys, *args: str) -> dict:
    main([*args, "--format", "json", "--no-cache"])
    return json.loads(capsys.readouterr().out)


def series_audit(capsys, repo: demo_tree.FixtureRepo, name: str, *symbols: str) -> dict:
    flags = symbols or SPECS[name].symbols
    return audit(capsys, str(repo.path), "--series", repo.revrange(name),
                 *(arg for s in flags for arg in ("--symbol", s)))


def operand_findings(result: dict) -> list[dict]:
    return [f for f in result["findings"] if f["rule"] in OPERAND_RULES]


def test_each_flawed_commit_is_reported_once_where_it_breaks(repo, capsys) -> None:
    name = "asm-notify-signal-flawed"
    result = series_audit(capsys, repo, name)
    commits = repo.commits[name]
    found = operand_findings(result)
    expected = SPECS[name].expected
    assert not SPECS[name].unmatched(found, commits)
    # exactly these: one finding per expectation, nothing else
    assert sorted((f["rule"], f["path"], commits.index(f["commit"]) + 1) for f in found) == \
        sorted((e.rule, e.path, e.commit) for e in expected)


def test_a_repair_later_in_the_series_is_named(repo, capsys) -> None:
    name = "asm-notify-signal-flawed"
    result = series_audit(capsys, repo, name)
    last = repo.commits[name][-1]
    repaired = {(f["rule"], f["path"]) for f in operand_findings(result)
                if "repaired by" in f["message"]}
    assert repaired == set(demo_tree.bug_series_asm.REPAIRED)
    for f in operand_findings(result):
        if (f["rule"], f["path"]) in repaired:
            assert last[:12] in f["message"]
            assert f["at_head"] is None  # gone after the series
        else:
            assert f["at_head"] is not None


@pytest.mark.parametrize("name", ["asm-notify-signal-clean", "asm-arm-renumber-clean"])
def test_the_clean_twins_have_no_error(repo, capsys, name) -> None:
    result = series_audit(capsys, repo, name)
    assert operand_findings(result) == []
    assert not SPECS[name].unwanted(result["findings"], repo.commits[name])


def test_an_unencodable_immediate_carries_the_renumbering_that_caused_it(repo, capsys) -> None:
    """TIF_SECCOMP moves from bit 7 to 16: ``tst r1, #_TIF_SYSCALL_WORK`` no
    longer encodes. Audited with a flag of the same mask, the two flags'
    walks give one asm-immediate finding, which holds the renumbered-flag
    finding (the move is the series' intent: arm's one note of its moves)."""
    result = series_audit(capsys, repo, "asm-arm-renumber", "TIF_SECCOMP", "TIF_SYSCALL_TRACE")
    (found,) = operand_findings(result)
    assert found["path"] == "arch/arm/kernel/entry-common.S"
    assert "0x10011" in found["message"] and "modified immediate" in found["message"]
    assert not [f for f in result["findings"] if f["rule"] == "renumbered-flag"]
    assert any(r["message"].startswith("renumbered-flag: ") and "TIF_SECCOMP 7->16" in
               r["message"] for r in found["related"])
    # the same move within the byte: only the renumbering
    clean = series_audit(capsys, repo, "asm-arm-renumber-clean", "TIF_SECCOMP",
                         "TIF_SYSCALL_TRACE")
    assert [f["rule"] for f in clean["findings"]] == ["renumbered-flag"]


def _expected_lines(path: Path) -> set[int]:
    return {n for n, line in enumerate(path.read_text().splitlines(), 1)
            if re.search(r"expect: bit-mask-confusion", line)}


def test_idioms_in_c_and_assembly_are_told_apart(repo, capsys) -> None:
    """kernel/flag_idioms.c and arch/x86/kernel/flag_idioms.S mark their
    wrong lines inline; a tree audit finds exactly those."""
    result = audit(capsys, str(repo.path), "--rev", repo.base, "--symbol", "TIF_SIGPENDING",
                   "--symbol", "TIF_NEED_RESCHED")
    for path in ("kernel/flag_idioms.c", "arch/x86/kernel/flag_idioms.S"):
        found = sorted(f["line"] for f in operand_findings(result) if f["path"] == path)
        assert found == sorted(_expected_lines(repo.path / path)), path


def test_names_with_a_tif_prefix_are_judged_by_their_definition(repo) -> None:
    """``TIF_WORK_MASK_LEGACY 0x0e`` is a mask, parisc's
    ``TIF_SINGLESTEP_PA_BIT`` (``31-TIF_SINGLESTEP``) a constant: no flag."""
    header = "arch/xtensa/include/asm/thread_info.h"
    table = read_flag_table(header, (repo.path / header).read_bytes())
    assert "TIF_WORK_MASK_LEGACY" not in {b.name for b in table.bits}
    assert table.mask("TIF_WORK_MASK_LEGACY").value == 0x0E
    text = (b"#define TIF_SINGLESTEP 9\n#define TIF_SINGLESTEP_PA_BIT (31-TIF_SINGLESTEP)\n"
            b"#define TIF_WORK_MASK 0x00007FFE\n#define TIF_RSEQ TIF_SINGLESTEP\n")
    table = read_flag_table("arch/parisc/include/asm/thread_info.h", text)
    assert [b.name for b in table.bits] == ["TIF_SINGLESTEP", "TIF_RSEQ"]
    assert [m.name for m in table.masks] == ["TIF_WORK_MASK"]


@pytest.mark.parametrize(("arch", "line", "value", "fits"), [
    # arm: 8 bits rotated right by an even amount (0x3fc = 0xff ror 30)
    ("arm", "\ttst\tr1, #_TIF_X", 0x3FC, True),
    ("arm", "\ttst\tr1, #_TIF_X", 0x100E, False),
    # ARM state cannot rotate by an odd amount, Thumb-2 can: either build fails
    ("arm", "\ttst\tr1, #_TIF_X", 0x1FE, False),
    ("arm", "\tbic\tr1, r1, #_TIF_X", 0xFFFFFF00, True),  # gas writes and #0xff
    # arm64: one run of ones, repeated
    ("arm64", "\ttst\tx1, #_TIF_X", 0x7F, True),
    ("arm64", "\tand\tx2, x1, #_TIF_X", 0x4E, False),
    ("arm64", "\tand\tx2, x1, #_TIF_X", 0x5555555555555555, True),
    ("riscv", "\tandi\ts1, s0, _TIF_X", 0x7FF, True),
    ("riscv", "\tandi\ts1, s0, _TIF_X", 0x800, False),
    ("mips", "\tandi\tt0, a2, _TIF_X", 0xFFFF, True),
    ("mips", "\tandi\tt0, a2, _TIF_X", 0x10000, False),
    ("sparc", "\tandcc\t%l0, _TIF_X, %g0", 0xFFF, True),
    ("sparc", "\tandcc\t%l0, _TIF_X, %g0", 0x1000, False),
    ("s390", "\tTSTMSK\t__TI_flags(%r12), _TIF_X", 0x300, True),
    ("s390", "\tTSTMSK\t__TI_flags(%r12), _TIF_X", 0x180, False),
    ("sh", "\ttst\t#_TIF_X, r0", 0xFF, True),
    ("sh", "\tmov\t#_TIF_X, r1", 0x80, False),  # sign-extended: 0xffffff80
    ("x86", "\ttestl\t$_TIF_X, %ecx", 0xFFFFFFFF, True),
    ("x86", "\ttestb\t$_TIF_X, %cl", 0x100, False),
    ("xtensa", "\tmovi\ta3, _TIF_X", 0xFFFFFFFF, True),  # gas relaxes to l32r
])
def test_immediate_classes(arch, line, value, fits) -> None:
    read = immediates.read_line(line, arch)
    entry = immediates.instruction(arch, read.mnemonic)
    assert immediates.encodes(entry.klass, value, width=64)[0] is fits


def test_every_table_entry_says_where_its_rule_comes_from() -> None:
    for arch, entries in immediates._table().items():
        for mnemonic, entry in entries.items():
            assert entry.source.strip(), (arch, mnemonic)
            assert entry.takes in ("mask", "bit", "value")
            if entry.takes != "bit":
                immediates.encodes(entry.klass, 1)  # a class the code knows


# sh keeps its syscall-work flag above the low byte that ``tst #imm`` can
# test: the return from an exception may leave it out (no syscall work is
# done there), the syscall exit path may not.
SH_HEADER = """\
#define TIF_SYSCALL_TRACE	0	/* syscall trace active */
#define TIF_SIGPENDING		1	/* signal pending */
#define TIF_NEED_RESCHED	2	/* rescheduling necessary */
#define TIF_NOTIFY_RESUME	7	/* callback before returning to user */
#define TIF_SYSCALL_TRACEPOINT	8	/* syscall tracepoint */
#define _TIF_SYSCALL_TRACE	(1 << TIF_SYSCALL_TRACE)
#define _TIF_SIGPENDING		(1 << TIF_SIGPENDING)
#define _TIF_NEED_RESCHED	(1 << TIF_NEED_RESCHED)
#define _TIF_NOTIFY_RESUME	(1 << TIF_NOTIFY_RESUME)
#define _TIF_SYSCALL_TRACEPOINT	(1 << TIF_SYSCALL_TRACEPOINT)
#define _TIF_WORK_SYSCALL_MASK	(_TIF_SYSCALL_TRACE | _TIF_SYSCALL_TRACEPOINT)
#define _TIF_ALLWORK_MASK	(_TIF_SYSCALL_TRACE | _TIF_SIGPENDING | _TIF_NEED_RESCHED | \\
				 _TIF_NOTIFY_RESUME | _TIF_SYSCALL_TRACEPOINT)
#define _TIF_WORK_MASK		(_TIF_ALLWORK_MASK & ~_TIF_SYSCALL_TRACE)
"""
SH_ENTRY = """\
#include <asm/thread_info.h>
resume_userspace:
	tst	#(_TIF_WORK_MASK & 0xff), r0
	bt/s	__restore_all
	 tst	#_TIF_NEED_RESCHED, r0
syscall_exit_work:
	tst	#(_TIF_WORK_SYSCALL_MASK & 0xff), r0
	bt/s	work_pending
	 nop
"""
SH_SYSCALL_EXIT = """\
syscall_exit:
	tst	#(_TIF_ALLWORK_MASK & 0xff), r0
	mov	#(_TIF_ALLWORK_MASK >> 8), r1
	bf	syscall_exit_work
	shlr8	r0
	tst	r0, r1
	bf	syscall_exit_work
"""


def test_a_truncated_exit_test_may_leave_out_syscall_work_only(tmp_path, capsys) -> None:
    tree = make_repo(tmp_path / "sh", {"arch/sh/include/asm/thread_info.h": SH_HEADER,
                                       "arch/sh/kernel/entry-common.S": SH_ENTRY})
    result = audit(capsys, str(tree), "--rev", "HEAD", "--symbol", "TIF_SYSCALL_TRACEPOINT")
    found = operand_findings(result)
    # the syscall exit path drops the tracepoint flag; the exception return does not count
    assert [(f["rule"], f["line"]) for f in found] == [("asm-immediate", 7)], found
    assert "TIF_SYSCALL_TRACEPOINT" in found[0]["message"]
    # a file that tests the high byte of the flags on a path of its own (and
    # jumps to the truncated test with them shifted down) is beyond what the
    # rule can follow: silence
    shifting = SH_ENTRY + SH_SYSCALL_EXIT
    tree = make_repo(tmp_path / "sh-shifting", {
        "arch/sh/include/asm/thread_info.h": SH_HEADER,
        "arch/sh/kernel/entry-common.S": shifting})
    result = audit(capsys, str(tree), "--rev", "HEAD", "--symbol", "TIF_SYSCALL_TRACEPOINT")
    assert operand_findings(result) == []
