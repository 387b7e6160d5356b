"""The inventory of the fixture kernel tree: nothing lost, everything classified."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest
from conftest import demo_tree, git
from mutate import git_tokens

from memdie_audit.api import audit_source
from memdie_audit.kernel.model import Kind
from memdie_audit.result import Severity
from memdie_audit.sources.trees import GitTree, PlainTree, open_source

SYMBOLS = ["TIF_MEMDIE", "TIF_SIGPENDING", "TIF_NEED_RESCHED", "TIF_POLLING_NRFLAG",
           "TIF_32BIT"]


@pytest.mark.parametrize("symbol", SYMBOLS)
def test_every_git_grep_token_is_an_occurrence(kernel, symbol: str) -> None:
    for rev in (kernel.base, *kernel.heads.values()):
        audit = audit_source(GitTree(kernel.path, rev), symbol)
        got = {(o.path, o.line, o.column) for o in audit.head.all_occurrences()}
        assert got == git_tokens(kernel.path, rev, symbol), rev


def test_the_base_tree_is_consistent(kernel) -> None:
    for symbol in SYMBOLS:
        audit = audit_source(GitTree(kernel.path, kernel.base), symbol)
        assert [f for f in audit.findings if f.severity is not Severity.NOTE] == [], symbol


def test_every_arch_header_and_every_kind(kernel) -> None:
    audit = audit_source(GitTree(kernel.path, kernel.base), "TIF_MEMDIE")
    head = audit.head
    assert len(head.tables) >= 30
    kinds = {o.kind for o in head.all_occurrences()}
    assert kinds == set(Kind)
    for name, facts in kernel.arches.items():
        for header, bit in facts.memdie_bit.items():
            table = head.tables[header]
            assert table.bit("TIF_MEMDIE").value == bit, name
            if header in facts.widths:  # the arch's own headers; the generic one is shared
                assert table.width == facts.widths[header], header
    assert not head.generic_arches  # 4.9: every arch on its own header


def test_uses_name_their_function(kernel) -> None:
    audit = audit_source(GitTree(kernel.path, kernel.base), "TIF_MEMDIE")
    uses = [o for o in audit.head.all_occurrences()
            if o.kind is Kind.USE and o.path.startswith(("mm/", "kernel/"))]
    assert uses and all(o.function for o in uses)
    assert any(o.function == "mark_oom_victim" for o in uses)


def test_hostile_c_falls_back_with_a_note(kernel) -> None:
    audit = audit_source(GitTree(kernel.path, kernel.base), "TIF_MEMDIE")
    notes = [f for f in audit.findings if f.rule == "parse-fallback"]
    assert [f.path for f in notes] == [demo_tree.HOSTILE_PATH]
    hostile = audit.head.occurrences[demo_tree.HOSTILE_PATH]
    assert any(o.fallback and o.kind is Kind.USE for o in hostile)


def test_plain_directory_equals_the_commit(kernel, tmp_path: Path) -> None:
    plain = tmp_path / "tarball"
    plain.mkdir()
    archive = subprocess.run(["git", "-C", str(kernel.path), "archive", kernel.base],
                             capture_output=True, check=True).stdout
    subprocess.run(["tar", "-x", "-C", str(plain)], input=archive, check=True)
    assert isinstance(open_source(str(plain), None), PlainTree)
    from_plain = audit_source(PlainTree(plain), "TIF_MEMDIE")
    from_git = audit_source(GitTree(kernel.path, kernel.base), "TIF_MEMDIE")
    assert from_plain.head.all_occurrences() == from_git.head.all_occurrences()
    assert from_plain.head.tables == from_git.head.tables
    assert from_plain.findings == from_git.findings


def test_working_tree_of_the_checked_out_branch(kernel) -> None:
    branch = git(kernel.path, "rev-parse", "HEAD").strip()
    work = audit_source(GitTree(kernel.path, None), "TIF_MEMDIE")
    at_rev = audit_source(GitTree(kernel.path, branch), "TIF_MEMDIE")
    assert work.head.all_occurrences() == at_rev.head.all_occurrences()


def test_text_report_lines_are_compiler_style(kernel, capsys) -> None:
    from memdie_audit.cli import main

    assert main([str(kernel.path), "--rev", kernel.base]) == 0
    out = capsys.readouterr().out
    located = [line for line in out.splitlines() if re.match(r"^[\w./-]+:\d+:\d+: ", line)]
    assert len(located) > 60
    # The notes: a statement that does not parse, and mips' bit 31 int mask.
    assert out.splitlines()[-1] == "total: 0 errors, 0 warnings, 2 notes"
    assert "arch/mips/include/asm/thread_info.h:80:9: note: _TIF_SYSCALL_TRACE is (1 << " \
        "TIF_SYSCALL_TRACE) with bit 31" in out
